"""Bad input on every children's form: a form error (422) with what was typed kept, nothing
saved; ids of another centre's objects are form errors or 404, never a 500."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from supervision.models import (
    Child,
    Enrolment,
    Guardian,
    GuardianConsent,
    HealthCheck,
    VaccinationCheck,
)
from tests.factories import ClassGroupFactory, id_number
from tests.factories.supervision import ChildFactory, enrolled_child

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def url(name: str, *args) -> str:
    return reverse(f"supervision:{name}", args=args)


def snapshot() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Child, Guardian, GuardianConsent, Enrolment,
                                              HealthCheck, VaccinationCheck))


@pytest.fixture
def group(centre_a):
    return ClassGroupFactory(centre=centre_a, name="托小一班", capacity=3)


def enrolment(group, **changes) -> dict:
    data = {
        "name": "李小花", "sex": "female", "birth_date": "2025-05-10",
        "id_number": id_number(77, born="20250510"), "allergies": "花生过敏",
        "guardian_name": "李妈妈", "guardian_relation": "mother",
        "guardian_mobile": "13912340000", "guardian_id_number": "",
        "consent": "on", "consent_method": "paper", "photo_consent": "",
        "class_group": group.pk, "started_on": "2026-11-28", "service_form": "full_day",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- enrolment ------------------------------------------------------------------------------


def test_a_valid_enrolment_saves_everything(client_for, staff, centre_a, group):
    response = client_for(staff).post(url("child-create", centre_a.pk),
                                      enrolment(group, photo_consent="on"))
    child = Child.objects.get()
    assert response.status_code == 302 and response["Location"] == child.get_absolute_url()
    assert child.allergies == "花生过敏" and child.id_number == id_number(77, born="20250510")
    assert sorted(child.consents.values_list("purpose", flat=True)) == ["photos", "records"]
    assert child.enrolments.get().class_group == group


def test_without_consent_nothing_is_saved_and_the_typing_is_kept(client_for, staff, centre_a,
                                                                group):
    response = client_for(staff).post(url("child-create", centre_a.pk),
                                      enrolment(group, consent=None, photo_consent="on"))
    assert response.status_code == 422
    assert response.context["form"].errors["consent"]
    body = response.content.decode()
    for typed in ("李小花", "李妈妈", "13912340000", "花生过敏", "2025-05-10"):
        assert typed in body
    assert snapshot() == (0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"),
    ({"sex": None}, "sex"),
    ({"birth_date": ""}, "birth_date"),
    ({"birth_date": "2026-13-01"}, "birth_date"),
    ({"birth_date": "2026-12-01"}, "birth_date"),  # in the future
    ({"id_number": "510502202505101234"}, "id_number"),  # wrong check digit
    ({"id_number": "12345"}, "id_number"),
    ({"guardian_name": ""}, "guardian_name"),
    ({"guardian_relation": "neighbour"}, "guardian_relation"),
    ({"guardian_mobile": "12345"}, "guardian_mobile"),
    ({"guardian_id_number": "510502199001011230"}, "guardian_id_number"),
    ({"consent_method": "telepathy"}, "consent_method"),
    ({"class_group": ""}, "class_group"),
    ({"class_group": "999999"}, "class_group"),
    ({"class_group": "abc"}, "class_group"),
    ({"started_on": ""}, "started_on"),
    ({"started_on": "2025-01-01"}, "started_on"),  # before birth
    ({"service_form": "overnight"}, "service_form"),
])
def test_enrolment_bad_input(client_for, staff, centre_a, group, changes, field):
    response = client_for(staff).post(url("child-create", centre_a.pk),
                                      enrolment(group, **changes))
    assert response.status_code == 422
    assert field in response.context["form"].errors, response.context["form"].errors
    assert snapshot() == (0, 0, 0, 0, 0, 0)


def test_a_class_of_another_centre_is_a_form_error(client_for, staff, centre_a, centre_b,
                                                   group):
    foreign = ClassGroupFactory(centre=centre_b, name="星星秘密班")
    response = client_for(staff).post(url("child-create", centre_a.pk),
                                      enrolment(group, class_group=foreign.pk))
    assert response.status_code == 422
    assert response.context["form"].errors["class_group"]
    assert "星星秘密班" not in response.content.decode()
    assert snapshot() == (0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize(("class_type", "birth_date"), [
    ("infant", "2025-05-10"),         # 18 months: too old for an infant class
    ("mixed", "2025-08-10"),          # 15 months: under 18 for a mixed class
    ("toddler_small", "2026-07-01"),  # 4 months: under 6
    ("toddler_large", "2023-10-01"),  # 37 months: over 36
])
def test_an_age_that_does_not_fit_the_class_is_a_form_error(client_for, staff, centre_a,
                                                           class_type, birth_date):
    group = ClassGroupFactory(centre=centre_a, class_type=class_type, capacity=5)
    response = client_for(staff).post(url("child-create", centre_a.pk), enrolment(
        group, birth_date=birth_date, id_number=""))
    assert response.status_code == 422
    assert response.context["form"].errors["class_group"]
    assert snapshot() == (0, 0, 0, 0, 0, 0)


def test_a_full_class_is_a_form_error(client_for, staff, centre_a, group):
    for _i in range(3):
        enrolled_child(group)
    before = snapshot()
    response = client_for(staff).post(url("child-create", centre_a.pk), enrolment(group))
    assert response.status_code == 422
    assert "full" in str(response.context["form"].errors["class_group"]) or \
        response.context["form"].errors["class_group"]
    assert snapshot() == before


def test_a_child_already_registered_is_a_form_error(client_for, staff, centre_a, group):
    ChildFactory(centre=centre_a, id_number=id_number(77, born="20250510"))
    before = snapshot()
    response = client_for(staff).post(url("child-create", centre_a.pk), enrolment(group))
    assert response.status_code == 422
    assert response.context["form"].errors["id_number"]
    assert snapshot() == before


# --- the small forms on a child's record --------------------------------------------------------


@pytest.fixture
def child(group):
    return enrolled_child(group, name="阳光宝宝")


def post(client, name, child, data):
    return client.post(url(name, child.centre_id, child.pk), data)


@pytest.mark.parametrize(("data", "field"), [
    ({"health-kind": "entry", "health-checked_on": "2026-11-29",
      "health-institution": "医院", "health-result": "passed"}, "checked_on"),
    ({"health-kind": "entry", "health-checked_on": "2020-01-01",
      "health-institution": "医院", "health-result": "passed"}, "checked_on"),
    ({"health-kind": "entry", "health-checked_on": "2026-11-20",
      "health-institution": "", "health-result": "passed"}, "institution"),
    ({"health-kind": "xray", "health-checked_on": "2026-11-20",
      "health-institution": "医院", "health-result": "passed"}, "kind"),
    ({"health-kind": "entry", "health-checked_on": "not a date",
      "health-institution": "医院", "health-result": "maybe"}, "result"),
])
def test_health_check_bad_input(client_for, staff, child, data, field):
    before = snapshot()
    response = post(client_for(staff), "child-health-check", child, data)
    assert response.status_code == 422
    assert field in response.context["forms"]["health"].errors
    assert "医院" in response.content.decode() or not data["health-institution"]
    assert snapshot() == before


def test_a_valid_health_check_is_saved(client_for, staff, child):
    response = post(client_for(staff), "child-health-check", child, {
        "health-kind": "periodic", "health-checked_on": "2026-11-20",
        "health-institution": "江阳区妇幼保健院", "health-result": "passed"})
    assert response.status_code == 302
    assert child.health_checks.filter(kind="periodic", recorded_by=staff).exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"vaccination-checked_on": ""}, "checked_on"),
    ({"vaccination-checked_on": "2026-12-01", "vaccination-certificate_seen": "on",
      "vaccination-up_to_date": "on"}, "checked_on"),
    ({"vaccination-checked_on": "2026-11-20", "vaccination-certificate_seen": "on"},
     "missing"),  # not up to date, but nothing written down
    ({"vaccination-checked_on": "2026-11-20", "vaccination-up_to_date": "on"}, "up_to_date"),
])
def test_vaccination_check_bad_input(client_for, staff, child, data, field):
    before = snapshot()
    response = post(client_for(staff), "child-vaccination", child, data)
    assert response.status_code == 422
    assert field in response.context["forms"]["vaccination"].errors
    assert snapshot() == before


def test_a_valid_vaccination_check_is_saved(client_for, staff, child):
    response = post(client_for(staff), "child-vaccination", child, {
        "vaccination-checked_on": "2026-11-20", "vaccination-certificate_seen": "on",
        "vaccination-missing": "乙脑第二剂"})
    assert response.status_code == 302
    check = child.vaccination_checks.get(recorded_by=staff)
    assert (check.up_to_date, check.missing) == (False, "乙脑第二剂")


@pytest.mark.parametrize(("data", "field"), [
    ({"guardian-name": "", "guardian-relation": "father", "guardian-mobile": "13800001111"},
     "name"),
    ({"guardian-name": "爸爸", "guardian-relation": "uncle", "guardian-mobile": "13800001111"},
     "relation"),
    ({"guardian-name": "爸爸", "guardian-relation": "father", "guardian-mobile": "12"},
     "mobile"),
    ({"guardian-name": "爸爸", "guardian-relation": "father", "guardian-mobile": "13800001111",
      "guardian-id_number": "510502199001011239"}, "id_number"),
])
def test_guardian_bad_input(client_for, staff, child, data, field):
    before = snapshot()
    response = post(client_for(staff), "child-guardian-add", child, data)
    assert response.status_code == 422
    assert field in response.context["forms"]["guardian"].errors
    assert snapshot() == before


def test_a_guardian_is_added(client_for, staff, child):
    response = post(client_for(staff), "child-guardian-add", child, {
        "guardian-name": "阳光爸爸", "guardian-relation": "father",
        "guardian-mobile": "13800001111", "guardian-id_number": id_number(5)})
    assert response.status_code == 302
    guardian = child.guardians.get(name="阳光爸爸")
    assert not guardian.is_primary and guardian.id_number == id_number(5)


def test_move_bad_input(client_for, staff, child, centre_a, centre_b):
    client = client_for(staff)
    foreign = ClassGroupFactory(centre=centre_b)
    infants = ClassGroupFactory(centre=centre_a, class_type="infant", capacity=5)
    before = snapshot()
    for data, field in (
        ({"move-class_group": foreign.pk, "move-on": "2026-11-28",
          "move-service_form": "full_day"}, "class_group"),
        ({"move-class_group": infants.pk, "move-on": "2026-11-28",
          "move-service_form": "full_day"}, "class_group"),
        ({"move-class_group": child.current_enrolment.class_group_id, "move-on": "2026-11-28",
          "move-service_form": "full_day"}, "class_group"),
        ({"move-class_group": infants.pk, "move-on": "", "move-service_form": "full_day"},
         "on"),
        ({"move-class_group": infants.pk, "move-on": "2026-11-28", "move-service_form": "x"},
         "service_form"),
    ):
        response = post(client, "child-move", child, data)
        assert response.status_code == 422
        assert field in response.context["forms"]["move"].errors
    assert snapshot() == before


def test_a_move_is_saved(client_for, staff, child, centre_a):
    mixed = ClassGroupFactory(centre=centre_a, class_type="mixed", capacity=5)
    response = post(client_for(staff), "child-move", child, {
        "move-class_group": mixed.pk, "move-on": "2026-11-28",
        "move-service_form": "half_day"})
    assert response.status_code == 302
    current = Enrolment.objects.get(child=child, ended_on__isnull=True)
    assert (current.class_group, current.service_form) == (mixed, "half_day")


@pytest.mark.parametrize(("data", "field"), [
    ({"withdraw-on": "2026-11-28", "withdraw-reason": ""}, "reason"),
    ({"withdraw-on": "", "withdraw-reason": "搬家"}, "on"),
    ({"withdraw-on": "2026-12-28", "withdraw-reason": "搬家"}, "on"),
    ({"withdraw-on": "2020-01-01", "withdraw-reason": "搬家"}, "on"),
])
def test_withdraw_bad_input(client_for, manager, child, data, field):
    response = post(client_for(manager), "child-withdraw", child, data)
    assert response.status_code == 422
    assert field in response.context["forms"]["withdraw"].errors
    child.refresh_from_db()
    assert child.status == "enrolled"


def test_withdraw_then_readmit_needs_a_return_check(client_for, manager, child):
    with time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC), tick=False):
        client = client_for(manager)
        Enrolment.objects.filter(child=child).update(started_on=dt.date(2026, 3, 1))
        response = post(client, "child-withdraw", child, {"withdraw-on": "2026-07-01",
                                                          "withdraw-reason": "回老家"})
    assert response.status_code == 302
    client = client_for(manager)  # a fresh session: the old one idled out since July
    group = child.enrolments.get().class_group
    data = {"readmit-class_group": group.pk, "readmit-on": "2026-11-28",
            "readmit-service_form": "full_day"}
    response = post(client, "child-readmit", child, data)
    assert response.status_code == 422
    errors = " ".join(response.context["forms"]["readmit"].errors["on"])
    assert "health check" in errors or "体检" in errors
    assert child.enrolments.count() == 1
    post(client, "child-health-check", child, {
        "health-kind": "return", "health-checked_on": "2026-11-25",
        "health-institution": "江阳区妇幼保健院", "health-result": "passed"})
    assert post(client, "child-readmit", child, data).status_code == 302
    child.refresh_from_db()
    assert child.status == "enrolled" and child.enrolments.count() == 2


def test_consent_bad_input(client_for, staff, child, centre_a):
    other = ChildFactory(centre=centre_a)
    guardian = child.guardians.get()
    before = snapshot()
    for data, field in (
        ({"consent-guardian": other.guardians.get().pk, "consent-purpose": "photos",
          "consent-method": "paper", "consent-confirmed": "on"}, "guardian"),
        ({"consent-guardian": guardian.pk, "consent-purpose": "marketing",
          "consent-method": "paper", "consent-confirmed": "on"}, "purpose"),
        ({"consent-guardian": guardian.pk, "consent-purpose": "photos",
          "consent-method": "paper"}, "confirmed"),
    ):
        response = post(client_for(staff), "child-consent-add", child, data)
        assert response.status_code == 422
        assert field in response.context["forms"]["consent"].errors
    assert snapshot() == before


def test_after_records_consent_is_withdrawn_forms_are_refused(client_for, manager, child):
    client = client_for(manager)
    consent = child.consents.get(purpose="records")
    response = client.post(url("consent-withdraw", child.centre_id, child.pk, consent.pk))
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.status == "withdrawn"
    page = client.get(url("child-detail", child.centre_id, child.pk)).content.decode()
    assert url("child-health-check", child.centre_id, child.pk) not in page
    before = snapshot()
    response = post(client, "child-health-check", child, {
        "health-kind": "periodic", "health-checked_on": "2026-11-20",
        "health-institution": "医院", "health-result": "passed"})
    assert response.status_code == 422
    assert response.context["forms"]["health"].non_field_errors()
    assert snapshot() == before
