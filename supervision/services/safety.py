"""Safety records (docs/rules/filing.md#supporting-workflows): incidents with their workflow,
emergency drills, the monthly safety checks and hazards.

Every write here takes keyword arguments with an explicit actor (``by``), runs in one
transaction, refuses an actor who may not do it with ``NotPermitted`` (``registry.rules``: a
403 in views) and what the rules forbid with ``RecordError`` — a message for the user, shared
with the daily records (``supervision.services.daily``) — records one AuditEvent, and notifies
after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.audit import audit
from luhuituo.core.models import Notification, User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require_status, transition
from registry.models import Centre
from registry.rules import (
    centre_managers,
    require_centre_manager,
    require_centre_member,
    responsible_regulators,
)

from ..models import Drill, Hazard, Incident, SafetyCheck
from .daily import RecordError, _not_future

I = Incident.Status  # noqa: E741


# --- incidents (docs/rules/filing.md#supporting-workflows) ----------------------------------------

INCIDENT_FIELDS = ("child", "class_group", "occurred_at", "kind", "injury_type", "severity",
                   "notifiable_disease", "description", "action_taken")


def _incident_url(incident: Incident) -> str:
    return reverse("supervision:regulator-incident-detail", args=[incident.pk])


def _centre_incident_url(incident: Incident) -> str:
    return reverse("supervision:incident-detail", args=[incident.centre_id, incident.pk])


@transaction.atomic
def report_incident(*, centre: Centre, by: User, data: Mapping, request=None) -> Incident:
    """Record an incident (REPORTED). One that must go to the authority — serious, suspected
    abuse, missing child, food safety, notifiable disease — notifies the district regulators at
    once (danger level); the centre's managers are told of every incident."""
    require_centre_member(by, centre)
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
    incident = Incident.objects.create(centre=centre, reported_by=by, **fields)
    audit(Verb.INCIDENT_REPORTED, actor=by, target=incident, request=request,
          kind=incident.kind, severity=incident.severity,
          must_report=incident.must_report_to_authority)
    if incident.must_report_to_authority:
        notify_later(
            responsible_regulators(centre),
            _("%(centre)s reported an incident: %(kind)s") % {
                "centre": centre.name, "kind": incident.get_kind_display()},
            body=incident.get_severity_display(), url=_incident_url(incident),
            level=Notification.Level.DANGER)
    notify_later(
        [u for u in centre_managers(centre) if u.pk != by.pk],
        _("Incident reported: %(kind)s") % {"kind": incident.get_kind_display()},
        url=_centre_incident_url(incident),
        level=Notification.Level.WARNING if incident.must_report_to_authority
        else Notification.Level.INFO)
    return incident


def _when(at: datetime | None, incident: Incident) -> datetime:
    at = at or timezone.now()
    _not_future(at, _("The time cannot be in the future."))
    if at < incident.occurred_at:
        raise RecordError(_("The time cannot be before the incident happened."))
    return at


@transaction.atomic
def mark_guardian_notified(*, incident: Incident, by: User, at: datetime | None = None,
                           request=None) -> Incident:
    """REPORTED → GUARDIAN_NOTIFIED, with when the guardian was told."""
    incident = lock(incident, "centre__region")
    require_centre_member(by, incident.centre)
    require_status(incident, I.REPORTED, error=RecordError,
                   action=gettext_lazy("marked as notified to the guardian"))
    incident.guardian_notified_at = _when(at, incident)
    transition(incident, I.GUARDIAN_NOTIFIED, by=by, verb=Verb.INCIDENT_GUARDIAN_NOTIFIED,
               request=request, at=incident.guardian_notified_at)
    return incident


@transaction.atomic
def mark_reported_to_authority(*, incident: Incident, by: User,
                               at: datetime | None = None, request=None) -> Incident:
    """GUARDIAN_NOTIFIED → AUTHORITY_REPORTED, with when the report was made; the district
    regulators are told."""
    incident = lock(incident, "centre__region")
    require_centre_member(by, incident.centre)
    require_status(incident, I.GUARDIAN_NOTIFIED, error=RecordError,
                   action=gettext_lazy("marked as reported to the authority"))
    incident.reported_to_authority_at = _when(at, incident)
    transition(incident, I.AUTHORITY_REPORTED, by=by, verb=Verb.INCIDENT_AUTHORITY_REPORTED,
               request=request, at=incident.reported_to_authority_at)
    notify_later(
        responsible_regulators(incident.centre),
        _("%(centre)s reported an incident to the authority: %(kind)s") % {
            "centre": incident.centre.name, "kind": incident.get_kind_display()},
        url=_incident_url(incident), level=Notification.Level.WARNING)
    return incident


@transaction.atomic
def start_investigation(*, incident: Incident, by: User, request=None) -> Incident:
    """→ INVESTIGATING: after the authority report when one is required, else after the
    guardian was notified."""
    incident = lock(incident, "centre__region")
    require_centre_member(by, incident.centre)
    investigated = gettext_lazy("investigated")
    if incident.must_report_to_authority:
        if incident.status == I.GUARDIAN_NOTIFIED:
            raise RecordError(_("This incident must be reported to the authority before the "
                                "investigation starts."))
        require_status(incident, I.AUTHORITY_REPORTED, error=RecordError, action=investigated)
    else:
        require_status(incident, I.GUARDIAN_NOTIFIED, I.AUTHORITY_REPORTED, error=RecordError,
                       action=investigated)
    transition(incident, I.INVESTIGATING, by=by, verb=Verb.INCIDENT_INVESTIGATION_STARTED,
               request=request)
    return incident


@transaction.atomic
def close_incident(*, incident: Incident, by: User, outcome: str,
                   request=None) -> Incident:
    """INVESTIGATING → CLOSED, by the centre's manager, with the outcome."""
    incident = lock(incident, "centre__region")
    require_centre_manager(by, incident.centre)
    require_status(incident, I.INVESTIGATING, error=RecordError, action=gettext_lazy("closed"))
    outcome = (outcome or "").strip()
    if not outcome:
        raise RecordError(_("Describe the outcome before closing the incident."))
    incident.outcome = outcome
    incident.closed_at = timezone.now()
    transition(incident, I.CLOSED, by=by, verb=Verb.INCIDENT_CLOSED, request=request)
    if incident.must_report_to_authority:
        notify_later(
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
def record_drill(*, centre: Centre, by: User, data: Mapping, request=None) -> Drill:
    require_centre_member(by, centre)
    _not_future(data.get("held_on"), _("A drill cannot be recorded before it is held."))
    if (data.get("participants") or 0) < 0:
        raise RecordError(_("The number of participants cannot be negative."))
    drill = Drill.objects.create(
        centre=centre, recorded_by=by, kind=data["kind"], held_on=data["held_on"],
        participants=data.get("participants") or 0, note=data.get("note", ""))
    audit(Verb.DRILL_RECORDED, actor=by, target=drill, request=request,
          kind=drill.kind, held_on=drill.held_on)
    return drill


@transaction.atomic
def record_safety_check(*, centre: Centre, by: User, data: Mapping,
                        request=None) -> SafetyCheck:
    """A monthly facility or fire-equipment check (WS/T 821 9.3.1/9.3.2). Problems found must
    be described."""
    require_centre_member(by, centre)
    _not_future(data.get("checked_on"), _("A check cannot be recorded before it is done."))
    all_in_order = bool(data.get("all_in_order"))
    note = (data.get("note") or "").strip()
    if not all_in_order and not note:
        raise RecordError(_("Describe the problems found."))
    check = SafetyCheck.objects.create(
        centre=centre, recorded_by=by, kind=data["kind"], checked_on=data["checked_on"],
        inspector_name=data["inspector_name"], all_in_order=all_in_order, note=note)
    audit(Verb.SAFETY_CHECK_RECORDED, actor=by, target=check, request=request,
          kind=check.kind, checked_on=check.checked_on, all_in_order=all_in_order)
    return check


@transaction.atomic
def report_hazard(*, centre: Centre, by: User, data: Mapping, request=None) -> Hazard:
    require_centre_member(by, centre)
    found_on = data["found_on"]
    _not_future(found_on, _("A hazard cannot be found in the future."))
    if data["deadline"] < found_on:
        raise RecordError(_("The deadline cannot be before the hazard was found."))
    hazard = Hazard.objects.create(
        centre=centre, recorded_by=by, found_on=found_on, location=data["location"],
        description=data["description"], deadline=data["deadline"])
    audit(Verb.HAZARD_REPORTED, actor=by, target=hazard, request=request,
          deadline=hazard.deadline)
    return hazard


@transaction.atomic
def fix_hazard(*, hazard: Hazard, by: User, fixed_on: date, fix_note: str,
               request=None) -> Hazard:
    """OPEN → FIXED, with when and how."""
    hazard = lock(hazard, "centre")
    require_centre_member(by, hazard.centre)
    if hazard.status != Hazard.Status.OPEN:
        raise RecordError(_("This hazard is already fixed."))
    _not_future(fixed_on, _("The fix cannot be recorded before it is done."))
    if fixed_on < hazard.found_on:
        raise RecordError(_("A hazard cannot be fixed before it was found."))
    fix_note = (fix_note or "").strip()
    if not fix_note:
        raise RecordError(_("Describe how the hazard was fixed."))
    hazard.fixed_on = fixed_on
    hazard.fix_note = fix_note
    transition(hazard, Hazard.Status.FIXED, by=by, verb=Verb.HAZARD_FIXED, request=request,
               update_fields=["fixed_on", "fix_note"], fixed_on=fixed_on,
               late=fixed_on > hazard.deadline)
    return hazard


def hazard_is_overdue(hazard: Hazard, today: date | None = None) -> bool:
    return hazard.status == Hazard.Status.OPEN and hazard.deadline < (
        today or timezone.localdate())


def drill_due(last_held_on: date | None, today: date | None = None) -> bool:
    """No drill within ``DRILL_INTERVAL_DAYS`` (rule A22)."""
    today = today or timezone.localdate()
    return last_held_on is None or last_held_on < today - timedelta(
        days=settings.DRILL_INTERVAL_DAYS)
