"""Drills, monthly safety checks and hazards: the services, the safety-records page with its
summary (last drill, this month's checks, overdue hazards), each form's bad inputs, and the
role matrix of every page.

"Now" is Saturday 2026-11-28 10:00 in Luzhou."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.models import AuditEvent
from luhuituo.core.verbs import Verb
from supervision.models import Drill, Hazard, SafetyCheck
from supervision.services.daily import RecordError
from supervision.services.safety import (
    fix_hazard,
    record_drill,
    record_safety_check,
    report_hazard,
)
from tests.queries import count_queries

from ..rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix, redirect_to

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
TODAY = NOW.date()

pytestmark = pytest.mark.django_db

NOT_MEMBERS = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
MEMBERS = NOT_MEMBERS | {"manager": OK, "staff": OK, "other_staff": NOT_FOUND}
SAVED = NOT_MEMBERS | {"manager": redirect_to(), "staff": redirect_to(),
                       "other_staff": NOT_FOUND}
B_SECRETS = ["纳溪区星星托育园", "星星园秘密隐患", "星星检查员"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def leaky(personas, centre_a, centre_b):
    for centre, tag in ((centre_a, "阳光"), (centre_b, "星星")):
        Drill.objects.create(centre=centre, kind=Drill.Kind.FIRE,
                             held_on=TODAY - dt.timedelta(days=200), participants=30,
                             note=f"{tag}园演练")
        SafetyCheck.objects.create(centre=centre, kind=SafetyCheck.Kind.FIRE_EQUIPMENT,
                                   checked_on=TODAY - dt.timedelta(days=3),
                                   inspector_name=f"{tag}检查员")
        personas[f"hazard_{tag}"] = Hazard.objects.create(
            centre=centre, found_on=TODAY - dt.timedelta(days=20), location="后院",
            description=f"{tag}园秘密隐患", deadline=TODAY - dt.timedelta(days=5))
    return personas


def url(name, *args):
    return reverse(f"supervision:{name}", args=args)


# --- services ----------------------------------------------------------------------------------


def test_services_record_and_audit(centre_a, staff):
    drill = record_drill(centre=centre_a, by=staff, data={
        "kind": "earthquake", "held_on": TODAY, "participants": 25, "note": ""})
    check = record_safety_check(centre=centre_a, by=staff, data={
        "kind": "facility", "checked_on": TODAY, "inspector_name": "刘保育",
        "all_in_order": False, "note": "插座盖板缺失"})
    hazard = report_hazard(centre=centre_a, by=staff, data={
        "found_on": TODAY, "location": "午睡室", "description": "插座盖板缺失",
        "deadline": TODAY + dt.timedelta(days=3)})
    fixed = fix_hazard(hazard=hazard, by=staff, fixed_on=TODAY, fix_note="已安装")
    assert (drill.recorded_by, check.all_in_order, fixed.status) == (staff, False, "fixed")
    assert list(AuditEvent.objects.order_by("id").values_list("verb", flat=True)) == [
        Verb.DRILL_RECORDED, Verb.SAFETY_CHECK_RECORDED, Verb.HAZARD_REPORTED,
        Verb.HAZARD_FIXED]
    with pytest.raises(RecordError, match="already fixed"):
        fix_hazard(hazard=hazard, by=staff, fixed_on=TODAY, fix_note="again")


def test_services_refuse_bad_dates_and_outsiders(centre_a, staff, other_staff):
    tomorrow = TODAY + dt.timedelta(days=1)
    with pytest.raises(RecordError):
        record_drill(centre=centre_a, by=staff, data={"kind": "fire", "held_on": tomorrow})
    with pytest.raises(RecordError, match="problems found"):
        record_safety_check(centre=centre_a, by=staff, data={
            "kind": "facility", "checked_on": TODAY, "inspector_name": "x",
            "all_in_order": False, "note": ""})
    with pytest.raises(RecordError, match="deadline"):
        report_hazard(centre=centre_a, by=staff, data={
            "found_on": TODAY, "location": "x", "description": "x",
            "deadline": TODAY - dt.timedelta(days=1)})
    with pytest.raises(NotPermitted):
        record_drill(centre=centre_a, by=other_staff,
                     data={"kind": "fire", "held_on": TODAY})
    hazard = Hazard.objects.create(centre=centre_a, found_on=TODAY, location="x",
                                   description="x", deadline=TODAY)
    with pytest.raises(RecordError, match="before it was found"):
        fix_hazard(hazard=hazard, by=staff, fixed_on=TODAY - dt.timedelta(days=1),
                   fix_note="x")
    with pytest.raises(NotPermitted):
        fix_hazard(hazard=hazard, by=other_staff, fixed_on=TODAY, fix_note="x")
    assert not Drill.objects.exists() and not SafetyCheck.objects.exists()
    assert Hazard.objects.get().status == "open"


# --- role matrix -------------------------------------------------------------------------------


def test_safety_records_role_matrix(client_for, leaky, centre_a):
    assert_role_matrix(
        client_for, leaky, url("safety-records", centre_a.pk), expect=MEMBERS,
        shown={key: ["阳光园秘密隐患", "阳光检查员", "阳光园演练"] for key in ["manager", "staff"]},
        hidden=dict.fromkeys(["manager", "staff"], B_SECRETS))


@pytest.mark.parametrize("name", ["drill-create", "safety-check-create", "hazard-create"])
def test_create_pages_role_matrix(client_for, leaky, centre_a, name):
    assert_role_matrix(client_for, leaky, url(name, centre_a.pk), expect=MEMBERS,
                       hidden=dict.fromkeys(["manager", "staff"], B_SECRETS))


@pytest.mark.parametrize(("name", "data", "model"), [
    ("drill-create", {"kind": "fire", "held_on": "2026-11-27", "participants": "30"}, Drill),
    ("safety-check-create", {"kind": "facility", "checked_on": "2026-11-27",
                             "inspector_name": "刘保育", "all_in_order": "on"}, SafetyCheck),
    ("hazard-create", {"found_on": "2026-11-27", "location": "楼梯", "description": "扶手松动",
                       "deadline": "2026-12-01"}, Hazard),
])
def test_create_posts_role_matrix(client_for, leaky, centre_a, name, data, model):
    before = model.objects.filter(centre=centre_a).count()
    assert_role_matrix(client_for, leaky, url(name, centre_a.pk), method="post", data=data,
                       expect=SAVED)
    assert model.objects.filter(centre=centre_a).count() == before + 2
    assert model.objects.filter(centre=leaky["hazard_星星"].centre).count() == 1


def test_hazard_fix_role_matrix(client_for, leaky, centre_a):
    hazard = leaky["hazard_阳光"]
    assert_role_matrix(client_for, leaky, url("hazard-fix", centre_a.pk, hazard.pk),
                       expect=MEMBERS, shown={"staff": ["阳光园秘密隐患"]},
                       hidden=dict.fromkeys(["manager", "staff"], B_SECRETS))
    assert_role_matrix(client_for, leaky, url("hazard-fix", centre_a.pk, hazard.pk),
                       method="post", data={"fixed_on": "2026-11-27", "fix_note": "已加固"},
                       expect=SAVED)
    hazard.refresh_from_db()
    assert (hazard.status, hazard.fixed_on) == ("fixed", dt.date(2026, 11, 27))


def test_another_centres_hazard_is_404(client_for, leaky, centre_a, centre_b):
    hazard_b = leaky["hazard_星星"]
    client = client_for(leaky["manager"])
    for centre in (centre_a, centre_b):
        assert client.get(url("hazard-fix", centre.pk, hazard_b.pk)).status_code == 404
        assert client.post(url("hazard-fix", centre.pk, hazard_b.pk), {
            "fixed_on": "2026-11-27", "fix_note": "x"}).status_code == 404
    hazard_b.refresh_from_db()
    assert hazard_b.status == "open"


# --- the page ------------------------------------------------------------------------------------


def test_summary_shows_due_drill_missing_check_and_overdue_hazard(client_for, leaky,
                                                                  centre_a):
    response = client_for(leaky["staff"]).get(url("safety-records", centre_a.pk))
    ctx = response.context
    assert ctx["last_drill"] == TODAY - dt.timedelta(days=200) and ctx["drill_due"]
    assert [done for _label, done in ctx["month_checks"]] == [False, True]
    assert ctx["overdue_count"] == 1
    assert 'class="row-overdue"' in response.content.decode()


def test_summary_when_all_is_well(client_for, leaky, centre_a):
    Drill.objects.create(centre=centre_a, kind="fire", held_on=TODAY - dt.timedelta(days=10))
    SafetyCheck.objects.create(centre=centre_a, kind="facility", checked_on=TODAY,
                               inspector_name="x")
    Hazard.objects.filter(centre=centre_a).update(status="fixed", fixed_on=TODAY)
    response = client_for(leaky["staff"]).get(url("safety-records", centre_a.pk))
    ctx = response.context
    assert not ctx["drill_due"] and all(done for _l, done in ctx["month_checks"])
    assert ctx["overdue_count"] == 0
    assert 'class="row-overdue"' not in response.content.decode()


def test_page_query_count_independent_of_rows(client_for, leaky, centre_a,
                                              django_assert_num_queries):
    client = client_for(leaky["staff"])
    page = url("safety-records", centre_a.pk)
    client.get(page)
    with count_queries() as few:
        client.get(page)
    for i in range(12):
        Drill.objects.create(centre=centre_a, kind="fire", held_on=TODAY)
        SafetyCheck.objects.create(centre=centre_a, kind="facility", checked_on=TODAY,
                                   inspector_name=f"检查{i}")
        Hazard.objects.create(centre=centre_a, found_on=TODAY, location="x",
                              description=f"隐患{i}", deadline=TODAY)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(page, {"hazards": "2"})
    assert response.context["hazards"].number == 2


# --- bad inputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "field"), [
    ("drill-create", {"kind": "", "held_on": "2026-11-27", "participants": "3"}, "kind"),
    ("drill-create", {"kind": "fire", "held_on": "2026-11-29", "participants": "3"},
     "held_on"),
    ("drill-create", {"kind": "fire", "held_on": "2026-13-01", "participants": "3"},
     "held_on"),
    ("drill-create", {"kind": "fire", "held_on": "2026-11-27", "participants": "-1"},
     "participants"),
    ("drill-create", {"kind": "fire", "held_on": "2026-11-27", "participants": "99999"},
     "participants"),
    ("safety-check-create", {"kind": "lift", "checked_on": "2026-11-27",
                             "inspector_name": "x", "all_in_order": "on"}, "kind"),
    ("safety-check-create", {"kind": "facility", "checked_on": "2026-11-30",
                             "inspector_name": "x", "all_in_order": "on"}, "checked_on"),
    ("safety-check-create", {"kind": "facility", "checked_on": "2026-11-27",
                             "inspector_name": "", "all_in_order": "on"}, "inspector_name"),
    ("safety-check-create", {"kind": "facility", "checked_on": "2026-11-27",
                             "inspector_name": "x"}, "note"),
    ("hazard-create", {"found_on": "2026-11-27", "location": "", "description": "x",
                       "deadline": "2026-12-01"}, "location"),
    ("hazard-create", {"found_on": "2026-12-27", "location": "x", "description": "x",
                       "deadline": "2026-12-31"}, "found_on"),
    ("hazard-create", {"found_on": "2026-11-27", "location": "x", "description": "x",
                       "deadline": "2026-11-20"}, "deadline"),
    ("hazard-create", {"found_on": "2026-11-27", "location": "x", "description": "",
                       "deadline": ""}, "deadline"),
])
def test_form_bad_inputs(client_for, leaky, centre_a, name, data, field):
    counts = (Drill.objects.count(), SafetyCheck.objects.count(), Hazard.objects.count())
    response = client_for(leaky["staff"]).post(url(name, centre_a.pk), data)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert (Drill.objects.count(), SafetyCheck.objects.count(),
            Hazard.objects.count()) == counts
    body = response.content.decode()
    for value in data.values():
        if value not in {"on", ""} and len(value) > 1:
            assert value in body  # typed values are kept


@pytest.mark.parametrize(("data", "field"), [
    ({"fixed_on": "2026-11-29", "fix_note": "x"}, "fixed_on"),
    ({"fixed_on": "2026-11-01", "fix_note": "x"}, "fixed_on"),  # before it was found
    ({"fixed_on": "", "fix_note": "x"}, "fixed_on"),
    ({"fixed_on": "2026-11-27", "fix_note": ""}, "fix_note"),
])
def test_hazard_fix_bad_inputs(client_for, leaky, centre_a, data, field):
    hazard = leaky["hazard_阳光"]
    response = client_for(leaky["staff"]).post(url("hazard-fix", centre_a.pk, hazard.pk), data)
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    hazard.refresh_from_db()
    assert hazard.status == "open"


def test_fixed_hazard_goes_back_to_the_list(client_for, leaky, centre_a):
    hazard = leaky["hazard_阳光"]
    Hazard.objects.filter(pk=hazard.pk).update(status="fixed", fixed_on=TODAY, fix_note="x")
    response = client_for(leaky["staff"]).get(url("hazard-fix", centre_a.pk, hazard.pk))
    assert response.status_code == 302
    assert response["Location"] == url("safety-records", centre_a.pk)
