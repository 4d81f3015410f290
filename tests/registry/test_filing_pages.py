"""The filing pages: centre side, regulator queue and review, documents, public verification."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from registry import services
from registry.models import Filing, FilingMaterial, MaterialKind
from registry.receipts import receipt_token
from tests.factories import CentreFactory, region
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, Outcome, assert_role_matrix

from .test_filing_workflow import PDF, complete, submit, to_status, upload_all

pytestmark = pytest.mark.django_db
S = Filing.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
UNPROCESSABLE = Outcome("422 refused with a form error", 422)
EVERYONE = ["city_regulator", "district_regulator", "other_regulator", "manager", "staff",
            "other_staff", "parent", "anonymous"]


@pytest.fixture
def filing(centre_a, manager):
    filing = complete(centre_a).filing
    upload_all(filing, manager)
    return filing


@pytest.fixture
def filing_b(centre_b, other_staff):
    """纳溪区's centre, submitted — data that must not reach 江阳区's users."""
    return complete(centre_b).filing


# --- role matrix ---------------------------------------------------------------------------


def test_filing_page_role_matrix(client_for, personas, filing, filing_b):
    expect = {"manager": OK, "staff": OK, "other_staff": NOT_FOUND, "parent": FORBIDDEN,
              "city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
              "other_regulator": FORBIDDEN, "anonymous": LOGIN}
    assert_role_matrix(client_for, personas, reverse("registry:filing-detail", args=[
        filing.centre_id]), expect=expect, shown={"manager": ["江阳区阳光托育中心"]},
        hidden={"manager": ["纳溪区星星托育园"]})


@pytest.mark.parametrize("url_name", ["material-upload", "filing-submit", "filing-rectification",
                                      "filing-termination"])
def test_centre_actions_are_for_the_manager_only(client_for, personas, filing, url_name):
    # The manager's empty POST is refused as a form error (422) and changes nothing; what
    # matters here is who gets that far.
    expect = {"manager": UNPROCESSABLE, "staff": NOT_FOUND, "other_staff": NOT_FOUND,
              "parent": FORBIDDEN, "city_regulator": FORBIDDEN,
              "district_regulator": FORBIDDEN, "other_regulator": FORBIDDEN, "anonymous": LOGIN}
    url = reverse(f"registry:{url_name}", args=[filing.centre_id])
    assert_role_matrix(client_for, personas, url, method="post", data={}, expect=expect)
    filing.refresh_from_db()
    assert filing.status == S.DRAFT


def test_decisions_are_for_the_responsible_bureau_only(client_for, personas, filing, manager):
    submit(filing, manager)
    url = reverse("registry:filing-decide", args=[filing.centre_id])
    expect = dict.fromkeys(EVERYONE, FORBIDDEN) | {
        "city_regulator": UNPROCESSABLE, "district_regulator": UNPROCESSABLE,
        "other_regulator": NOT_FOUND, "anonymous": LOGIN}
    assert_role_matrix(client_for, personas, url, method="post",
                       data={"action": "approve-all"}, expect=expect)
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED


def test_queue_role_matrix(client_for, personas, filing, filing_b, manager, other_staff):
    submit(filing, manager)
    assert_role_matrix(
        client_for, personas, reverse("registry:filing-queue"),
        expect=dict.fromkeys(EVERYONE, FORBIDDEN) | {
            "city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
            "anonymous": LOGIN},
        shown={"district_regulator": ["江阳区阳光托育中心"],
               "city_regulator": ["江阳区阳光托育中心"]},
        hidden={"other_regulator": ["江阳区阳光托育中心"],
                "district_regulator": ["纳溪区星星托育园"]},
    )


def test_review_page_role_matrix(client_for, personas, filing, manager):
    submit(filing, manager)
    assert_role_matrix(
        client_for, personas, reverse("registry:review", args=[filing.centre_id]),
        expect=dict.fromkeys(EVERYONE, FORBIDDEN) | {
            "city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
            "anonymous": LOGIN},
        shown={"district_regulator": ["江阳区阳光托育中心", 'value="accept"']},
    )


def test_material_file_is_served_only_within_scope(client_for, personas, filing):
    material = filing.materials.first()
    url = reverse("registry:material-file", args=[material.pk])
    expect = dict.fromkeys(EVERYONE, NOT_FOUND) | {
        "city_regulator": OK, "district_regulator": OK, "manager": OK, "staff": OK}
    assert_role_matrix(client_for, personas, url, expect=expect)
    response = client_for(personas["manager"]).get(url)
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "material.pdf" in response["Content-Disposition"]


def test_material_reads_are_logged(client_for, district_regulator, filing):
    from luhuituo.core.models import AccessLog

    material = filing.materials.first()
    client_for(district_regulator).get(reverse("registry:material-file", args=[material.pk]))
    assert AccessLog.objects.filter(user=district_regulator, target_id=str(material.pk)).exists()


# --- uploads ---------------------------------------------------------------------------------


def upload(client, filing, name, content, **data):
    return client.post(reverse("registry:material-upload", args=[filing.centre_id]), {
        "kind": MaterialKind.LICENCE, "file": SimpleUploadedFile(name, content), **data})


@pytest.mark.parametrize(("name", "content", "message"), [
    ("licence.exe", b"MZ\x90\x00binary", "PDF"),
    ("licence.pdf", b"\x89PNG\r\n\x1a\n....", "PNG"),          # content is PNG, name says PDF
    ("licence.pdf", b"", ""),                                   # empty
    ("licence.pdf", b"<html>not a pdf</html>", "PDF"),
    ("licence.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>", "PDF"),  # polyglot
])
def test_bad_uploads_get_a_form_error_and_keep_the_typed_values(
        client_for, manager, filing, name, content, message):
    before = FilingMaterial.objects.count()
    response = upload(client_for(manager), filing, name, content, issuer="江阳区市场监管局",
                      number="NO-12345")
    assert response.status_code == 422
    body = response.content.decode()
    assert 'class="field-error"' in body
    assert 'value="江阳区市场监管局"' in body and 'value="NO-12345"' in body
    assert message in body
    assert FilingMaterial.objects.count() == before


def test_an_upload_over_the_limit_is_refused(client_for, manager, filing, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = upload(client_for(manager), filing, "big.pdf", PDF + b"0" * 2048)
    assert response.status_code == 422
    assert "1.0 KB" in response.content.decode() or "1.0\xa0KB" in response.content.decode()


def test_an_expired_certificate_date_is_refused(client_for, manager, filing):
    response = upload(client_for(manager), filing, "a.pdf", PDF, valid_until="2020-01-01")
    assert response.status_code == 422


def test_a_good_upload_replaces_the_previous_version(client_for, manager, filing):
    client = client_for(manager)
    response = upload(client, filing, "营业执照-新.pdf", PDF, number="91510502MA6ABCDEFL")
    assert response.status_code == 302
    current = [m for m in filing.current_materials() if m.kind == MaterialKind.LICENCE]
    assert [m.original_name for m in current] == ["营业执照-新.pdf"]
    assert filing.materials.filter(kind=MaterialKind.LICENCE).count() == 2  # history kept
    stored = current[0].file.name
    assert "营业执照" not in stored and stored.endswith(".pdf")  # random name on disk


# --- the submit / decide round trip through the pages ------------------------------------------


def test_submit_without_the_commitment_shows_why(client_for, manager, filing):
    response = client_for(manager).post(reverse("registry:filing-submit",
                                                args=[filing.centre_id]), {})
    assert response.status_code == 422
    filing.refresh_from_db()
    assert filing.status == S.DRAFT


def test_return_through_the_review_page_keeps_the_reasons_on_error(
        client_for, manager, district_regulator, filing):
    submit(filing, manager)
    fire = next(m for m in filing.current_materials() if m.kind == MaterialKind.FIRE_SAFETY)
    client = client_for(district_regulator)
    url = reverse("registry:filing-decide", args=[filing.centre_id])
    # "verify" is not allowed for a submitted filing: error, typed reason kept.
    response = client.post(url, {"action": "verify", f"reason-{fire.pk}": "证明过期"})
    assert response.status_code == 422
    assert "证明过期" in response.content.decode()
    response = client.post(url, {"action": "return", f"reason-{fire.pk}": "证明过期"})
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == S.RETURNED


def test_an_unknown_action_is_a_form_error(client_for, district_regulator, manager, filing):
    submit(filing, manager)
    response = client_for(district_regulator).post(
        reverse("registry:filing-decide", args=[filing.centre_id]), {"action": "approve-all"})
    assert response.status_code == 422


# --- queue -------------------------------------------------------------------------------------


def make_submitted(n: int):
    from tests.factories import CentreUserFactory, MembershipFactory

    filings = []
    for i in range(n):
        centre = CentreFactory(name=f"队列测试中心{i}", region=region("510502"))
        complete(centre)
        user = CentreUserFactory()
        MembershipFactory(user=user, centre=centre, role="manager")
        Filing.objects.filter(centre=centre).update(
            status=S.SUBMITTED, submitted_at=datetime(2026, 11, 2, tzinfo=SHANGHAI),
            receipt_due=datetime(2026, 11, 9, 23, 59, tzinfo=SHANGHAI) + timedelta(days=i % 3))
        filings.append(centre.filing)
    return filings


def queue_queries(client) -> tuple[int, int]:
    from tests.queries import count_queries

    with time_machine.travel(datetime(2026, 11, 5, tzinfo=SHANGHAI)), \
            count_queries() as captured:
        response = client.get(reverse("registry:filing-queue"))
    return len(captured), len(response.context["rows"])


def test_queue_query_count_does_not_grow_with_filings(client_for, district_regulator):
    client = client_for(district_regulator)
    make_submitted(1)
    client.get(reverse("registry:filing-queue"))  # warm the session
    one, rows = queue_queries(client)
    assert rows == 1
    make_submitted(49)
    fifty, rows = queue_queries(client)
    assert rows == 25  # one page
    assert one == fifty


def test_queue_puts_overdue_first_and_counts_working_days(client_for, district_regulator):
    make_submitted(3)
    Filing.objects.filter(centre__name="队列测试中心2").update(
        receipt_due=datetime(2026, 11, 3, 23, 59, tzinfo=SHANGHAI))
    with time_machine.travel(datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI), tick=False):
        response = client_for(district_regulator).get(reverse("registry:filing-queue"))
    rows = response.context["rows"]
    assert rows[0].centre.name == "队列测试中心2" and rows[0].overdue
    # Due Monday 9 November, seen on Thursday 5 November: Friday and Monday are left.
    assert [r.working_days_left for r in rows[1:]] == [2, 3]


def test_queue_filters(client_for, district_regulator):
    make_submitted(2)
    client = client_for(district_regulator)
    response = client.get(reverse("registry:filing-queue"), {"q": "中心1"})
    assert [r.centre.name for r in response.context["rows"]] == ["队列测试中心1"]
    response = client.get(reverse("registry:filing-queue"), {"status": "verified"})
    assert response.context["rows"] == []
    response = client.get(reverse("registry:filing-queue"), {"q": "中心1"},
                          headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<section id="results"')


def test_queue_drops_a_bad_filter_and_says_so(client_for, district_regulator):
    """A NUL in the search (which PostgreSQL refuses) or an unknown status: the queue without
    that filter, and the field's error in the filter bar."""
    make_submitted(2)
    client = client_for(district_regulator)
    url = reverse("registry:filing-queue")
    response = client.get(url, {"q": "中心1\x00", "status": "bogus", "region": "510503"})
    assert response.status_code == 200
    assert len(response.context["rows"]) == 2  # 纳溪区 is not this regulator's district
    assert set(response.context["filters"].errors) == {"q", "status", "region"}
    assert response.content.decode().count('class="field-error"') == 3
    response = client.get(url, {"q": "\x00", "region": "510502", "status": "verified"})
    assert set(response.context["filters"].errors) == {"q"}
    assert response.context["rows"] == []  # the valid filters still apply


# --- documents and verification ---------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_receipt_pdf_is_chinese_and_points_at_the_verification_page(
        client_for, personas, manager, district_regulator, filing):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        to_status(filing, S.FILED, manager, district_regulator)
    url = reverse("registry:receipt-pdf", args=[filing.centre_id])
    response = client_for(manager).get(url)
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "托育机构备案回执" in text
    assert "510502-2026-0001" in text and "江阳区阳光托育中心" in text
    assert receipt_token(filing) in text.replace("\n", "")
    expect = dict.fromkeys(EVERYONE, NOT_FOUND) | {
        "manager": OK, "staff": OK, "city_regulator": OK, "district_regulator": OK}
    assert_role_matrix(client_for, personas, url, expect=expect)


def test_no_receipt_before_filing(client_for, manager, filing):
    response = client_for(manager).get(reverse("registry:receipt-pdf", args=[filing.centre_id]))
    assert response.status_code == 404


def test_verification_page_confirms_a_genuine_current_receipt(client, manager,
                                                              district_regulator, filing):
    to_status(filing, S.VERIFIED, manager, district_regulator)
    response = client.get(reverse("registry:verify", args=[receipt_token(filing)]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "江阳区阳光托育中心" in body and filing.filing_no in body
    assert 'class="verify verify-valid' in body or "verify-valid" in body


def test_verification_page_says_when_a_receipt_is_no_longer_current(
        client, manager, district_regulator, filing):
    to_status(filing, S.DEREGISTERED, manager, district_regulator)
    response = client.get(reverse("registry:verify", args=[receipt_token(filing)]))
    assert "verify-ended" in response.content.decode()


def test_a_forged_receipt_code_is_refused(client, manager, district_regulator, filing):
    to_status(filing, S.FILED, manager, district_regulator)
    forged = filing.filing_no + ".0000000000000000"
    response = client.get(reverse("registry:verify", args=[forged]))
    assert response.status_code == 404
    assert "江阳区阳光托育中心" not in response.content.decode()


def test_public_list_shows_only_verified_centres(client, manager, district_regulator, filing,
                                                 filing_b):
    response = client.get(reverse("registry:public-centres"))
    assert "江阳区阳光托育中心" not in response.content.decode()
    to_status(filing, S.VERIFIED, manager, district_regulator)
    body = client.get(reverse("registry:public-centres")).content.decode()
    assert "江阳区阳光托育中心" in body and "纳溪区星星托育园" not in body


def test_nonconformity_notice_pdf(client_for, personas, manager, district_regulator, filing):
    to_status(filing, S.NONCONFORMING, manager, district_regulator)
    url = reverse("registry:notice-pdf", args=[filing.centre_id])
    response = client_for(manager).get(url)
    text = pdf_text(response.content)
    assert "不符合要求告知书" in text and "户外场地不足" in text
    expect = dict.fromkeys(EVERYONE, NOT_FOUND) | {
        "manager": OK, "staff": OK, "city_regulator": OK, "district_regulator": OK}
    assert_role_matrix(client_for, personas, url, expect=expect)


def test_non_conformity_is_disclosed_publicly_until_verified_again(
        client, manager, district_regulator, filing, filing_b, django_assert_max_num_queries):
    url = reverse("registry:public-disclosures")
    assert "江阳区阳光托育中心" not in client.get(url).content.decode()
    to_status(filing, S.NONCONFORMING, manager, district_regulator)
    with django_assert_max_num_queries(4):
        body = client.get(url).content.decode()
    assert "江阳区阳光托育中心" in body and "户外场地不足" in body
    assert "纳溪区星星托育园" not in body  # a draft centre is never listed
    assert "江阳区阳光托育中心" not in client.get(url, {"region": "510503"}).content.decode()
    services.submit_rectification(filing=filing, by=manager, note="已整改")
    assert "江阳区阳光托育中心" in client.get(url).content.decode()  # still rectifying
    services.verify_filing(filing=filing, by=district_regulator)
    assert "江阳区阳光托育中心" not in client.get(url).content.decode()


def test_a_refused_upload_says_the_file_must_be_chosen_again(client_for, manager, filing):
    """Item 15: a browser never refills a file input, so beside the file field the page says
    the chosen file was not kept."""
    response = upload(client_for(manager), filing, "a.pdf", PDF, valid_until="2020-01-01")
    assert response.status_code == 422
    body = response.content.decode()
    assert body.count('class="help file-dropped"') == 1
    assert body.index('class="help file-dropped"') > body.index('type="file"')
