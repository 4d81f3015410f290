"""Each year's working-day calendar: 2025 and 2026 loaded from their State Council notices, the
support administrator's page to enter the next one, and the reminder until it is entered
(issue "Rules that can be dodged", item 6)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from luhuituo.core import calendar_years
from luhuituo.core.models import AuditEvent, CalendarDay, CalendarYear, Notification
from luhuituo.core.verbs import Verb
from luhuituo.core.workdays import WorkingDayCalendar, deadline
from tests.factories import RegulatorFactory, UserFactory

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
ENTER_URL = "/support/core/calendaryear/add/"
LIST_URL = "/support/core/calendaryear/"


def beijing(*args) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


# --- 2025 from 国办发明电〔2024〕12号 ------------------------------------------------------------


def test_2025_is_loaded_from_its_notice():
    days = CalendarDay.objects.filter(date__year=2025)
    holidays = set(days.filter(kind=CalendarDay.Kind.HOLIDAY).values_list("date", flat=True))
    assert holidays == {
        date(2025, 1, 1),
        date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30), date(2025, 1, 31),
        date(2025, 2, 3), date(2025, 2, 4),
        date(2025, 4, 4),
        date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 5),
        date(2025, 6, 2),
        date(2025, 10, 1), date(2025, 10, 2), date(2025, 10, 3), date(2025, 10, 6),
        date(2025, 10, 7), date(2025, 10, 8),
    }
    assert set(days.filter(kind=CalendarDay.Kind.WORKDAY).values_list("date", "name")) == {
        (date(2025, 1, 26), "春节"), (date(2025, 2, 8), "春节"), (date(2025, 4, 27), "劳动节"),
        (date(2025, 9, 28), "国庆节、中秋节"), (date(2025, 10, 11), "国庆节、中秋节"),
    }
    assert CalendarYear.objects.get(year=2025).notice == "国办发明电〔2024〕12号"
    assert CalendarYear.objects.get(year=2026).notice == "国办发明电〔2025〕7号"


def test_a_filing_before_national_day_2025_skips_the_eight_days_off():
    # Tuesday 30 September 2025; 1–8 October off, Saturday 11 October worked:
    # 9, 10, 11, 13, 14 October.
    assert deadline(beijing(2025, 9, 30, 10), 5) == datetime.combine(
        date(2025, 10, 14), datetime.max.time(), tzinfo=BEIJING)


def test_provisional_means_a_year_without_a_calendar_in_the_range():
    calendar = WorkingDayCalendar(date(2026, 12, 1), date(2027, 1, 31))
    assert not calendar.is_provisional(date(2026, 12, 1), date(2026, 12, 31))
    assert calendar.is_provisional(date(2026, 12, 20), date(2027, 1, 8))
    assert not WorkingDayCalendar(date(2025, 9, 1)).is_provisional(date(2025, 9, 30),
                                                                    date(2025, 10, 14))


# --- the reminder ---------------------------------------------------------------------------


@pytest.fixture
def support():
    return UserFactory(is_staff=True, is_superuser=True, name="平台支持")


def reminders(user):
    return Notification.objects.filter(recipient=user, url=ENTER_URL)


def test_support_is_reminded_daily_from_november_until_next_year_is_entered(support):
    regulator = RegulatorFactory()
    staff_without_the_right = UserFactory(is_staff=True)
    with time_machine.travel(beijing(2026, 10, 31, 9), tick=False):
        calendar_years.remind_missing_next_year()
    assert not reminders(support).exists()
    with time_machine.travel(beijing(2026, 11, 1, 9), tick=False):
        calendar_years.remind_missing_next_year()
        calendar_years.remind_missing_next_year()  # a second run the same day adds nothing
    assert reminders(support).count() == 1
    assert "2027" in reminders(support).get().title
    assert not Notification.objects.filter(recipient=regulator).exists()
    assert not Notification.objects.filter(recipient=staff_without_the_right).exists()
    with time_machine.travel(beijing(2026, 11, 2, 9), tick=False):
        calendar_years.remind_missing_next_year()
    assert reminders(support).count() == 2
    CalendarYear.objects.create(year=2027, notice="国办发明电〔2026〕1号")
    CalendarDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
    with time_machine.travel(beijing(2026, 11, 3, 9), tick=False):
        calendar_years.remind_missing_next_year()
    assert reminders(support).count() == 2


def test_the_reminder_is_a_daily_scheduled_task():
    entry = settings.CELERY_BEAT_SCHEDULE["core-calendar-reminder"]
    assert entry["task"] == "luhuituo.core.tasks.remind_missing_calendar"
    assert "core-calendar-reminder" in settings.CATCH_UP_ENTRIES


def test_the_task_runs_once_per_tick(support):
    from luhuituo.core.tasks import remind_missing_calendar

    with time_machine.travel(beijing(2026, 12, 3, 9, 30), tick=False):
        remind_missing_calendar()
        remind_missing_calendar()
    assert reminders(support).count() == 1


# --- the page ---------------------------------------------------------------------------------

GOOD_2027 = {
    "year": "2027",
    "notice": "国办发明电〔2026〕9号",
    "holidays": "元旦 2027-01-01\n春节 2027-02-06 至 2027-02-12\n劳动节 2027-05-03",
    "workdays": "春节 2027-02-13\n春节 2027-02-14",
}


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


def test_the_page_lists_loaded_years_with_their_notices(support_client):
    response = support_client.get(LIST_URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "国办发明电〔2024〕12号" in page and "国办发明电〔2025〕7号" in page


def test_entering_a_year_saves_its_days_and_an_audit_event(support_client, support):
    response = support_client.post(ENTER_URL, GOOD_2027)
    assert response.status_code == 302, response.content.decode()
    year = CalendarYear.objects.get(year=2027)
    assert year.notice == "国办发明电〔2026〕9号" and year.entered_by == support
    days = dict(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind"))
    # 6 Feb 2027 is a Saturday, 7th a Sunday: only the weekdays off are stored.
    assert days == {
        date(2027, 1, 1): "holiday", date(2027, 2, 8): "holiday", date(2027, 2, 9): "holiday",
        date(2027, 2, 10): "holiday", date(2027, 2, 11): "holiday",
        date(2027, 2, 12): "holiday", date(2027, 5, 3): "holiday",
        date(2027, 2, 13): "workday", date(2027, 2, 14): "workday",
    }
    event = AuditEvent.objects.get(verb=Verb.CALENDAR_YEAR_ENTERED)
    assert event.actor == support and event.details["notice"] == "国办发明电〔2026〕9号"
    assert event.details["holidays"] == 7 and event.details["workdays"] == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"year": "1999"}, "year"),
    ({"year": "abc"}, "year"),
    ({"year": "2026"}, "year"),  # already loaded
    ({"notice": ""}, "notice"),
    ({"notice": "国办发〔2026〕9号"}, "notice"),
    ({"notice": "国办发明电〔2020〕9号"}, "notice"),  # not the year before nor the year itself
    ({"holidays": ""}, "holidays"),
    ({"holidays": "元旦 2026-01-01"}, "holidays"),  # outside the year
    ({"holidays": "元旦 2027-02-30"}, "holidays"),  # no such day
    ({"holidays": "元旦"}, "holidays"),  # no date
    ({"holidays": "2027-01-01"}, "holidays"),  # no name
    ({"holidays": "元旦 2027-01-01\n元旦 2027-01-01"}, "holidays"),  # duplicate
    ({"holidays": "元旦 2027-01-02"}, "holidays"),  # a single day on a Saturday
    ({"holidays": "春节 2027-02-12 至 2027-02-06"}, "holidays"),  # backwards
    ({"holidays": "春节 2027-02-01 至 2027-03-31"}, "holidays"),  # far too long
    ({"workdays": "春节 2027-02-15"}, "workdays"),  # a Monday
    ({"workdays": "春节 2028-02-13"}, "workdays"),  # outside the year
    ({"workdays": "春节 2027-02-13 至 2027-02-14"}, "workdays"),  # one day a line
    ({"workdays": "春节 2027-02-13\n春节 2027-02-13"}, "workdays"),  # duplicate
    ({"holidays": "元旦 2027-01-01\n春节 2027-02-08 至 2027-02-12\n端午节 2027-02-13"},
     "holidays"),  # a Saturday named alone
])
def test_bad_input_is_refused_beside_the_field_and_saves_nothing(support_client, change, field):
    response = support_client.post(ENTER_URL, {**GOOD_2027, **change})
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not AuditEvent.objects.filter(verb=Verb.CALENDAR_YEAR_ENTERED).exists()


def test_a_make_up_day_inside_a_holiday_period_is_refused(support_client):
    response = support_client.post(ENTER_URL, {
        **GOOD_2027, "holidays": "春节 2027-02-06 至 2027-02-14", "workdays": "春节 2027-02-13"})
    assert response.context["form"].errors.get("workdays")
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_the_page_is_for_support_staff_only(client, personas):
    for name in ("city_regulator", "manager", "parent"):
        client.force_login(personas[name])
        assert client.get(ENTER_URL).status_code == 302
        assert client.post(ENTER_URL, GOOD_2027).status_code == 302
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_entering_a_year_twice_at_once_keeps_the_first(support):
    calendar_years.enter_year(year=2027, notice="国办发明电〔2026〕9号",
                              holidays=[(date(2027, 1, 1), "元旦")], workdays=[], by=support)
    with pytest.raises(calendar_years.CalendarError):
        calendar_years.enter_year(year=2027, notice="国办发明电〔2026〕9号",
                                  holidays=[(date(2027, 1, 1), "元旦")], workdays=[], by=support)
    assert CalendarDay.objects.filter(date__year=2027).count() == 1
