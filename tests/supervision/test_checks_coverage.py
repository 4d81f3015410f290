"""Rules that could be dodged (docs/rules/alert-rules.md):

- A2/A3/A4/A12/A14 check every centre that records children — enrolled children or attendance
  — whatever its filing state (a draft or returned centre with children is checked too);
- A6 finds a child still enrolled who has not attended for RETURN_HEALTH_CHECK_MONTHS or more
  and came back without a new health check, within one placement, in one pass (``LAG()`` over
  the last RETURN_CHECK_LOOKBACK_MONTHS of attendance) on an index.

"Now" is Thursday 2026-11-26 11:00 in Luzhou."""

import datetime as dt
import random

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection

from registry.models import Filing, Staff
from supervision.models import Attendance, ClassDay, Enrolment, HealthCheck
from tests.factories import CentreFactory, ClassGroupFactory, StaffFactory
from tests.factories.supervision import class_day, enrolled_child

from .test_checks import TODAY, _frozen, carer, open_alerts, run  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[Filing.Status.DRAFT, Filing.Status.RETURNED])
def unfiled(request):
    """A centre that has not (yet) filed, which records children anyway."""
    return CentreFactory(filing=request.param)


def months(n: int) -> dt.date:
    return TODAY - relativedelta(months=n)


def test_a2_a3_a4_check_a_centre_with_children_whatever_its_filing(unfiled):
    infants = ClassGroupFactory(centre=unfiled, class_type="infant", capacity=10)
    for _n in range(10):
        enrolled_child(infants, birth_date=months(9))
    too_old = enrolled_child(infants, birth_date=months(20))  # the 11th, and 20 months old
    aged_out = enrolled_child(ClassGroupFactory(centre=unfiled, class_type="toddler_large"),
                              birth_date=months(45))
    for code in ("A2", "A3", "A4"):
        run(code)
    assert [a.subject_id for a in open_alerts("A2")] == [infants.pk]
    assert too_old.pk in [a.subject_id for a in open_alerts("A3")]
    assert [a.subject_id for a in open_alerts("A4")] == [aged_out.pk]
    assert {a.centre_id for a in open_alerts("A2") + open_alerts("A3") + open_alerts("A4")} \
        == {unfiled.pk}


def test_a12_a14_check_the_staff_of_a_centre_with_attendance(unfiled):
    group = ClassGroupFactory(centre=unfiled, class_type="toddler_small")
    child = enrolled_child(group, birth_date=months(18))
    Enrolment.objects.filter(child=child).update(ended_on=TODAY)  # attendance, nobody enrolled
    uncertified = carer(unfiled, 1, health_cert_valid_until=None)
    unchecked = StaffFactory(centre=unfiled, role=Staff.Role.COOK, criminal_check_date=None,
                             criminal_check_result="")
    class_day(group, TODAY, present=[child], staff=[uncertified])
    run("A12")
    run("A14")
    assert [a.subject_id for a in open_alerts("A12")] == [uncertified.pk]
    assert unchecked.pk in [a.subject_id for a in open_alerts("A14")]


def test_a_draft_centre_without_children_is_left_alone():
    draft = CentreFactory(filing=Filing.Status.DRAFT)
    ClassGroupFactory(centre=draft, class_type="infant", capacity=10)
    StaffFactory(centre=draft, role=Staff.Role.CARER, criminal_check_date=None,
                 criminal_check_result="", health_cert_valid_until=None)
    for code in ("A2", "A3", "A4", "A12", "A14"):
        run(code)
        assert open_alerts(code) == [], code


# --- A6 within one placement ---------------------------------------------------------------


def attended(child, group, *days):
    for day in days:
        record, _created = ClassDay.objects.get_or_create(class_group=group, date=day)
        Attendance.objects.create(class_day=record, child=child,
                                  status=Attendance.Status.PRESENT)


@pytest.fixture
def verified():
    return CentreFactory(filing=Filing.Status.VERIFIED)


def test_a6_finds_a_long_absence_within_one_placement(verified):
    group = ClassGroupFactory(centre=verified, class_type="toddler_small", capacity=15)
    start = months(8)
    away = enrolled_child(group, birth_date=months(18), started_on=start)
    # Attended until 4 months ago, then nothing, then back today: no new health check.
    attended(away, group, *(months(n) for n in (8, 7, 6, 5, 4)), TODAY)
    regular = enrolled_child(group, birth_date=months(18), started_on=start)
    attended(regular, group, *(months(n) for n in (8, 6, 4, 2)), TODAY)
    short = enrolled_child(group, birth_date=months(18), started_on=start)
    attended(short, group, months(3) + dt.timedelta(days=2), TODAY)  # 2 months 28 days
    run("A6")
    [alert] = open_alerts("A6")
    assert alert.subject_id == away.pk
    HealthCheck.objects.create(child=away, kind=HealthCheck.Kind.RETURN,
                               checked_on=TODAY - dt.timedelta(days=2), institution="医院",
                               result=HealthCheck.Result.PASSED)
    run("A6")
    assert open_alerts("A6") == []


def test_a6_ignores_a_gap_before_the_placement_and_absence_not_yet_over(verified):
    group = ClassGroupFactory(centre=verified, class_type="toddler_small", capacity=15)
    other = ClassGroupFactory(centre=verified, class_type="toddler_small", capacity=15)
    moved = enrolled_child(other, birth_date=months(18), started_on=months(8))
    attended(moved, other, months(8))
    Enrolment.objects.filter(child=moved).update(ended_on=months(1))
    Enrolment.objects.create(child=moved, class_group=group, started_on=months(1))
    attended(moved, group, TODAY)  # the gap straddles two placements: the old A6 rule's case
    still_away = enrolled_child(group, birth_date=months(18), started_on=months(6))
    attended(still_away, group, months(6))  # has not come back: nothing to check yet
    run("A6")
    assert open_alerts("A6") == []


def test_a6_gap_query_uses_an_index_on_attendance(verified):
    """Demo-like data: classes of 15 children with a working month of attendance each. The
    gaps are found in one pass (a window function, no correlated subquery), and the query
    matches the index on attendance (child, date): with sequential scans priced out, the plan
    reads attendance through it in the window's order. Whether the planner prefers the index
    on its own depends on the table's size and statistics (on a few thousand rows a Seq Scan
    and a sort are as cheap), so that is not asserted."""
    from supervision.checks.rules.children import return_gaps_query

    rng = random.Random(7)
    days = [TODAY - dt.timedelta(days=n) for n in range(0, 45) if (TODAY - dt.timedelta(
        days=n)).weekday() < 5]
    records, rows = [], []
    for _c in range(2):
        centre = CentreFactory(filing=Filing.Status.VERIFIED)
        for _g in range(3):
            group = ClassGroupFactory(centre=centre, class_type="toddler_small", capacity=15)
            kids = [enrolled_child(group, birth_date=months(18), started_on=days[-1],
                                   checks=False) for _k in range(15)]
            for day in days:
                record = ClassDay(class_group=group, date=day)
                records.append(record)
                rows.extend(Attendance(class_day=record, child=kid, date=day,
                                       status="present" if rng.random() < 0.9 else "absent",
                                       absence_reason="" if rng.random() < 0.9 else "sick")
                            for kid in kids)
    ClassDay.objects.bulk_create(records)
    Attendance.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE supervision_attendance")
        cursor.execute("ANALYZE supervision_classday")
        cursor.execute("ANALYZE supervision_enrolment")
        sql, params = return_gaps_query(TODAY)
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "WindowAgg" in plan and "SubPlan" not in plan, plan
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on supervision_attendance" not in plan, plan
    assert "Index Only Scan using" in plan or "Index Scan using" in plan, plan
