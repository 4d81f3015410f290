"""A create form sent twice makes one record (luhuituo.core.submissions): enrolling a child
(one after the other, back-and-submit after an error, two copies at the same instant, two tabs
enrolling the same child), the likely-duplicate child refused unless the user says it is a
different one, and every other create form of the centre and the regulator.

"Now" is Saturday 2026-11-28 10:00 in Luzhou."""

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from luhuituo.core.models import AuditEvent, Submission
from luhuituo.core.verbs import Verb
from supervision.models import (
    Child,
    Complaint,
    Drill,
    Enrolment,
    Guardian,
    Hazard,
    Incident,
    Inspection,
    RectificationOrder,
    SafetyCheck,
)
from supervision.services.inspections import start_inspection
from tests.factories import ClassGroupFactory, id_number
from tests.factories.supervision import enrolled_child

from .inspection_utils import fire_checklist, issued, plan

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
REPEATED = "已提交过，显示的是第一次提交的结果。"  # "This form was already submitted; …"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def url(name: str, *args) -> str:
    return reverse(f"supervision:{name}", args=args)


def token_of(response) -> str:
    """The one-time token of the (only) create form on the page."""
    return re.search(r'name="submission" value="([^"]+)"', response.content.decode()).group(1)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def group(centre_a):
    return ClassGroupFactory(centre=centre_a, name="托小一班", capacity=3)


def enrolment(group, **changes) -> dict:
    """A valid enrolment without an ID number (the case that used to enrol twice)."""
    data = {
        "name": "李小花", "sex": "female", "birth_date": "2025-05-10", "id_number": "",
        "allergies": "花生过敏", "guardian_name": "李妈妈", "guardian_relation": "mother",
        "guardian_mobile": "13912340000", "guardian_id_number": "", "consent": "on",
        "consent_method": "paper", "class_group": group.pk, "started_on": "2026-11-28",
        "service_form": "full_day",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- enrolment -----------------------------------------------------------------------------------


def test_enrolment_sent_twice_enrols_once(client_for, staff, centre_a, group):
    client = client_for(staff)
    create = url("child-create", centre_a.pk)
    data = enrolment(group, submission=token_of(client.get(create)))
    first = client.post(create, data)
    child = Child.objects.get()
    assert first.status_code == 302 and first["Location"] == child.get_absolute_url()

    again = client.post(create, data, follow=True)
    assert again.redirect_chain == [(child.get_absolute_url(), 302)]
    assert REPEATED in messages_of(again)
    assert Child.objects.count() == Guardian.objects.count() == Enrolment.objects.count() == 1
    assert AuditEvent.objects.filter(verb=Verb.CHILD_ENROLLED).count() == 1


def test_back_and_submit_after_an_error_enrols_once(client_for, staff, centre_a, group):
    client = client_for(staff)
    create = url("child-create", centre_a.pk)
    token = token_of(client.get(create))
    refused = client.post(create, enrolment(group, consent=None, submission=token))
    assert refused.status_code == 422
    assert token_of(refused) == token  # the form shown again keeps its token
    assert not Submission.objects.exists()
    corrected = enrolment(group, submission=token)
    assert client.post(create, corrected).status_code == 302
    assert client.post(create, corrected).status_code == 302  # back, and submit again
    assert Child.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_copies_of_the_enrolment_at_the_same_instant_enrol_once(centre_a, staff):
    """A double click: two requests with the same form, each on its own connection."""
    group = ClassGroupFactory(centre=centre_a, name="托小一班", capacity=3)
    create = url("child-create", centre_a.pk)
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(staff, backend="luhuituo.core.auth.UsernameOrMobileBackend")
    data = enrolment(group, submission=token_of(clients[0].get(create)))
    barrier = threading.Barrier(2)
    responses, errors = [], []

    def send(client):
        try:
            barrier.wait(timeout=10)
            responses.append(client.post(create, data))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    child = Child.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {child.get_absolute_url()}
    # one class place taken, not two
    assert Enrolment.objects.filter(class_group=group, ended_on__isnull=True).count() == 1
    assert Submission.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_tabs_enrolling_the_same_child_at_once_enrol_once(centre_a, staff, manager):
    """Two people, two forms (two tokens), the same child without an ID number: enrolments at
    a centre take turns, so the second sees the first child and is asked whether it is a
    different one."""
    group = ClassGroupFactory(centre=centre_a, name="托小一班", capacity=3)
    create = url("child-create", centre_a.pk)
    barrier = threading.Barrier(2)
    responses, errors = [], []

    def send(user):
        client = Client()
        client.force_login(user, backend="luhuituo.core.auth.UsernameOrMobileBackend")
        try:
            data = enrolment(group, submission=token_of(client.get(create)))
            barrier.wait(timeout=10)
            responses.append(client.post(create, data))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(user,)) for user in (staff, manager)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(r.status_code for r in responses) == [302, 422]
    assert Child.objects.count() == 1
    assert Enrolment.objects.filter(class_group=group).count() == 1


# --- a likely duplicate child -------------------------------------------------------------------


@pytest.fixture
def registered(group):
    """李小花, born 2025-05-10, already enrolled without an ID number."""
    child = enrolled_child(group, name="李小花", birth_date=dt.date(2025, 5, 10), id_number="")
    Guardian.objects.filter(child=child).update(mobile="13912340000")
    return child


def test_a_likely_duplicate_is_refused_with_a_link_to_the_registered_child(
        client_for, staff, centre_a, group, registered):
    response = client_for(staff).post(url("child-create", centre_a.pk),
                                      enrolment(group, guardian_mobile="13500001111"))
    assert response.status_code == 422
    form = response.context["form"]
    message = form.errors["different_child"][0]
    assert message.startswith("李小花（出生日期 2025年5月10日）已在本机构登记（未填写身份证号")
    body = response.content.decode()
    assert f'href="{registered.get_absolute_url()}"' in body
    assert 'name="different_child"' in body
    for typed in ("李妈妈", "13500001111", "花生过敏", "2025-05-10"):  # what was typed stays
        assert typed in body
    assert Child.objects.count() == 1 and Enrolment.objects.count() == 1


def test_the_same_guardian_mobile_flags_a_duplicate_even_with_an_id_number(
        client_for, staff, centre_a, group, registered):
    response = client_for(staff).post(url("child-create", centre_a.pk), enrolment(
        group, id_number=id_number(77, born="20250510")))
    assert response.status_code == 422
    assert "且监护人手机号相同" in response.context["form"].errors["different_child"][0]
    assert Child.objects.count() == 1


def test_an_id_number_and_another_guardian_tell_the_children_apart(
        client_for, staff, centre_a, group, registered):
    response = client_for(staff).post(url("child-create", centre_a.pk), enrolment(
        group, id_number=id_number(77, born="20250510"), guardian_mobile="13500001111"))
    assert response.status_code == 302
    assert Child.objects.filter(name="李小花").count() == 2


def test_this_is_a_different_child_enrols_and_is_audited(client_for, staff, centre_a, group,
                                                         registered):
    response = client_for(staff).post(url("child-create", centre_a.pk),
                                      enrolment(group, different_child="on"))
    assert response.status_code == 302
    new = Child.objects.exclude(pk=registered.pk).get()
    event = AuditEvent.objects.get(verb=Verb.CHILD_ENROLLED, target_id=str(new.pk))
    assert event.details["different_from"] == registered.pk


def test_without_a_likely_duplicate_the_question_is_not_asked(client_for, staff, centre_a,
                                                              group):
    body = client_for(staff).get(url("child-create", centre_a.pk)).content.decode()
    assert 'name="different_child"' not in body


# --- the other create forms of a centre ---------------------------------------------------------


CENTRE_FORMS = [
    ("incident-create", Incident,
     {"occurred_at": "2026-11-28T09:15", "kind": "injury", "injury_type": "fall",
      "severity": "moderate", "description": "户外活动时摔倒", "action_taken": "冰敷"}),
    ("drill-create", Drill, {"kind": "fire", "held_on": "2026-11-27", "participants": "30"}),
    ("safety-check-create", SafetyCheck,
     {"kind": "facility", "checked_on": "2026-11-27", "inspector_name": "刘保育",
      "all_in_order": "on"}),
    ("hazard-create", Hazard, {"found_on": "2026-11-27", "location": "楼梯",
                               "description": "扶手松动", "deadline": "2026-12-01"}),
]


@pytest.mark.parametrize(("name", "model", "data"), CENTRE_FORMS)
def test_a_centre_create_form_sent_twice_saves_once(client_for, staff, centre_a, name, model,
                                                    data):
    client = client_for(staff)
    page = url(name, centre_a.pk)
    data = data | {"submission": token_of(client.get(page))}
    first = client.post(page, data)
    assert first.status_code == 302
    again = client.post(page, data, follow=True)
    assert again.redirect_chain[0] == (first["Location"], 302)
    assert REPEATED in messages_of(again)
    assert model.objects.filter(centre=centre_a).count() == 1


CHILD_PAGE_FORMS = [
    ("child-health-check", "health",
     {"kind": "periodic", "checked_on": "2026-11-27", "institution": "江阳区妇幼保健院",
      "result": "passed", "notes": ""}, lambda child: child.health_checks),
    ("child-vaccination", "vaccination",
     {"checked_on": "2026-11-27", "certificate_seen": "on", "up_to_date": "on"},
     lambda child: child.vaccination_checks),
    ("child-guardian-add", "guardian",
     {"name": "阳光爸爸", "relation": "father", "mobile": "13698765432", "id_number": ""},
     lambda child: child.guardians),
]


@pytest.mark.parametrize(("name", "prefix", "data", "records"), CHILD_PAGE_FORMS)
def test_a_form_of_the_childs_page_sent_twice_adds_once(client_for, staff, centre_a, group,
                                                        name, prefix, data, records):
    child = enrolled_child(group, name="阳光宝宝")
    before = records(child).count()
    client = client_for(staff)
    body = client.get(child.get_absolute_url()).content.decode()
    token = re.search(rf'name="{prefix}-submission" value="([^"]+)"', body).group(1)
    data = {f"{prefix}-{key}": value for key, value in data.items()}
    data[f"{prefix}-submission"] = token
    page = url(name, centre_a.pk, child.pk)
    first = client.post(page, data)
    again = client.post(page, data)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert records(child).count() == before + 1


def test_a_finding_added_twice_is_added_once(client_for, centre_a, district_regulator):
    inspection = plan(centre_a, district_regulator)
    start_inspection(inspection=inspection, by=district_regulator)
    client = client_for(district_regulator)
    page = reverse("supervision:inspection-detail", args=[inspection.pk])
    body = client.get(page).content.decode()
    token = re.search(r'name="action" value="finding">\s*<input type="hidden" '
                      r'name="submission" value="([^"]+)"', body).group(1)
    data = {"action": "finding", "severity": "minor", "description": "台账不全",
            "submission": token}
    assert client.post(page, data).status_code == client.post(page, data).status_code == 302
    assert inspection.findings.count() == 1


# --- the regulator's create forms ---------------------------------------------------------------


def test_a_complaint_sent_twice_is_recorded_once(client_for, centre_a, district_regulator):
    client = client_for(district_regulator)
    page = reverse("supervision:complaint-create")
    data = {"centre": centre_a.pk, "channel": "letter", "category": "staff",
            "priority": "urgent", "summary": "保育员态度粗暴", "details": "来信反映。",
            "complainant_name": "", "complainant_phone": "",
            "submission": token_of(client.get(page))}
    first = client.post(page, data)
    again = client.post(page, data)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Complaint.objects.count() == 1


def test_an_inspection_planned_twice_is_planned_once(client_for, centre_a, district_regulator):
    client = client_for(district_regulator)
    page = reverse("supervision:inspection-plan")
    data = {"centre": centre_a.pk, "kind": "routine", "planned_on": "2026-11-30",
            "checklists": [fire_checklist().pk], "inspectors": "李检查",
            "submission": token_of(client.get(page + f"?centre={centre_a.pk}"))}
    first = client.post(page, data)
    again = client.post(page, data)
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Inspection.objects.filter(centre=centre_a).count() == 1


def test_a_rectification_order_issued_twice_is_issued_once(client_for, centre_a,
                                                           district_regulator):
    client = client_for(district_regulator)
    page = reverse("supervision:rectification-create") + f"?centre={centre_a.pk}"
    data = {"requirements": "补充消防记录", "submission": token_of(client.get(page))}
    first = client.post(page, data)
    again = client.post(page, data)
    assert again["Location"] == first["Location"]
    assert RectificationOrder.objects.filter(centre=centre_a).count() == 1


def test_an_order_after_an_inspection_issued_twice_is_issued_once(client_for, centre_a,
                                                                  district_regulator):
    inspection = issued(centre_a, district_regulator)
    client = client_for(district_regulator)
    page = reverse("supervision:inspection-detail", args=[inspection.pk])
    body = client.get(page).content.decode()
    token = re.search(r'name="action" value="order">\s*<input type="hidden" '
                      r'name="submission" value="([^"]+)"', body).group(1)
    data = {"action": "order", "findings": [f.pk for f in inspection.findings.all()],
            "requirements": "立即清理", "deadline": "", "submission": token}
    first = client.post(page, data)
    again = client.post(page, data)
    assert again["Location"] == first["Location"]
    assert RectificationOrder.objects.filter(inspection=inspection).count() == 1
