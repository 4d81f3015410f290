"""The annual report (管理规范 Art 38, alert A32): the manager submits one per year — a second
submission for the same year is refused, a change goes through an explicit correction with a
reason — members read them, the district regulator lists a year's reports with the centres
still missing, and files are served within scope; across the role matrix, with another
district's report in place that must not leak."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luhuituo.core.exceptions import DomainError, NotPermitted
from luhuituo.core.models import AuditEvent
from registry.models import CentreMembership, Filing
from supervision.models import AnnualReport
from supervision.services.reports import correct_annual_report, submit_annual_report
from tests.factories import CentreFactory, CentreUserFactory, MembershipFactory, pdf_bytes
from tests.queries import query_count
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 2, 10, 10, tzinfo=TZ)  # the 2025 reports were due on 2026-01-31


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def url(name: str, *args) -> str:
    return reverse(f"supervision:{name}", args=args)


def file_for(status=Filing.Status.VERIFIED, when=dt.datetime(2025, 3, 1, tzinfo=TZ), *centres):
    for centre in centres:
        filing = Filing.objects.get(centre=centre)
        filing.status, filing.filed_at = status, when
        filing.save()


DATA = {"children_served": 42, "staff_count": 9, "summary": "全年安全无事故，开展培训12次。"}


def submit(centre, user, year=2025, **kwargs):
    return submit_annual_report(centre=centre, by=user, year=year, data=DATA, **kwargs)


@pytest.fixture
def reports(personas, centre_a, centre_b):
    """Both centres filed in 2025; each has a report on 2024 with a file; centre_b's must
    never show to centre_a or its district."""
    file_for(Filing.Status.VERIFIED, dt.datetime(2024, 3, 1, tzinfo=TZ), centre_a, centre_b)
    manager_b = CentreUserFactory(username="manager_b")
    MembershipFactory(user=manager_b, centre=centre_b, role=CentreMembership.Role.MANAGER)
    a = submit_annual_report(centre=centre_a, by=personas["manager"], year=2024,
                             data=DATA | {"summary": "阳光年度总结"},
                             uploaded=SimpleUploadedFile("a.pdf", pdf_bytes()))
    b = submit_annual_report(centre=centre_b, by=manager_b, year=2024,
                             data=DATA | {"summary": "星星秘密总结"},
                             uploaded=SimpleUploadedFile("b.pdf", pdf_bytes()))
    return {"a": a, "b": b}


# --- role matrices --------------------------------------------------------------------------------


def test_centre_page_role_matrix(client_for, personas, reports, centre_a):
    assert_role_matrix(
        client_for, personas, url("annual-reports", centre_a.pk),
        expect={"manager": OK, "staff": OK, "other_staff": NOT_FOUND,
                "city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
                "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN},
        shown={"manager": ["阳光年度总结"], "staff": ["阳光年度总结"]},
        hidden={"manager": ["星星秘密总结"], "staff": ["星星秘密总结"]},
    )


def test_correction_page_role_matrix(client_for, personas, reports, centre_a):
    assert_role_matrix(
        client_for, personas, url("annual-report-correct", centre_a.pk, reports["a"].pk),
        expect={"manager": OK, "staff": NOT_FOUND, "other_staff": NOT_FOUND,
                "city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
                "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN},
        shown={"manager": ["阳光年度总结"]},
    )


def test_another_centres_report_cannot_be_corrected_through_yours(client_for, manager,
                                                                   reports, centre_a):
    response = client_for(manager).get(url("annual-report-correct", centre_a.pk,
                                           reports["b"].pk))
    assert response.status_code == 404


def test_regulator_list_role_matrix(client_for, personas, reports):
    assert_role_matrix(
        client_for, personas, url("regulator-annual-reports") + "?year=2024",
        expect={"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                "parent": FORBIDDEN, "anonymous": LOGIN},
        shown={"city_regulator": ["阳光年度总结", "星星秘密总结"],
               "district_regulator": ["阳光年度总结"], "other_regulator": ["星星秘密总结"]},
        hidden={"district_regulator": ["星星秘密总结", "纳溪区星星托育园"],
                "other_regulator": ["阳光年度总结", "江阳区阳光托育中心"]},
    )


def test_report_file_role_matrix(client_for, personas, reports):
    assert_role_matrix(
        client_for, personas, url("annual-report-file", reports["a"].pk),
        expect={"manager": OK, "staff": OK, "other_staff": NOT_FOUND,
                "city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
                "parent": NOT_FOUND, "anonymous": NOT_FOUND},
    )


# --- the regulator's list: who is missing ---------------------------------------------------------


def test_regulator_list_shows_who_is_missing_for_the_overdue_year(
        client_for, district_regulator, manager, centre_a):
    late = CentreFactory(name="江阳区迟交托育园")
    new = CentreFactory(name="江阳区新开托育园")
    file_for(Filing.Status.VERIFIED, dt.datetime(2025, 3, 1, tzinfo=TZ), centre_a, late)
    file_for(Filing.Status.FILED, dt.datetime(2026, 1, 5, tzinfo=TZ), new)  # owes no 2025
    submit(centre_a, manager)
    response = client_for(district_regulator).get(url("regulator-annual-reports"))
    assert response.context["year"] == 2025 and response.context["missing"] == 1
    body = response.content.decode()
    assert "江阳区迟交托育园" in body and "江阳区新开托育园" not in body
    assert "2026年1月31日" in body
    missing = client_for(district_regulator).get(url("regulator-annual-reports")
                                                 + "?status=missing")
    assert [row["centre"] for row in missing.context["rows"]] == [late]


@pytest.mark.parametrize("query", ["?year=abc", "?year=99999", "?status=nope",
                                   "?district=999999", "?year=2025&page=x"])
def test_regulator_list_ignores_bad_parameters(client_for, district_regulator, query):
    assert client_for(district_regulator).get(
        url("regulator-annual-reports") + query).status_code == 200


def test_regulator_list_query_count_does_not_grow(client_for, district_regulator):
    client = client_for(district_regulator)

    def make(n):
        for i in range(n):
            centre = CentreFactory(name=f"江阳区测试{i}")
            file_for(Filing.Status.VERIFIED, dt.datetime(2025, 3, 1, tzinfo=TZ), centre)
            if i % 2:
                user = CentreUserFactory()
                MembershipFactory(user=user, centre=centre,
                                  role=CentreMembership.Role.MANAGER)
                submit(centre, user, uploaded=SimpleUploadedFile("r.pdf", pdf_bytes()))

    make(2)
    client.get(url("regulator-annual-reports"))
    few, _r = query_count(client.get, url("regulator-annual-reports"))
    make(8)
    many, response = query_count(client.get, url("regulator-annual-reports"))
    assert len(response.context["rows"]) == 10
    assert many == few


# --- submitting, the double-submit guard, the correction ------------------------------------------


def form(**overrides):
    return {"year": "2025", "children_served": "42", "staff_count": "9",
            "summary": "全年安全无事故。"} | overrides


def test_the_manager_submits_a_report_once(client_for, manager, centre_a):
    client = client_for(manager)
    token = client.get(url("annual-reports", centre_a.pk)).context["form"]["submission"].value()
    data = form(submission=token, file=SimpleUploadedFile("年度报告.pdf", pdf_bytes()))
    response = client.post(url("annual-reports", centre_a.pk), data)
    assert response.status_code == 302
    report = AnnualReport.objects.get()
    assert (report.year, report.children_served, report.submitted_by) == (2025, 42, manager)
    assert report.file and report.original_name == "年度报告.pdf"
    assert AuditEvent.objects.filter(verb="annual_report_submitted").exists()
    # the same form again (a double click): still one report
    again = client.post(url("annual-reports", centre_a.pk), form(submission=token))
    assert again.status_code == 302 and AnnualReport.objects.count() == 1
    # a fresh form for the same year: refused beside the year, nothing replaced
    fresh = client.post(url("annual-reports", centre_a.pk), form(summary="另一份"))
    assert fresh.status_code == 422 and fresh.context["form"].errors["year"]
    assert AnnualReport.objects.get().summary == "全年安全无事故。"


def test_the_service_refuses_a_second_report_for_the_year(manager, centre_a):
    submit(centre_a, manager)
    with pytest.raises(DomainError) as refused:
        submit(centre_a, manager)
    assert refused.value.field == "year"
    with pytest.raises(DomainError):
        submit(centre_a, manager, year=2027)
    assert AnnualReport.objects.count() == 1


def test_only_the_manager_submits_or_corrects(client_for, staff, manager, centre_a):
    with pytest.raises(NotPermitted):
        submit(centre_a, staff)
    report = submit(centre_a, manager)
    with pytest.raises(NotPermitted):
        correct_annual_report(report=report, by=staff, data=DATA, reason="改")
    response = client_for(staff).post(url("annual-reports", centre_a.pk), form(year="2024"))
    assert response.status_code == 403
    assert AnnualReport.objects.count() == 1


@pytest.mark.parametrize(("field", "bad"), [
    ("year", {"year": "2027"}), ("year", {"year": "19"}), ("year", {"year": "二〇二五"}),
    ("children_served", {"children_served": "-1"}),
    ("staff_count", {"staff_count": ""}),
    ("summary", {"summary": "   "}), ("summary", {"summary": "字" * 4001}),
    ("file", {"file": SimpleUploadedFile("r.pdf", b"%PDF-1.4 broken")}),
    ("file", {"file": SimpleUploadedFile("r.exe", b"MZ\x90\x00")}),
])
def test_submission_errors_save_nothing_and_keep_what_was_typed(
        client_for, manager, centre_a, field, bad):
    response = client_for(manager).post(url("annual-reports", centre_a.pk), form(**bad))
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not AnnualReport.objects.exists()
    body = response.content.decode()
    if field != "summary":
        assert "全年安全无事故。" in body
    if field != "children_served":
        assert 'value="42"' in body


def test_a_correction_replaces_the_report_with_a_reason(client_for, manager, centre_a):
    report = submit(centre_a, manager, uploaded=SimpleUploadedFile("r.pdf", pdf_bytes()))
    old_file = report.file.name
    client = client_for(manager)
    page = client.get(url("annual-report-correct", centre_a.pk, report.pk)).content.decode()
    assert "全年安全无事故，开展培训12次。" in page
    response = client.post(url("annual-report-correct", centre_a.pk, report.pk), {
        "children_served": "45", "staff_count": "9", "summary": "更正后的总结",
        "correction_reason": "漏报3名临时托幼儿"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.children_served, report.summary, report.corrected_by) == (
        45, "更正后的总结", manager)
    assert report.correction_reason == "漏报3名临时托幼儿" and report.file.name == old_file
    assert AnnualReport.objects.count() == 1
    assert report.pgh_event_model.objects.filter(pgh_obj=report).count() == 2
    event = AuditEvent.objects.get(verb="annual_report_corrected")
    assert event.details["changed"] == ["children_served", "summary"]


@pytest.mark.parametrize(("field", "bad"), [
    ("correction_reason", {"correction_reason": "  "}),
    ("children_served", {"children_served": "many"}),
    ("file", {"file": SimpleUploadedFile("r.png", b"\x89PNG\r\n\x1a\n garbage")}),
])
def test_correction_errors_change_nothing_and_keep_what_was_typed(
        client_for, manager, centre_a, field, bad):
    report = submit(centre_a, manager)
    data = {"children_served": "45", "staff_count": "9", "summary": "更正后的总结",
            "correction_reason": "漏报"} | bad
    response = client_for(manager).post(url("annual-report-correct", centre_a.pk, report.pk),
                                        data)
    assert response.status_code == 422 and response.context["form"].errors[field]
    report.refresh_from_db()
    assert report.summary == DATA["summary"] and report.corrected_at is None
    assert "更正后的总结" in response.content.decode()
