"""Complaints (投诉): intake, triage and assignment, answer, closing, and the link to an
inspection. RECEIVED → ASSIGNED → ANSWERED → CLOSED.

Regulators receive complaints by phone, letter, the 12345 hotline or in person; the parent portal
files its own through the same ``receive_complaint`` (``parent=`` the account, no ``received_by``).
A complaint is the bureau's business: centres do not see complaints or who made them.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.audit import audit
from luhuituo.core.models import Notification, User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require, require_status, transition
from registry.models import Centre
from registry.rules import can_decide, require_decider, responsible_regulators

from ..models import Complaint, Inspection
from .inspections import InspectionError, plan_inspection

CS = Complaint.Status


class ComplaintError(InspectionError):
    """A complaint transition that is not allowed now, with the reason for the user."""


def _url(complaint: Complaint) -> str:
    return reverse("supervision:complaint-detail", args=[complaint.pk])


def _parent_url(complaint: Complaint) -> str:
    """The parent's own page of the complaint, in the parent portal — named, not imported (the
    portal is a higher layer); "" when the portal is not installed."""
    try:
        return reverse("parents:complaint-detail", args=[complaint.pk])
    except NoReverseMatch:
        return ""


def due_date(received_on: date) -> date:
    return received_on + timedelta(days=settings.COMPLAINT_SLA_DAYS)


@transaction.atomic
def receive_complaint(*, centre: Centre, by: User, channel: str, category: str, summary: str,
                      details: str, priority: str = Complaint.Priority.NORMAL,
                      complainant_name: str = "", complainant_phone: str = "",
                      received_at=None, request=None) -> Complaint:
    """Record a complaint about ``centre``: received by a regulator in scope, or filed by a
    parent through the portal (``by``). It is due ``COMPLAINT_SLA_DAYS`` after the day it was
    received; the district's regulators are told."""
    parent = by if by.is_authenticated and by.is_parent else None
    if parent is None:
        require(by.is_authenticated and by.is_regulator,
                _("A complaint is received by the health bureau or filed by a parent."))
        require_decider(by, centre)
    received_by = None if parent is not None else by
    if channel not in Complaint.Channel.values or category not in Complaint.Category.values \
            or priority not in Complaint.Priority.values:
        raise ComplaintError(_("Choose the channel, category and priority."))
    if not summary.strip() or not details.strip():
        raise ComplaintError(_("Write what the complaint is about."))
    received_at = received_at or timezone.now()
    complaint = Complaint.objects.create(
        centre=centre, channel=channel, category=category, priority=priority,
        received_at=received_at, summary=summary.strip(), details=details.strip(),
        complainant_name=complainant_name.strip(), complainant_phone=complainant_phone.strip(),
        parent=parent, created_by=received_by or parent,
        due_on=due_date(timezone.localdate(received_at)))
    audit(Verb.COMPLAINT_RECEIVED, actor=by, target=complaint, request=request,
          channel=channel, category=category, priority=priority, due_on=complaint.due_on)
    others = [u for u in responsible_regulators(centre) if u != received_by]
    notify_later(others, _("New complaint about %(centre)s: %(summary)s") % {
        "centre": centre.name, "summary": complaint.summary}, url=_url(complaint),
        level=Notification.Level.WARNING if priority == Complaint.Priority.URGENT
        else Notification.Level.INFO)
    return complaint


def can_handle(user: User, complaint: Complaint) -> bool:
    return can_decide(user, complaint.centre)


@transaction.atomic
def assign_complaint(*, complaint: Complaint, by: User, assignee: User, priority: str = "",
                     request=None) -> Complaint:
    """Triage: who handles it (a regulator of the bureau responsible for the centre), and the
    priority. Received or assigned → assigned."""
    complaint = lock(complaint, "centre__region")
    require_decider(by, complaint.centre)
    require_status(complaint, CS.RECEIVED, CS.ASSIGNED,
                   error=ComplaintError, action=gettext_lazy("assigned"))
    if not can_decide(assignee, complaint.centre):
        raise ComplaintError(_("Assign the complaint to a regulator responsible for this "
                               "centre."))
    if priority:
        if priority not in Complaint.Priority.values:
            raise ComplaintError(_("Choose the priority."))
        complaint.priority = priority
    complaint.assignee = assignee
    transition(complaint, CS.ASSIGNED, by=by, request=request, verb=Verb.COMPLAINT_ASSIGNED,
                assignee=assignee.pk, priority=complaint.priority)
    if assignee != by:
        notify_later([assignee], _("Complaint assigned to you: %(summary)s") % {
            "summary": complaint.summary}, url=_url(complaint))
    return complaint


@transaction.atomic
def answer_complaint(*, complaint: Complaint, by: User, outcome: str, upheld: bool,
                     request=None) -> Complaint:
    """Received or assigned → answered, with the outcome and whether it was upheld."""
    complaint = lock(complaint, "centre__region")
    require_decider(by, complaint.centre)
    require_status(complaint, CS.RECEIVED, CS.ASSIGNED,
                   error=ComplaintError, action=gettext_lazy("answered"))
    if not outcome.strip():
        raise ComplaintError(_("Write the outcome given to the complainant."))
    if upheld is None:
        raise ComplaintError(_("Say whether the complaint is upheld."))
    complaint.outcome = outcome.strip()
    complaint.upheld = upheld
    complaint.answered_at = timezone.now()
    complaint.assignee = complaint.assignee or by
    transition(complaint, CS.ANSWERED, by=by, request=request, verb=Verb.COMPLAINT_ANSWERED,
                upheld=upheld)
    if complaint.parent_id:
        notify_later([complaint.parent], _("Your complaint has been answered: %(summary)s") % {
            "summary": complaint.summary}, body=complaint.outcome,
            url=_parent_url(complaint))
    return complaint


@transaction.atomic
def close_complaint(*, complaint: Complaint, by: User, request=None) -> Complaint:
    """Answered → closed."""
    complaint = lock(complaint, "centre__region")
    require_decider(by, complaint.centre)
    require_status(complaint, CS.ANSWERED, error=ComplaintError, action=gettext_lazy("closed"))
    complaint.closed_at = timezone.now()
    transition(complaint, CS.CLOSED, by=by, request=request, verb=Verb.COMPLAINT_CLOSED)
    return complaint


@transaction.atomic
def link_inspection(*, complaint: Complaint, by: User, inspection: Inspection | None = None,
                    planned_on: date | None = None, checklists=(),
                    request=None) -> Inspection:
    """Link the complaint to an inspection of the same centre, or (no ``inspection``) plan a
    complaint inspection for ``planned_on`` with ``checklists`` and link that."""
    complaint = lock(complaint, "centre__region")
    require_decider(by, complaint.centre)
    require_status(complaint, CS.RECEIVED, CS.ASSIGNED, CS.ANSWERED, error=ComplaintError,
                   action=gettext_lazy("linked to an inspection"))
    if inspection is None:
        if planned_on is None:
            raise ComplaintError(_("Choose an inspection, or a date for a new one."))
        inspection = plan_inspection(centre=complaint.centre, by=by,
                                     kind=Inspection.Kind.COMPLAINT, planned_on=planned_on,
                                     checklists=checklists, request=request)
    elif inspection.centre_id != complaint.centre_id:
        raise ComplaintError(_("The inspection is not of the centre complained about."))
    complaint.inspection = inspection
    complaint.save(update_fields=["inspection"])
    audit(Verb.COMPLAINT_LINKED, actor=by, target=complaint, request=request,
          inspection=inspection.pk)
    return inspection
