"""Bulk import of centres from Excel: the template, the upload form, the task's checks row by
row, the three modes, progress, and who may see a job."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from stdnum.cn import uscc

from luhuituo.celery import app as celery_app
from luhuituo.core.models import AuditEvent, RegulatorScope
from registry import imports
from registry.models import Centre, Filing, FilingNumberSequence, ImportJob
from tests.factories import CentreFactory, RegulatorFactory, region
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

pytestmark = pytest.mark.django_db

M = ImportJob.Mode
REGULATORS_ONLY = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                   "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                   "parent": FORBIDDEN, "anonymous": LOGIN}
REQUIRED_ZH = "这个字段是必填项。"  # Django's own catalogue: "This field is required."


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def valid_uscc(n: int) -> str:
    body = f"91510502MB{n:07d}"
    return body + uscc.calc_check_digit(body)


def wrong_check_character(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def good_row(n: int, **changes) -> dict:
    row = {
        "name": f"导入托育园{n}", "region": "江阳区", "legal_form": "企业", "uscc": valid_uscc(n),
        "kind": "社区", "address": f"江阳区导入路{n}号",
        "latitude": 28.87 + n / 1000, "longitude": 105.44, "approved_places": 60,
        "service_forms": "全日托、半日托", "provides_meals": "是", "tenure": "租赁",
        "lease_start": dt.date(2024, 1, 1), "lease_end": dt.date(2029, 12, 31),
        "contact_name": "王老师", "contact_phone": "0830-2345678",
        "legal_representative": "李某", "principal_name": "王某",
        "filing_no": None, "filed_on": None,
    }
    row.update(changes)
    return row


def workbook(rows: list[dict], *, headers=None) -> bytes:
    book = Workbook()
    sheet = book.active
    columns = imports.COLUMNS
    sheet.append(headers or [c.header for c in columns])
    for row in rows:
        sheet.append([row.get(c.field) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "centres.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=imports.XLSX_CONTENT_TYPE)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def eager():
    """Celery runs the task in-process while the test lasts."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def run(user, content: bytes, mode: str) -> ImportJob:
    job = ImportJob.objects.create(created_by=user, mode=mode, original_name="centres.xlsx",
                                   file=upload(content))
    imports.run_import_job(job)
    job.refresh_from_db()
    return job


def located(job: ImportJob) -> list[tuple[int, str]]:
    return [(e["row"], e["column"]) for e in job.errors]


# Rows 2, 4 and 6 are good; row 3 has no phone, row 5 has 0 places.
THREE_GOOD_TWO_BAD = [
    good_row(1, filing_no="510502-2024-0042", filed_on=dt.date(2024, 3, 1)),
    good_row(2, contact_phone=None),
    good_row(3, region=510502, service_forms="计时托", tenure="自有",
             lease_start=None, lease_end=None),
    good_row(4, approved_places=0),
    good_row(5, contact_phone=13800001234.0, approved_places=80.0),
]


# --- access -----------------------------------------------------------------------------------


def test_import_start_role_matrix(client_for, personas):
    assert_role_matrix(client_for, personas, url("import-start"), expect=REGULATORS_ONLY)


def test_import_template_role_matrix(client_for, personas):
    assert_role_matrix(client_for, personas, url("import-template"), expect=REGULATORS_ONLY)


def test_import_status_is_for_the_uploader_only(client_for, personas):
    job = ImportJob.objects.create(created_by=personas["district_regulator"], mode=M.VALIDATE,
                                   original_name="江阳批量.xlsx", file=upload(workbook([])))
    expect = REGULATORS_ONLY | {"city_regulator": NOT_FOUND, "other_regulator": NOT_FOUND}
    assert_role_matrix(client_for, personas, url("import-status", job.pk), expect=expect,
                       shown={"district_regulator": ["江阳批量.xlsx"]})
    page = client_for(personas["other_regulator"]).get(url("import-start"))
    assert list(page.context["jobs"]) == []


def test_assessors_cannot_import(client_for):
    assessor = RegulatorFactory(region_code="510502")
    RegulatorScope.objects.filter(user=assessor).update(role=RegulatorScope.Role.ASSESSOR)
    job = ImportJob.objects.create(created_by=assessor, mode=M.VALIDATE, file=upload(b"PK"))
    client = client_for(assessor)
    for target in (url("import-start"), url("import-template"), url("import-status", job.pk)):
        assert client.get(target).status_code == 403
    response = client.post(url("import-start"), {"mode": M.ALL, "file": upload(workbook([]))})
    assert response.status_code == 403
    assert ImportJob.objects.count() == 1


# --- the template ------------------------------------------------------------------------------


def test_template_has_the_columns_an_example_and_an_explanation(client_for, district_regulator):
    response = client_for(district_regulator).get(url("import-template"))
    assert response["Content-Type"] == imports.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    data, notes = book.worksheets
    header = [c.value for c in data[1]]
    assert header == [
        "机构名称", "区县", "法人类型", "统一社会信用代码", "机构类型", "地址",
        "纬度", "经度", "核定托位数", "服务形式", "是否提供膳食", "场地性质", "租赁开始日期",
        "租赁结束日期", "联系人", "联系电话", "法定代表人", "机构负责人", "备案编号", "备案日期",
    ]
    example = dict(zip(header, [c.value for c in data[2]], strict=True))
    assert example["区县"] == "江阳区" and example["法人类型"] == "企业"
    assert [row[0].value for row in notes.iter_rows(min_row=2, max_row=21)] == header
    assert all(row[1].value for row in notes.iter_rows(min_row=2, max_row=21))


def test_the_template_as_downloaded_imports_nothing(client_for, district_regulator):
    content = b"".join(client_for(district_regulator).get(url("import-template"))
                       .streaming_content)
    job = run(district_regulator, content, M.ALL)
    assert job.status == ImportJob.Status.FAILED  # the example row is skipped: no rows left
    assert job.errors[0]["row"] is None
    assert not Centre.objects.filter(name=imports.EXAMPLE["name"]).exists()


def test_a_filled_in_template_imports(client_for, district_regulator):
    content = b"".join(client_for(district_regulator).get(url("import-template"))
                       .streaming_content)
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    for column, value in enumerate([good_row(9)[c.field] for c in imports.COLUMNS], start=1):
        sheet.cell(row=3, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    job = run(district_regulator, buffer.getvalue(), M.ALL)
    assert (job.status, job.errors, job.imported) == (ImportJob.Status.DONE, [], 1)


# --- checking and saving ------------------------------------------------------------------------


def test_import_all_with_errors_saves_nothing(district_regulator):
    centres, filings = Centre.objects.count(), Filing.objects.count()
    job = run(district_regulator, workbook(THREE_GOOD_TWO_BAD), M.ALL)
    assert job.status == ImportJob.Status.DONE
    assert (job.total, job.processed, job.imported) == (5, 5, 0)
    assert located(job) == [(3, "联系电话"), (5, "核定托位数")]
    assert [e["message"] for e in job.errors] == [REQUIRED_ZH, "确保该值大于或等于1。"]
    assert (Centre.objects.count(), Filing.objects.count()) == (centres, filings)
    event = AuditEvent.objects.get(verb="centre_import")
    assert event.actor == district_regulator
    assert event.target_id == str(job.pk)
    assert {k: event.details[k] for k in ("mode", "rows", "valid_rows", "rows_with_errors",
                                          "imported")} == {
        "mode": "all", "rows": 5, "valid_rows": 3, "rows_with_errors": 2, "imported": 0}


def test_import_valid_rows_saves_the_three_good_ones(district_regulator):
    job = run(district_regulator, workbook(THREE_GOOD_TWO_BAD), M.VALID_ROWS)
    assert job.imported == 3
    assert located(job) == [(3, "联系电话"), (5, "核定托位数")]
    centres = {c.name: c for c in Centre.objects.filter(name__startswith="导入托育园")
               .select_related("filing", "region")}
    assert set(centres) == {"导入托育园1", "导入托育园3", "导入托育园5"}
    first, third, fifth = centres["导入托育园1"], centres["导入托育园3"], centres["导入托育园5"]
    assert (first.filing.status, first.filing.filing_no) == (Filing.Status.FILED,
                                                             "510502-2024-0042")
    assert first.filing.filed_at.date() == dt.date(2024, 3, 1)
    assert (third.filing.status, third.filing.filing_no) == (Filing.Status.DRAFT, None)
    assert fifth.filing.status == Filing.Status.DRAFT
    assert first.legal_form == Centre.LegalForm.ENTERPRISE
    assert first.kind == Centre.Kind.COMMUNITY
    assert first.service_forms == ["full_day", "half_day"]
    assert first.provides_meals is True
    assert (first.lease_start, first.lease_end) == (dt.date(2024, 1, 1), dt.date(2029, 12, 31))
    assert first.latitude == Decimal("28.871000")
    assert (third.region.code, third.tenure, third.service_forms) == (
        "510502", Centre.Tenure.OWNED, ["hourly"])
    assert (fifth.contact_phone, fifth.approved_places) == ("13800001234", 80)
    # the next number the bureau issues in 江阳区 for 2024 follows the imported one
    assert FilingNumberSequence.objects.get(region=region("510502"), year=2024).last == 42
    assert AuditEvent.objects.get(verb="centre_import").details["imported"] == 3


def test_validate_only_saves_nothing_even_without_errors(district_regulator):
    job = run(district_regulator, workbook([good_row(1), good_row(2)]), M.VALIDATE)
    assert (job.status, job.errors, job.imported) == (ImportJob.Status.DONE, [], 0)
    assert not Centre.objects.filter(name__startswith="导入托育园").exists()


def test_import_all_without_errors_saves_all(district_regulator):
    job = run(district_regulator, workbook([good_row(1), good_row(2)]), M.ALL)
    assert job.imported == 2
    assert Filing.objects.filter(centre__name__startswith="导入托育园",
                                 status=Filing.Status.DRAFT).count() == 2


def test_every_rule_is_checked_with_its_row_and_column(district_regulator, centre_b):
    CentreFactory(name="已登记", uscc=valid_uscc(90))
    Filing.objects.filter(centre__name="已登记").update(filing_no="510502-2023-0001")
    rows = [
        good_row(1, region="纳溪区"),                                  # 2: outside scope
        good_row(2, region="成都市"),                                  # 3: unknown
        good_row(3, legal_form="有限公司"),                            # 4
        good_row(4, uscc=wrong_check_character(valid_uscc(4))),       # 5
        good_row(5, uscc=valid_uscc(1)),                               # 6: same as row 2
        good_row(6, uscc=valid_uscc(90)),                              # 7: already registered
        good_row(7, latitude=39.9, longitude=116.4),                   # 8: Beijing
        good_row(8, approved_places="很多"),                            # 9
        good_row(9, contact_phone="12345"),                            # 10
        good_row(10, lease_end=dt.date(2023, 12, 31)),             # 11: ends before start
        good_row(11, lease_start=None),                                # 12: leased, no start
        good_row(12, filing_no="2024-0001"),                           # 13: format
        good_row(13, filing_no="510502-2023-0001"),                    # 14: number in use
        good_row(14, service_forms="全日托、夜托"),                      # 15
        good_row(15, filed_on=dt.date(2024, 1, 1)),                # 16: date, no number
        good_row(16, kind="幼儿园", name=None),                          # 17: two problems
        good_row(17, filing_no="510502-2024-0099"),                    # 18
        good_row(18, filing_no="510502-2024-0099"),                    # 19: same as row 18
    ]
    job = run(district_regulator, workbook(rows), M.ALL)
    assert located(job) == [
        (2, "区县"), (3, "区县"), (4, "法人类型"), (5, "统一社会信用代码"),
        (6, "统一社会信用代码"), (7, "统一社会信用代码"), (8, "纬度"), (8, "经度"),
        (9, "核定托位数"), (10, "联系电话"), (11, "租赁结束日期"), (12, "租赁开始日期"),
        (13, "备案编号"), (14, "备案编号"), (15, "服务形式"), (16, "备案日期"),
        (17, "机构名称"), (17, "机构类型"), (19, "备案编号"),
    ]
    assert job.imported == 0
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert "纳溪区" in messages[(2, "区县")] and "江阳区" in messages[(2, "区县")]
    assert "有限公司" in messages[(4, "法人类型")] and "事业单位" in messages[(4, "法人类型")]
    assert "2" in messages[(6, "统一社会信用代码")]  # points at the first row with the code
    assert "18" in messages[(19, "备案编号")]
    assert messages[(17, "机构名称")] == REQUIRED_ZH


def test_a_city_regulator_imports_into_any_district(city_regulator):
    rows = [good_row(1, region="纳溪区"), good_row(2, region="510525")]
    job = run(city_regulator, workbook(rows), M.ALL)
    assert (job.errors, job.imported) == ([], 2)


def test_a_file_without_the_columns_fails(district_regulator):
    job = run(district_regulator, workbook([good_row(1)], headers=["名称", "地址"]), M.ALL)
    assert job.status == ImportJob.Status.FAILED
    assert "机构名称" in job.errors[0]["message"]


def test_a_broken_workbook_fails_cleanly(district_regulator):
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("xl/workbook.xml", "not xml")
    job = run(district_regulator, broken.getvalue(), M.ALL)
    assert job.status == ImportJob.Status.FAILED
    assert job.finished_at is not None
    assert [e["row"] for e in job.errors] == [None]
    event = AuditEvent.objects.get(verb="centre_import")
    assert (event.details["status"], event.details["imported"]) == ("failed", 0)


def test_a_conflict_while_saving_fails_the_job_and_saves_nothing(district_regulator,
                                                                 monkeypatch):
    """Another centre takes a credit code between the check and the save."""

    def save_with_conflict(rows):
        CentreFactory(name="抢先登记", uscc=rows[0].cleaned_data["uscc"])
        return original(rows)

    original = imports.save_centres
    monkeypatch.setattr(imports, "save_centres", save_with_conflict)
    job = run(district_regulator, workbook([good_row(1), good_row(2)]), M.ALL)
    assert (job.status, job.imported) == (ImportJob.Status.FAILED, 0)
    assert not Centre.objects.filter(name__in=["导入托育园1", "导入托育园2", "抢先登记"]).exists()


def test_progress_is_saved_as_rows_are_checked(district_regulator, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    seen = []
    original = ImportJob.save

    def spy(self, *args, **kwargs):
        if kwargs.get("update_fields") == ["processed"]:
            seen.append(ImportJob.objects.get(pk=self.pk).processed)  # committed value before
            seen.append(self.processed)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ImportJob, "save", spy)
    job = run(district_regulator, workbook([good_row(n) for n in range(1, 6)]), M.VALIDATE)
    assert seen == [0, 2, 2, 4]
    assert (job.total, job.processed) == (5, 5)


def test_a_finished_job_is_not_run_again(district_regulator):
    job = run(district_regulator, workbook([good_row(1)]), M.ALL)
    imports.run_import_job(job)
    assert Centre.objects.filter(name="导入托育园1").count() == 1
    assert AuditEvent.objects.filter(verb="centre_import").count() == 1


# --- the pages ---------------------------------------------------------------------------------


def test_upload_runs_the_task_and_shows_the_report(client_for, district_regulator, eager,
                                                   django_capture_on_commit_callbacks):
    client = client_for(district_regulator)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url("import-start"), {
            "mode": M.VALID_ROWS, "file": upload(workbook(THREE_GOOD_TWO_BAD), "江阳.xlsx")})
    assert len(callbacks) == 1
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("import-status", job.pk)
    assert (job.created_by, job.status, job.imported, job.original_name) == (
        district_regulator, ImportJob.Status.DONE, 3, "江阳.xlsx")
    assert job.file.name.startswith("imports/") and "江阳" not in job.file.name

    page = client.get(url("import-status", job.pk))
    body = page.content.decode()
    assert "hx-trigger" not in body
    assert REQUIRED_ZH in body and "联系电话" in body
    partial = client.get(url("import-status", job.pk), headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<section id="progress"')
    assert "<html" not in partial.content.decode()


def test_a_running_job_polls_every_two_seconds(client_for, district_regulator):
    job = ImportJob.objects.create(created_by=district_regulator, mode=M.ALL,
                                   file=upload(workbook([])), status=ImportJob.Status.RUNNING,
                                   total=120, processed=40)
    client = client_for(district_regulator)
    for headers in ({}, {"HX-Request": "true"}):
        body = client.get(url("import-status", job.pk), headers=headers).content.decode()
        assert 'hx-trigger="every 2s"' in body
        assert 'hx-swap="outerHTML"' in body
        assert f'hx-get="{url("import-status", job.pk)}"' in body
        assert '<progress max="120" value="40"' in body


@pytest.mark.parametrize(("name", "content"), [
    ("centres.xlsx", b"%PDF-1.7 not a workbook"),
    ("centres.csv", "机构名称,区县\n甲,江阳区\n".encode()),
    ("centres.xlsx", b""),
    ("letter.xlsx", None),  # a Word document: a zip, but no workbook inside
])
def test_a_file_that_is_not_a_workbook_is_a_form_error(client_for, district_regulator, name,
                                                       content):
    if content is None:
        docx = io.BytesIO()
        with zipfile.ZipFile(docx, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
        content = docx.getvalue()
    response = client_for(district_regulator).post(
        url("import-start"), {"mode": M.ALL, "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 422
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_limit_is_a_form_error(client_for, district_regulator, monkeypatch):
    monkeypatch.setattr(imports, "IMPORT_MAX_BYTES", 1000)
    response = client_for(district_regulator).post(
        url("import-start"), {"mode": M.ALL, "file": upload(workbook([good_row(1)]))})
    assert response.status_code == 422
    assert response.context["form"].errors["file"]
    assert ImportJob.objects.count() == 0


def test_the_mode_is_required(client_for, district_regulator):
    response = client_for(district_regulator).post(
        url("import-start"), {"file": upload(workbook([good_row(1)]))})
    assert response.status_code == 422
    assert response.context["form"].errors["mode"] == [REQUIRED_ZH]


def test_a_refused_import_says_the_file_must_be_chosen_again(client_for, district_regulator):
    """Item 15: the workbook chosen is not kept when the form comes back."""
    response = client_for(district_regulator).post(
        url("import-start"), {"mode": "nonsense", "file": upload(workbook([]))})
    assert response.status_code in (200, 422)
    assert 'class="help file-dropped"' in response.content.decode()
