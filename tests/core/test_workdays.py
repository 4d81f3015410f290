"""The working-day calendar: 2026 as seeded from the State Council notice, and the arithmetic.

Expected dates were worked out by hand from the notice and cross-checked with the
``chinesecalendar`` package (not a project dependency).
"""

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from luhuituo.core.models import CalendarDay
from luhuituo.core.workdays import (
    WorkingDayCalendar,
    WorkingDayCalendarMissing,
    add_working_days,
    deadline,
    is_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
UNSEEDED_YEAR = 2035  # far enough that nobody will have loaded its notice


def beijing(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=BEIJING)


def test_2026_is_seeded_from_the_notice():
    days = CalendarDay.objects.filter(date__year=2026)
    assert days.filter(kind=CalendarDay.Kind.HOLIDAY).count() == 19
    assert set(days.filter(kind=CalendarDay.Kind.WORKDAY).values_list("date", "name")) == {
        (date(2026, 1, 4), "元旦"), (date(2026, 2, 14), "春节"), (date(2026, 2, 28), "春节"),
        (date(2026, 5, 9), "劳动节"), (date(2026, 9, 20), "国庆节"), (date(2026, 10, 10), "国庆节"),
    }


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 10, 1), False),   # 国庆节, Thursday
    (date(2026, 10, 3), False),   # inside the holiday, a Saturday anyway
    (date(2026, 10, 8), True),    # first day back
    (date(2026, 10, 10), True),   # make-up Saturday
    (date(2026, 10, 11), False),  # ordinary Sunday
    (date(2026, 3, 11), True),    # ordinary Wednesday
])
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_deadline_before_national_day_counts_the_make_up_saturday():
    # Wednesday 30 September: 1–7 October are off, then Thu 8, Fri 9, Sat 10 (make-up day),
    # Mon 12, Tue 13. A plain weekday count would say Wednesday 14.
    submitted = beijing(2026, 9, 30, 10, 0)
    assert deadline(submitted, 5) == end_of(date(2026, 10, 13))
    assert deadline(submitted, 15) == end_of(date(2026, 10, 27))


def test_a_make_up_sunday_before_the_holiday_counts():
    # Friday 18 September: Sunday 20 September is worked, and 中秋节 (Fri 25) is not reached.
    assert deadline(beijing(2026, 9, 18, 16, 30), 5) == end_of(date(2026, 9, 24))


def test_deadline_across_spring_festival():
    # Friday 13 February: Sat 14 worked, 15–23 off, Sat 28 worked.
    submitted = beijing(2026, 2, 13, 9, 0)
    assert deadline(submitted, 1) == end_of(date(2026, 2, 14))
    assert deadline(submitted, 5) == end_of(date(2026, 2, 27))
    assert deadline(submitted, 15) == end_of(date(2026, 3, 12))


def test_deadline_in_a_plain_week():
    submitted = beijing(2026, 3, 9, 11, 0)  # Monday
    assert deadline(submitted, 5) == end_of(date(2026, 3, 16))
    assert deadline(submitted, 15) == end_of(date(2026, 3, 30))


def test_deadline_is_the_last_microsecond_beijing_time():
    result = deadline(beijing(2026, 3, 9, 11, 0), 5)
    assert result.utcoffset() == timedelta(hours=8)
    assert result.astimezone(UTC) == datetime(2026, 3, 16, 15, 59, 59, 999_999, tzinfo=UTC)


def test_the_submission_day_is_taken_in_beijing():
    # 17:00 UTC on 29 September is 01:00 on 30 September in Beijing.
    assert deadline(datetime(2026, 9, 29, 17, 0, tzinfo=UTC), 5) == end_of(date(2026, 10, 13))
    # 15:00 UTC is still 29 September (23:00): Wed 30 counts, so one day earlier.
    assert deadline(datetime(2026, 9, 29, 15, 0, tzinfo=UTC), 5) == end_of(date(2026, 10, 12))


def test_zero_working_days():
    assert add_working_days(date(2026, 10, 1), 0) == date(2026, 10, 1)
    assert deadline(beijing(2026, 10, 3, 8, 0), 0) == end_of(date(2026, 10, 3))


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(date(2026, 3, 9), -1)
    with pytest.raises(ValueError, match="aware"):
        deadline(datetime(2026, 3, 9, 11, 0), 5)  # noqa: DTZ001 — naive on purpose
    with pytest.raises(TypeError):
        is_working_day(beijing(2026, 3, 9, 11, 0))


@pytest.mark.parametrize(("start", "end", "count"), [
    (date(2026, 9, 30), date(2026, 10, 13), 5),
    (date(2026, 10, 1), date(2026, 10, 7), 0),    # the whole holiday: no working day
    (date(2026, 2, 13), date(2026, 2, 14), 1),    # the make-up Saturday alone
    (date(2026, 3, 9), date(2026, 3, 9), 0),
    (date(2026, 3, 6), date(2026, 3, 9), 1),      # Friday → Monday
    (date(2026, 1, 1), date(2026, 12, 31), 248),  # 261 weekdays − 19 holidays + 6 make-up
])
def test_working_days_between_is_antisymmetric(start, end, count):
    assert working_days_between(start, end) == count
    assert working_days_between(end, start) == -count


@pytest.mark.parametrize("start", [date(2026, 9, 30), date(2026, 2, 13), date(2026, 12, 28)])
def test_a_fifteen_day_deadline_takes_one_query(django_assert_num_queries, start):
    with django_assert_num_queries(1):
        add_working_days(start, 15)


def test_a_year_without_rows_falls_back_to_monday_to_friday_with_a_warning(caplog):
    friday = date(UNSEEDED_YEAR, 9, 28)
    with caplog.at_level(logging.WARNING, logger="luhuituo.core.workdays"):
        assert add_working_days(friday, 5) == date(UNSEEDED_YEAR, 10, 5)
        assert is_working_day(date(UNSEEDED_YEAR, 10, 1))  # no 国庆节 without the notice
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 2  # once per question, not once per day
    assert all(f"No working-day calendar for {UNSEEDED_YEAR}" in m for m in messages)


def test_a_seeded_year_logs_nothing(caplog):
    with caplog.at_level(logging.WARNING, logger="luhuituo.core.workdays"):
        add_working_days(date(2026, 9, 30), 15)
    assert caplog.records == []


def test_a_strict_calendar_refuses_a_year_without_rows():
    calendar = WorkingDayCalendar(date(2026, 12, 1), date(UNSEEDED_YEAR, 12, 31), strict=True)
    assert calendar.is_working_day(date(2026, 12, 1))
    with pytest.raises(WorkingDayCalendarMissing, match=str(UNSEEDED_YEAR)):
        calendar.is_working_day(date(UNSEEDED_YEAR, 3, 1))


def test_a_shared_calendar_answers_many_deadlines_with_one_query(django_assert_num_queries):
    submissions = [beijing(2026, 9, day, 10, 0) for day in range(1, 31)]
    with django_assert_num_queries(1):
        calendar = WorkingDayCalendar(date(2026, 9, 1), date(2026, 12, 31))
        deadlines = [calendar.deadline(s, 5) for s in submissions]
    assert deadlines == [deadline(s, 5) for s in submissions]


def test_a_day_outside_a_shared_calendar_is_loaded_on_demand(django_assert_num_queries):
    calendar = WorkingDayCalendar(date(2025, 6, 1))
    with django_assert_num_queries(1):
        assert not calendar.is_working_day(date(2026, 10, 1))


def test_only_exceptions_can_be_stored():
    saturday = CalendarDay(date=date(2026, 10, 3), kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    with pytest.raises(ValidationError, match="只登记例外日期"):
        saturday.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        saturday.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarDay.objects.create(
            date=date(2026, 10, 8), kind=CalendarDay.Kind.WORKDAY, name="国庆节")


def test_support_staff_list_a_year_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/support/core/calendarday/", {"date__year": 2026, "kind": "workday"})
    assert response.status_code == 200
    assert [day.date for day in response.context["cl"].result_list] == [
        date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
        date(2026, 9, 20), date(2026, 10, 10),
    ]


dates_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
no_db_reset = settings(suppress_health_check=[HealthCheck.function_scoped_fixture],
                       deadline=None)


@no_db_reset
@given(start=dates_2026, n=st.integers(min_value=0, max_value=30))
def test_add_and_count_are_inverse(db, start, n):
    end = add_working_days(start, n)
    assert working_days_between(start, end) == n
    assert working_days_between(end, start) == -n
    if n > 0:
        assert is_working_day(end)


@no_db_reset
@given(start=dates_2026, length=st.integers(min_value=0, max_value=120))
def test_counting_by_weeks_agrees_with_counting_day_by_day(db, start, length):
    end = start + timedelta(days=length)
    calendar = WorkingDayCalendar(start, end)
    by_day = sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(1, length + 1))
    assert calendar.working_days_between(start, end) == by_day
