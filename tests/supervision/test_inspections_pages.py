"""Inspection and rectification pages: the role matrix of every view (with 纳溪区's data in
place), the whole workflow through the pages, bad input on every form, evidence uploads and the
two PDFs."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from luhuituo.core.models import AccessLog
from supervision.models import (
    ChecklistItem,
    Finding,
    Inspection,
    InspectionAnswer,
    RectificationEvidence,
    RectificationOrder,
)
from supervision.services import inspections as svc
from supervision.services import rectification as rsvc
from tests.factories import jpeg_bytes
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

from .inspection_utils import PDF, PNG, evidence, fire_checklist, issued, ordered, pdf_text, plan

pytestmark = pytest.mark.django_db
IS = Inspection.Status
OS = RectificationOrder.Status
A, B = "江阳区阳光托育中心", "纳溪区星星托育园"

REGULATOR_LIST = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                  "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                  "parent": FORBIDDEN, "anonymous": LOGIN}
REGULATOR_DETAIL = REGULATOR_LIST | {"other_regulator": NOT_FOUND}
CENTRE_PAGE = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "manager": OK, "staff": OK,
               "other_staff": NOT_FOUND, "parent": FORBIDDEN, "anonymous": LOGIN}
FILE = {"city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
        "manager": OK, "staff": OK, "other_staff": NOT_FOUND, "parent": NOT_FOUND,
        "anonymous": NOT_FOUND}
LEAKS = {"district_regulator": [B], "other_regulator": [A], "manager": [B], "staff": [B]}


@pytest.fixture
def both(personas, centre_a, centre_b, district_regulator, other_regulator, manager):
    """An answered order at each centre, with evidence: data that could leak."""
    orders = {}
    for centre, regulator, member in ((centre_a, district_regulator, manager),
                                      (centre_b, other_regulator, None)):
        order = ordered(centre, regulator, requirements=f"{centre.name}：清理通道")
        if member is not None:
            rsvc.submit_rectification(order=order, by=member, response="已整改",
                                      files=[evidence()])
        orders[centre.name] = order
    return orders[A], orders[B]


# --- role matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["inspection-plan", "inspection-list", "rectification-list"])
def test_regulator_lists_role_matrix(client_for, personas, both, view):
    _order_a, order_b = both
    assert_role_matrix(
        client_for, personas, reverse(f"supervision:{view}") + "?status=all",
        expect=REGULATOR_LIST,
        shown={"district_regulator": [A], "city_regulator": [A, B], "other_regulator": [B]},
        hidden={"district_regulator": [B, order_b.number], "other_regulator": [A]})


def test_inspection_detail_role_matrix(client_for, personas, both):
    order_a, _b = both
    assert_role_matrix(
        client_for, personas,
        reverse("supervision:inspection-detail", args=[order_a.inspection_id]),
        expect=REGULATOR_DETAIL, shown={"district_regulator": [A, order_a.number]})


def test_rectification_detail_role_matrix(client_for, personas, both):
    order_a, _b = both
    assert_role_matrix(
        client_for, personas, reverse("supervision:rectification-detail", args=[order_a.pk]),
        expect=REGULATOR_DETAIL,
        shown={"district_regulator": [order_a.number, 'value="close"'],
               "city_regulator": [order_a.number]})


def test_rectification_create_role_matrix(client_for, personas, centre_a):
    assert_role_matrix(
        client_for, personas,
        reverse("supervision:rectification-create") + f"?centre={centre_a.pk}",
        expect=REGULATOR_DETAIL, shown={"district_regulator": [A]})


def test_plan_form_for_a_centre_role_matrix(client_for, personas, centre_a):
    assert_role_matrix(
        client_for, personas, reverse("supervision:inspection-plan") + f"?centre={centre_a.pk}",
        expect=REGULATOR_DETAIL, shown={"district_regulator": ['name="planned_on"']})


def test_centre_inspections_role_matrix(client_for, personas, both):
    order_a, order_b = both
    assert_role_matrix(
        client_for, personas,
        reverse("supervision:centre-inspections", args=[order_a.centre_id]),
        expect=CENTRE_PAGE, shown={"manager": [order_a.number], "staff": [order_a.number]},
        hidden={"manager": [order_b.number, B], "staff": [order_b.number, B]})


def test_centre_rectification_role_matrix(client_for, personas, both):
    order_a, order_b = both
    assert_role_matrix(
        client_for, personas,
        reverse("supervision:centre-rectification", args=[order_a.centre_id, order_a.pk]),
        expect=CENTRE_PAGE, shown={"manager": [order_a.number, "photo.png"]},
        hidden={"manager": [order_b.number]})


def test_another_centres_order_is_404_through_own_centre(client_for, both, other_staff):
    order_a, order_b = both
    # centre_b's member asks for centre_a's order under centre_b's URL: 404.
    response = client_for(other_staff).get(reverse(
        "supervision:centre-rectification", args=[order_b.centre_id, order_a.pk]))
    assert response.status_code == 404


def test_evidence_file_role_matrix(client_for, personas, both):
    order_a, _b = both
    item = order_a.evidence.get()
    url = reverse("supervision:rectification-evidence-file", args=[item.pk])
    assert_role_matrix(client_for, personas, url, expect=FILE)
    response = client_for(personas["manager"]).get(url)
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert AccessLog.objects.filter(user=personas["manager"], target_id=str(item.pk)).exists()


def test_rectification_pdf_role_matrix(client_for, personas, both):
    order_a, _b = both
    assert_role_matrix(client_for, personas,
                       reverse("supervision:rectification-pdf", args=[order_a.pk]), expect=FILE)


def test_inspection_report_pdf_role_matrix(client_for, personas, both):
    order_a, _b = both
    assert_role_matrix(client_for, personas, reverse(
        "supervision:inspection-report-pdf", args=[order_a.inspection_id]), expect=FILE)


def test_hidden_unannounced_inspection_pages(client_for, personas, centre_a,
                                             district_regulator):
    secret = plan(centre_a, district_regulator, kind=Inspection.Kind.UNANNOUNCED)
    report = reverse("supervision:inspection-report-pdf", args=[secret.pk])
    assert_role_matrix(client_for, personas, report, expect=FILE | {
        "manager": NOT_FOUND, "staff": NOT_FOUND})
    page = reverse("supervision:centre-inspections", args=[centre_a.pk])
    body = client_for(personas["manager"]).get(page).content.decode()
    assert "Unannounced" not in body and "双随机" not in body
    assert "inspection-planned" not in body
    svc.start_inspection(inspection=secret, by=district_regulator)
    assert client_for(personas["manager"]).get(report).status_code == 200
    body = client_for(personas["manager"]).get(page).content.decode()
    assert "inspection-in_progress" in body


# --- the workflow through the pages ----------------------------------------------------------


def test_whole_workflow_through_the_pages(client_for, centre_a, district_regulator, manager):
    reg, centre = client_for(district_regulator), client_for(manager)
    fire = fire_checklist()
    response = reg.post(reverse("supervision:inspection-plan"), {
        "centre": centre_a.pk, "kind": "routine",
        "planned_on": timezone.localdate().isoformat(), "checklists": [fire.pk],
        "inspectors": "李检查"})
    inspection = Inspection.objects.get(centre=centre_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:inspection-detail", args=[inspection.pk])
    url = response["Location"]
    assert reg.post(url, {"action": "start"}).status_code == 302
    items = list(ChecklistItem.objects.filter(template=fire).order_by("number"))
    data = {"action": "answers", f"result-{items[0].pk}": "pass",
            f"result-{items[4].pk}": "fail", f"note-{items[4].pk}": "安全出口锁闭",
            f"finding-{items[4].pk}": "critical"}
    assert reg.post(url, data).status_code == 302
    assert InspectionAnswer.objects.filter(inspection=inspection).count() == 2
    assert reg.post(url, {"action": "finding", "severity": "minor",
                          "description": "台账不全"}).status_code == 302
    assert reg.post(url, {"action": "issue", "summary": "发现两项问题"}).status_code == 302
    findings = list(inspection.findings.order_by("id"))
    response = reg.post(url, {"action": "order", "findings": [f.pk for f in findings],
                              "requirements": "立即打开安全出口，补全台账。", "deadline": ""})
    order = RectificationOrder.objects.get(inspection=inspection)
    assert response["Location"] == reverse("supervision:rectification-detail", args=[order.pk])
    assert order.deadline == timezone.localdate() + timedelta(days=3)

    centre_url = reverse("supervision:centre-rectification", args=[centre_a.pk, order.pk])
    assert order.number in centre.get(reverse("supervision:centre-inspections",
                                              args=[centre_a.pk])).content.decode()
    assert centre.post(centre_url, {"action": "acknowledge"}).status_code == 302
    response = centre.post(centre_url, {
        "action": "answer", "response": "已打开安全出口",
        "files": [SimpleUploadedFile("exit.jpg", jpeg_bytes()),
                  SimpleUploadedFile("ledger.pdf", PDF)]})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OS.SUBMITTED and order.evidence.count() == 2

    detail = reverse("supervision:rectification-detail", args=[order.pk])
    assert reg.post(detail, {"decision": "reopen", "note": "台账仍不全",
                             "deadline": ""}).status_code == 302
    order.refresh_from_db()
    assert (order.status, order.reopened_count) == (OS.ACKNOWLEDGED, 1)
    assert "台账仍不全" in centre.get(centre_url).content.decode()
    assert centre.post(centre_url, {"action": "answer", "response": "台账已补全",
                                    "files": [SimpleUploadedFile("ledger2.png", PNG)]}
                       ).status_code == 302
    assert reg.post(detail, {"decision": "close", "note": "复查通过"}).status_code == 302
    order.refresh_from_db()
    inspection.refresh_from_db()
    assert order.status == OS.CLOSED and inspection.status == IS.CLOSED
    assert order.evidence.count() == 3


def test_order_for_a_centre_through_the_page(client_for, centre_a, district_regulator):
    url = reverse("supervision:rectification-create") + f"?centre={centre_a.pk}"
    response = client_for(district_regulator).post(url, {"requirements": "补充消防记录"})
    order = RectificationOrder.objects.get(centre=centre_a)
    assert response["Location"] == reverse("supervision:rectification-detail", args=[order.pk])
    assert order.inspection is None


def test_inspection_list_csv(client_for, both, district_regulator):
    response = client_for(district_regulator).get(reverse("supervision:inspection-list"),
                                                  {"format": "csv"})
    text = response.content.decode("utf-8-sig")
    assert A in text and B not in text


def test_inspection_list_filters(client_for, centre_a, district_regulator):
    done = issued(centre_a, district_regulator)
    later = plan(centre_a, district_regulator,
                 planned_on=timezone.localdate() + timedelta(days=10),
                 kind=Inspection.Kind.UNANNOUNCED)
    client = client_for(district_regulator)
    url = reverse("supervision:inspection-list")
    pks = lambda r: [i.pk for i in r.context["page"].object_list]  # noqa: E731
    assert pks(client.get(url, {"status": "findings_issued"})) == [done.pk]
    assert pks(client.get(url, {"kind": "unannounced"})) == [later.pk]
    assert pks(client.get(url, {"date_from": (timezone.localdate() + timedelta(days=1))
                                .isoformat()})) == [later.pk]
    assert pks(client.get(url, {"date_from": "not-a-date", "status": "bogus"})) == [
        later.pk, done.pk]
    htmx = client.get(url, {"status": "closed"}, headers={"HX-Request": "true"})
    assert htmx.content.decode().lstrip().startswith('<section id="results"')


def test_rectification_list_filters(client_for, centre_a, district_regulator, manager):
    late = ordered(centre_a, district_regulator)
    RectificationOrder.objects.filter(pk=late.pk).update(
        deadline=timezone.localdate() - timedelta(days=1))
    answered = ordered(centre_a, district_regulator)
    rsvc.submit_rectification(order=answered, by=manager, response="已整改", files=[evidence()])
    client = client_for(district_regulator)
    url = reverse("supervision:rectification-list")
    numbers = lambda r: [o.number for o in r.context["page"].object_list]  # noqa: E731
    late.refresh_from_db()
    assert numbers(client.get(url)) == [late.number, answered.number]
    assert numbers(client.get(url, {"status": "overdue"})) == [late.number]
    assert numbers(client.get(url, {"status": "submitted"})) == [answered.number]
    assert numbers(client.get(url, {"q": answered.number})) == [answered.number]
    assert "row-overdue" in client.get(url).content.decode()


# --- bad input ------------------------------------------------------------------------------------


def test_plan_form_bad_input(client_for, centre_a, centre_b, district_regulator):
    client = client_for(district_regulator)
    url = reverse("supervision:inspection-plan")
    fire = fire_checklist()
    good = {"centre": centre_a.pk, "kind": "routine",
            "planned_on": timezone.localdate().isoformat(), "checklists": [fire.pk],
            "inspectors": "王检查"}
    for bad in ({"planned_on": ""}, {"planned_on": "2020-01-01"}, {"planned_on": "31/02/2026"},
                {"kind": "secret"}, {"checklists": []}, {"checklists": [999999]},
                {"centre": centre_b.pk}, {"centre": "abc"}):
        response = client.post(url, good | bad)
        assert response.status_code == 422, bad
        assert 'class="field-error"' in response.content.decode(), bad
    assert 'value="王检查"' in response.content.decode()
    assert not Inspection.objects.exists()
    assert client.get(url, {"centre": centre_b.pk}).status_code == 404


def test_retired_checklist_is_refused(client_for, centre_a, district_regulator):
    fire = fire_checklist()
    fire.is_active = False
    fire.save()
    response = client_for(district_regulator).post(reverse("supervision:inspection-plan"), {
        "centre": centre_a.pk, "kind": "routine",
        "planned_on": timezone.localdate().isoformat(), "checklists": [fire.pk]})
    assert response.status_code == 422
    assert not Inspection.objects.exists()


def test_inspection_forms_bad_input(client_for, centre_a, district_regulator):
    inspection = plan(centre_a, district_regulator)
    svc.start_inspection(inspection=inspection, by=district_regulator)
    client = client_for(district_regulator)
    url = reverse("supervision:inspection-detail", args=[inspection.pk])
    item = ChecklistItem.objects.filter(template=fire_checklist()).first()
    food = ChecklistItem.objects.filter(template__code="food").first()
    cases = [
        {"action": "answers"},                                             # nothing answered
        {"action": "answers", f"result-{item.pk}": "maybe"},
        {"action": "answers", f"result-{item.pk}": "fail"},                # no note
        {"action": "answers", f"result-{item.pk}": "pass", f"finding-{item.pk}": "major"},
        {"action": "answers", f"result-{item.pk}": "fail", f"note-{item.pk}": "x",
         f"finding-{item.pk}": "catastrophic"},
        {"action": "finding", "severity": "", "description": "台账不全"},
        {"action": "finding", "severity": "major", "description": ""},
    ]
    for data in cases:
        response = client.post(url, data)
        assert response.status_code == 422, data
        assert "form-errors" in response.content.decode() or "field-error" in \
            response.content.decode(), data
    # An item of a checklist the inspection does not use is simply not a field.
    assert client.post(url, {"action": "answers", f"result-{food.pk}": "pass"}
                       ).status_code == 422
    assert client.post(url, {"action": "explode"}).status_code == 400
    assert not InspectionAnswer.objects.exists() and not Finding.objects.exists()
    # Issuing an order before the findings: refused with a message, nothing saved.
    response = client.post(url, {"action": "order", "requirements": "x"})
    assert response.status_code == 422
    assert not RectificationOrder.objects.exists()
    response = client.post(url, {"action": "close"})
    assert response.status_code == 422


def test_order_form_bad_input(client_for, centre_a, centre_b, district_regulator,
                              other_regulator):
    inspection = issued(centre_a, district_regulator)
    foreign = issued(centre_b, other_regulator).findings.get()
    client = client_for(district_regulator)
    url = reverse("supervision:inspection-detail", args=[inspection.pk])
    for bad in ({"requirements": ""}, {"requirements": "x", "deadline": "2020-01-01"},
                {"requirements": "x", "deadline": "soon"},
                {"requirements": "x", "findings": [foreign.pk]}):
        response = client.post(url, {"action": "order"} | bad)
        assert response.status_code == 422, bad
    assert not RectificationOrder.objects.filter(centre=centre_a).exists()


def test_verify_form_bad_input(client_for, both, district_regulator):
    order_a, _b = both
    client = client_for(district_regulator)
    url = reverse("supervision:rectification-detail", args=[order_a.pk])
    for bad in ({}, {"decision": "maybe"}, {"decision": "reopen", "note": ""},
                {"decision": "reopen", "note": "x", "deadline": "2020-01-01"}):
        response = client.post(url, bad)
        assert response.status_code == 422, bad
    order_a.refresh_from_db()
    assert order_a.status == OS.SUBMITTED and order_a.reopened_count == 0


def test_rectification_create_bad_input(client_for, centre_a, centre_b, district_regulator):
    client = client_for(district_regulator)
    url = reverse("supervision:rectification-create")
    assert client.post(url + f"?centre={centre_a.pk}", {"requirements": ""}).status_code == 422
    assert client.post(url + f"?centre={centre_a.pk}", {
        "requirements": "x", "deadline": "2020-01-01"}).status_code == 422
    assert client.post(url + f"?centre={centre_b.pk}", {"requirements": "x"}
                       ).status_code == 404
    assert client.get(url + "?centre=abc").status_code == 302
    assert not RectificationOrder.objects.exists()


@pytest.mark.parametrize(("name", "content"), [
    ("evil.exe", b"MZ\x90\x00binary"),
    ("photo.jpg", b"\x89PNG\r\n\x1a\n...."),          # a PNG named .jpg
    ("photo.png", b""),                               # empty
    ("notes.pdf", b"<html>not a pdf</html>"),
    ("notes.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>"),  # polyglots
    ("photo.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>"),
])
def test_bad_evidence_is_refused(client_for, centre_a, district_regulator, manager, name,
                                 content):
    order = ordered(centre_a, district_regulator)
    response = client_for(manager).post(
        reverse("supervision:centre-rectification", args=[centre_a.pk, order.pk]),
        {"action": "answer", "response": "已整改完毕",
         "files": [SimpleUploadedFile("ok.png", PNG), SimpleUploadedFile(name, content)]})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'class="field-error"' in body and "已整改完毕" in body
    order.refresh_from_db()
    assert order.status == OS.ISSUED and not RectificationEvidence.objects.exists()


def test_too_large_evidence_is_refused(settings, client_for, centre_a, district_regulator,
                                       manager):
    settings.UPLOAD_MAX_BYTES = 100
    order = ordered(centre_a, district_regulator)
    response = client_for(manager).post(
        reverse("supervision:centre-rectification", args=[centre_a.pk, order.pk]),
        {"action": "answer", "response": "已整改",
         "files": [SimpleUploadedFile("big.png", PNG + b"\x00" * 200)]})
    assert response.status_code == 422
    assert not RectificationEvidence.objects.exists()


def test_answer_needs_text_and_evidence(client_for, centre_a, district_regulator, manager):
    order = ordered(centre_a, district_regulator)
    url = reverse("supervision:centre-rectification", args=[centre_a.pk, order.pk])
    client = client_for(manager)
    assert client.post(url, {"action": "answer", "response": "",
                             "files": [SimpleUploadedFile("a.png", PNG)]}).status_code == 422
    assert client.post(url, {"action": "answer", "response": "已整改"}).status_code == 422
    assert client.post(url, {"action": "nothing"}).status_code == 400
    order.refresh_from_db()
    assert order.status == OS.ISSUED and not RectificationEvidence.objects.exists()


def test_staff_cannot_answer_or_acknowledge(client_for, centre_a, district_regulator, staff):
    order = ordered(centre_a, district_regulator)
    url = reverse("supervision:centre-rectification", args=[centre_a.pk, order.pk])
    client = client_for(staff)
    assert 'name="response"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "acknowledge"}).status_code == 403
    assert client.post(url, {"action": "answer", "response": "x",
                             "files": [SimpleUploadedFile("a.png", PNG)]}).status_code == 403
    order.refresh_from_db()
    assert order.status == OS.ISSUED


def test_other_district_cannot_post(client_for, both, other_regulator, district_regulator):
    order_a, _b = both
    client = client_for(other_regulator)
    assert client.post(reverse("supervision:rectification-detail", args=[order_a.pk]),
                       {"decision": "close"}).status_code == 404
    assert client.post(reverse("supervision:inspection-detail", args=[order_a.inspection_id]),
                       {"action": "close"}).status_code == 404


# --- documents ------------------------------------------------------------------------------------


def test_rectification_pdf_has_number_and_centre(client_for, centre_a, district_regulator,
                                                 manager):
    order = ordered(centre_a, district_regulator, requirements="立即清理二楼疏散通道")
    response = client_for(manager).get(reverse("supervision:rectification-pdf",
                                               args=[order.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert order.number in text and A in text and "整改通知书" in text
    assert "清理二楼疏散通道" in text


def test_rectification_pdf_is_chinese_for_english_users(client_for, centre_a,
                                                        district_regulator):
    order = ordered(centre_a, district_regulator)
    client = client_for(district_regulator)
    client.cookies["django_language"] = "en"
    text = pdf_text(client.get(reverse("supervision:rectification-pdf", args=[order.pk]),
                               headers={"Accept-Language": "en"}).content)
    assert "整改通知书" in text and order.number in text


def test_inspection_report_pdf(client_for, centre_a, district_regulator, manager):
    order = ordered(centre_a, district_regulator)
    text = pdf_text(client_for(manager).get(reverse(
        "supervision:inspection-report-pdf", args=[order.inspection_id])).content)
    assert A in text and "监督检查报告" in text and order.number in text
    assert "问题1" in text and "草稿" not in text


def test_report_before_findings_are_issued(client_for, centre_a, district_regulator, manager):
    inspection = plan(centre_a, district_regulator)
    svc.start_inspection(inspection=inspection, by=district_regulator)
    svc.add_finding(inspection=inspection, by=district_regulator, severity="major",
                    description="尚未出具的问题")
    url = reverse("supervision:inspection-report-pdf", args=[inspection.pk])
    regulator_copy = pdf_text(client_for(district_regulator).get(url).content)
    assert "草稿" in regulator_copy and "尚未出具的问题" in regulator_copy
    centre_copy = pdf_text(client_for(manager).get(url).content)
    assert "尚未出具的问题" not in centre_copy and "检查结果尚未出具" in centre_copy


def test_a_refused_answer_says_the_evidence_must_be_chosen_again(client_for, centre_a,
                                                                 district_regulator, manager):
    """Item 15: an answer sent back (no text) says beside the evidence field that the files
    chosen were not kept."""
    order = ordered(centre_a, district_regulator)
    response = client_for(manager).post(
        reverse("supervision:centre-rectification", args=[centre_a.pk, order.pk]),
        {"action": "answer", "response": "",
         "files": [SimpleUploadedFile("exit.png", PNG)]})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'class="help file-dropped"' in body
    assert not RectificationEvidence.objects.exists()
