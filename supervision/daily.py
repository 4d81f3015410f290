"""Daily and safety records (DOMAIN §2.4–§2.6, §9.5): a class's day (attendance, morning and
midday checks, staff on duty), incidents with their workflow, emergency drills, the monthly
safety checks and hazards.

Every write here takes keyword arguments with an explicit actor, runs in one transaction,
refuses what the actor may not do (or what the rules forbid) with ``RecordError`` — a message
for the user — records one AuditEvent, and notifies after the commit.

Edit window of a class's day: the day itself (``DAILY_RECORD_EDIT_DAYS = 0``); a centre
manager may also correct ``DAILY_RECORD_MANAGER_EDIT_DAYS`` earlier days (default 1, so a
mistake noticed the next morning can be fixed). Future days are never recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.models import Notification, User
from luhuituo.core.notify import notify_later as _notify_later
from registry.models import Centre, CentreMembership, ClassGroup, Staff
from registry.rules import centre_managers, responsible_regulators

from .models import (
    Attendance,
    Child,
    ClassDay,
    Drill,
    Enrolment,
    Hazard,
    Incident,
    SafetyCheck,
    SymptomGroup,
)

A = Attendance
I = Incident.Status  # noqa: E741

logger = logging.getLogger(__name__)


class RecordError(Exception):
    """Refused: the reason for the user, and (for a class's day) the problems per child."""

    def __init__(self, message: str, *, row_errors: dict[int, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.row_errors = row_errors or {}


# --- who may act -------------------------------------------------------------------------------


def _membership(user: User, centre: Centre) -> CentreMembership:
    """The actor's active membership of the centre, or RecordError."""
    membership = None
    if user is not None and user.is_authenticated:
        membership = CentreMembership.objects.active().filter(user=user, centre=centre).first()
    if membership is None:
        raise RecordError(_("Only the centre's own staff can record this."))
    return membership


def _require_manager(user: User, centre: Centre) -> None:
    if not _membership(user, centre).is_manager:
        raise RecordError(_("Only the centre's manager can do this."))


def _not_future(value: date | datetime | None, message: str) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        if value > timezone.now():
            raise RecordError(message)
    elif value > timezone.localdate():
        raise RecordError(message)


# --- a class's day -----------------------------------------------------------------------------


def children_in_class(class_group: ClassGroup, day: date) -> QuerySet[Child]:
    """Children placed in the class on ``day``: a placement runs from ``started_on`` up to
    (not including) ``ended_on``, so a child moved to another class on a day counts in the new
    class only."""
    placements = Enrolment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day),
        class_group=class_group, started_on__lte=day,
    ).values("child_id")
    return Child.objects.filter(pk__in=placements, centre_id=class_group.centre_id)


def edit_refusal(day: date, *, is_manager: bool, today: date | None = None) -> str | None:
    """Why the day cannot be recorded or changed now, or None when it can."""
    today = today or timezone.localdate()
    if day > today:
        return _("A day that has not come yet cannot be recorded.")
    allowed = settings.DAILY_RECORD_EDIT_DAYS
    if is_manager:
        allowed = max(allowed, settings.DAILY_RECORD_MANAGER_EDIT_DAYS)
    if (today - day).days > allowed:
        if allowed == 0:
            return _("Daily records can be changed only on the day itself.")
        return _("Daily records can be changed for %(days)d day(s) afterwards, by the "
                 "centre's manager.") % {"days": allowed}
    return None


def is_carer(staff: Staff) -> bool:
    return staff.role in settings.RATIO_CARER_ROLES


def ratio_summary(class_group: ClassGroup, *, present: int, carers: int) -> dict:
    """Children present, carers on duty and carers needed (设置标准 Art 20: the ratio is a
    floor, more carers are always allowed)."""
    needed = class_group.carers_needed(present)
    return {"present": present, "carers": carers, "needed": needed, "ratio": class_group.ratio,
            "short": carers < needed}


ROW_FIELDS = ("status", "absence_reason", "symptom_group", "morning_check", "midday_check",
              "note")


def clean_row(row: Mapping) -> tuple[dict, dict[str, str]]:
    """One child's day, normalised, and what is wrong with it (field → message).

    An absent child has no checks; a reason for absence is kept only for an absent child; a
    symptom group needs an ill child (absent for illness) or an abnormal check."""
    data = {name: str(row.get(name) or "").strip() for name in ROW_FIELDS}
    errors: dict[str, str] = {}
    if data["status"] not in A.Status.values:
        errors["status"] = _("Choose present, absent or left early.")
    if data["status"] == A.Status.ABSENT:
        data["morning_check"] = data["midday_check"] = ""
        if not data["absence_reason"]:
            errors["absence_reason"] = _("Give the reason for the absence.")
    else:
        data["absence_reason"] = ""
    if data["absence_reason"] and data["absence_reason"] not in A.AbsenceReason.values:
        errors["absence_reason"] = _("Choose a valid reason for the absence.")
    for check in ("morning_check", "midday_check"):
        if data[check] not in A.Check.values:
            errors[check] = _("Choose a valid check result.")
    if data["symptom_group"]:
        if data["symptom_group"] not in SymptomGroup.values:
            errors["symptom_group"] = _("Choose a valid symptom group.")
        elif not (data["absence_reason"] == A.AbsenceReason.SICK
                  or A.Check.ABNORMAL in (data["morning_check"], data["midday_check"])):
            errors["symptom_group"] = _("Symptoms are recorded only for a child who is absent "
                                        "because of illness or whose check was abnormal.")
    if len(data["note"]) > A._meta.get_field("note").max_length:
        errors["note"] = _("The note is too long (at most 200 characters).")
    return data, errors


@transaction.atomic
def save_class_day(class_group: ClassGroup, day: date, *, actor: User,
                   staff_ids: Iterable[int], rows: Iterable[Mapping],
                   request=None) -> ClassDay:
    """Record a class's day in one go: who was on duty and each child's attendance and checks.

    ``rows`` are dicts with ``child_id`` and the fields of ``ROW_FIELDS``. Only children placed
    in the class on that day; staff must be active staff of the class's centre. Saving again
    updates the same rows (an upsert on (class day, child)), never duplicates them. The number
    of queries does not depend on the number of children. Children without a row are left as
    they were."""
    centre = class_group.centre
    membership = _membership(actor, centre)
    refusal = edit_refusal(day, is_manager=membership.is_manager)
    if refusal:
        raise RecordError(refusal)

    enrolled = set(children_in_class(class_group, day).values_list("pk", flat=True))
    cleaned: dict[int, dict] = {}
    row_errors: dict[int, list[str]] = {}
    for row in rows:
        child_id = int(row["child_id"])
        data, field_errors = clean_row(row)
        errors = list(field_errors.values())
        if child_id not in enrolled:
            errors.insert(0, _("This child is not in the class on that day."))
        if child_id in cleaned:
            errors.insert(0, _("This child is listed twice."))
        if errors:
            row_errors[child_id] = errors
        cleaned[child_id] = data

    staff_ids = {int(pk) for pk in staff_ids}
    valid_staff = set(centre.staff.active().filter(pk__in=staff_ids)
                      .values_list("pk", flat=True)) if staff_ids else set()
    if row_errors:
        raise RecordError(_("Please correct the errors below."), row_errors=row_errors)
    if staff_ids - valid_staff:
        raise RecordError(_("Staff on duty must be current staff of this centre."))

    class_day, _created = ClassDay.objects.select_for_update().get_or_create(
        class_group=class_group, date=day)
    now = timezone.now()
    morning = any(r["morning_check"] for r in cleaned.values())
    midday = any(r["midday_check"] for r in cleaned.values())
    # The first recording time is kept: the morning-check deadline (A7) is about when it was
    # first done, not when it was last corrected.
    if morning and class_day.morning_check_at is None:
        class_day.morning_check_at = now
    if midday and class_day.midday_check_at is None:
        class_day.midday_check_at = now
    class_day.recorded_by = actor
    class_day.save(update_fields=["morning_check_at", "midday_check_at", "recorded_by",
                                  "updated_at"])
    class_day.staff_on_duty.set(valid_staff)
    if cleaned:
        Attendance.objects.bulk_create(
            [Attendance(class_day=class_day, child_id=child_id, **data)
             for child_id, data in cleaned.items()],
            update_conflicts=True, unique_fields=["class_day", "child"],
            update_fields=list(ROW_FIELDS),
        )
    counts = dict.fromkeys(A.Status.values, 0)
    for data in cleaned.values():
        counts[data["status"]] += 1
    audit("daily.class_day_saved", actor=actor, target=class_day, request=request,
          date=day, children=len(cleaned), staff=sorted(valid_staff), **counts)
    # Rules A1 (ratio) and A9 (cluster) are "realtime on attendance" (DOMAIN §8): the worker
    # re-runs them as soon as the day is saved, besides their hourly run.
    transaction.on_commit(_recheck_after_attendance)
    return class_day


def _recheck_after_attendance() -> None:
    from .tasks import run_checks

    try:
        run_checks.delay(rules=["A1", "A9"])
    except Exception:  # the hourly run catches up; a saved day never fails on the broker
        logger.warning("could not queue the attendance checks", exc_info=True)


def class_day_ratio(class_day: ClassDay | None, class_group: ClassGroup) -> dict:
    """The saved day's ratio (two queries)."""
    if class_day is None:
        return ratio_summary(class_group, present=0, carers=0)
    present = class_day.attendance.filter(
        status__in=[A.Status.PRESENT, A.Status.LEFT_EARLY]).count()
    carers = class_day.staff_on_duty.filter(role__in=settings.RATIO_CARER_ROLES).count()
    return ratio_summary(class_group, present=present, carers=carers)


# --- incidents (DOMAIN §9.5) -------------------------------------------------------------------

INCIDENT_FIELDS = ("child", "class_group", "occurred_at", "kind", "injury_type", "severity",
                   "notifiable_disease", "description", "action_taken")


def _incident_url(incident: Incident) -> str:
    return reverse("supervision:regulator-incident-detail", args=[incident.pk])


def _centre_incident_url(incident: Incident) -> str:
    return reverse("supervision:incident-detail", args=[incident.centre_id, incident.pk])


@transaction.atomic
def report_incident(*, centre: Centre, actor: User, data: Mapping, request=None) -> Incident:
    """Record an incident (REPORTED). One that must go to the authority — serious, suspected
    abuse, missing child, food safety, notifiable disease — notifies the district regulators at
    once (danger level); the centre's managers are told of every incident."""
    _membership(actor, centre)
    fields = {name: data.get(name) for name in INCIDENT_FIELDS if name in data}
    child, class_group = fields.get("child"), fields.get("class_group")
    if child is not None and child.centre_id != centre.pk:
        raise RecordError(_("This child is not at this centre."))
    if class_group is not None and class_group.centre_id != centre.pk:
        raise RecordError(_("This class is not at this centre."))
    _not_future(fields.get("occurred_at"), _("The incident cannot have happened in the "
                                             "future."))
    if fields.get("kind") != Incident.Kind.INJURY:
        fields["injury_type"] = ""
    if class_group is None and child is not None:
        placement = child.enrolments.filter(ended_on__isnull=True).select_related(
            "class_group").first()
        fields["class_group"] = placement.class_group if placement else None
    incident = Incident.objects.create(centre=centre, reported_by=actor, **fields)
    audit("incident.reported", actor=actor, target=incident, request=request,
          kind=incident.kind, severity=incident.severity,
          must_report=incident.must_report_to_authority)
    if incident.must_report_to_authority:
        _notify_later(
            responsible_regulators(centre),
            _("%(centre)s reported an incident: %(kind)s") % {
                "centre": centre.name, "kind": incident.get_kind_display()},
            body=incident.get_severity_display(), url=_incident_url(incident),
            level=Notification.Level.DANGER)
    _notify_later(
        [u for u in centre_managers(centre) if u.pk != actor.pk],
        _("Incident reported: %(kind)s") % {"kind": incident.get_kind_display()},
        url=_centre_incident_url(incident),
        level=Notification.Level.WARNING if incident.must_report_to_authority
        else Notification.Level.INFO)
    return incident


def _lock_incident(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("centre__region").get(
        pk=incident.pk)


def _require_status(incident: Incident, *allowed: str) -> None:
    if incident.status not in allowed:
        raise RecordError(_("This cannot be done to an incident that is “%(status)s”.") % {
            "status": incident.get_status_display()})


def _when(at: datetime | None, incident: Incident) -> datetime:
    at = at or timezone.now()
    _not_future(at, _("The time cannot be in the future."))
    if at < incident.occurred_at:
        raise RecordError(_("The time cannot be before the incident happened."))
    return at


def _move(incident: Incident, to: str, *, actor: User, verb: str, request=None,
          **details) -> Incident:
    previous = incident.status
    incident.status = to
    incident.save()
    audit(verb, actor=actor, target=incident, request=request,
          **{"from": previous, "to": to}, **details)
    return incident


@transaction.atomic
def mark_guardian_notified(*, incident: Incident, actor: User, at: datetime | None = None,
                           request=None) -> Incident:
    """REPORTED → GUARDIAN_NOTIFIED, with when the guardian was told."""
    incident = _lock_incident(incident)
    _membership(actor, incident.centre)
    _require_status(incident, I.REPORTED)
    incident.guardian_notified_at = _when(at, incident)
    return _move(incident, I.GUARDIAN_NOTIFIED, actor=actor, verb="incident.guardian_notified",
                 request=request, at=incident.guardian_notified_at)


@transaction.atomic
def mark_reported_to_authority(*, incident: Incident, actor: User,
                               at: datetime | None = None, request=None) -> Incident:
    """GUARDIAN_NOTIFIED → AUTHORITY_REPORTED, with when the report was made; the district
    regulators are told."""
    incident = _lock_incident(incident)
    _membership(actor, incident.centre)
    _require_status(incident, I.GUARDIAN_NOTIFIED)
    incident.reported_to_authority_at = _when(at, incident)
    _move(incident, I.AUTHORITY_REPORTED, actor=actor, verb="incident.authority_reported",
          request=request, at=incident.reported_to_authority_at)
    _notify_later(
        responsible_regulators(incident.centre),
        _("%(centre)s reported an incident to the authority: %(kind)s") % {
            "centre": incident.centre.name, "kind": incident.get_kind_display()},
        url=_incident_url(incident), level=Notification.Level.WARNING)
    return incident


@transaction.atomic
def start_investigation(*, incident: Incident, actor: User, request=None) -> Incident:
    """→ INVESTIGATING: after the authority report when one is required, else after the
    guardian was notified."""
    incident = _lock_incident(incident)
    _membership(actor, incident.centre)
    if incident.must_report_to_authority:
        if incident.status == I.GUARDIAN_NOTIFIED:
            raise RecordError(_("This incident must be reported to the authority before the "
                                "investigation starts."))
        _require_status(incident, I.AUTHORITY_REPORTED)
    else:
        _require_status(incident, I.GUARDIAN_NOTIFIED, I.AUTHORITY_REPORTED)
    return _move(incident, I.INVESTIGATING, actor=actor, verb="incident.investigation_started",
                 request=request)


@transaction.atomic
def close_incident(*, incident: Incident, actor: User, outcome: str,
                   request=None) -> Incident:
    """INVESTIGATING → CLOSED, by the centre's manager, with the outcome."""
    incident = _lock_incident(incident)
    _require_manager(actor, incident.centre)
    _require_status(incident, I.INVESTIGATING)
    outcome = (outcome or "").strip()
    if not outcome:
        raise RecordError(_("Describe the outcome before closing the incident."))
    incident.outcome = outcome
    incident.closed_at = timezone.now()
    _move(incident, I.CLOSED, actor=actor, verb="incident.closed", request=request)
    if incident.must_report_to_authority:
        _notify_later(
            responsible_regulators(incident.centre),
            _("%(centre)s closed an incident: %(kind)s") % {
                "centre": incident.centre.name, "kind": incident.get_kind_display()},
            url=_incident_url(incident))
    return incident


def next_incident_steps(incident: Incident) -> list[str]:
    """The transitions open to the centre now, in workflow order (for the buttons)."""
    status = incident.status
    if status == I.REPORTED:
        return ["guardian_notified"]
    if status == I.GUARDIAN_NOTIFIED:
        return (["authority_reported"] if incident.must_report_to_authority
                else ["authority_reported", "investigate"])
    if status == I.AUTHORITY_REPORTED:
        return ["investigate"]
    if status == I.INVESTIGATING:
        return ["close"]
    return []


# --- drills, monthly checks, hazards -----------------------------------------------------------


@transaction.atomic
def record_drill(*, centre: Centre, actor: User, data: Mapping, request=None) -> Drill:
    _membership(actor, centre)
    _not_future(data.get("held_on"), _("A drill cannot be recorded before it is held."))
    if (data.get("participants") or 0) < 0:
        raise RecordError(_("The number of participants cannot be negative."))
    drill = Drill.objects.create(
        centre=centre, recorded_by=actor, kind=data["kind"], held_on=data["held_on"],
        participants=data.get("participants") or 0, note=data.get("note", ""))
    audit("safety.drill_recorded", actor=actor, target=drill, request=request,
          kind=drill.kind, held_on=drill.held_on)
    return drill


@transaction.atomic
def record_safety_check(*, centre: Centre, actor: User, data: Mapping,
                        request=None) -> SafetyCheck:
    """A monthly facility or fire-equipment check (WS/T 821 9.3.1/9.3.2). Problems found must
    be described."""
    _membership(actor, centre)
    _not_future(data.get("checked_on"), _("A check cannot be recorded before it is done."))
    all_in_order = bool(data.get("all_in_order"))
    note = (data.get("note") or "").strip()
    if not all_in_order and not note:
        raise RecordError(_("Describe the problems found."))
    check = SafetyCheck.objects.create(
        centre=centre, recorded_by=actor, kind=data["kind"], checked_on=data["checked_on"],
        inspector_name=data["inspector_name"], all_in_order=all_in_order, note=note)
    audit("safety.check_recorded", actor=actor, target=check, request=request,
          kind=check.kind, checked_on=check.checked_on, all_in_order=all_in_order)
    return check


@transaction.atomic
def report_hazard(*, centre: Centre, actor: User, data: Mapping, request=None) -> Hazard:
    _membership(actor, centre)
    found_on = data["found_on"]
    _not_future(found_on, _("A hazard cannot be found in the future."))
    if data["deadline"] < found_on:
        raise RecordError(_("The deadline cannot be before the hazard was found."))
    hazard = Hazard.objects.create(
        centre=centre, recorded_by=actor, found_on=found_on, location=data["location"],
        description=data["description"], deadline=data["deadline"])
    audit("safety.hazard_reported", actor=actor, target=hazard, request=request,
          deadline=hazard.deadline)
    return hazard


@transaction.atomic
def fix_hazard(*, hazard: Hazard, actor: User, fixed_on: date, fix_note: str,
               request=None) -> Hazard:
    """OPEN → FIXED, with when and how."""
    hazard = Hazard.objects.select_for_update().select_related("centre").get(pk=hazard.pk)
    _membership(actor, hazard.centre)
    if hazard.status != Hazard.Status.OPEN:
        raise RecordError(_("This hazard is already fixed."))
    _not_future(fixed_on, _("The fix cannot be recorded before it is done."))
    if fixed_on < hazard.found_on:
        raise RecordError(_("A hazard cannot be fixed before it was found."))
    fix_note = (fix_note or "").strip()
    if not fix_note:
        raise RecordError(_("Describe how the hazard was fixed."))
    hazard.status = Hazard.Status.FIXED
    hazard.fixed_on = fixed_on
    hazard.fix_note = fix_note
    hazard.save(update_fields=["status", "fixed_on", "fix_note"])
    audit("safety.hazard_fixed", actor=actor, target=hazard, request=request,
          fixed_on=fixed_on, late=fixed_on > hazard.deadline)
    return hazard


def hazard_is_overdue(hazard: Hazard, today: date | None = None) -> bool:
    return hazard.status == Hazard.Status.OPEN and hazard.deadline < (
        today or timezone.localdate())


def drill_due(last_held_on: date | None, today: date | None = None) -> bool:
    """No drill within ``DRILL_INTERVAL_DAYS`` (rule A22)."""
    today = today or timezone.localdate()
    return last_held_on is None or last_held_on < today - timedelta(
        days=settings.DRILL_INTERVAL_DAYS)
