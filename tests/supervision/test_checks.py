"""The scheduled checks (docs/rules/alert-rules.md): each rule fires and stays quiet, running twice
creates no duplicate, a cleared condition resolves its alert, orange escalates to red after 24 h.

Dates are controlled with time-machine: "now" is Thursday 2026-11-26 11:00 in Luzhou.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db import IntegrityError, transaction

from luhuituo.core.models import Notification
from registry.models import (
    CentreMembership,
    Filing,
    FilingMaterial,
    InsurancePolicy,
    MaterialKind,
    Staff,
    StaffTrainingRecord,
)
from supervision.checks import engine, registry
from supervision.models import (
    Alert,
    AnnualReport,
    Attendance,
    ChildrenReport,
    Drill,
    Enrolment,
    Hazard,
    HealthCheck,
    Incident,
    SafetyCheck,
    Severity,
    VaccinationCheck,
)
from tests.factories import (
    CentreFactory,
    CentreUserFactory,
    ClassGroupFactory,
    FeeScheduleFactory,
    MembershipFactory,
    StaffFactory,
    StaffTrainingRecordFactory,
)
from tests.factories.supervision import (
    ComplaintFactory,
    RectificationOrderFactory,
    class_day,
    enrolled_child,
)

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 26, 11, 0, tzinfo=TZ)  # a Thursday, a working day
TODAY = NOW.date()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def centre():
    """A verified centre filed a year ago, with a drill, a report, a fire certificate, trained
    health staff, insurance, fees and last month's safety checks, so that only what a test
    sets up raises an alert."""
    centre = CentreFactory(filing=Filing.Status.VERIFIED)
    Filing.objects.filter(centre=centre).update(filed_at=NOW - dt.timedelta(days=365))
    Drill.objects.create(centre=centre, kind=Drill.Kind.FIRE, held_on=TODAY - dt.timedelta(30))
    ChildrenReport.objects.create(centre=centre, enrolled=0)
    FilingMaterial.objects.create(
        filing=centre.filing, kind=MaterialKind.FIRE_SAFETY, file="x.pdf", original_name="x.pdf",
        content_type="application/pdf", size=1, sha256="0" * 64,
        uploaded_by=CentreUserFactory(), valid_until=TODAY + dt.timedelta(days=200))
    health = StaffFactory(centre=centre, role=Staff.Role.HEALTH, criminal_check_date=TODAY,
                          criminal_check_result=Staff.CriminalCheck.CLEAR)
    StaffTrainingRecordFactory(staff=health, kind=StaffTrainingRecord.Kind.HEALTH_CARE)
    InsurancePolicy.objects.create(centre=centre, insurer="人保财险", policy_no="P1",
                                   cover_from=TODAY - dt.timedelta(100),
                                   cover_to=TODAY + dt.timedelta(265),
                                   recorded_by=CentreUserFactory())
    FeeScheduleFactory(centre=centre)
    for kind in SafetyCheck.Kind:
        SafetyCheck.objects.create(centre=centre, kind=kind, checked_on=dt.date(2026, 10, 15),
                                   inspector_name="张")
    AnnualReport.objects.create(centre=centre, year=2025, children_served=0, staff_count=1,
                                summary="年度报告", submitted_by=CentreUserFactory())
    return centre


@pytest.fixture
def centre_manager(centre):
    user = CentreUserFactory(name="王园长")
    MembershipFactory(user=user, centre=centre, role=CentreMembership.Role.MANAGER)
    return user


@pytest.fixture
def group(centre):
    return ClassGroupFactory(centre=centre, class_type="toddler_small", capacity=15)


def carer(centre, n, **kwargs):
    kwargs.setdefault("criminal_check_date", TODAY)
    kwargs.setdefault("criminal_check_result", Staff.CriminalCheck.CLEAR)
    return StaffFactory(centre=centre, role=Staff.Role.CARER, name=f"保育员{n}", **kwargs)


def run(code, now=NOW):
    return engine.run_rule(code, now)


def open_alerts(code):
    return list(Alert.objects.open().filter(rule=code))


def assert_idempotent(code):
    first = len(open_alerts(code))
    result = run(code)
    assert result.created == 0
    assert len(open_alerts(code)) == first
    assert Alert.objects.filter(rule=code).count() == first


def test_every_required_rule_is_implemented():
    required = {"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A9", "A10", "A11", "A12", "A13", "A14",
                "A16", "A17", "A18", "A19", "A20", "A22", "A23", "A25", "A28", "A31", "A32",
                "A34", "A35", "A36", "A37", "A38"}
    codes = {rule.code for rule in registry.all_rules()}
    assert required <= codes
    from django.conf import settings

    assert set(settings.CHECK_SCHEDULES) == codes


def test_quiet_centre_raises_nothing(centre, group):
    child = enrolled_child(group)
    class_day(group, present=[child], staff=[carer(centre, 1)],
              morning_check_at=NOW.replace(hour=8))
    for result in engine.run_rules(now=NOW):
        assert result.created == 0, result.rule


# --- A1 ratio ---------------------------------------------------------------------------------


def test_a1_fires_when_too_few_carers_and_clears_when_fixed(centre, group):
    children = [enrolled_child(group) for _ in range(6)]  # 托小班 1:5 → 2 carers needed
    first = carer(centre, 1)
    day = class_day(group, present=children, staff=[first])
    run("A1")
    [alert] = open_alerts("A1")
    assert alert.severity == Severity.RED
    assert alert.centre == centre and alert.subject_id == day.pk
    assert "6" in alert.message and "2" in alert.message
    assert_idempotent("A1")

    day.staff_on_duty.add(carer(centre, 2), through_defaults={"date": day.date})
    run("A1")
    assert open_alerts("A1") == []
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED and alert.resolved_by is None


def test_a1_counts_only_children_present_and_only_carers(centre, group):
    present = [enrolled_child(group) for _ in range(5)]
    absent = [enrolled_child(group) for _ in range(3)]
    cook = StaffFactory(centre=centre, role=Staff.Role.COOK)
    class_day(group, present=present, absent=absent, staff=[carer(centre, 1), cook])
    run("A1")
    assert open_alerts("A1") == []  # 5 present, 1 carer: exactly 1:5


def test_a1_ignores_other_days_and_keeps_checking_an_open_day(centre, group):
    children = [enrolled_child(group) for _ in range(6)]
    class_day(group, TODAY - dt.timedelta(days=1), present=children, staff=[])
    run("A1")
    assert open_alerts("A1") == []
    today = class_day(group, present=children, staff=[])
    run("A1")
    assert len(open_alerts("A1")) == 1
    # Tomorrow: the day's alert stays open until someone corrects the record or resolves it.
    run("A1", NOW + dt.timedelta(days=1))
    assert [a.subject_id for a in open_alerts("A1")] == [today.pk]


# --- A2 / A3 / A4 ages and sizes ------------------------------------------------------------


def test_a2_class_over_the_type_maximum(centre):
    group = ClassGroupFactory(centre=centre, class_type="infant", capacity=10)
    children = [enrolled_child(group, birth_date=TODAY - relativedelta(months=9))
                for _ in range(11)]
    run("A2")
    [alert] = open_alerts("A2")
    assert alert.severity == Severity.ORANGE and "11" in alert.message
    assert_idempotent("A2")
    Enrolment.objects.filter(child=children[0]).update(ended_on=TODAY)
    run("A2")
    assert open_alerts("A2") == []


def test_a3_mixed_class_under_18_months(centre):
    mixed = ClassGroupFactory(centre=centre, class_type="mixed", capacity=18)
    young = enrolled_child(mixed, birth_date=TODAY - relativedelta(months=17))
    enrolled_child(mixed, birth_date=TODAY - relativedelta(months=18))
    run("A3")
    assert [a.subject_id for a in open_alerts("A3")] == [young.pk]
    assert_idempotent("A3")


def test_a3_age_outside_band_beyond_tolerance(centre, group):
    ok = enrolled_child(group, birth_date=TODAY - relativedelta(months=25))  # 24 + 1 tolerance
    too_old = enrolled_child(group, birth_date=TODAY - relativedelta(months=26))
    run("A3")
    assert [a.subject_id for a in open_alerts("A3")] == [too_old.pk]
    assert ok.pk not in [a.subject_id for a in open_alerts("A3")]
    Enrolment.objects.filter(child=too_old).update(ended_on=TODAY)
    too_old.status = too_old.Status.WITHDRAWN
    too_old.save()
    run("A3")
    assert open_alerts("A3") == []


def test_a4_aged_out_after_grace_and_under_six_months(settings, centre):
    settings.AGED_OUT_GRACE_MONTHS = 2
    large = ClassGroupFactory(centre=centre, class_type="toddler_large", capacity=20)
    infant = ClassGroupFactory(centre=centre, class_type="infant", capacity=10)
    in_grace = enrolled_child(large, birth_date=TODAY - relativedelta(months=38))
    aged_out = enrolled_child(large, birth_date=TODAY - relativedelta(months=39))
    baby = enrolled_child(infant, birth_date=TODAY - relativedelta(months=5))
    run("A4")
    assert {a.subject_id for a in open_alerts("A4")} == {aged_out.pk, baby.pk}
    assert in_grace.pk not in {a.subject_id for a in open_alerts("A4")}
    assert_idempotent("A4")


# --- A5 / A6 health checks --------------------------------------------------------------------


def test_a5_missing_entry_check_or_vaccination_check(centre, group):
    complete = enrolled_child(group)
    no_checks = enrolled_child(group, checks=False)
    no_vaccination = enrolled_child(group)
    VaccinationCheck.objects.filter(child=no_vaccination).delete()
    failed = enrolled_child(group)
    HealthCheck.objects.filter(child=failed).update(result=HealthCheck.Result.FAILED)
    run("A5")
    flagged = {a.subject_id for a in open_alerts("A5")}
    assert flagged == {no_checks.pk, no_vaccination.pk, failed.pk}
    assert complete.pk not in flagged
    assert_idempotent("A5")
    HealthCheck.objects.create(child=failed, kind=HealthCheck.Kind.ENTRY, checked_on=TODAY,
                               institution="医院", result=HealthCheck.Result.PASSED)
    run("A5")
    assert {a.subject_id for a in open_alerts("A5")} == {no_checks.pk, no_vaccination.pk}


def test_a6_return_after_three_months_without_new_check(centre, group):
    child = enrolled_child(group, started_on=TODAY - dt.timedelta(days=10))
    Enrolment.objects.create(child=child, class_group=group,
                             started_on=TODAY - dt.timedelta(days=300),
                             ended_on=TODAY - dt.timedelta(days=130))
    # The only health check predates the time away.
    HealthCheck.objects.filter(child=child).update(checked_on=TODAY - dt.timedelta(days=310))
    short_break = enrolled_child(group, started_on=TODAY - dt.timedelta(days=10))
    Enrolment.objects.create(child=short_break, class_group=group,
                             started_on=TODAY - dt.timedelta(days=200),
                             ended_on=TODAY - dt.timedelta(days=40))
    run("A6")
    assert [a.subject_id for a in open_alerts("A6")] == [child.pk]
    assert_idempotent("A6")
    HealthCheck.objects.create(child=child, kind=HealthCheck.Kind.RETURN,
                               checked_on=TODAY - dt.timedelta(days=12), institution="医院",
                               result=HealthCheck.Result.PASSED)
    run("A6")
    assert open_alerts("A6") == []


# --- A7 morning checks --------------------------------------------------------------------------


def test_a7_morning_check_missing_yellow_then_orange(centre, group):
    enrolled_child(group, started_on=TODAY - dt.timedelta(days=30))
    yesterday = TODAY - dt.timedelta(days=1)
    class_day(group, yesterday, morning_check_at=dt.datetime.combine(
        yesterday, dt.time(8, 30), tzinfo=TZ))
    run("A7")
    [alert] = open_alerts("A7")
    assert alert.severity == Severity.YELLOW
    assert_idempotent("A7")
    # Friday 10:30, still nothing for Thursday or Friday: two open days in a row → orange.
    run("A7", NOW + dt.timedelta(days=1, minutes=-30))
    [alert] = open_alerts("A7")
    assert alert.severity == Severity.ORANGE


def test_a7_before_the_deadline_looks_at_the_previous_open_day(centre, group):
    enrolled_child(group, started_on=TODAY - dt.timedelta(days=30))
    wednesday = TODAY - dt.timedelta(days=1)
    class_day(group, wednesday, morning_check_at=dt.datetime.combine(
        wednesday, dt.time(8), tzinfo=TZ))
    run("A7", NOW.replace(hour=9))  # Thursday 09:00: Thursday's deadline has not passed
    assert open_alerts("A7") == []


def test_a7_recorded_in_time_clears(centre, group):
    enrolled_child(group, started_on=TODAY - dt.timedelta(days=30))
    run("A7")
    assert len(open_alerts("A7")) == 1
    class_day(group, morning_check_at=NOW.replace(hour=9))
    run("A7")
    assert open_alerts("A7") == []


def test_a7_weekend_is_not_an_open_day(centre, group):
    enrolled_child(group, started_on=TODAY - dt.timedelta(days=30))
    friday = dt.date(2026, 11, 27)
    class_day(group, friday, morning_check_at=dt.datetime.combine(friday, dt.time(8),
                                                                   tzinfo=TZ))
    class_day(group, TODAY, morning_check_at=NOW.replace(hour=8))
    run("A7", dt.datetime(2026, 11, 29, 12, 0, tzinfo=TZ))  # Sunday
    assert open_alerts("A7") == []


# --- A9 / A11 disease and incidents --------------------------------------------------------------


def test_a9_three_cases_in_one_day_same_class(centre, group):
    children = [enrolled_child(group) for _ in range(4)]
    day = class_day(group, present=children[:1])
    for child in children[1:]:
        Attendance.objects.create(class_day=day, child=child, status=Attendance.Status.ABSENT,
                                  absence_reason=Attendance.AbsenceReason.SICK,
                                  symptom_group="fever")
    run("A9")
    [alert] = open_alerts("A9")
    assert alert.severity == Severity.RED and alert.subject_id == group.pk
    assert_idempotent("A9")


def test_a9_two_cases_or_mixed_symptoms_do_not_fire(centre, group):
    children = [enrolled_child(group) for _ in range(4)]
    day = class_day(group)
    for child, symptom in zip(children, ["fever", "fever", "rash", "diarrhoea"], strict=True):
        Attendance.objects.create(class_day=day, child=child, status=Attendance.Status.ABSENT,
                                  absence_reason=Attendance.AbsenceReason.SICK,
                                  symptom_group=symptom)
    run("A9")
    assert open_alerts("A9") == []


def test_a9_five_cases_within_three_days_then_window_passes(centre, group):
    children = [enrolled_child(group) for _ in range(5)]
    for offset, batch in ((0, children[:2]), (1, children[2:4]), (2, children[4:])):
        day = class_day(group, TODAY - dt.timedelta(days=offset))
        for child in batch:
            Attendance.objects.create(class_day=day, child=child,
                                      status=Attendance.Status.PRESENT,
                                      morning_check=Attendance.Check.ABNORMAL,
                                      symptom_group="diarrhoea")
    run("A9")
    assert len(open_alerts("A9")) == 1
    run("A9", NOW + dt.timedelta(days=3))
    assert open_alerts("A9") == []


def test_a9_notifiable_disease_until_reported(centre):
    incident = Incident.objects.create(
        centre=centre, occurred_at=NOW - dt.timedelta(hours=1), kind=Incident.Kind.INFECTIOUS,
        severity=Incident.Severity.MODERATE, notifiable_disease=True, description="手足口病")
    run("A9")
    [alert] = open_alerts("A9")
    assert alert.subject_id == incident.pk
    incident.reported_to_authority_at = NOW
    incident.save()
    run("A9")
    assert open_alerts("A9") == []


def test_a10_suspected_abuse_stays_red_until_closed(centre):
    incident = Incident.objects.create(
        centre=centre, occurred_at=NOW - dt.timedelta(minutes=10), kind=Incident.Kind.ABUSE,
        severity=Incident.Severity.MODERATE, description="家长反映孩子身上有不明伤痕")
    Incident.objects.create(centre=centre, occurred_at=NOW, kind=Incident.Kind.INJURY,
                            severity=Incident.Severity.MINOR, description="擦伤")
    run("A10")
    [alert] = open_alerts("A10")
    assert alert.subject_id == incident.pk and alert.severity == Severity.RED
    assert "公安机关" in alert.message
    assert_idempotent("A10")
    incident.status = Incident.Status.CLOSED
    incident.save()
    run("A10")
    assert open_alerts("A10") == []


def test_a11_serious_incident_not_reported_within_two_hours(centre):
    late = Incident.objects.create(
        centre=centre, occurred_at=NOW - dt.timedelta(hours=3), kind=Incident.Kind.INJURY,
        injury_type=Incident.InjuryType.FALL, severity=Incident.Severity.SERIOUS,
        description="骨折")
    Incident.objects.create(  # still within the two hours
        centre=centre, occurred_at=NOW - dt.timedelta(hours=1), kind=Incident.Kind.INJURY,
        severity=Incident.Severity.SERIOUS, description="烫伤")
    Incident.objects.create(  # minor: no report needed
        centre=centre, occurred_at=NOW - dt.timedelta(hours=5), kind=Incident.Kind.INJURY,
        severity=Incident.Severity.MINOR, description="擦伤")
    run("A11")
    assert [a.subject_id for a in open_alerts("A11")] == [late.pk]
    assert_idempotent("A11")
    late.reported_to_authority_at = NOW
    late.save()
    run("A11")
    assert open_alerts("A11") == []


# --- A12 / A13 / A14 / A17 staff ------------------------------------------------------------------


def test_a12_on_duty_with_expired_or_no_health_certificate(centre, group):
    expired = carer(centre, 1, health_cert_valid_until=TODAY - dt.timedelta(days=1))
    none = carer(centre, 2, health_cert_valid_until=None)
    off_duty = carer(centre, 3, health_cert_valid_until=TODAY - dt.timedelta(days=10))
    valid = carer(centre, 4)
    class_day(group, staff=[expired, none, valid])
    run("A12")
    assert {a.subject_id for a in open_alerts("A12")} == {expired.pk, none.pk}
    assert off_duty.pk not in {a.subject_id for a in open_alerts("A12")}
    assert all(a.severity == Severity.RED for a in open_alerts("A12"))
    assert_idempotent("A12")


def test_a13_health_certificate_expiring_within_30_days(centre):
    soon = carer(centre, 1, health_cert_valid_until=TODAY + dt.timedelta(days=30))
    carer(centre, 2, health_cert_valid_until=TODAY + dt.timedelta(days=31))
    run("A13")
    assert [a.subject_id for a in open_alerts("A13")] == [soon.pk]
    assert open_alerts("A13")[0].severity == Severity.BLUE
    soon.health_cert_valid_until = TODAY + dt.timedelta(days=365)
    soon.save()
    run("A13")
    assert open_alerts("A13") == []


def test_a14_criminal_check_missing_or_older_than_twelve_months(centre):
    missing = carer(centre, 1, criminal_check_date=None, criminal_check_result="")
    old = carer(centre, 2, criminal_check_date=TODAY - relativedelta(months=12, days=1))
    carer(centre, 3, criminal_check_date=TODAY - relativedelta(months=11))
    record = carer(centre, 4, criminal_check_result=Staff.CriminalCheck.RECORD)
    left = carer(centre, 5, criminal_check_date=None, criminal_check_result="")
    left.employment_status = Staff.Employment.LEFT
    left.save()
    run("A14")
    alerts = {a.subject_id: a for a in open_alerts("A14")}
    assert set(alerts) == {missing.pk, old.pk, record.pk}
    assert alerts[record.pk].severity == Severity.RED
    assert alerts[missing.pk].severity == Severity.ORANGE
    assert_idempotent("A14")


def test_a17_no_health_staff_or_no_full_time_one_from_150_children(settings, centre, group):
    run("A17")
    assert open_alerts("A17") == []  # the fixture's centre has a full-time health worker
    Staff.objects.filter(centre=centre, role=Staff.Role.HEALTH).update(is_full_time=False)
    settings.FULL_TIME_HEALTH_STAFF_FROM = 2
    enrolled_child(group)
    run("A17")
    assert open_alerts("A17") == []  # 1 child: a part-time health worker is enough
    enrolled_child(group)
    run("A17")
    assert len(open_alerts("A17")) == 1
    Staff.objects.filter(centre=centre, role=Staff.Role.HEALTH).update(
        employment_status=Staff.Employment.LEFT)
    run("A17")
    [alert] = open_alerts("A17")
    assert "No health-care staff" in alert.message or "卫生保健" in alert.message


# --- A18 / A20 / A22 / A31 premises and routines --------------------------------------------------


def test_a18_fire_certificate_expired_expiring_or_missing(centre):
    run("A18")
    assert open_alerts("A18") == []
    FilingMaterial.objects.filter(filing__centre=centre).update(
        valid_until=TODAY + dt.timedelta(days=20))
    run("A18")
    [alert] = open_alerts("A18")
    assert alert.severity == Severity.YELLOW
    FilingMaterial.objects.filter(filing__centre=centre).update(
        valid_until=TODAY - dt.timedelta(days=1))
    run("A18")
    [alert] = open_alerts("A18")
    assert alert.severity == Severity.RED
    other = CentreFactory(filing=Filing.Status.FILED)
    run("A18")
    assert {a.centre_id for a in open_alerts("A18")} == {centre.pk, other.pk}


def test_a18_ignores_a_certificate_the_bureau_returned(centre):
    FilingMaterial.objects.filter(filing__centre=centre).update(
        valid_until=TODAY - dt.timedelta(days=1))
    FilingMaterial.objects.create(
        filing=centre.filing, kind=MaterialKind.FIRE_SAFETY, file="y.pdf", original_name="y.pdf",
        content_type="application/pdf", size=1, sha256="1" * 64,
        uploaded_by=CentreUserFactory(), valid_until=TODAY + dt.timedelta(days=300),
        verdict=FilingMaterial.Verdict.RETURNED)
    run("A18")
    assert open_alerts("A18")[0].severity == Severity.RED


def test_a18_without_valid_until_counts_twelve_months_from_upload(centre):
    FilingMaterial.objects.filter(filing__centre=centre).update(
        valid_until=None, uploaded_at=NOW - relativedelta(months=13))
    run("A18")
    assert open_alerts("A18")[0].severity == Severity.RED


def test_a20_lease_ends_within_90_days(centre):
    centre.tenure = centre.Tenure.LEASED
    centre.lease_end = TODAY + dt.timedelta(days=91)
    centre.save()
    run("A20")
    assert open_alerts("A20") == []
    centre.lease_end = TODAY + dt.timedelta(days=90)
    centre.save()
    run("A20")
    assert open_alerts("A20")[0].severity == Severity.YELLOW
    centre.lease_end = TODAY - dt.timedelta(days=1)
    centre.save()
    run("A20")
    assert open_alerts("A20")[0].severity == Severity.ORANGE


def test_a22_no_drill_within_180_days(centre):
    run("A22")
    assert open_alerts("A22") == []
    Drill.objects.filter(centre=centre).update(held_on=TODAY - dt.timedelta(days=181))
    run("A22")
    assert len(open_alerts("A22")) == 1
    assert_idempotent("A22")
    Drill.objects.create(centre=centre, kind=Drill.Kind.EARTHQUAKE, held_on=TODAY)
    run("A22")
    assert open_alerts("A22") == []


def test_a22_new_centre_gets_the_interval_from_its_filing():
    fresh = CentreFactory(filing=Filing.Status.FILED)
    Filing.objects.filter(centre=fresh).update(filed_at=NOW - dt.timedelta(days=30))
    run("A22")
    assert open_alerts("A22") == []
    Filing.objects.filter(centre=fresh).update(filed_at=NOW - dt.timedelta(days=200))
    run("A22")
    assert len(open_alerts("A22")) == 1


def test_a31_children_report_older_than_90_days(centre):
    run("A31")
    assert open_alerts("A31") == []
    ChildrenReport.objects.filter(centre=centre).update(submitted_at=NOW - dt.timedelta(91))
    run("A31")
    assert len(open_alerts("A31")) == 1
    ChildrenReport.objects.create(centre=centre, enrolled=3)
    run("A31")
    assert open_alerts("A31") == []


# --- A34 / A35 follow-up ------------------------------------------------------------------------


def test_a34_overdue_hazard_and_rectification_order(centre):
    hazard = Hazard.objects.create(centre=centre, found_on=TODAY - dt.timedelta(10),
                                   location="楼梯", description="护栏松动",
                                   deadline=TODAY - dt.timedelta(days=1))
    Hazard.objects.create(centre=centre, found_on=TODAY, location="厨房", description="插座",
                          deadline=TODAY + dt.timedelta(days=3))
    order = RectificationOrderFactory(centre=centre, deadline=TODAY - dt.timedelta(days=2))
    answered = RectificationOrderFactory(centre=centre, deadline=TODAY - dt.timedelta(days=2),
                                         status="submitted")
    run("A34")
    subjects = {(a.subject_type.model, a.subject_id) for a in open_alerts("A34")}
    assert subjects == {("hazard", hazard.pk), ("rectificationorder", order.pk)}
    assert answered.pk not in {a.subject_id for a in open_alerts("A34")
                               if a.subject_type.model == "rectificationorder"}
    assert_idempotent("A34")
    hazard.status = Hazard.Status.FIXED
    hazard.save()
    run("A34")
    assert {a.subject_type.model for a in open_alerts("A34")} == {"rectificationorder"}


def test_a35_complaint_not_answered_in_time_is_for_the_regulator(centre, manager):
    late = ComplaintFactory(centre=centre, due_on=TODAY - dt.timedelta(days=1))
    ComplaintFactory(centre=centre, due_on=TODAY)
    ComplaintFactory(centre=centre, due_on=TODAY - dt.timedelta(days=5), status="answered")
    run("A35")
    [alert] = open_alerts("A35")
    assert alert.subject_id == late.pk and alert.for_regulator


# --- A36 / A37 / A38 filing ---------------------------------------------------------------------


def test_a36_attendance_at_a_centre_without_a_valid_filing():
    draft = CentreFactory(filing=Filing.Status.DRAFT)
    group = ClassGroupFactory(centre=draft)
    child = enrolled_child(group)
    run("A36")
    assert open_alerts("A36") == []  # no attendance yet
    class_day(group, present=[child])
    run("A36")
    [alert] = open_alerts("A36")
    assert alert.centre == draft and alert.severity == Severity.RED
    assert_idempotent("A36")
    Filing.objects.filter(centre=draft).update(status=Filing.Status.FILED)
    run("A36")
    assert open_alerts("A36") == []


def test_a37_receipt_overdue_and_a38_notice_overdue_are_for_the_regulator():
    submitted = CentreFactory(filing=Filing.Status.SUBMITTED)
    Filing.objects.filter(centre=submitted).update(receipt_due=NOW - dt.timedelta(hours=1))
    in_time = CentreFactory(filing=Filing.Status.SUBMITTED)
    Filing.objects.filter(centre=in_time).update(receipt_due=NOW + dt.timedelta(days=1))
    filed = CentreFactory(filing=Filing.Status.UNDER_VERIFICATION)
    Filing.objects.filter(centre=filed).update(notice_due=NOW - dt.timedelta(days=1))
    run("A37")
    run("A38")
    assert [a.centre_id for a in open_alerts("A37")] == [submitted.pk]
    assert [a.centre_id for a in open_alerts("A38")] == [filed.pk]
    assert all(a.for_regulator for a in open_alerts("A37") + open_alerts("A38"))
    Filing.objects.filter(centre=submitted).update(status=Filing.Status.FILED,
                                                   notice_due=NOW + dt.timedelta(days=20))
    run("A37")
    assert open_alerts("A37") == []


# --- Framework: uniqueness, running everything twice, escalation, notification ----------------


def test_database_refuses_a_second_open_alert_for_the_same_rule_and_subject(centre):
    run("A31")
    ChildrenReport.objects.all().delete()
    Filing.objects.filter(centre=centre).update(filed_at=NOW - dt.timedelta(days=400))
    run("A31")
    [alert] = open_alerts("A31")
    duplicate = Alert(rule="A31", severity="yellow", initial_severity="yellow", centre=centre,
                      subject_type=alert.subject_type, subject_id=alert.subject_id,
                      subject_repr="x", message="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    alert.status = Alert.Status.RESOLVED
    alert.save()
    duplicate.save()  # a resolved alert does not block a new one


def test_running_all_checks_twice_creates_no_duplicate(centre, group):
    children = [enrolled_child(group, checks=False) for _ in range(6)]
    class_day(group, present=children, staff=[carer(centre, 1, health_cert_valid_until=None)])
    Drill.objects.all().delete()
    Filing.objects.filter(centre=centre).update(filed_at=NOW - dt.timedelta(days=400))
    call_command("run_checks")
    first = Alert.objects.count()
    assert first >= 8
    call_command("run_checks")
    assert Alert.objects.count() == first
    assert Alert.objects.open().count() == first


def test_orange_unacknowledged_for_24_hours_escalates_to_red_and_notifies(
        centre, district_regulator, centre_manager):
    Hazard.objects.create(centre=centre, found_on=TODAY - dt.timedelta(10), location="楼梯",
                          description="护栏松动", deadline=TODAY - dt.timedelta(days=1))
    run("A34")
    [alert] = open_alerts("A34")
    assert engine.escalate(NOW + dt.timedelta(hours=23)) == 0
    with django_capture_on_commit():
        assert engine.escalate(NOW + dt.timedelta(hours=24)) == 1
    alert.refresh_from_db()
    assert alert.severity == Severity.RED and alert.initial_severity == Severity.ORANGE
    assert alert.escalated_at is not None
    recipients = set(Notification.objects.filter(level="danger").values_list("recipient",
                                                                             flat=True))
    assert recipients == {district_regulator.pk, centre_manager.pk}
    # The checks keep it red while the hazard stays open.
    run("A34", NOW + dt.timedelta(hours=25))
    alert.refresh_from_db()
    assert alert.severity == Severity.RED


def test_acknowledged_orange_alert_does_not_escalate(centre, centre_manager):
    Hazard.objects.create(centre=centre, found_on=TODAY - dt.timedelta(10), location="楼梯",
                          description="护栏松动", deadline=TODAY - dt.timedelta(days=1))
    run("A34")
    from supervision.services import alerts

    alerts.acknowledge(open_alerts("A34")[0], by=centre_manager, note="已安排维修")
    assert engine.escalate(NOW + dt.timedelta(days=2)) == 0


def test_new_red_alert_notifies_regulator_and_managers_but_bureau_alerts_only_regulators(
        centre, group, district_regulator, centre_manager):
    children = [enrolled_child(group) for _ in range(6)]
    class_day(group, present=children, staff=[])
    with django_capture_on_commit():
        run("A1")
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        district_regulator.pk, centre_manager.pk}
    Notification.objects.all().delete()
    submitted = CentreFactory(filing=Filing.Status.SUBMITTED)
    Filing.objects.filter(centre=submitted).update(receipt_due=NOW - dt.timedelta(days=1))
    with django_capture_on_commit():
        run("A37")  # orange: no notification
    assert not Notification.objects.exists()


def test_run_checks_command_rejects_unknown_rule():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("run_checks", rule=["A99"])


def test_run_checks_command_runs_one_rule(centre, capsys):
    call_command("run_checks", rule=["a22"])
    out = capsys.readouterr().out
    assert out.startswith("A22:") and "A1:" not in out


def test_deregistered_centres_are_not_checked(centre):
    Drill.objects.all().delete()
    run("A22")
    assert len(open_alerts("A22")) == 1
    Filing.objects.filter(centre=centre).update(status=Filing.Status.DEREGISTERED)
    run("A22")
    assert open_alerts("A22") == []


def django_capture_on_commit():
    """Run on_commit callbacks at the end of the block (tests run inside a transaction)."""
    from contextlib import contextmanager

    from django.db import connection

    @contextmanager
    def capture():
        start = len(connection.run_on_commit)
        yield
        while len(connection.run_on_commit) > start:
            _sids, func, _robust = connection.run_on_commit.pop(start)
            func()

    return capture()

