"""A centre's daily records: today's classes at a glance, and one class's day on one screen.

The class-day sheet is one form with a row per child and the staff on duty, validated as a
whole and saved in one request through ``supervision.services.daily.save_class_day`` (a
bounded number of queries, whatever the class size). Days outside the edit window are shown
read-only. The sheet carries the version of the day it was opened on: when someone saved the
day meanwhile, the save is refused and the sheet comes back with what was typed, the message
(who, when, which children) and the values now stored beside each changed row.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from luhuituo.core.audit import log_access
from luhuituo.core.exceptions import Stale
from luhuituo.core.workdays import is_working_day
from registry.permissions import centre_member_required

from ..forms.daily import ClassDaySheet, DayForm
from ..models import Attendance, ClassDay
from ..services.daily import (
    RecordError,
    children_in_class,
    edit_refusal,
    ratio_summary,
    record_guardian_told,
    save_class_day,
)

ATTENDS = [Attendance.Status.PRESENT, Attendance.Status.LEFT_EARLY]


def _context(request: HttpRequest, **extra) -> dict:
    return {"centre": request.centre, "membership": request.membership, **extra}


@centre_member_required
@require_GET
def daily_today(request: HttpRequest, centre_id: int) -> HttpResponse:
    """Every class with the day's status: recorded or not, children present, carers on duty
    against carers needed (a warning when too few). ``?date=`` shows another day."""
    centre = request.centre
    today = timezone.localdate()
    day = DayForm(request.GET).value("date", today)
    if day > today:
        day = today
    classes = list(centre.classes.annotate(
        enrolled=Count("enrolments", filter=Q(enrolments__started_on__lte=day) & (
            Q(enrolments__ended_on__isnull=True) | Q(enrolments__ended_on__gt=day)),
            distinct=True),
    ).order_by("class_type", "name", "id"))
    days = {
        d.class_group_id: d for d in ClassDay.objects.filter(
            class_group__centre=centre, date=day,
        ).annotate(
            present=Count("attendance", filter=Q(attendance__status__in=ATTENDS),
                          distinct=True),
            recorded=Count("attendance", distinct=True),
            carers=Count("duty", filter=Q(
                duty__counts=True, duty__staff__role__in=settings.RATIO_CARER_ROLES),
                distinct=True),
            untold=Count("attendance", filter=Q(attendance__abnormal_at__isnull=False,
                                                attendance__guardian_told_at__isnull=True),
                         distinct=True),
        )
    }
    rows = []
    for class_group in classes:
        record = days.get(class_group.pk)
        rows.append({
            "class_group": class_group,
            "record": record,
            "ratio": ratio_summary(class_group, present=record.present if record else 0,
                                   carers=record.carers if record else 0),
            "url": reverse("supervision:class-day", args=[centre.pk, class_group.pk,
                                                          day.isoformat()]),
        })
    return render(request, "supervision/daily/today.html", _context(
        request, rows=rows, day=day, today=today, is_today=day == today,
        open_day=is_working_day(day),
        short_count=sum(1 for r in rows if r["record"] and r["ratio"]["short"]),
        missing_count=sum(1 for r in rows if r["record"] is None and r["class_group"].enrolled),
    ))


def _sheet_data(class_group, day: date):
    """Children of the day (placed in the class, plus any recorded who have since left it),
    the saved attendance by child, the class day and its staff on duty."""
    class_day = ClassDay.objects.filter(class_group=class_group, date=day).first()
    attendance = {}
    on_duty = []
    if class_day is not None:
        attendance = {a.child_id: a for a in class_day.attendance.select_related(
            "child", "guardian_told_by")}
        for duty in class_day.duty.select_related("staff").order_by(
                "staff__role", "staff__name", "staff_id"):
            duty.staff.counted = duty.counts  # False: counted in another class that day
            on_duty.append(duty.staff)
    children = list(children_in_class(class_group, day).order_by("name", "id"))
    listed = {c.pk for c in children}
    children += sorted((a.child for a in attendance.values() if a.child_id not in listed),
                       key=lambda c: (c.name, c.pk))
    return class_day, children, attendance, on_duty


def _live_ratio(request: HttpRequest, class_group, staff) -> dict:
    """The ratio from the form as it is being filled (htmx preview, nothing saved)."""
    present = sum(1 for key, value in request.POST.items()
                  if key.endswith("-status") and value in ATTENDS)
    chosen = set(request.POST.getlist("staff"))
    carers = sum(1 for s in staff
                 if str(s.pk) in chosen and s.role in settings.RATIO_CARER_ROLES)
    return ratio_summary(class_group, present=present, carers=carers)


@centre_member_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def class_day(request: HttpRequest, centre_id: int, class_id: int, day: date) -> HttpResponse:
    """One class's day: a row per child (attendance, reason, symptoms, morning and midday
    check, note) and the staff on duty, with the carer:child ratio as it stands."""
    centre = request.centre
    class_group = get_object_or_404(centre.classes.select_related("centre"), pk=class_id)
    refusal = edit_refusal(day, is_manager=request.membership.is_manager)
    staff = list(centre.staff.active().order_by("role", "name", "id"))
    template = "supervision/daily/class_day.html"

    if request.method == "POST" and request.htmx and request.POST.get("preview"):
        return render(request, template + "#ratio", _context(
            request, class_group=class_group, sheet=True,
            ratio=_live_ratio(request, class_group, staff)))

    class_day_record, children, attendance, on_duty = _sheet_data(class_group, day)
    status = 200
    if request.method == "POST":
        if refusal:
            messages.error(request, refusal)
            status = 403
            sheet = None
        else:
            sheet = ClassDaySheet(request.POST, children=children, staff=staff)
            if sheet.is_valid():
                # Not ``domain_errors``: the sheet is not one form, and a refusal carries the
                # problems of each child's row (``row_errors``) for the rows to show, or, when
                # someone saved the day after the sheet was opened, the rows that changed. A
                # wrong actor (NotPermitted, not a RecordError) goes through: a 403.
                try:
                    save_class_day(class_group, day, by=request.user,
                                   staff_ids=sheet.staff_form.staff_ids(),
                                   rows=sheet.row_data(), version=sheet.version,
                                   request=request)
                except Stale as error:
                    sheet.saved_meanwhile(error)
                except RecordError as error:
                    sheet.refused(error)
                else:
                    messages.success(request, _("%(class)s: the day is saved.") % {
                        "class": class_group.name})
                    url = reverse("supervision:class-day",
                                  args=[centre.pk, class_group.pk, day.isoformat()])
                    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
            status = 422
    else:
        sheet = None if refusal else ClassDaySheet(
            children=children, staff=staff, attendance=attendance,
            on_duty=[s.pk for s in on_duty],
            version=class_day_record.version if class_day_record else 0)
        log_access(request, class_day_record or class_group, reason="daily record sheet")

    if sheet is not None and request.method == "POST":
        ratio = _live_ratio(request, class_group, staff)
    else:
        # An editable sheet counts children not recorded yet as present: its default.
        statuses = [attendance[c.pk].status if c.pk in attendance
                    else (Attendance.Status.PRESENT if sheet else None) for c in children]
        ratio = ratio_summary(
            class_group, present=sum(1 for s in statuses if s in ATTENDS),
            carers=sum(1 for s in on_duty
                       if s.counted and s.role in settings.RATIO_CARER_ROLES))
    if request.htmx and request.method == "POST":
        template += "#sheet"
    return render(request, template, _context(
        request, class_group=class_group, day=day, today=timezone.localdate(),
        record=class_day_record, sheet=sheet, refusal=refusal, ratio=ratio,
        rows=[(child, attendance.get(child.pk)) for child in children], on_duty=on_duty,
        abnormal=_abnormal_rows(children, attendance),
        notify_hours=settings.HEALTH_NOTIFY_HOURS,
        previous_day=reverse("supervision:class-day", args=[
            centre.pk, class_group.pk, (day - timedelta(days=1)).isoformat()]),
        next_day=reverse("supervision:class-day", args=[
            centre.pk, class_group.pk, (day + timedelta(days=1)).isoformat()])
        if day < timezone.localdate() else None,
    ), status=status)


def _abnormal_rows(children, attendance: dict) -> list[Attendance]:
    """The day's rows with an abnormal check, in the sheet's order, each with ``late``: its
    guardian not told within ``HEALTH_NOTIFY_HOURS`` (rule A8)."""
    limit = timezone.now() - timedelta(hours=settings.HEALTH_NOTIFY_HOURS)
    rows = []
    for child in children:
        row = attendance.get(child.pk)
        if row is not None and row.abnormal and row.abnormal_at is not None:
            row.late = row.guardian_told_at is None and row.abnormal_at <= limit
            rows.append(row)
    return rows


@centre_member_required
@require_POST
def guardian_told(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    """A carer told a guardian of an abnormal check by phone or in person: record it (rule
    A8), then back to the class's day."""
    attendance = get_object_or_404(
        Attendance.objects.filter(class_day__in=ClassDay.objects.visible_to(request.user),
                                  class_day__class_group__centre=request.centre)
        .select_related("class_day__class_group__centre", "child"), pk=pk)
    try:
        record_guardian_told(attendance, by=request.user, request=request)
    except RecordError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Recorded: the guardian of %(child)s was told.") % {
            "child": attendance.child.name})
    day = attendance.class_day
    return redirect(reverse("supervision:class-day", args=[
        request.centre.pk, day.class_group_id, day.date.isoformat()]) + "#guardians-h")
