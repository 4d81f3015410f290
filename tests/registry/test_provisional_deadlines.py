"""A filing deadline that runs into a year whose working-day calendar has not been entered is
shown as provisional (暂定) wherever filings' deadlines are shown (issue "Rules that can be
dodged", item 6)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from luhuituo.core.models import CalendarDay
from registry.models import Filing

from .test_filing_pages import make_submitted

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
S = Filing.Status
MARK = re.compile(r'class="[^"]*\bprovisional\b')


@pytest.fixture
def across_new_year(district_regulator):
    """Two filings in 江阳区: one due before the new year, one due after it."""
    early, late = make_submitted(2)
    Filing.objects.filter(pk=early.pk).update(
        submitted_at=datetime(2026, 12, 14, 10, tzinfo=SHANGHAI),
        receipt_due=datetime(2026, 12, 21, 23, 59, tzinfo=SHANGHAI))
    Filing.objects.filter(pk=late.pk).update(
        submitted_at=datetime(2026, 12, 29, 10, tzinfo=SHANGHAI),
        receipt_due=datetime(2027, 1, 5, 23, 59, tzinfo=SHANGHAI))
    return early, late


def get(client_for, user, url):
    """The page on 30 December 2026 (logged in then: a session from today would be stale)."""
    with time_machine.travel(datetime(2026, 12, 30, 9, tzinfo=SHANGHAI), tick=False):
        return client_for(user).get(url)


def test_the_queue_marks_a_deadline_in_a_year_without_a_calendar(client_for, district_regulator,
                                                                 across_new_year):
    early, late = across_new_year
    response = get(client_for, district_regulator, reverse("registry:filing-queue"))
    flags = {row.centre_id: row.due_provisional for row in response.context["rows"]}
    assert flags == {early.centre_id: False, late.centre_id: True}
    assert len(MARK.findall(response.content.decode())) == 1


def test_the_review_page_marks_it_too(client_for, district_regulator, across_new_year):
    early, late = across_new_year
    def page(filing):
        url = reverse("registry:review", args=[filing.centre_id])
        return get(client_for, district_regulator, url).content.decode()

    assert MARK.search(page(late))
    assert not MARK.search(page(early))


def test_the_centres_filing_page_marks_it_too(client_for, across_new_year):
    from registry.models import CentreMembership

    _early, late = across_new_year
    manager = CentreMembership.objects.get(centre_id=late.centre_id).user
    page = get(client_for, manager, reverse("registry:filing-detail", args=[late.centre_id]))
    assert MARK.search(page.content.decode())


def test_once_the_year_is_entered_the_mark_goes(client_for, district_regulator, across_new_year):
    CalendarDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
    response = get(client_for, district_regulator, reverse("registry:filing-queue"))
    assert not any(row.due_provisional for row in response.context["rows"])
    assert not MARK.search(response.content.decode())


def test_entering_the_year_recounts_the_deadlines_that_ran_into_it(across_new_year):
    from luhuituo.core import calendar_years
    from tests.factories import UserFactory

    early, late = across_new_year
    support = UserFactory(is_staff=True, is_superuser=True)
    # Submitted Tuesday 29 December 2026. Counted Monday to Friday the 5th working day is
    # Tuesday 5 January; with 1–4 January off and Sunday 10 January worked (an invented
    # notice) it is 30, 31 December, 5, 6 and 7 January.
    calendar_years.enter_year(
        year=2027, notice="国办发明电〔2026〕9号", by=support,
        holidays=[(date(2027, 1, 1), "元旦"), (date(2027, 1, 4), "元旦")],
        workdays=[(date(2027, 1, 10), "元旦")])
    late.refresh_from_db()
    early.refresh_from_db()
    assert late.receipt_due.astimezone(SHANGHAI).date() == date(2027, 1, 7)
    assert early.receipt_due == datetime(2026, 12, 21, 23, 59, tzinfo=SHANGHAI)  # untouched
