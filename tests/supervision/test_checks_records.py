"""Rules A16, A19, A23, A25, A28, A32 (docs/rules/alert-rules.md): each fires on data that
breaks it and stays quiet on data that does not, at the boundary dates; each runs a number of
queries that does not grow with the number of centres.

"now" is Thursday 2026-11-26 11:00 in Luzhou, as in test_checks.py.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta

from registry.models import (
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
    SafetyCheck,
    Severity,
    annual_report_due,
    latest_overdue_year,
)
from tests.factories import (
    CentreFactory,
    CentreUserFactory,
    FeeScheduleFactory,
    StaffFactory,
    StaffTrainingRecordFactory,
)
from tests.queries import query_count

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 26, 11, 0, tzinfo=TZ)
TODAY = NOW.date()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def filed_centre(**kwargs):
    centre = CentreFactory(filing=Filing.Status.VERIFIED, **kwargs)
    Filing.objects.filter(centre=centre).update(filed_at=NOW - dt.timedelta(days=365))
    return centre


def run(code, now=NOW):
    return engine.run_rule(code, now)


def open_alerts(code):
    return list(Alert.objects.open().filter(rule=code).order_by("id"))


def rule_queries(code, now=NOW) -> int:
    n, _hits = query_count(lambda: list(registry.get(code).func(now)))
    return n


def assert_constant_queries(code, make_centre, now=NOW):
    """The rule's queries with one offending centre equal those with three."""
    make_centre()
    few = rule_queries(code, now)
    make_centre()
    make_centre()
    assert len(list(registry.get(code).func(now))) >= 3
    assert rule_queries(code, now) == few


def material(centre, kind, **kwargs):
    return FilingMaterial.objects.create(
        filing=centre.filing, kind=kind, file="x.pdf", original_name="x.pdf",
        content_type="application/pdf", size=1, sha256="0" * 64,
        uploaded_by=CentreUserFactory(), **kwargs)


def test_the_new_rules_are_registered_with_their_groups():
    expected = {"A16": ("yellow", "weekly"), "A19": ("red", "daily"),
                "A23": ("yellow", "monthly"), "A25": ("orange", "daily"),
                "A28": ("yellow", "weekly"), "A32": ("yellow", "daily")}
    for code, (severity, schedule) in expected.items():
        rule = registry.get(code)
        assert rule is not None, code
        assert (rule.severity, registry.schedule_of(code)) == (severity, schedule), code
        assert rule.basis, code
    assert "A16" in registry.rules_for_schedule("weekly")
    assert "A23" in registry.rules_for_schedule("monthly")


def test_weekly_and_monthly_groups_have_beat_entries(settings):
    assert "supervision-checks-weekly" in settings.CELERY_BEAT_SCHEDULE
    assert "supervision-checks-monthly" in settings.CELERY_BEAT_SCHEDULE
    assert "supervision-checks-monthly" in settings.CATCH_UP_ENTRIES


# --- A16 key staff qualifications ---------------------------------------------------------------


def qualified_principal(centre, **kwargs):
    kwargs = {"degree": Staff.Degree.COLLEGE,
              "experience_since": TODAY - relativedelta(years=3), **kwargs}
    person = StaffFactory(centre=centre, role=Staff.Role.PRINCIPAL, name="李园长", **kwargs)
    StaffTrainingRecordFactory(staff=person, kind=StaffTrainingRecord.Kind.PRINCIPAL_POST,
                               hours=40)
    StaffTrainingRecordFactory(staff=person, kind=StaffTrainingRecord.Kind.PRINCIPAL_POST,
                               hours=20)
    return person


def test_a16_qualified_principal_guard_and_health_staff_raise_nothing():
    centre = filed_centre()
    qualified_principal(centre)
    StaffFactory(centre=centre, role=Staff.Role.GUARD, guard_licence_no="川公保0012345")
    health = StaffFactory(centre=centre, role=Staff.Role.HEALTH)
    StaffTrainingRecordFactory(staff=health, kind=StaffTrainingRecord.Kind.HEALTH_CARE)
    StaffFactory(centre=centre, role=Staff.Role.CARER)  # carers are not A16's
    run("A16")
    assert open_alerts("A16") == []


def test_a16_principal_one_day_short_of_three_years_or_59_5_hours_or_no_degree():
    centre = filed_centre()
    principal = qualified_principal(centre)
    principal.experience_since = TODAY - relativedelta(years=3) + dt.timedelta(days=1)
    principal.save()
    run("A16")
    [alert] = open_alerts("A16")
    assert alert.severity == Severity.YELLOW and "3" in alert.message
    principal.experience_since = TODAY - relativedelta(years=3)
    principal.degree = Staff.Degree.SECONDARY
    principal.save()
    run("A16")
    [alert] = open_alerts("A16")
    assert "大专" in alert.message
    principal.degree = Staff.Degree.BACHELOR
    principal.save()
    StaffTrainingRecord.objects.filter(staff=principal, hours=20).update(hours=19.5)
    # General training does not count towards the post training.
    StaffTrainingRecordFactory(staff=principal, hours=100)
    run("A16")
    [alert] = open_alerts("A16")
    assert "59.5" in alert.message
    StaffTrainingRecord.objects.filter(staff=principal, hours=19.5).update(hours=20)
    run("A16")
    assert open_alerts("A16") == []


def test_a16_guard_without_certificate_and_health_staff_without_mch_training():
    centre = filed_centre()
    guard = StaffFactory(centre=centre, role=Staff.Role.GUARD, guard_licence_no="  ")
    health = StaffFactory(centre=centre, role=Staff.Role.HEALTH)
    StaffTrainingRecordFactory(staff=health)  # a general course is not the MCH training
    StaffFactory(centre=centre, role=Staff.Role.GUARD, employment_status=Staff.Employment.LEFT)
    run("A16")
    assert {a.subject_id for a in open_alerts("A16")} == {guard.pk, health.pk}
    guard.guard_licence_no = "川公保0012345"
    guard.save()
    StaffTrainingRecordFactory(staff=health, kind=StaffTrainingRecord.Kind.HEALTH_CARE)
    run("A16")
    assert open_alerts("A16") == []


def test_a16_queries_do_not_grow_with_centres():
    def make():
        centre = filed_centre()
        StaffFactory(centre=centre, role=Staff.Role.PRINCIPAL)
        StaffFactory(centre=centre, role=Staff.Role.GUARD)
    assert_constant_queries("A16", make)


# --- A19 food business licence --------------------------------------------------------------------


def test_a19_meals_without_a_food_licence_or_with_an_expired_one():
    meals = filed_centre(provides_meals=True)
    filed_centre(provides_meals=False)  # no meals: no licence needed
    run("A19")
    [alert] = open_alerts("A19")
    assert alert.centre_id == meals.pk and alert.severity == Severity.RED
    licence = material(meals, MaterialKind.FOOD_LICENCE, valid_until=TODAY)
    run("A19")
    assert open_alerts("A19") == []  # valid through today
    licence.valid_until = TODAY - dt.timedelta(days=1)
    licence.save()
    run("A19")
    [alert] = open_alerts("A19")
    assert "2026年11月25日" in alert.message


def test_a19_ignores_a_returned_licence_and_estimates_one_without_a_date(settings):
    centre = filed_centre(provides_meals=True)
    material(centre, MaterialKind.FOOD_LICENCE, valid_until=TODAY + dt.timedelta(days=300),
             verdict=FilingMaterial.Verdict.RETURNED)
    run("A19")
    assert len(open_alerts("A19")) == 1
    undated = material(centre, MaterialKind.FOOD_LICENCE,
                       uploaded_at=NOW - relativedelta(months=settings.FOOD_LICENCE_VALID_MONTHS))
    run("A19")
    assert open_alerts("A19") == []
    undated.uploaded_at -= dt.timedelta(days=1)
    undated.save()
    run("A19")
    assert len(open_alerts("A19")) == 1


def test_a19_queries_do_not_grow_with_centres():
    def make():
        centre = filed_centre(provides_meals=True)
        material(centre, MaterialKind.FOOD_LICENCE, valid_until=TODAY - dt.timedelta(days=3))
    assert_constant_queries("A19", make)


# --- A23 monthly safety inspections ---------------------------------------------------------------

DEC_1 = dt.datetime(2026, 12, 1, 6, 50, tzinfo=TZ)


def test_a23_both_inspections_in_the_previous_month_or_an_alert():
    centre = filed_centre()
    SafetyCheck.objects.create(centre=centre, kind=SafetyCheck.Kind.FACILITY,
                               checked_on=dt.date(2026, 11, 1), inspector_name="张")
    SafetyCheck.objects.create(centre=centre, kind=SafetyCheck.Kind.FIRE_EQUIPMENT,
                               checked_on=dt.date(2026, 11, 30), inspector_name="张")
    run("A23", DEC_1)
    assert open_alerts("A23") == []
    SafetyCheck.objects.filter(kind=SafetyCheck.Kind.FIRE_EQUIPMENT).update(
        checked_on=dt.date(2026, 10, 31))
    run("A23", DEC_1)
    [alert] = open_alerts("A23")
    assert "2026年11月" in alert.message and str(SafetyCheck.Kind.FIRE_EQUIPMENT.label) in \
        alert.message
    assert str(SafetyCheck.Kind.FACILITY.label) not in alert.message
    SafetyCheck.objects.filter(kind=SafetyCheck.Kind.FIRE_EQUIPMENT).update(
        checked_on=dt.date(2026, 12, 1))  # December's does not count for November
    run("A23", DEC_1)
    assert len(open_alerts("A23")) == 1


def test_a23_a_centre_filed_during_the_month_is_not_asked_for_it():
    centre = filed_centre()
    Filing.objects.filter(centre=centre).update(filed_at=dt.datetime(2026, 11, 1, 9, tzinfo=TZ))
    run("A23", DEC_1)
    assert open_alerts("A23") == []
    Filing.objects.filter(centre=centre).update(
        filed_at=dt.datetime(2026, 10, 31, 23, tzinfo=TZ))
    run("A23", DEC_1)
    assert len(open_alerts("A23")) == 1


def test_a23_queries_do_not_grow_with_centres():
    assert_constant_queries("A23", filed_centre, DEC_1)


# --- A25 liability insurance ----------------------------------------------------------------------


def policy(centre, start, end, number="P1"):
    return InsurancePolicy.objects.create(centre=centre, insurer="人保财险", policy_no=number,
                                          cover_from=start, cover_to=end,
                                          recorded_by=CentreUserFactory())


def test_a25_no_policy_covering_today():
    centre = filed_centre()
    run("A25")
    [alert] = open_alerts("A25")
    assert alert.severity == Severity.ORANGE and alert.centre_id == centre.pk
    policy(centre, TODAY - relativedelta(years=1), TODAY)
    run("A25")
    assert open_alerts("A25") == []  # covered through today
    InsurancePolicy.objects.update(cover_to=TODAY - dt.timedelta(days=1))
    run("A25")
    [alert] = open_alerts("A25")
    assert "2026年11月25日" in alert.message
    policy(centre, TODAY + dt.timedelta(days=1), TODAY + relativedelta(years=1), "P2")
    run("A25")
    assert len(open_alerts("A25")) == 1  # the renewal starts tomorrow: a gap today
    policy(centre, TODAY, TODAY, "P3")
    run("A25")
    assert open_alerts("A25") == []


def test_a25_queries_do_not_grow_with_centres():
    def make():
        centre = filed_centre()
        policy(centre, TODAY - relativedelta(years=1), TODAY - dt.timedelta(days=2))
    assert_constant_queries("A25", make)


# --- A28 fee disclosure ---------------------------------------------------------------------------


def test_a28_no_fee_schedule_in_force(settings):
    centre = filed_centre()
    run("A28")
    assert len(open_alerts("A28")) == 1
    FeeScheduleFactory(centre=centre, effective_from=TODAY + dt.timedelta(days=1))
    run("A28")
    assert len(open_alerts("A28")) == 1  # published, but not yet in force
    FeeScheduleFactory(centre=centre, effective_from=TODAY)
    run("A28")
    assert open_alerts("A28") == []


def test_a28_fees_not_republished_for_longer_than_the_setting(settings):
    settings.FEE_DISCLOSURE_MAX_AGE_DAYS = 365
    centre = filed_centre()
    schedule = FeeScheduleFactory(centre=centre, effective_from=dt.date(2025, 1, 1))
    # Published on 2025-11-26 at 00:00 local time: exactly 365 days ago, still current.
    schedule.created_at = dt.datetime(2025, 11, 26, 0, 0, tzinfo=TZ)
    schedule.save()
    run("A28")
    assert open_alerts("A28") == []
    schedule.created_at = dt.datetime(2025, 11, 25, 23, 59, tzinfo=TZ)
    schedule.save()
    run("A28")
    [alert] = open_alerts("A28")
    assert "2025年11月25日" in alert.message and alert.severity == Severity.YELLOW


def test_a28_queries_do_not_grow_with_centres():
    assert_constant_queries("A28", filed_centre)


# --- A32 annual report ----------------------------------------------------------------------------


def test_annual_report_due_date_from_the_setting(settings):
    settings.ANNUAL_REPORT_DUE = "01-31"
    assert annual_report_due(2025) == dt.date(2026, 1, 31)
    assert latest_overdue_year(dt.date(2026, 1, 31)) == 2024
    assert latest_overdue_year(dt.date(2026, 2, 1)) == 2025
    settings.ANNUAL_REPORT_DUE = "12-31"
    assert annual_report_due(2025) == dt.date(2025, 12, 31)
    assert latest_overdue_year(dt.date(2026, 1, 1)) == 2025
    assert latest_overdue_year(dt.date(2025, 12, 31)) == 2024


def report(centre, year):
    return AnnualReport.objects.create(centre=centre, year=year, children_served=30,
                                       staff_count=8, summary="全年工作总结",
                                       submitted_by=CentreUserFactory())


def test_a32_report_missing_after_the_due_date(settings):
    settings.ANNUAL_REPORT_DUE = "01-31"
    centre = filed_centre()
    Filing.objects.filter(centre=centre).update(filed_at=dt.datetime(2025, 3, 1, tzinfo=TZ))
    new = filed_centre()  # filed in 2026: owes no report on 2025
    Filing.objects.filter(centre=new).update(filed_at=dt.datetime(2026, 1, 1, 9, tzinfo=TZ))
    due_day = dt.datetime(2026, 1, 31, 12, tzinfo=TZ)
    run("A32", due_day)
    assert open_alerts("A32") == []  # due today: not late yet (and 2024 predates the filing)
    day_after = dt.datetime(2026, 2, 1, 7, tzinfo=TZ)
    run("A32", day_after)
    [alert] = open_alerts("A32")
    assert alert.centre_id == centre.pk and "2025" in alert.message
    assert "2026年1月31日" in alert.message
    report(centre, 2024)  # another year's report does not count
    run("A32", day_after)
    assert len(open_alerts("A32")) == 1
    report(centre, 2025)
    run("A32", day_after)
    assert open_alerts("A32") == []


def test_a32_queries_do_not_grow_with_centres():
    assert_constant_queries("A32", filed_centre)
