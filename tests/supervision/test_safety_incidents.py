"""Incidents (docs/rules/filing.md#supporting-workflows): REPORTED → GUARDIAN_NOTIFIED →
AUTHORITY_REPORTED (when required) → INVESTIGATING → CLOSED; immediate notice to the district
regulators for what must be reported; the centre's pages and the regulator's (scope-filtered) pages
across the role matrix.

"Now" is Saturday 2026-11-28 10:00 in Luzhou."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.models import AccessLog, AuditEvent, Notification
from luhuituo.core.verbs import Verb
from supervision.models import Incident
from supervision.services.daily import RecordError
from supervision.services.safety import (
    close_incident,
    mark_guardian_notified,
    mark_reported_to_authority,
    report_incident,
    start_investigation,
)
from tests.factories import ClassGroupFactory
from tests.factories.supervision import enrolled_child
from tests.queries import count_queries

from ..rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix, redirect_to

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
EARLIER = NOW - dt.timedelta(hours=2)

pytestmark = pytest.mark.django_db

NOT_MEMBERS = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
MEMBERS = NOT_MEMBERS | {"manager": OK, "staff": OK, "other_staff": NOT_FOUND}
REGULATORS = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
              "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
              "parent": FORBIDDEN, "anonymous": LOGIN}
B_SECRETS = ["纳溪区星星托育园", "星星秘密宝宝", "星星园秘密事件"]


@pytest.fixture(autouse=True)
def _frozen():
    """Frozen time; messages in English (the msgids), whatever the catalogue holds."""
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def incident(centre, actor=None, **fields) -> Incident:
    data = {"occurred_at": EARLIER, "kind": Incident.Kind.INJURY,
            "injury_type": Incident.InjuryType.FALL, "severity": Incident.Severity.MINOR,
            "description": "滑梯上摔倒，膝盖擦伤", "action_taken": "消毒包扎", **fields}
    return Incident.objects.create(centre=centre, reported_by=actor, **data)


@pytest.fixture
def leaky(personas, centre_a, centre_b):
    a = ClassGroupFactory(centre=centre_a, name="阳光托小一班")
    b = ClassGroupFactory(centre=centre_b, name="星星秘密班")
    personas["child_a"] = enrolled_child(a, name="阳光宝宝")
    personas["child_b"] = enrolled_child(b, name="星星秘密宝宝")
    personas["incident_a"] = incident(centre_a, child=personas["child_a"], class_group=a,
                                      description="阳光园滑梯擦伤")
    personas["incident_b"] = incident(centre_b, child=personas["child_b"], class_group=b,
                                      description="星星园秘密事件",
                                      severity=Incident.Severity.SERIOUS)
    return personas


# --- the service -------------------------------------------------------------------------------


def report(centre, actor, **fields):
    data = {"occurred_at": EARLIER, "kind": Incident.Kind.INJURY,
            "injury_type": Incident.InjuryType.FALL, "severity": Incident.Severity.MINOR,
            "notifiable_disease": False, "description": "摔倒", "action_taken": "",
            "child": None, "class_group": None, **fields}
    return report_incident(centre=centre, by=actor, data=data)


@pytest.mark.parametrize("fields", [
    {"severity": Incident.Severity.SERIOUS},
    {"kind": Incident.Kind.ABUSE, "injury_type": ""},
    {"kind": Incident.Kind.MISSING, "injury_type": ""},
    {"kind": Incident.Kind.INFECTIOUS, "notifiable_disease": True},
])
def test_what_must_be_reported_notifies_the_district_at_once(
        centre_a, staff, manager, district_regulator, other_regulator, city_regulator, fields,
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = report(centre_a, staff, **fields)
    assert created.status == Incident.Status.REPORTED and created.must_report_to_authority
    note = Notification.objects.get(recipient=district_regulator)
    assert note.level == Notification.Level.DANGER
    assert note.url == reverse("supervision:regulator-incident-detail", args=[created.pk])
    assert not Notification.objects.filter(recipient__in=[other_regulator, city_regulator])
    assert Notification.objects.get(recipient=manager).level == Notification.Level.WARNING
    assert AuditEvent.objects.get(verb=Verb.INCIDENT_REPORTED).details["must_report"] is True


def test_a_minor_injury_tells_only_the_managers(centre_a, staff, manager, district_regulator,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = report(centre_a, staff, child=None)
    assert not created.must_report_to_authority
    assert not Notification.objects.filter(recipient=district_regulator).exists()
    assert Notification.objects.get(recipient=manager).level == Notification.Level.INFO


def test_report_takes_the_childs_class_and_drops_a_stray_injury_type(centre_a, staff):
    klass = ClassGroupFactory(centre=centre_a)
    child = enrolled_child(klass)
    created = report(centre_a, staff, child=child, kind=Incident.Kind.FOOD)
    assert created.class_group == klass and created.injury_type == ""


def test_report_refuses_foreign_children_future_times_and_outsiders(
        centre_a, centre_b, staff, other_staff, district_regulator):
    foreign = enrolled_child(ClassGroupFactory(centre=centre_b))
    with pytest.raises(RecordError, match="not at this centre"):
        report(centre_a, staff, child=foreign)
    with pytest.raises(RecordError, match="not at this centre"):
        report(centre_a, staff, class_group=ClassGroupFactory(centre=centre_b))
    with pytest.raises(RecordError, match="future"):
        report(centre_a, staff, occurred_at=NOW + dt.timedelta(minutes=5))
    for outsider in (other_staff, district_regulator):
        with pytest.raises(NotPermitted):
            report(centre_a, outsider)
    assert not Incident.objects.exists()


def test_the_whole_workflow_of_a_reportable_incident(
        centre_a, staff, manager, district_regulator, django_capture_on_commit_callbacks):
    created = report(centre_a, staff, severity=Incident.Severity.SERIOUS)
    with pytest.raises(RecordError):
        start_investigation(incident=created, by=staff)
    with pytest.raises(RecordError):
        mark_reported_to_authority(incident=created, by=staff)
    told = EARLIER + dt.timedelta(minutes=20)
    step = mark_guardian_notified(incident=created, by=staff, at=told)
    assert (step.status, step.guardian_notified_at) == ("guardian_notified", told)
    with pytest.raises(RecordError, match="reported to the authority before"):
        start_investigation(incident=created, by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        step = mark_reported_to_authority(incident=created, by=staff)
    assert step.reported_to_authority_at == NOW
    assert Notification.objects.filter(recipient=district_regulator,
                                       level=Notification.Level.WARNING).count() == 1
    assert start_investigation(incident=created, by=staff).status == "investigating"
    with pytest.raises(NotPermitted, match="manager"):
        close_incident(incident=created, by=staff, outcome="已处理")
    with pytest.raises(RecordError, match="outcome"):
        close_incident(incident=created, by=manager, outcome="  ")
    closed = close_incident(incident=created, by=manager, outcome="骨折已愈合，加装防护垫")
    assert (closed.status, closed.closed_at, closed.outcome) == (
        "closed", NOW, "骨折已愈合，加装防护垫")
    with pytest.raises(RecordError):
        close_incident(incident=created, by=manager, outcome="again")
    verbs = list(AuditEvent.objects.filter(target_id=str(created.pk)).order_by("id")
                 .values_list("verb", flat=True))
    assert verbs == [Verb.INCIDENT_REPORTED, Verb.INCIDENT_GUARDIAN_NOTIFIED,
                     Verb.INCIDENT_AUTHORITY_REPORTED, Verb.INCIDENT_INVESTIGATION_STARTED,
                     Verb.INCIDENT_CLOSED]


def test_a_minor_incident_may_skip_the_authority_report(centre_a, staff):
    created = report(centre_a, staff)
    mark_guardian_notified(incident=created, by=staff)
    assert start_investigation(incident=created, by=staff).status == "investigating"


def test_times_cannot_be_in_the_future_or_before_the_incident(centre_a, staff):
    created = report(centre_a, staff)
    with pytest.raises(RecordError, match="future"):
        mark_guardian_notified(incident=created, by=staff, at=NOW + dt.timedelta(hours=1))
    with pytest.raises(RecordError, match="before the incident"):
        mark_guardian_notified(incident=created, by=staff,
                               at=EARLIER - dt.timedelta(minutes=1))
    created.refresh_from_db()
    assert created.status == "reported" and created.guardian_notified_at is None


def test_other_centres_staff_cannot_move_an_incident(centre_a, staff, other_staff):
    created = report(centre_a, staff)
    with pytest.raises(NotPermitted):
        mark_guardian_notified(incident=created, by=other_staff)


# --- centre pages --------------------------------------------------------------------------------


def test_incident_list_role_matrix(client_for, leaky, centre_a):
    detail_a = reverse("supervision:incident-detail", args=[centre_a.pk, leaky["incident_a"].pk])
    detail_b = reverse("supervision:incident-detail",
                       args=[leaky["incident_b"].centre_id, leaky["incident_b"].pk])
    assert_role_matrix(
        client_for, leaky, reverse("supervision:incident-list", args=[centre_a.pk]),
        expect=MEMBERS, shown={key: [detail_a] for key in ["manager", "staff"]},
        hidden={key: [*B_SECRETS, detail_b] for key in ["manager", "staff"]})


def test_incident_create_role_matrix(client_for, leaky, centre_a):
    assert_role_matrix(client_for, leaky,
                       reverse("supervision:incident-create", args=[centre_a.pk]),
                       expect=MEMBERS, shown={"staff": ["阳光宝宝"]},
                       hidden=dict.fromkeys(["manager", "staff"], B_SECRETS))


def test_incident_detail_role_matrix(client_for, leaky, centre_a, centre_b):
    url = reverse("supervision:incident-detail", args=[centre_a.pk, leaky["incident_a"].pk])
    assert_role_matrix(client_for, leaky, url, expect=MEMBERS,
                       shown={"manager": ["阳光园滑梯擦伤", "阳光宝宝"],
                              "staff": ["阳光园滑梯擦伤"]},
                       hidden=dict.fromkeys(["manager", "staff"], B_SECRETS))
    assert AccessLog.objects.filter(target_id=str(leaky["child_a"].pk),
                                    reason="incident record").count() == 2
    # centre_b's incident under centre_a's address, or under its own: 404 for centre_a.
    for centre in (centre_a, centre_b):
        other = reverse("supervision:incident-detail", args=[centre.pk, leaky["incident_b"].pk])
        assert client_for(leaky["manager"]).get(other).status_code == 404


def test_incident_detail_post_role_matrix(client_for, leaky, centre_a):
    url = reverse("supervision:incident-detail", args=[centre_a.pk, leaky["incident_a"].pk])
    assert_role_matrix(
        client_for, leaky, url, method="post", data={"action": "guardian_notified"},
        expect=NOT_MEMBERS | {"manager": redirect_to(), "staff": redirect_to(),
                              "other_staff": NOT_FOUND})
    leaky["incident_a"].refresh_from_db()
    assert leaky["incident_a"].status == "guardian_notified"


def form_data(**overrides):
    return {"occurred_at": "2026-11-28T09:15", "kind": "injury", "injury_type": "fall",
            "severity": "moderate", "description": "户外活动时摔倒，额头肿包",
            "action_taken": "冰敷，送医检查", **overrides}


def test_create_an_incident(client_for, leaky, centre_a):
    response = client_for(leaky["staff"]).post(
        reverse("supervision:incident-create", args=[centre_a.pk]),
        form_data(child=leaky["child_a"].pk))
    created = Incident.objects.get(description="户外活动时摔倒，额头肿包")
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:incident-detail",
                                           args=[centre_a.pk, created.pk])
    assert created.occurred_at == dt.datetime(2026, 11, 28, 9, 15, tzinfo=TZ)
    assert created.reported_by == leaky["staff"] and created.child == leaky["child_a"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"description": ""}, "description"),
    ({"kind": ""}, "kind"),
    ({"severity": "catastrophic"}, "severity"),
    ({"occurred_at": "2026-11-28T11:30"}, "occurred_at"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"injury_type": ""}, "injury_type"),
    ({"kind": "food"}, "injury_type"),
    ({"notifiable_disease": "on"}, "notifiable_disease"),
    ({"child": "999999"}, "child"),
])
def test_incident_form_bad_inputs(client_for, leaky, centre_a, overrides, field):
    response = client_for(leaky["staff"]).post(
        reverse("supervision:incident-create", args=[centre_a.pk]), form_data(**overrides))
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert Incident.objects.count() == 2
    assert "户外活动时摔倒" in response.content.decode() or field == "description"


def test_incident_form_refuses_another_centres_child_and_class(client_for, leaky, centre_a):
    response = client_for(leaky["staff"]).post(
        reverse("supervision:incident-create", args=[centre_a.pk]),
        form_data(child=leaky["child_b"].pk, class_group=leaky["child_b"].enrolments.get()
                  .class_group_id))
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"child", "class_group"}
    assert "星星秘密宝宝" not in response.content.decode()


def test_transition_buttons_and_bad_times(client_for, leaky, centre_a):
    incident_a = leaky["incident_a"]
    url = reverse("supervision:incident-detail", args=[centre_a.pk, incident_a.pk])
    client = client_for(leaky["staff"])
    body = client.get(url).content.decode()
    assert 'value="guardian_notified"' in body and 'value="close"' not in body
    response = client.post(url, {"action": "guardian_notified",
                                 "guardian_notified-at": "2026-11-28T12:00"})
    assert response.status_code == 422
    assert response.context["steps"][0][2].errors["at"]
    response = client.post(url, {"action": "guardian_notified",
                                 "guardian_notified-at": "2026-11-27T12:00"})
    assert response.status_code == 422
    # A step that is not open now is refused with a message, nothing changes.
    response = client.post(url, {"action": "close", "close-outcome": "x"})
    assert response.status_code == 302
    incident_a.refresh_from_db()
    assert incident_a.status == "reported"
    client.post(url, {"action": "guardian_notified", "guardian_notified-at": "2026-11-28T08:30"})
    client.post(url, {"action": "investigate"})
    incident_a.refresh_from_db()
    assert incident_a.status == "investigating"
    assert incident_a.guardian_notified_at == dt.datetime(2026, 11, 28, 8, 30, tzinfo=TZ)
    # Only the manager sees and uses the close form; staff posting it anyway are refused (403).
    assert 'value="close"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "close", "close-outcome": "已处理"}).status_code == 403
    manager = client_for(leaky["manager"])
    assert manager.post(url, {"action": "close", "close-outcome": ""}).status_code == 422
    assert manager.post(url, {"action": "close", "close-outcome": "已处理"}).status_code == 302
    incident_a.refresh_from_db()
    assert incident_a.status == "closed"


# --- regulator pages -----------------------------------------------------------------------------


def test_regulator_list_role_matrix(client_for, leaky):
    assert_role_matrix(
        client_for, leaky, reverse("supervision:regulator-incident-list"), expect=REGULATORS,
        shown={"district_regulator": ["江阳区阳光托育中心"],
               "other_regulator": ["纳溪区星星托育园"],
               "city_regulator": ["江阳区阳光托育中心", "纳溪区星星托育园"]},
        hidden={"district_regulator": ["纳溪区星星托育园"],
                "other_regulator": ["江阳区阳光托育中心"]})


def test_regulator_detail_role_matrix(client_for, leaky):
    url = reverse("supervision:regulator-incident-detail", args=[leaky["incident_a"].pk])
    assert_role_matrix(
        client_for, leaky, url,
        expect=REGULATORS | {"other_regulator": NOT_FOUND},
        shown={"district_regulator": ["阳光园滑梯擦伤", "阳光宝宝"]})
    assert AccessLog.objects.filter(reason="incident supervision").count() == 2


def test_regulator_filters(client_for, leaky, centre_a):
    incident(centre_a, kind=Incident.Kind.ABUSE, injury_type="", description="疑似虐待",
             status=Incident.Status.CLOSED)
    client = client_for(leaky["city_regulator"])
    url = reverse("supervision:regulator-incident-list")

    def shown(**params):
        return {i.description for i in client.get(url, params).context["page"].object_list}

    assert shown() == {"阳光园滑梯擦伤", "星星园秘密事件", "疑似虐待"}
    assert shown(kind="abuse") == {"疑似虐待"}
    assert shown(severity="serious") == {"星星园秘密事件"}
    assert shown(status="open") == {"阳光园滑梯擦伤", "星星园秘密事件"}
    assert shown(status="closed") == {"疑似虐待"}
    assert shown(district="510503") == {"星星园秘密事件"}
    assert shown(kind="nonsense") == shown()
    # A district outside the scope is not a choice: the filter is dropped, the scope stays.
    district = client_for(leaky["district_regulator"])
    got = {i.description for i in district.get(url, {"district": "510503"})
           .context["page"].object_list}
    assert got == {"阳光园滑梯擦伤", "疑似虐待"}


def test_regulator_list_htmx_returns_the_results(client_for, leaky):
    response = client_for(leaky["city_regulator"]).get(
        reverse("supervision:regulator-incident-list"), headers={"HX-Request": "true"})
    assert response.content.decode().lstrip().startswith('<section id="results"')


def test_regulator_list_query_count_independent_of_rows(client_for, leaky, centre_a,
                                                        django_assert_num_queries):
    client = client_for(leaky["city_regulator"])
    url = reverse("supervision:regulator-incident-list")
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for i in range(15):
        incident(centre_a, child=enrolled_child(ClassGroupFactory(centre=centre_a)),
                 description=f"事件{i}")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)


def test_centre_list_filters_and_query_count(client_for, leaky, centre_a,
                                             django_assert_num_queries):
    client = client_for(leaky["staff"])
    url = reverse("supervision:incident-list", args=[centre_a.pk])
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for i in range(15):
        incident(centre_a, kind=Incident.Kind.FOOD, injury_type="", description=f"食品{i}")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url, {"kind": "food"})
    assert response.context["page"].paginator.count == 15


def test_regulator_incident_list_searches_by_centre_name(client_for, city_regulator, centre_a,
                                                         centre_b):
    from django.urls import reverse
    from django.utils import timezone

    from supervision.models import Incident

    for centre in (centre_a, centre_b):
        Incident.objects.create(centre=centre, occurred_at=timezone.now(), kind="injury",
                                severity="minor", description=f"{centre.name}的事件")
    body = client_for(city_regulator).get(reverse("supervision:regulator-incident-list"),
                                          {"q": "星星"}).content.decode()
    assert "纳溪区星星托育园" in body and "江阳区阳光托育中心" not in body
