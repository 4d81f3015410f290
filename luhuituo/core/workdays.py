"""Working days (工作日) on the PRC calendar, for deadlines counted in working days.

A day is a working day from Monday to Friday unless ``CalendarDay`` says otherwise: a weekday
holiday is a day off, a weekend make-up day (调休上班日) is worked. The exceptions come from the
State Council's yearly holiday notice and are stored per year by an administrator.

Each module function reads the exceptions it needs with one query, for whole calendar years (a
year is a few dozen rows), so a year's rows also tell whether that year has been loaded at all.
A year with no row has not been loaded: it is counted Monday–Friday and a warning is logged,
or ``WorkingDayCalendarMissing`` is raised by a ``WorkingDayCalendar(strict=True)``; a deadline
that runs into such a year is shown as provisional (``is_provisional``). Years are entered with
their notice's number by the support administrator (``luhuituo.core.calendar_years``).

The module functions load a calendar per call. To compute many deadlines at once (a page of
filings), build one ``WorkingDayCalendar`` over the whole range and call its methods instead.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .models import CalendarDay

logger = logging.getLogger(__name__)

# Filing deadlines run on Beijing time whatever the server's or the user's time zone.
CHINA_TZ = ZoneInfo("Asia/Shanghai")


class WorkingDayCalendarMissing(UserWarning):
    """A year with no ``CalendarDay`` row: its State Council notice has not been loaded."""


def _horizon(start: date, n: int) -> date:
    """A day by which the n-th working day after ``start`` has surely come.

    The longest run of days off in any notice so far is 9 (春节 2026); two calendar days per
    working day plus three weeks covers that with room to spare.
    """
    return start + timedelta(days=2 * n + 21)


def _as_date(day: date) -> date:
    # A datetime is a date too, but would never match a stored date; refuse it rather than
    # silently answering for the wrong day.
    if isinstance(day, datetime):
        raise TypeError("Pass a date; for a moment in time use deadline().")
    return day


def _local_day(moment: datetime) -> date:
    """The Beijing date of an aware datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Pass an aware datetime.")
    return moment.astimezone(CHINA_TZ).date()


def _check_n(n: int) -> None:
    if n < 0:
        raise ValueError(f"The number of working days must be 0 or more, got {n}.")


class WorkingDayCalendar:
    """The exceptions of whole calendar years, read with one query, and arithmetic on them.

    ``first`` and ``last`` (default ``first``) choose the years loaded up front. A question
    about a day outside them loads the missing years with one more query, so answers are
    always right; loading the right range up front keeps it to one query.
    """

    def __init__(self, first: date, last: date | None = None, *, strict: bool = False) -> None:
        self.strict = strict
        self._kinds: dict[date, str] = {}
        self._loaded_years: set[int] = set()
        self._seeded_years: set[int] = set()
        self._warned_years: set[int] = set()
        first = _as_date(first)
        last = _as_date(last) if last is not None else first
        self._load(min(first, last).year, max(first, last).year)

    def _load(self, first_year: int, last_year: int) -> None:
        rows = CalendarDay.objects.filter(
            date__gte=date(first_year, 1, 1), date__lte=date(last_year, 12, 31)
        ).values_list("date", "kind")
        for day, kind in rows:
            self._kinds[day] = kind
            self._seeded_years.add(day.year)
        self._loaded_years.update(range(first_year, last_year + 1))

    def _load_year(self, year: int) -> None:
        if year not in self._loaded_years:
            loaded = sorted(self._loaded_years)
            if year > loaded[-1]:
                self._load(loaded[-1] + 1, year)
            else:
                self._load(year, loaded[0] - 1)

    def has_year(self, year: int) -> bool:
        """Whether ``year``'s notice has been loaded (the year has rows)."""
        self._load_year(year)
        return year in self._seeded_years

    def is_provisional(self, start: date, end: date) -> bool:
        """Whether a deadline counted from ``start`` to ``end`` is only provisional (暂定): a
        year between them has no calendar yet, so it was counted Monday to Friday."""
        start, end = sorted((_as_date(start), _as_date(end)))
        return not all(self.has_year(year) for year in range(start.year, end.year + 1))

    def _ensure_year(self, year: int) -> None:
        """Load ``year`` if needed, then warn (or raise) once if it has no rows at all."""
        self._load_year(year)
        if year in self._seeded_years or year in self._warned_years:
            return
        message = (
            f"No working-day calendar for {year}: counting Monday to Friday. Load the State "
            f"Council's {year} holiday notice in the support admin → calendar years → add."
        )
        if self.strict:
            raise WorkingDayCalendarMissing(message)
        self._warned_years.add(year)
        logger.warning(message)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is worked: Monday–Friday, unless the notice says otherwise."""
        day = _as_date(day)
        self._ensure_year(day.year)
        kind = self._kinds.get(day)
        if kind is None:
            return day.weekday() < 5
        return kind == CalendarDay.Kind.WORKDAY

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself never counts); 0 → ``start``.

        ``start`` may be any day, worked or not; the result is a working day whenever n > 0.
        """
        start = _as_date(start)
        _check_n(n)
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]; negative when ``end`` is before ``start``.

        The inverse of ``add_working_days``: ``working_days_between(d, add_working_days(d, n))``
        is n, and swapping the arguments changes only the sign.
        """
        start, end = _as_date(start), _as_date(end)
        if end < start:
            return -self.working_days_between(end, start)
        if end == start:
            return 0
        for year in range((start + timedelta(days=1)).year, end.year + 1):
            self._ensure_year(year)
        # Monday–Friday count by whole weeks, then correct it by the exceptions in the range.
        weeks, rest = divmod((end - start).days, 7)
        count = 5 * weeks + sum(
            (start + timedelta(days=i)).weekday() < 5 for i in range(1, rest + 1)
        )
        for day, kind in self._kinds.items():
            if start < day <= end:
                count += (kind == CalendarDay.Kind.WORKDAY) - (day.weekday() < 5)
        return count

    def deadline(self, submitted_at: datetime, n: int) -> datetime:
        """The last moment (23:59:59.999999 Beijing time) of the n-th working day after a
        submission at the aware datetime ``submitted_at``.

        The submission's day is its date in Beijing, so a submission late on a UTC evening may
        fall on the next day; n = 0 gives the end of the submission's own day.
        """
        last_day = self.add_working_days(_local_day(submitted_at), n)
        return datetime.combine(last_day, time.max, tzinfo=CHINA_TZ)


def has_year(year: int) -> bool:
    """Whether ``year``'s working-day calendar has been loaded."""
    return CalendarDay.objects.filter(date__year=year).exists()


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day."""
    return WorkingDayCalendar(day).is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start``, ``start`` not counted; n = 0 gives ``start``."""
    _check_n(n)
    return WorkingDayCalendar(start, _horizon(start, n)).add_working_days(start, n)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end], negative when ``end`` is before ``start``."""
    return WorkingDayCalendar(start, end).working_days_between(start, end)


def deadline(submitted_at: datetime, n: int) -> datetime:
    """End of the n-th working day after a submission at ``submitted_at``: an aware datetime
    at 23:59:59.999999 Asia/Shanghai."""
    _check_n(n)
    day = _local_day(submitted_at)
    return WorkingDayCalendar(day, _horizon(day, n)).deadline(submitted_at, n)
