"""Complaint pages: role matrix (纳溪区's complaint in place), intake form, triage, answer,
close, link, and bad input on each form."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from luhuituo.core.models import AccessLog
from supervision.models import Complaint, Inspection
from supervision.services import complaints as svc
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

from .inspection_utils import fire_checklist, plan

pytestmark = pytest.mark.django_db
CS = Complaint.Status
A, B = "江阳区阳光托育中心", "纳溪区星星托育园"
REGULATORS = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
              "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
              "parent": FORBIDDEN, "anonymous": LOGIN}


@pytest.fixture
def complaints(personas, centre_a, centre_b, district_regulator, other_regulator):
    a = svc.receive_complaint(centre=centre_a, channel="hotline", category="safety",
                              summary="江阳午睡无人看护", details="详情A",
                              complainant_name="周女士", complainant_phone="13912345678",
                              by=district_regulator)
    b = svc.receive_complaint(centre=centre_b, channel="phone", category="fees",
                              summary="纳溪多收餐费", details="详情B",
                              by=other_regulator)
    return a, b


def test_list_role_matrix(client_for, personas, complaints):
    assert_role_matrix(
        client_for, personas, reverse("supervision:complaint-list"), expect=REGULATORS,
        shown={"district_regulator": ["江阳午睡无人看护"],
               "city_regulator": ["江阳午睡无人看护", "纳溪多收餐费"],
               "other_regulator": ["纳溪多收餐费"]},
        hidden={"district_regulator": ["纳溪多收餐费", B],
                "other_regulator": ["江阳午睡无人看护", A]})


def test_create_role_matrix(client_for, personas, complaints):
    assert_role_matrix(
        client_for, personas, reverse("supervision:complaint-create"), expect=REGULATORS,
        shown={"district_regulator": [A]}, hidden={"district_regulator": [B],
                                                   "other_regulator": [A]})


def test_detail_role_matrix(client_for, personas, complaints):
    a, _b = complaints
    assert_role_matrix(
        client_for, personas, reverse("supervision:complaint-detail", args=[a.pk]),
        expect=REGULATORS | {"other_regulator": NOT_FOUND},
        shown={"district_regulator": ["江阳午睡无人看护", "139****5678", 'value="assign"']},
        hidden={"district_regulator": ["13912345678"]})
    assert AccessLog.objects.filter(user=personas["district_regulator"],
                                    target_id=str(a.pk)).exists()


def test_a_parent_gets_no_regulator_complaint_page_even_for_their_own(client_for, personas,
                                                                     centre_a, complaints):
    """visible_to gives a parent their own complaints (for the parent portal's pages); the
    regulator's desk is still refused to a parent account, for their own complaint too."""
    parent = personas["parent"]
    own = svc.receive_complaint(centre=centre_a, channel="portal", category="fees",
                                summary="家长自己的投诉", details="详情", by=parent)
    assert list(Complaint.objects.visible_to(parent)) == [own]
    client = client_for(parent)
    for url in (reverse("supervision:complaint-list"), reverse("supervision:complaint-create"),
                reverse("supervision:complaint-detail", args=[own.pk]),
                reverse("supervision:complaint-detail", args=[complaints[0].pk])):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("supervision:complaint-detail", args=[own.pk]),
                           {"action": "answer", "outcome": "x", "upheld": "yes"})
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.status == CS.RECEIVED


def test_post_from_another_district_is_404(client_for, complaints, other_regulator):
    a, _b = complaints
    response = client_for(other_regulator).post(
        reverse("supervision:complaint-detail", args=[a.pk]),
        {"action": "answer", "outcome": "x", "upheld": "yes"})
    assert response.status_code == 404
    a.refresh_from_db()
    assert a.status == CS.RECEIVED


def test_intake_through_the_form(client_for, centre_a, district_regulator):
    response = client_for(district_regulator).post(reverse("supervision:complaint-create"), {
        "centre": centre_a.pk, "channel": "letter", "category": "staff", "priority": "urgent",
        "summary": "保育员态度粗暴", "details": "来信反映保育员大声呵斥幼儿。",
        "complainant_name": "", "complainant_phone": ""})
    complaint = Complaint.objects.get()
    assert response["Location"] == reverse("supervision:complaint-detail", args=[complaint.pk])
    assert complaint.due_on == timezone.localdate() + timedelta(days=15)
    assert complaint.priority == "urgent"


def test_intake_bad_input(client_for, centre_a, centre_b, district_regulator):
    client = client_for(district_regulator)
    url = reverse("supervision:complaint-create")
    good = {"centre": centre_a.pk, "channel": "phone", "category": "fees",
            "priority": "normal", "summary": "多收费", "details": "详情",
            "complainant_name": "李先生", "complainant_phone": "13912345678"}
    for bad in ({"centre": centre_b.pk}, {"centre": ""}, {"summary": ""}, {"details": ""},
                {"channel": "portal"}, {"channel": "pigeon"}, {"category": ""},
                {"priority": "extreme"}, {"complainant_phone": "12345"}):
        response = client.post(url, good | bad)
        assert response.status_code == 422, bad
        assert "field-error" in response.content.decode(), bad
    assert 'value="李先生"' in response.content.decode()
    assert not Complaint.objects.exists()


def test_triage_answer_link_close_through_the_page(client_for, complaints, district_regulator,
                                                   city_regulator):
    a, _b = complaints
    client = client_for(district_regulator)
    url = reverse("supervision:complaint-detail", args=[a.pk])
    assert client.post(url, {"action": "assign", "assignee": city_regulator.pk,
                             "priority": "urgent"}).status_code == 302
    a.refresh_from_db()
    assert (a.status, a.assignee, a.priority) == (CS.ASSIGNED, city_regulator, "urgent")
    response = client.post(url, {"action": "link",
                                 "planned_on": timezone.localdate().isoformat(),
                                 "checklists": [fire_checklist().pk]})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.inspection.kind == Inspection.Kind.COMPLAINT
    assert client.post(url, {"action": "answer", "outcome": "已查实，责令整改",
                             "upheld": "yes"}).status_code == 302
    assert client.post(url, {"action": "close"}).status_code == 302
    a.refresh_from_db()
    assert a.status == CS.CLOSED and a.upheld is True


def test_detail_forms_bad_input(client_for, complaints, centre_b, district_regulator,
                                other_regulator):
    a, _b = complaints
    client = client_for(district_regulator)
    url = reverse("supervision:complaint-detail", args=[a.pk])
    other_inspection = plan(centre_b, other_regulator)
    cases = [
        {"action": "assign", "assignee": other_regulator.pk, "priority": "normal"},
        {"action": "assign", "assignee": "", "priority": "normal"},
        {"action": "assign", "assignee": district_regulator.pk, "priority": "whenever"},
        {"action": "answer", "outcome": "", "upheld": "yes"},
        {"action": "answer", "outcome": "已处理", "upheld": ""},
        {"action": "link"},
        {"action": "link", "inspection": other_inspection.pk},
        {"action": "link", "planned_on": "2020-01-01", "checklists": [fire_checklist().pk]},
        {"action": "link", "planned_on": timezone.localdate().isoformat()},
        {"action": "close"},                                   # not answered yet
    ]
    for data in cases:
        response = client.post(url, data)
        assert response.status_code == 422, data
        body = response.content.decode()
        assert "form-errors" in body or "field-error" in body, data
    assert client.post(url, {"action": "dance"}).status_code == 400
    a.refresh_from_db()
    assert (a.status, a.assignee, a.inspection, a.outcome) == (CS.RECEIVED, None, None, "")
    assert not Inspection.objects.filter(centre=a.centre).exists()


def test_list_filters_and_order(client_for, centre_a, district_regulator):
    normal = svc.receive_complaint(centre=centre_a, channel="phone", category="fees",
                                   summary="普通", details="d", by=district_regulator)
    urgent = svc.receive_complaint(centre=centre_a, channel="phone", category="safety",
                                   summary="紧急", details="d", priority="urgent",
                                   by=district_regulator)
    late = svc.receive_complaint(centre=centre_a, channel="phone", category="fees", summary="逾期",
                                 details="d", by=district_regulator)
    Complaint.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    done = svc.receive_complaint(centre=centre_a, channel="phone", category="fees",
                                 summary="已办结", details="d", by=district_regulator)
    svc.answer_complaint(complaint=done, by=district_regulator, outcome="o", upheld=False)
    svc.close_complaint(complaint=done, by=district_regulator)
    client = client_for(district_regulator)
    url = reverse("supervision:complaint-list")
    pks = lambda r: [c.pk for c in r.context["page"].object_list]  # noqa: E731
    assert pks(client.get(url)) == [late.pk, urgent.pk, normal.pk]
    assert pks(client.get(url, {"status": ""})) == [late.pk, urgent.pk, normal.pk, done.pk]
    assert pks(client.get(url, {"overdue": "on"})) == [late.pk]
    assert pks(client.get(url, {"priority": "urgent"})) == [urgent.pk]
    assert pks(client.get(url, {"category": "safety"})) == [urgent.pk]
    assert pks(client.get(url, {"q": "逾期"})) == [late.pk]
    assert pks(client.get(url, {"status": "closed"})) == [done.pk]
    assert pks(client.get(url, {"district": "510502", "status": "open"})) == [
        late.pk, urgent.pk, normal.pk]
    # A district outside the scope is dropped: it never widens the list.
    assert pks(client.get(url, {"district": "510503"})) == [late.pk, urgent.pk, normal.pk]
