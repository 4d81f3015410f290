"""Entering a year of the working-day calendar from the State Council's notice, and reminding
the support administrators until next year's is entered.

The notice (国务院办公厅关于…年部分节假日安排的通知) comes out in November or December. Until
it is entered, ``luhuituo.core.workdays`` counts that year Monday to Friday and every filing
deadline running into it is shown as provisional (暂定). From ``CALENDAR_REMINDER_MONTH`` on,
a daily scheduled check (``tasks.remind_missing_calendar``) tells every active support
administrator who may enter it once a day that next year is missing.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import audit
from .exceptions import DomainError
from .models import CalendarDay, CalendarYear, Notification, User
from .notify import notify
from .verbs import Verb
from .workdays import has_year

Day = tuple[date, str]  # a date and the holiday it belongs to

# The longest holiday period a notice has given is 9 days (春节 2026); a line spanning more
# than this is a typing mistake.
LONGEST_PERIOD_DAYS = 14
FIRST_YEAR, LAST_YEAR = 2000, 2100


# Sent inside the transaction that enters a year, with ``year``: apps whose stored deadlines
# were counted Monday to Friday for that year recount them (registry's filing deadlines).
year_entered = Signal()


class CalendarError(DomainError):
    """A year's calendar that cannot be saved, with the reason."""


def enter_url() -> str:
    return reverse("admin:core_calendaryear_add")


@transaction.atomic
def enter_year(*, year: int, notice: str, holidays: list[Day], workdays: list[Day], by: User,
               request=None) -> CalendarYear:
    """Save a year's notice and its exceptions at once, with an audit event. ``holidays`` are
    the weekdays off, ``workdays`` the weekend days worked (the form checks both)."""
    if not (by.is_staff and by.has_perm("core.add_calendaryear")):
        raise CalendarError(_("Only support administrators enter the working-day calendar."))
    if CalendarDay.objects.filter(date__year=year).exists() or \
            CalendarYear.objects.filter(year=year).exists():
        raise CalendarError(_("The calendar of %(year)d has already been entered.") % {
            "year": year}, field="year")
    try:
        with transaction.atomic():
            entry = CalendarYear.objects.create(year=year, notice=notice, entered_by=by)
            CalendarDay.objects.bulk_create(
                [CalendarDay(date=day, kind=CalendarDay.Kind.HOLIDAY, name=name)
                 for day, name in holidays]
                + [CalendarDay(date=day, kind=CalendarDay.Kind.WORKDAY, name=name)
                   for day, name in workdays])
    except IntegrityError:
        # Someone else entered the year at the same moment, or a day breaks the table's rule.
        raise CalendarError(_("The calendar of %(year)d could not be saved: it has just been "
                              "entered by someone else, or a day is not an exception.") % {
            "year": year}, field="year") from None
    audit(Verb.CALENDAR_YEAR_ENTERED, actor=by, target=entry, request=request,
          year=year, notice=notice, holidays=len(holidays), workdays=len(workdays))
    year_entered.send(sender=CalendarYear, year=year)
    return entry


def support_administrators():
    """Active support staff who may enter a year (superusers, or given the permission)."""
    return User.objects.with_perm(
        "core.add_calendaryear", backend="luhuituo.core.auth.UsernameOrMobileBackend",
    ).filter(is_staff=True)


def remind_missing_next_year() -> int:
    """From ``CALENDAR_REMINDER_MONTH`` on, tell each active support administrator once a day
    that next year's calendar is missing. Returns how many were told."""
    today = timezone.localdate()
    if today.month < settings.CALENDAR_REMINDER_MONTH:
        return 0
    year = today.year + 1
    if has_year(year):
        return 0
    url = enter_url()
    start = datetime.combine(today, time.min, tzinfo=timezone.get_current_timezone())
    told_today = Notification.objects.filter(url=url, created_at__gte=start,
                                             created_at__lt=start + timedelta(days=1))
    support = list(support_administrators().exclude(pk__in=told_today.values("recipient_id")))
    title = _("Enter the %(year)d working-day calendar") % {"year": year}
    body = _("The State Council's holiday notice for %(year)d has not been entered. Until it "
             "is, %(year)d is counted Monday to Friday and filing deadlines running into it "
             "are provisional.") % {"year": year}
    # Written at once (not after a commit): the next run's check for today's reminders must
    # see them.
    for user in support:
        notify(user, title, body=body, url=url, level=Notification.Level.WARNING)
    return len(support)


# --- the form ------------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_RANGE = re.compile(r"^\s*(?:~|～|至|到|—|–)\s*$")
_BRACKETS = str.maketrans({"[": "〔", "［": "〔", "(": "〔", "（": "〔", "【": "〔",
                           "]": "〕", "］": "〕", ")": "〕", "）": "〕", "】": "〕"})
_NOTICE = re.compile(r"^国办发明电〔(\d{4})〕(\d{1,3})号$")


def _parse_line(line: str, number: int) -> tuple[str, list[date]]:
    """``春节 2027-02-06 至 2027-02-12`` → ("春节", [two dates]); ``元旦 2027-01-01`` → one."""
    matches = list(_DATE.finditer(line))
    name = line[:matches[0].start()].strip() if matches else line.strip()
    if not matches:
        raise forms.ValidationError(_("Line %(n)d: no date (write it as 2027-01-01).") % {
            "n": number})
    if not name:
        raise forms.ValidationError(_("Line %(n)d: put the holiday's name before the date, "
                                      "e.g. 春节 2027-02-06.") % {"n": number})
    gaps = [line[a.end():b.start()] for a, b in pairwise(matches)]
    rest = line[matches[-1].end():].strip()
    if len(matches) > 2 or rest or any(not _RANGE.match(gap) for gap in gaps):
        raise forms.ValidationError(_(
            "Line %(n)d: write a name and one date, or a name and a first and last date "
            "joined by 至.") % {"n": number})
    days = []
    for match in matches:
        try:
            days.append(date(*map(int, match.groups())))
        except ValueError:
            raise forms.ValidationError(_("Line %(n)d: %(text)s is not a date.") % {
                "n": number, "text": match.group(0)}) from None
    return name[:50], days


def _lines(text: str):
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line


class CalendarYearForm(forms.Form):
    """A year's notice as the support administrator reads it: the notice's number, the holiday
    periods (weekends inside them are dropped: they are rest days anyway) and the make-up
    working days, one a line."""

    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=FIRST_YEAR,
                              max_value=LAST_YEAR)
    notice = forms.CharField(
        label=gettext_lazy("Notice number"), max_length=50,
        help_text=gettext_lazy("As printed on the notice, e.g. 国办发明电〔2025〕7号."))
    holidays = forms.CharField(
        label=gettext_lazy("Holidays"), widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("One holiday period a line: its name, then its first and last "
                               "day, e.g. “春节 2027-02-06 至 2027-02-12”; a single day: "
                               "“元旦 2027-01-01”."))
    workdays = forms.CharField(
        label=gettext_lazy("Make-up working days"), required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One weekend day worked a line, with the holiday it belongs "
                               "to, e.g. “春节 2027-02-13”."))

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if CalendarYear.objects.filter(year=year).exists() or has_year(year):
            raise forms.ValidationError(_(
                "The calendar of %(year)d has already been entered; correct single days in "
                "the working-day calendar list.") % {"year": year})
        return year

    def clean_notice(self) -> str:
        notice = "".join(self.cleaned_data["notice"].split()).translate(_BRACKETS)
        match = _NOTICE.match(notice)
        if not match:
            raise forms.ValidationError(_(
                "Write the notice's number as printed, e.g. 国办发明电〔2025〕7号."))
        year = self.cleaned_data.get("year")
        if year and int(match.group(1)) not in (year - 1, year):
            raise forms.ValidationError(_(
                "The notice for %(year)d is issued in %(before)d (or early %(year)d), not in "
                "%(issued)s.") % {"year": year, "before": year - 1, "issued": match.group(1)})
        return notice

    def _in_year(self, day: date, number: int) -> None:
        year = self.cleaned_data.get("year")
        if year and day.year != year:
            raise forms.ValidationError(_("Line %(n)d: %(date)s is not in %(year)d.") % {
                "n": number, "date": day.isoformat(), "year": year})

    def clean_holidays(self) -> list[Day]:
        days: dict[date, str] = {}
        errors = []
        for number, line in _lines(self.cleaned_data["holidays"]):
            try:
                name, period = _parse_line(line, number)
                first, last = period[0], period[-1]
                for day in period:
                    self._in_year(day, number)
                if last < first:
                    raise forms.ValidationError(_(
                        "Line %(n)d: the last day is before the first.") % {"n": number})
                if (last - first).days >= LONGEST_PERIOD_DAYS:
                    raise forms.ValidationError(_(
                        "Line %(n)d: %(days)d days is longer than any holiday period; check "
                        "the dates.") % {"n": number, "days": (last - first).days + 1})
                if len(period) == 1 and first.weekday() >= 5:
                    raise forms.ValidationError(_(
                        "Line %(n)d: %(date)s is a Saturday or Sunday, a rest day anyway; give "
                        "the whole period (first and last day), or list it as a make-up "
                        "working day if it is worked.") % {"n": number, "date": first.isoformat()})
                weekdays = [first + timedelta(days=i) for i in range((last - first).days + 1)]
                weekdays = [day for day in weekdays if day.weekday() < 5]
                if not weekdays:
                    raise forms.ValidationError(_(
                        "Line %(n)d: the period has no weekday, so nothing changes.") % {
                        "n": number})
                for day in weekdays:
                    if day in days:
                        raise forms.ValidationError(_(
                            "Line %(n)d: %(date)s is already listed.") % {
                            "n": number, "date": day.isoformat()})
                    days[day] = name
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        if not days:
            raise forms.ValidationError(_("List the notice's holidays."))
        return sorted(days.items())

    def clean_workdays(self) -> list[Day]:
        days: dict[date, str] = {}
        errors = []
        for number, line in _lines(self.cleaned_data["workdays"]):
            try:
                name, period = _parse_line(line, number)
                if len(period) != 1:
                    raise forms.ValidationError(_(
                        "Line %(n)d: one make-up working day a line.") % {"n": number})
                day = period[0]
                self._in_year(day, number)
                if day.weekday() < 5:
                    raise forms.ValidationError(_(
                        "Line %(n)d: %(date)s is a weekday, a working day anyway; make-up "
                        "working days fall on a Saturday or Sunday.") % {
                        "n": number, "date": day.isoformat()})
                if day in days:
                    raise forms.ValidationError(_("Line %(n)d: %(date)s is already listed.") % {
                        "n": number, "date": day.isoformat()})
                days[day] = name
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return sorted(days.items())

    def clean(self):
        data = super().clean()
        holidays, workdays = data.get("holidays"), data.get("workdays")
        if holidays and workdays:
            # A make-up day inside a holiday period is a contradiction.
            periods = [(first, last) for first, last in _periods(self.data.get("holidays", ""))]
            clash = [day for day, _name in workdays
                     if any(first <= day <= last for first, last in periods)]
            if clash:
                self.add_error("workdays", _(
                    "%(dates)s fall inside a holiday period.") % {
                    "dates": "、".join(day.isoformat() for day in clash)})
        return data


def _periods(text: str) -> list[tuple[date, date]]:
    periods = []
    for number, line in _lines(text):
        try:
            _name, days = _parse_line(line, number)
        except forms.ValidationError:
            continue
        periods.append((days[0], days[-1]))
    return periods
