"""Safety records (DOMAIN §9.5): incidents with their workflow, emergency drills,
the monthly safety checks and hazards.

Every write here takes keyword arguments with an explicit actor, runs in one transaction,
refuses what the actor may not do (or what the rules forbid) with ``RecordError`` — a message
for the user, shared with the daily records (``supervision.services.daily``) — records one
AuditEvent, and notifies after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.models import Notification, User
from luhuituo.core.notify import notify_later as _notify_later
from registry.models import Centre
from registry.rules import centre_managers, responsible_regulators

from ..models import Drill, Hazard, Incident, SafetyCheck
from .daily import RecordError, _membership, _not_future, _require_manager

I = Incident.Status  # noqa: E741


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
