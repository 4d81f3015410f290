"""Applications for a place: a parent adds a child (with consent) and applies to up to three
verified centres; the centre accepts (enrolling through supervision's enrol_child, every rule
applied), waitlists (the parent sees the position) or declines with a reason; the parent is
notified and may withdraw. Nobody applies for or sees someone else's child."""

import datetime as dt

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.models import AuditEvent, Notification, User
from luhuituo.core.verbs import Verb
from parents.models import ApplicantChild, Application
from parents.services import applications as service
from registry.models import Filing
from supervision.models import Child, Enrolment, GuardianConsent
from tests.factories import CentreFactory, ClassGroupFactory, UserFactory
from tests.factories.registry import filing_for
from tests.factories.supervision import enrolled_child
from tests.rolematrix import (
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    OK,
    Outcome,
    assert_role_matrix,
    redirect_to,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 28)
BORN = TODAY - relativedelta(months=18)
START = TODAY + dt.timedelta(days=20)
INVALID = Outcome("422 form errors", 422)
NOT_CENTRE = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
              "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
MEMBERS = NOT_CENTRE | {"manager": OK, "staff": OK, "other_staff": NOT_FOUND}
PARENT_ONLY = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "manager": FORBIDDEN, "staff": FORBIDDEN,
               "other_staff": FORBIDDEN, "parent": OK, "anonymous": LOGIN}
CHILD = {"name": "新宝宝", "sex": "male", "birth_date": BORN.isoformat(), "relation": "mother",
         "consent": "on"}


@pytest.fixture(autouse=True)
def _now(settings):
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(personas, centre_a, centre_b):
    """centre_a and centre_b verified, with a class each; the parent's child applying."""
    filing_for(centre_a, Filing.Status.VERIFIED)
    filing_for(centre_b, Filing.Status.VERIFIED)
    group = ClassGroupFactory(centre=centre_a, name="托小一班")
    child = ApplicantChild.objects.create(parent=personas["parent"], name="新宝宝", sex="male",
                                          birth_date=BORN, relation="mother",
                                          consent_rules_version="2026-11")
    return personas | {"group": group, "child": child}


def people(world) -> dict:
    return {k: v for k, v in world.items() if k not in {"group", "child"}}


def apply(world, centre, **kwargs) -> Application:
    return service.apply(parent=world["parent"], child=world["child"], centre=centre,
                         preferred_start=kwargs.get("start", START),
                         service_form=kwargs.get("service_form", "full_day"))


def test_role_matrix_parent_pages(client_for, world, centre_a):
    p = people(world)
    assert_role_matrix(client_for, p, reverse("parents:application-list"), expect=PARENT_ONLY,
                       shown={"parent": ["新宝宝"]})
    assert_role_matrix(client_for, p, reverse("parents:applicant-child-create"),
                       expect=PARENT_ONLY)
    assert_role_matrix(client_for, p, reverse("parents:application-create",
                                              args=[world["child"].pk]), expect=PARENT_ONLY)
    application = apply(world, centre_a)
    assert_role_matrix(client_for, p, reverse("parents:application-withdraw",
                                              args=[application.pk]), method="post",
                       expect=PARENT_ONLY | {"parent": redirect_to()})
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN


def test_role_matrix_centre_pages(client_for, world, centre_a, centre_b):
    p = people(world)
    application = apply(world, centre_a)
    other = apply(world, centre_b)
    assert_role_matrix(client_for, p, reverse("parents:centre-applications", args=[centre_a.pk]),
                       expect=MEMBERS, shown={"staff": ["新宝宝"]})
    url = reverse("parents:centre-application", args=[centre_a.pk, application.pk])
    assert_role_matrix(client_for, p, url, expect=MEMBERS, shown={"manager": ["新宝宝"]})
    # Another centre's application through this centre's address: 404 for everyone.
    url = reverse("parents:centre-application", args=[centre_a.pk, other.pk])
    assert_role_matrix(client_for, p, url, expect=NOT_CENTRE | {
        "manager": NOT_FOUND, "staff": NOT_FOUND, "other_staff": NOT_FOUND})
    assert_role_matrix(client_for, p, url, method="post", data={"action": "waitlist"},
                       expect=NOT_CENTRE | {"manager": NOT_FOUND, "staff": NOT_FOUND,
                                            "other_staff": NOT_FOUND})
    other.refresh_from_db()
    assert other.status == Application.Status.SUBMITTED


def test_add_child_with_consent(client_for, world):
    response = client_for(world["parent"]).post(reverse("parents:applicant-child-create"),
                                                CHILD | {"name": "二宝"})
    assert response.status_code == 302
    child = ApplicantChild.objects.get(name="二宝")
    assert child.parent == world["parent"]
    assert child.consent_rules_version == "2026-11"
    assert child.consented_at == NOW
    assert response["Location"] == reverse("parents:application-create", args=[child.pk])


@pytest.mark.parametrize(("change", "field"), [
    ({"consent": ""}, "consent"),
    ({"name": " "}, "name"),
    ({"birth_date": (TODAY + dt.timedelta(days=1)).isoformat()}, "birth_date"),
    ({"birth_date": "2026-02-30"}, "birth_date"),
    ({"sex": "other"}, "sex"),
    ({"relation": ""}, "relation"),
])
def test_add_child_bad_input(client_for, world, change, field):
    data = CHILD | {"name": "二宝"} | change
    response = client_for(world["parent"]).post(reverse("parents:applicant-child-create"), data)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not ApplicantChild.objects.filter(name="二宝").exists()
    if data["name"].strip():
        assert 'value="二宝"' in response.content.decode()


def test_apply_and_see_it(client_for, world, centre_a):
    client = client_for(world["parent"])
    url = reverse("parents:application-create", args=[world["child"].pk])
    response = client.post(url, {"centre": centre_a.pk, "preferred_start": START.isoformat(),
                                 "service_form": "half_day"})
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.centre, application.service_form, application.preferred_start) == (
        centre_a, "half_day", START)
    page = client.get(reverse("parents:application-list")).content.decode()
    assert centre_a.name in page and "Submitted" in page


@pytest.mark.parametrize(("change", "field"), [
    ({"centre": ""}, "centre"),
    ({"preferred_start": (TODAY - dt.timedelta(days=1)).isoformat()}, "preferred_start"),
    ({"preferred_start": "soon"}, "preferred_start"),
    ({"service_form": "overnight"}, "service_form"),
])
def test_apply_bad_input(client_for, world, centre_a, change, field):
    data = {"centre": centre_a.pk, "preferred_start": START.isoformat(),
            "service_form": "full_day"} | change
    response = client_for(world["parent"]).post(
        reverse("parents:application-create", args=[world["child"].pk]), data)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not Application.objects.exists()


def test_unverified_centre_not_offered(client_for, world):
    draft = CentreFactory(name="未核实托育园")
    response = client_for(world["parent"]).post(
        reverse("parents:application-create", args=[world["child"].pk]),
        {"centre": draft.pk, "preferred_start": START.isoformat(), "service_form": "full_day"})
    assert response.status_code == 422
    assert not Application.objects.exists()


def test_at_most_three_open_and_one_per_centre(client_for, world, centre_a, centre_b):
    extra = [CentreFactory(name=f"第{n}托育园") for n in range(2)]
    for centre in extra:
        filing_for(centre, Filing.Status.VERIFIED)
    apply(world, centre_a)
    client = client_for(world["parent"])
    url = reverse("parents:application-create", args=[world["child"].pk])
    data = {"preferred_start": START.isoformat(), "service_form": "full_day"}
    response = client.post(url, data | {"centre": centre_a.pk})
    assert response.status_code == 422
    assert "already has an open application" in str(response.context["form"].errors["centre"])
    apply(world, centre_b)
    apply(world, extra[0])
    response = client.post(url, data | {"centre": extra[1].pk})
    assert response.status_code == 422
    assert "at most 3 open applications" in str(response.context["form"].errors["centre"])
    assert Application.objects.count() == 3
    # Withdrawing one frees a place.
    service.withdraw(Application.objects.get(centre=centre_b), by=world["parent"])
    assert client.post(url, data | {"centre": extra[1].pk}).status_code == 302


def test_no_application_for_someone_elses_child(client_for, world, centre_a):
    stranger = UserFactory(username="stranger", account_type=User.AccountType.PARENT)
    url = reverse("parents:application-create", args=[world["child"].pk])
    response = client_for(stranger).post(url, {"centre": centre_a.pk, "service_form": "full_day",
                                               "preferred_start": START.isoformat()})
    assert response.status_code == 404
    with pytest.raises(NotPermitted):
        service.apply(parent=stranger, child=world["child"], centre=centre_a,
                      preferred_start=START, service_form="full_day")
    assert not Application.objects.exists()
    application = apply(world, centre_a)
    response = client_for(stranger).post(
        reverse("parents:application-withdraw", args=[application.pk]))
    assert response.status_code == 404
    assert "新宝宝" not in client_for(stranger).get(
        reverse("parents:application-list")).content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_accept_enrols_the_child_and_links_the_parent(client_for, world, centre_a,
                                                      django_capture_on_commit_callbacks):
    application = apply(world, centre_a)
    url = reverse("parents:centre-application", args=[centre_a.pk, application.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world["staff"]).post(url, {
            "action": "accept", "class_group": world["group"].pk,
            "started_on": START.isoformat()})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    child = application.enrolled_child
    assert (child.centre, child.name, child.birth_date) == (centre_a, "新宝宝", BORN)
    enrolment = Enrolment.objects.get(child=child)
    assert (enrolment.class_group, enrolment.started_on) == (world["group"], START)
    guardian = child.guardians.get()
    assert guardian.user == world["parent"] and guardian.is_primary
    assert guardian.mobile == world["parent"].mobile
    consent = child.consents.get()
    assert consent.method == GuardianConsent.Method.ONLINE
    assert list(Child.objects.visible_to(world["parent"])) == [child]
    note = Notification.objects.get(recipient=world["parent"])
    assert "accepted" in note.title
    page = client_for(world["parent"]).get(reverse("parents:application-list")).content.decode()
    assert "Accepted" in page


def test_accept_closes_the_childs_other_open_applications(client_for, world, centre_a,
                                                          centre_b):
    """Placed at A: the open application at B closes ("placed at another centre"), B's waiting
    list recounts, a declined one stays as it was, and the parent's list shows it."""
    declined = apply(world, centre_b)
    service.decline(declined, by=world["other_staff"], reason="名额已满")
    at_b = apply(world, centre_b)
    service.waitlist(at_b, by=world["other_staff"])
    later = UserFactory(username="p_later", account_type=User.AccountType.PARENT)
    kid = ApplicantChild.objects.create(parent=later, name="后来者", sex="female",
                                        birth_date=BORN, relation="father",
                                        consent_rules_version="2026-11")
    behind = service.apply(parent=later, child=kid, centre=centre_b, preferred_start=START,
                           service_form="full_day")
    behind = service.waitlist(behind, by=world["other_staff"])
    assert service.waiting_position(behind) == 2
    at_a = apply(world, centre_a)
    service.accept(at_a, by=world["staff"], class_group=world["group"], started_on=START)
    at_b.refresh_from_db()
    declined.refresh_from_db()
    assert at_b.status == Application.Status.CLOSED
    assert declined.status == Application.Status.DECLINED
    assert service.waiting_position(behind) == 1
    event = AuditEvent.objects.get(verb=Verb.APPLICATION_CLOSED)
    assert str(event.target_id) == str(at_b.pk)
    queue = client_for(world["other_staff"]).get(
        reverse("parents:centre-applications", args=[centre_b.pk]))
    assert [a.pk for a in queue.context["page"]] == [behind.pk]
    assert "position 1" in queue.content.decode()
    page = client_for(world["parent"]).get(reverse("parents:application-list")).content.decode()
    assert "Closed: placed at another centre" in page


def test_accept_refused_by_enrolment_rules_changes_nothing(client_for, world, centre_a):
    full = ClassGroupFactory(centre=centre_a, name="满班", capacity=1)
    enrolled_child(full, name="已在托")
    application = apply(world, centre_a)
    client = client_for(world["manager"])
    url = reverse("parents:centre-application", args=[centre_a.pk, application.pk])
    for data in (
        {"class_group": full.pk, "started_on": START.isoformat()},
        {"class_group": world["group"].pk, "started_on": (TODAY + dt.timedelta(days=400))
         .isoformat()},
        {"class_group": world["group"].pk, "started_on": ""},
        {"class_group": "", "started_on": START.isoformat()},
    ):
        response = client.post(url, {"action": "accept"} | data)
        assert response.status_code == 422, data
        assert response.context["accept_form"].errors
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not Child.objects.filter(name="新宝宝").exists()
    assert not Notification.objects.exists()


def test_waiting_list_position(client_for, world, centre_a,
                               django_capture_on_commit_callbacks):
    others = []
    for n in range(2):
        parent = UserFactory(username=f"p{n}", account_type=User.AccountType.PARENT)
        kid = ApplicantChild.objects.create(parent=parent, name=f"排队{n}", sex="female",
                                            birth_date=BORN, relation="father",
                                            consent_rules_version="2026-11")
        others.append(service.apply(parent=parent, child=kid, centre=centre_a,
                                    preferred_start=START, service_form="full_day"))
    mine = apply(world, centre_a)
    client = client_for(world["manager"])
    for application in (*others, mine):
        url = reverse("parents:centre-application", args=[centre_a.pk, application.pk])
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, {"action": "waitlist"}).status_code == 302
    mine.refresh_from_db()
    assert service.waiting_position(mine) == 3
    page = client_for(world["parent"]).get(reverse("parents:application-list")).content.decode()
    assert "position 3" in page
    service.withdraw(others[0], by=others[0].child.parent)
    page = client_for(world["parent"]).get(reverse("parents:application-list")).content.decode()
    assert "position 2" in page
    assert Notification.objects.filter(recipient=world["parent"]).count() == 1


def test_decline_needs_a_reason(client_for, world, centre_a,
                                django_capture_on_commit_callbacks):
    application = apply(world, centre_a)
    client = client_for(world["staff"])
    url = reverse("parents:centre-application", args=[centre_a.pk, application.pk])
    response = client.post(url, {"action": "decline", "reason": "  "})
    assert response.status_code == 422
    assert response.context["decline_form"].errors["reason"]
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"action": "decline", "reason": "名额已满"}).status_code == 302
    application.refresh_from_db()
    assert (application.status, application.decline_reason) == ("declined", "名额已满")
    assert "declined" in Notification.objects.get(recipient=world["parent"]).title
    page = client_for(world["parent"]).get(reverse("parents:application-list")).content.decode()
    assert "名额已满" in page
    # Decided: no second decision, and the parent cannot withdraw it.
    response = client.post(url, {"action": "waitlist"})
    assert response.status_code == 422
    response = client_for(world["parent"]).post(
        reverse("parents:application-withdraw", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == Application.Status.DECLINED


def test_queue_queries_do_not_grow_with_rows(client_for, world, centre_a):
    client = client_for(world["staff"])
    url = reverse("parents:centre-applications", args=[centre_a.pk])
    service.waitlist(apply(world, centre_a), by=world["staff"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(5):
        parent = UserFactory(username=f"q{n}", account_type=User.AccountType.PARENT)
        kid = ApplicantChild.objects.create(parent=parent, name=f"队列{n}", sex="female",
                                            birth_date=BORN, relation="father",
                                            consent_rules_version="2026-11")
        application = service.apply(parent=parent, child=kid, centre=centre_a,
                                    preferred_start=START, service_form="full_day")
        if n % 2:
            service.waitlist(application, by=world["staff"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "队列4" in response.content.decode()
    assert len(many) == len(few)


def test_parent_list_queries_do_not_grow_with_rows(client_for, world, centre_a, centre_b):
    client = client_for(world["parent"])
    url = reverse("parents:application-list")
    apply(world, centre_a)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    service.waitlist(apply(world, centre_b), by=world["other_staff"])
    kid = ApplicantChild.objects.create(parent=world["parent"], name="三宝", sex="female",
                                        birth_date=BORN, relation="mother",
                                        consent_rules_version="2026-11")
    service.apply(parent=world["parent"], child=kid, centre=centre_a, preferred_start=START,
                  service_form="full_day")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "三宝" in response.content.decode()
    assert len(many) == len(few)


def test_parent_home_links_to_applications(client_for, world):
    page = client_for(world["parent"]).get(reverse("parents:home")).content.decode()
    assert reverse("parents:application-list") in page
