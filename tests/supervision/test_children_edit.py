"""Correcting a child's and a guardian's details: the service rules (consent, ID number, date
of birth against the current class, audit without values), the forms on the child's page (bad
input → 422, nothing saved; recorded ID numbers never sent to the browser), the access log and
the role matrix of both URLs."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from luhuituo.core.crypto import blind_index
from luhuituo.core.models import AccessLog, AuditEvent
from supervision.models import Child, Guardian
from supervision.services.children import (
    ChildError,
    update_child,
    update_guardian,
    withdraw_consent,
)
from tests.factories import ClassGroupFactory, id_number
from tests.factories.supervision import ChildFactory, enrolled_child
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, Outcome, assert_role_matrix

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)
INVALID = Outcome("422 form errors", 422)
NOT_CENTRE = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
              "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
MEMBERS_POST = NOT_CENTRE | {"manager": INVALID, "staff": INVALID, "other_staff": NOT_FOUND}
NOBODY_AT_A = NOT_CENTRE | {"manager": NOT_FOUND, "staff": NOT_FOUND, "other_staff": NOT_FOUND}
A_ID = id_number(61, born="20250528")
A_ID_NEW = id_number(62, born="20250528")
B_ID = id_number(63, region_code="510503", born="20250528")
GUARDIAN_ID = id_number(64)
GUARDIAN_ID_NEW = id_number(65)
A_MOBILE, B_MOBILE, FATHER_MOBILE = "13812345678", "13700001111", "13698765432"
B_SECRETS = ["星星宝宝", "星星秘密班", B_ID, B_MOBILE]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def english():
    """Service messages in English, to match them (the project's language is zh-hans)."""
    with translation.override("en"):
        yield


def url(name: str, *args) -> str:
    return reverse(f"supervision:{name}", args=args)


def each(names, texts) -> dict[str, list[str]]:
    return {name: list(texts) for name in names}


@pytest.fixture
def group(centre_a):
    return ClassGroupFactory(centre=centre_a, name="阳光托小班")


@pytest.fixture
def child(group):
    """18 months old, in a 托小班 (12–24 months) since 60 days ago, with an ID number, a
    primary guardian (the mother) and a father with an ID number."""
    child = enrolled_child(group, name="阳光宝宝", id_number=A_ID, allergies="花生过敏",
                           health_notes="早产两周")
    Guardian.objects.filter(child=child).update(mobile=A_MOBILE)
    Guardian.objects.create(child=child, name="阳光爸爸", relation="father",
                            mobile=FATHER_MOBILE, id_number=GUARDIAN_ID)
    return child


def mother(child) -> Guardian:
    return child.guardians.get(is_primary=True)


def father(child) -> Guardian:
    return child.guardians.get(is_primary=False)


def child_row(child) -> tuple:
    child = Child.objects.get(pk=child.pk)
    return (child.name, child.sex, child.birth_date, child.id_number, child.id_number_digest,
            child.allergies, child.health_notes)


def guardian_rows(child) -> list[tuple]:
    return [(g.name, g.relation, g.mobile, g.id_number, g.id_number_digest)
            for g in Guardian.objects.filter(child=child).order_by("pk")]


def state(child) -> tuple:
    return child_row(child), guardian_rows(child), AuditEvent.objects.count()


def child_data(child, **changes) -> dict:
    data = {"name": child.name, "sex": child.sex, "birth_date": child.birth_date,
            "id_number": "", "allergies": child.allergies, "health_notes": child.health_notes}
    return data | changes


def guardian_data(guardian, **changes) -> dict:
    return {"name": guardian.name, "relation": guardian.relation, "mobile": "",
            "id_number": ""} | changes


def open_form(body: str) -> str:
    """The action of the one form shown open (a <details> with errors)."""
    opened = re.findall(r'<details class="child-action" open>.*?action="([^"]+)"', body, re.S)
    assert len(opened) == 1, opened
    return opened[0]


def details_text(event: AuditEvent) -> str:
    return json.dumps(event.details, ensure_ascii=False)


# --- update_child -------------------------------------------------------------------------------


def test_staff_correct_the_childs_details(staff, child):
    birth = child.birth_date - dt.timedelta(days=20)  # still 12–24 months at the start
    update_child(child, by=staff, data=child_data(
        child, name="阳光小宝", birth_date=birth, id_number=f" {A_ID_NEW} ",
        allergies="花生、芒果过敏", health_notes=""))
    child.refresh_from_db()
    assert (child.name, child.birth_date, child.id_number, child.allergies, child.health_notes) \
        == ("阳光小宝", birth, A_ID_NEW, "花生、芒果过敏", "")
    assert child.id_number_digest == blind_index(A_ID_NEW, "ric")
    event = AuditEvent.objects.get(verb="child_updated")
    assert event.actor == staff and event.target_id == str(child.pk)
    assert sorted(event.details["fields"]) == ["allergies", "birth_date", "health_notes",
                                               "id_number", "name"]


def test_the_audit_names_the_fields_never_their_values(manager, child):
    old = child_row(child)
    update_child(child, by=manager, data=child_data(
        child, id_number=A_ID_NEW, allergies="牛奶过敏", health_notes="心脏杂音随访",
        birth_date=child.birth_date - dt.timedelta(days=3)))
    update_guardian(father(child), by=manager, data=guardian_data(
        father(child), mobile="13500002222", id_number=GUARDIAN_ID_NEW))
    for verb, fields in (("child_updated", ["allergies", "birth_date", "health_notes",
                                             "id_number"]),
                         ("guardian_updated", ["id_number", "mobile"])):
        event = AuditEvent.objects.get(verb=verb)
        assert sorted(event.details["fields"]) == fields
        text = details_text(event)
        for value in (A_ID, A_ID_NEW, GUARDIAN_ID, GUARDIAN_ID_NEW, "13500002222",
                      FATHER_MOBILE, "牛奶过敏", "花生过敏", "心脏杂音", "早产",
                      old[2].isoformat(), (old[2] - dt.timedelta(days=3)).isoformat()):
            assert value not in text, (verb, value)
            assert value not in event.target_repr


def test_an_empty_id_number_keeps_the_recorded_one(staff, child):
    update_child(child, by=staff, data=child_data(child, name="阳光小宝", id_number=""))
    update_guardian(father(child), by=staff,
                    data=guardian_data(father(child), name="阳光老爸"))
    child.refresh_from_db()
    assert (child.name, child.id_number) == ("阳光小宝", A_ID)
    assert child.id_number_digest == blind_index(A_ID, "ric")
    dad = father(child)
    assert (dad.name, dad.mobile, dad.id_number) == ("阳光老爸", FATHER_MOBILE, GUARDIAN_ID)
    assert AuditEvent.objects.get(verb="child_updated").details["fields"] == ["name"]
    assert AuditEvent.objects.get(verb="guardian_updated").details["fields"] == ["name"]


def test_nothing_changed_nothing_saved_or_audited(staff, child):
    update_child(child, by=staff, data=child_data(child, id_number=A_ID))
    update_guardian(father(child), by=staff,
                    data=guardian_data(father(child), mobile=FATHER_MOBILE))
    assert not AuditEvent.objects.exists()


def test_withdrawn_records_consent_refuses_corrections(manager, staff, child, english):
    withdraw_consent(child.consents.get(purpose="records"), by=manager)
    before = state(child)
    with pytest.raises(ChildError, match="withdrawn consent"):
        update_child(child, by=staff, data=child_data(child, name="改名"))
    with pytest.raises(ChildError, match="withdrawn consent"):
        update_guardian(father(child), by=manager,
                        data=guardian_data(father(child), name="改名"))
    assert state(child) == before


def test_an_id_number_of_another_child_of_the_centre_is_refused(staff, child, centre_a,
                                                                 centre_b, english):
    ChildFactory(centre=centre_a, id_number=A_ID_NEW)
    ChildFactory(centre=centre_b, id_number=B_ID)  # another centre's child: no conflict
    before = state(child)
    with pytest.raises(ChildError, match="Another child of this centre") as caught:
        update_child(child, by=staff, data=child_data(child, id_number=A_ID_NEW))
    assert caught.value.field == "id_number"
    assert state(child) == before
    update_child(child, by=staff, data=child_data(child, id_number=B_ID))
    assert Child.objects.get(pk=child.pk).id_number == B_ID


@pytest.mark.parametrize("number", ["510502202505280001", "5105022025", "51050220250528000A"])
def test_an_invalid_id_number_is_refused(staff, child, number):
    before = state(child)
    with pytest.raises(ChildError) as caught:
        update_child(child, by=staff, data=child_data(child, id_number=number))
    assert caught.value.field == "id_number"
    with pytest.raises(ChildError) as caught:
        update_guardian(father(child), by=staff,
                        data=guardian_data(father(child), id_number=number))
    assert caught.value.field == "id_number"
    assert state(child) == before


def test_a_birth_date_in_the_future_is_refused(staff, group):
    child = ChildFactory(centre=group.centre)  # withdrawn-like: no placement to fit
    before = state(child)
    with pytest.raises(ChildError) as caught:
        update_child(child, by=staff,
                     data=child_data(child, birth_date=TODAY + dt.timedelta(days=1)))
    assert caught.value.field == "birth_date"
    assert state(child) == before


@pytest.mark.parametrize("birth", [
    dt.date(2024, 4, 1),   # 30 months old when the placement started: too old for 托小班
    dt.date(2026, 1, 1),   # 8 months old when it started: too young
    dt.date(2026, 10, 1),  # born after the placement started
])
def test_the_age_must_still_fit_the_current_class(staff, child, birth):
    before = state(child)
    with pytest.raises(ChildError) as caught:
        update_child(child, by=staff, data=child_data(child, birth_date=birth))
    assert caught.value.field == "birth_date"
    assert state(child) == before


def test_an_unchanged_birth_date_is_not_checked_again(staff, child):
    """A child who outgrew the class band since starting can still have a typo corrected."""
    Child.objects.filter(pk=child.pk).update(birth_date=dt.date(2024, 9, 1))
    child.refresh_from_db()
    update_child(child, by=staff, data=child_data(child, name="阳光小宝"))
    assert Child.objects.get(pk=child.pk).name == "阳光小宝"


def test_only_the_centres_own_accounts_correct(child, other_staff, parent, district_regulator):
    before = state(child)
    for user in (other_staff, parent, district_regulator):
        with pytest.raises(PermissionDenied):
            update_child(child, by=user, data=child_data(child, name="改名"))
        with pytest.raises(PermissionDenied):
            update_guardian(father(child), by=user,
                            data=guardian_data(father(child), name="改名"))
    assert state(child) == before


# --- update_guardian ----------------------------------------------------------------------------


def test_a_guardians_details_are_corrected(staff, child):
    update_guardian(mother(child), by=staff, data=guardian_data(
        mother(child), name="阳光外婆", relation="grandparent", mobile="0830-2345678",
        id_number=GUARDIAN_ID_NEW))
    mum = mother(child)
    assert (mum.name, mum.relation, mum.mobile, mum.id_number) == (
        "阳光外婆", "grandparent", "0830-2345678", GUARDIAN_ID_NEW)
    assert mum.id_number_digest == blind_index(GUARDIAN_ID_NEW, "ric")
    assert mum.is_primary
    event = AuditEvent.objects.get(verb="guardian_updated")
    assert event.target_id == str(mum.pk) and event.details["child"] == child.pk
    assert sorted(event.details["fields"]) == ["id_number", "mobile", "name", "relation"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": "  "}, "name"),
    ({"relation": "uncle"}, "relation"),
    ({"mobile": "12"}, "mobile"),
])
def test_guardian_bad_data_is_refused(staff, child, changes, field):
    before = state(child)
    with pytest.raises(ChildError) as caught:
        update_guardian(father(child), by=staff,
                        data=guardian_data(father(child), **changes))
    assert caught.value.field == field
    assert state(child) == before


# --- the forms on the child's page --------------------------------------------------------------


def post_child(client, child, **changes):
    data = {"edit-name": child.name, "edit-sex": child.sex,
            "edit-birth_date": child.birth_date.isoformat(), "edit-id_number": "",
            "edit-allergies": child.allergies, "edit-health_notes": child.health_notes}
    data |= {f"edit-{k}": v for k, v in changes.items()}
    return client.post(url("child-edit", child.centre_id, child.pk),
                       {k: v for k, v in data.items() if v is not None})


def post_guardian(client, child, guardian, **changes):
    prefix = f"guardian-{guardian.pk}-"
    data = {"name": guardian.name, "relation": guardian.relation, "mobile": "",
            "id_number": ""} | changes
    return client.post(url("guardian-edit", child.centre_id, child.pk, guardian.pk),
                       {prefix + k: v for k, v in data.items() if v is not None})


def test_the_child_edit_form_saves(client_for, staff, child):
    response = post_child(client_for(staff), child, name="阳光小宝",
                          birth_date=(child.birth_date - dt.timedelta(days=5)).isoformat(),
                          id_number=A_ID_NEW, allergies="芒果过敏")
    assert response.status_code == 302
    assert response["Location"] == child.get_absolute_url() + "#details"
    child.refresh_from_db()
    assert (child.name, child.id_number, child.allergies) == ("阳光小宝", A_ID_NEW, "芒果过敏")


def test_the_guardian_edit_form_saves_and_empty_keeps_the_numbers(client_for, manager, child):
    response = post_guardian(client_for(manager), child, father(child), name="阳光老爸",
                             relation="grandparent")
    assert response.status_code == 302
    assert response["Location"] == child.get_absolute_url() + "#guardians"
    dad = child.guardians.get(pk=father(child).pk)
    assert (dad.name, dad.relation, dad.mobile, dad.id_number) == (
        "阳光老爸", "grandparent", FATHER_MOBILE, GUARDIAN_ID)


@pytest.mark.parametrize(("changes", "field", "kept"), [
    ({"name": ""}, "name", "早产两周"),
    ({"name": "阳光小宝", "birth_date": "2026-11-29"}, "birth_date", "阳光小宝"),
    ({"name": "阳光小宝", "birth_date": "not a date"}, "birth_date", "阳光小宝"),
    ({"name": "阳光小宝", "birth_date": "2024-04-01"}, "birth_date", "阳光小宝"),
    ({"name": "阳光小宝", "sex": "other"}, "sex", "阳光小宝"),
    ({"name": "阳光小宝", "id_number": "510502202505280001"}, "id_number", "阳光小宝"),
    ({"name": "阳光小宝", "id_number": "duplicate"}, "id_number", "阳光小宝"),
    ({"name": "x" * 51}, "name", "x" * 51),
])
def test_child_edit_bad_input(client_for, staff, child, centre_a, changes, field, kept):
    if changes.get("id_number") == "duplicate":
        ChildFactory(centre=centre_a, id_number=A_ID_NEW)
        changes = changes | {"id_number": A_ID_NEW}
    before = state(child)
    response = post_child(client_for(staff), child, **changes)
    assert response.status_code == 422
    assert field in response.context["forms"]["edit"].errors
    body = response.content.decode()
    assert open_form(body) == url("child-edit", child.centre_id, child.pk)
    assert kept in body  # what was typed is shown again
    assert A_ID not in body
    assert state(child) == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"name": ""}, "name"),
    ({"relation": "uncle"}, "relation"),
    ({"mobile": "12"}, "mobile"),
    ({"id_number": "510502199001011239"}, "id_number"),
])
def test_guardian_edit_bad_input(client_for, staff, child, changes, field):
    dad = father(child)
    before = state(child)
    response = post_guardian(client_for(staff), child, dad, **changes)
    assert response.status_code == 422
    form = response.context["forms"]["guardian_edit"]
    assert form.guardian == dad and field in form.errors
    body = response.content.decode()
    assert open_form(body) == url("guardian-edit", child.centre_id, child.pk, dad.pk)
    for secret in (GUARDIAN_ID, FATHER_MOBILE, A_MOBILE, A_ID):
        assert secret not in body
    assert state(child) == before


def test_a_guardian_of_another_child_is_not_found(client_for, staff, child, centre_a):
    other = ChildFactory(centre=centre_a, name="邻居宝宝")
    theirs = other.guardians.get()
    before = guardian_rows(other)
    response = post_guardian(client_for(staff), child, theirs, name="改名")
    assert response.status_code == 404
    assert guardian_rows(other) == before


def test_after_records_consent_is_withdrawn_the_edit_forms_are_refused(client_for, manager,
                                                                      child):
    client = client_for(manager)
    consent = child.consents.get(purpose="records")
    client.post(url("consent-withdraw", child.centre_id, child.pk, consent.pk))
    page = client.get(url("child-detail", child.centre_id, child.pk)).content.decode()
    assert url("child-edit", child.centre_id, child.pk) not in page
    assert url("guardian-edit", child.centre_id, child.pk, father(child).pk) not in page
    before = state(child)
    response = post_child(client, child, name="改名")
    assert response.status_code == 422
    assert response.context["forms"]["edit"].non_field_errors()
    response = post_guardian(client, child, father(child), name="改名")
    assert response.status_code == 422
    assert response.context["forms"]["guardian_edit"].non_field_errors()
    assert state(child) == before


# --- what the page shows -----------------------------------------------------------------------


def test_the_edit_forms_are_prefilled_but_never_with_the_numbers(client_for, staff, child):
    response = client_for(staff).get(url("child-detail", child.centre_id, child.pk))
    body = response.content.decode()
    assert url("child-edit", child.centre_id, child.pk) in body
    for guardian in child.guardians.all():
        assert url("guardian-edit", child.centre_id, child.pk, guardian.pk) in body
    assert 'name="edit-name" value="阳光宝宝"' in body
    assert f'value="{child.birth_date.isoformat()}"' in body
    assert "花生过敏</textarea>" in body and "早产两周</textarea>" in body
    assert f'name="guardian-{father(child).pk}-name"' in body
    form = response.context["forms"]["edit"]
    assert not form["id_number"].value()
    masked = A_ID[:6] + "********" + A_ID[-4:]
    assert masked in str(form.fields["id_number"].help_text)
    assert masked in body and GUARDIAN_ID[:6] + "********" + GUARDIAN_ID[-4:] in body
    assert "138****5678" in body and "136****5432" in body
    for secret in (A_ID, GUARDIAN_ID, A_MOBILE, FATHER_MOBILE):
        assert secret not in body


def test_the_page_with_errors_never_shows_the_recorded_numbers(client_for, staff, child):
    client = client_for(staff)
    for response in (post_child(client, child, name=""),
                     post_guardian(client, child, father(child), name="")):
        assert response.status_code == 422
        body = response.content.decode()
        for secret in (A_ID, GUARDIAN_ID, A_MOBILE, FATHER_MOBILE):
            assert secret not in body


def test_the_access_log_is_still_written(client_for, staff, child):
    client = client_for(staff)
    logs = AccessLog.objects.filter(target_id=str(child.pk))
    client.get(url("child-detail", child.centre_id, child.pk))
    assert logs.count() == 1
    post_child(client, child, name="")                      # 422: the record is shown again
    post_guardian(client, child, father(child), mobile="1")  # 422 too
    assert logs.count() == 3
    post_child(client, child, name="阳光小宝")                # saved: a redirect, nothing shown
    assert logs.count() == 3
    assert {(log.user, log.reason) for log in logs} == {(staff, "centre record")}


# --- role matrix -------------------------------------------------------------------------------


@pytest.fixture
def leaky(personas, centre_a, centre_b):
    """A child at each centre; the parent is the guardian of centre_a's child."""
    group_a = ClassGroupFactory(centre=centre_a, name="阳光托小班")
    group_b = ClassGroupFactory(centre=centre_b, name="星星秘密班")
    child_a = enrolled_child(group_a, name="阳光宝宝", id_number=A_ID,
                             guardian__user=personas["parent"])
    Guardian.objects.filter(child=child_a).update(mobile=A_MOBILE)
    child_b = enrolled_child(group_b, name="星星宝宝", id_number=B_ID)
    Guardian.objects.filter(child=child_b).update(mobile=B_MOBILE)
    return {"people": personas, "child_a": child_a, "child_b": child_b}


def test_child_edit_role_matrix(client_for, leaky, centre_a, centre_b):
    people, child_a, child_b = leaky["people"], leaky["child_a"], leaky["child_b"]
    before = (child_row(child_a), child_row(child_b))
    assert_role_matrix(client_for, people, url("child-edit", centre_a.pk, child_a.pk),
                       method="post", data={}, expect=MEMBERS_POST,
                       hidden=each(("manager", "staff"), [A_ID, A_MOBILE, *B_SECRETS]))
    # centre_b's child through centre_a's address: 404 for everyone at centre_a.
    assert_role_matrix(client_for, people, url("child-edit", centre_a.pk, child_b.pk),
                       method="post", data={"edit-name": "改名"}, expect=NOBODY_AT_A)
    assert_role_matrix(client_for, people, url("child-edit", centre_b.pk, child_b.pk),
                       method="post", data={"edit-name": "改名"},
                       expect=NOT_CENTRE | {"manager": NOT_FOUND, "staff": NOT_FOUND,
                                            "other_staff": INVALID})
    assert (child_row(child_a), child_row(child_b)) == before


def test_guardian_edit_role_matrix(client_for, leaky, centre_a, centre_b):
    people, child_a, child_b = leaky["people"], leaky["child_a"], leaky["child_b"]
    guardian_a, guardian_b = child_a.guardians.get(), child_b.guardians.get()
    before = (guardian_rows(child_a), guardian_rows(child_b))
    assert_role_matrix(client_for, people,
                       url("guardian-edit", centre_a.pk, child_a.pk, guardian_a.pk),
                       method="post", data={}, expect=MEMBERS_POST,
                       hidden=each(("manager", "staff"), [A_ID, A_MOBILE, *B_SECRETS]))
    # centre_b's guardian: through centre_a's child, or through centre_b's child at centre_a.
    for address in (url("guardian-edit", centre_a.pk, child_a.pk, guardian_b.pk),
                    url("guardian-edit", centre_a.pk, child_b.pk, guardian_b.pk)):
        assert_role_matrix(client_for, people, address, method="post",
                           data={f"guardian-{guardian_b.pk}-name": "改名"}, expect=NOBODY_AT_A)
    assert (guardian_rows(child_a), guardian_rows(child_b)) == before


@pytest.mark.parametrize("name", ["child-edit", "guardian-edit"])
def test_the_edit_urls_take_only_post(client_for, manager, child, name):
    args = [child.centre_id, child.pk] + ([father(child).pk] if name == "guardian-edit" else [])
    assert client_for(manager).get(url(name, *args)).status_code == 405
