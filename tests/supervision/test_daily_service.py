"""supervision.services.daily.save_class_day: one class's day in one transaction, a bounded
number of queries whatever the class size, the attendance rules, the edit window, and re-saving.

"Now" is Saturday 2026-11-28 10:00 in Luzhou."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.models import AuditEvent
from luhuituo.core.verbs import Verb
from registry.models import Staff
from supervision.models import Attendance, ClassDay, Enrolment
from supervision.services.daily import RecordError, children_in_class, edit_refusal, save_class_day
from tests.factories import ClassGroupFactory, StaffFactory
from tests.factories.supervision import enrolled_child
from tests.queries import count_queries

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    """Frozen time; messages in English (the msgids), whatever the catalogue holds."""
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def klass(centre_a):
    return ClassGroupFactory(centre=centre_a, name="托小一班", capacity=15)


@pytest.fixture
def carers(centre_a):
    return [StaffFactory(centre=centre_a, role=Staff.Role.CARER) for _ in range(2)]


def present(child, **extra) -> dict:
    return {"child_id": child.pk, "status": "present", "morning_check": "normal",
            "midday_check": "", **extra}


def test_saves_attendance_staff_and_check_times(klass, carers, manager, staff):
    children = [enrolled_child(klass) for _ in range(3)]
    rows = [present(children[0]),
            {"child_id": children[1].pk, "status": "absent", "absence_reason": "sick",
             "symptom_group": "fever", "morning_check": "normal"},
            present(children[2], status="left_early", midday_check="abnormal",
                    symptom_group="vomiting", note="午饭后呕吐，家长接回")]
    day = save_class_day(klass, TODAY, by=staff, staff_ids=[c.pk for c in carers],
                         rows=rows)
    assert set(day.staff_on_duty.all()) == set(carers)
    assert day.updated_by == staff
    assert day.morning_check_at == NOW and day.midday_check_at == NOW
    got = {a.child_id: a for a in day.attendance.all()}
    assert got[children[0].pk].status == "present"
    # An absent child has no checks: the "normal" sent with it is dropped.
    assert (got[children[1].pk].absence_reason, got[children[1].pk].morning_check,
            got[children[1].pk].symptom_group) == ("sick", "", "fever")
    assert (got[children[2].pk].status, got[children[2].pk].midday_check,
            got[children[2].pk].note) == ("left_early", "abnormal", "午饭后呕吐，家长接回")
    event = AuditEvent.objects.get(verb=Verb.CLASS_DAY_SAVED)
    assert event.details["children"] == 3 and event.details["absent"] == 1


def test_resaving_updates_rows_without_duplicates(klass, carers, staff):
    children = [enrolled_child(klass) for _ in range(2)]
    save_class_day(klass, TODAY, by=staff, staff_ids=[carers[0].pk],
                   rows=[present(c) for c in children])
    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        day = save_class_day(
            klass, TODAY, by=staff, staff_ids=[carers[1].pk],
            rows=[present(children[0], midday_check="normal"),
                  {"child_id": children[1].pk, "status": "absent",
                   "absence_reason": "personal"}])
    assert ClassDay.objects.count() == 1
    assert Attendance.objects.count() == 2
    assert list(day.staff_on_duty.all()) == [carers[1]]
    assert Attendance.objects.get(child=children[1]).status == "absent"
    # The morning check keeps its first time (A7 is about when it was done).
    assert day.morning_check_at == NOW
    assert day.midday_check_at == NOW + dt.timedelta(hours=3)
    assert AuditEvent.objects.filter(verb=Verb.CLASS_DAY_SAVED).count() == 2


def _two_carers(centre) -> list[int]:
    """Carers of their own for each class: a carer is on duty in one class a day."""
    return [StaffFactory(centre=centre, role=Staff.Role.CARER).pk for _ in range(2)]


def _queries_for(n: int, centre, actor) -> int:
    klass = ClassGroupFactory(centre=centre, capacity=20)
    children = [enrolled_child(klass) for _ in range(n)]
    rows = [present(c) for c in children]
    staff_ids = _two_carers(centre)
    with count_queries() as ctx:
        save_class_day(klass, TODAY, by=actor, staff_ids=staff_ids, rows=rows)
    assert Attendance.objects.filter(class_day__class_group=klass).count() == n
    return len(ctx.captured_queries)


def test_same_number_of_queries_for_5_and_20_children(centre_a, staff,
                                                     django_assert_num_queries):
    _queries_for(1, centre_a, staff)  # warm the caches (content types)
    five = _queries_for(5, centre_a, staff)
    twenty = _queries_for(20, centre_a, staff)
    assert five == twenty
    klass = ClassGroupFactory(centre=centre_a, capacity=20)
    rows = [present(enrolled_child(klass)) for _ in range(12)]
    staff_ids = _two_carers(centre_a)
    with django_assert_num_queries(five):
        save_class_day(klass, TODAY, by=staff, staff_ids=staff_ids, rows=rows)


def test_resave_query_count_does_not_grow_with_children(centre_a, staff):
    counts = []
    for n in (5, 20):
        klass = ClassGroupFactory(centre=centre_a, capacity=20)
        rows = [present(enrolled_child(klass)) for _ in range(n)]
        carers = _two_carers(centre_a)
        save_class_day(klass, TODAY, by=staff, staff_ids=carers[:1], rows=rows)
        with count_queries() as ctx:
            save_class_day(klass, TODAY, by=staff, staff_ids=carers, rows=rows)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(("row", "message"), [
    ({"status": "absent"}, "reason for the absence"),
    ({"status": "absent", "absence_reason": "holiday"}, "valid reason"),
    ({"status": "present", "symptom_group": "fever"}, "Symptoms are recorded only"),
    ({"status": "absent", "absence_reason": "personal", "symptom_group": "fever"},
     "Symptoms are recorded only"),
    ({"status": "present", "morning_check": "abnormal", "symptom_group": "flu"},
     "valid symptom group"),
    ({"status": "here"}, "present, absent or left early"),
    ({"status": "present", "morning_check": "ok"}, "valid check result"),
    ({"status": "present", "note": "x" * 201}, "too long"),
])
def test_row_rules(klass, staff, row, message):
    child = enrolled_child(klass)
    with pytest.raises(RecordError) as error:
        save_class_day(klass, TODAY, by=staff, staff_ids=[],
                       rows=[{"child_id": child.pk, **row}])
    assert any(message in m for m in error.value.row_errors[child.pk])
    assert not ClassDay.objects.exists()


def test_symptoms_allowed_with_an_abnormal_check(klass, staff):
    child = enrolled_child(klass)
    save_class_day(klass, TODAY, by=staff, staff_ids=[],
                   rows=[present(child, midday_check="abnormal", symptom_group="rash")])
    assert Attendance.objects.get().symptom_group == "rash"


def test_child_not_in_the_class_is_refused(klass, centre_a, centre_b, staff):
    other_class = ClassGroupFactory(centre=centre_a)
    elsewhere = enrolled_child(other_class)
    foreign = enrolled_child(ClassGroupFactory(centre=centre_b))
    mine = enrolled_child(klass)
    with pytest.raises(RecordError) as error:
        save_class_day(klass, TODAY, by=staff, staff_ids=[],
                       rows=[present(mine), present(elsewhere), present(foreign)])
    assert set(error.value.row_errors) == {elsewhere.pk, foreign.pk}
    assert not Attendance.objects.exists()


def test_only_children_placed_on_that_day(klass, centre_a, staff):
    left = enrolled_child(klass, started_on=TODAY - dt.timedelta(days=30))
    Enrolment.objects.filter(child=left).update(ended_on=TODAY)
    starts_tomorrow = enrolled_child(klass, started_on=TODAY + dt.timedelta(days=1))
    moved_in = enrolled_child(ClassGroupFactory(centre=centre_a),
                              started_on=TODAY - dt.timedelta(days=30))
    Enrolment.objects.filter(child=moved_in).update(ended_on=TODAY)
    Enrolment.objects.create(child=moved_in, class_group=klass, started_on=TODAY)
    assert list(children_in_class(klass, TODAY)) == [moved_in]
    assert set(children_in_class(klass, YESTERDAY)) == {left}
    for child in (left, starts_tomorrow):
        with pytest.raises(RecordError):
            save_class_day(klass, TODAY, by=staff, staff_ids=[], rows=[present(child)])


def test_duplicate_rows_refused(klass, staff):
    child = enrolled_child(klass)
    with pytest.raises(RecordError) as error:
        save_class_day(klass, TODAY, by=staff, staff_ids=[],
                       rows=[present(child), present(child)])
    assert "listed twice" in error.value.row_errors[child.pk][0]


def test_staff_from_another_centre_or_who_left_is_refused(klass, centre_b, staff):
    child = enrolled_child(klass)
    foreign = StaffFactory(centre=centre_b)
    left = StaffFactory(centre=klass.centre, employment_status=Staff.Employment.LEFT)
    for person in (foreign, left):
        with pytest.raises(RecordError, match="current staff of this centre"):
            save_class_day(klass, TODAY, by=staff, staff_ids=[person.pk],
                           rows=[present(child)])
    assert not ClassDay.objects.exists()


def test_future_day_refused(klass, manager):
    child = enrolled_child(klass)
    with pytest.raises(RecordError, match="has not come yet"):
        save_class_day(klass, TODAY + dt.timedelta(days=1), by=manager, staff_ids=[],
                       rows=[present(child)])


def test_past_days_staff_same_day_only_manager_one_day(klass, staff, manager):
    child = enrolled_child(klass)
    with pytest.raises(RecordError, match="only on the day itself"):
        save_class_day(klass, YESTERDAY, by=staff, staff_ids=[], rows=[present(child)])
    # The manager may correct yesterday, not the day before.
    save_class_day(klass, YESTERDAY, by=manager, staff_ids=[], rows=[present(child)])
    with pytest.raises(RecordError, match="1 day"):
        save_class_day(klass, TODAY - dt.timedelta(days=2), by=manager, staff_ids=[],
                       rows=[present(child)])


def test_edit_window_follows_settings(settings):
    settings.DAILY_RECORD_EDIT_DAYS = 2
    settings.DAILY_RECORD_MANAGER_EDIT_DAYS = 0
    assert edit_refusal(TODAY - dt.timedelta(days=2), is_manager=False) is None
    assert edit_refusal(TODAY - dt.timedelta(days=3), is_manager=True)


def test_only_the_centres_own_accounts(klass, other_staff, district_regulator):
    child = enrolled_child(klass)
    for actor in (other_staff, district_regulator):
        with pytest.raises(NotPermitted, match="centre's own staff"):
            save_class_day(klass, TODAY, by=actor, staff_ids=[], rows=[present(child)])
