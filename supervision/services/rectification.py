"""Rectification orders (整改通知书, docs/rules/filing.md#supporting-workflows): issued for an
inspection's findings or for a centre directly, one function per transition.

Rectification order: ISSUED → ACKNOWLEDGED → SUBMITTED → CLOSED, or back to ACKNOWLEDGED when
the regulator re-opens it. Closing the last open order of an inspection closes the inspection.

Every transition takes keyword arguments with an explicit actor (``by``), locks the row, refuses
an actor without the right with ``NotPermitted`` and an illegal transition with
``InspectionError`` (shared with ``supervision.services.inspections``, a message for the
user), records an AuditEvent and notifies the other side after the commit.
"""

from __future__ import annotations

import zlib
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.audit import audit
from luhuituo.core.dates import day
from luhuituo.core.models import Notification, User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require_status, transition
from registry.models import Centre
from registry.rules import (
    centre_managers,
    require_centre_manager,
    require_decider,
    responsible_regulators,
)

from ..models import Finding, Inspection, RectificationEvidence, RectificationOrder
from .inspections import IS, InspectionError, _close, unordered_serious_findings

OS = RectificationOrder.Status
SEVERITY_ORDER = [Finding.Severity.MINOR, Finding.Severity.MAJOR, Finding.Severity.CRITICAL]


# --- who may act ---------------------------------------------------------------------------------


def _order_url(order: RectificationOrder) -> str:
    return reverse("supervision:rectification-detail", args=[order.pk])


def _centre_order_url(order: RectificationOrder) -> str:
    return reverse("supervision:centre-rectification", args=[order.centre_id, order.pk])


# --- rectification orders ------------------------------------------------------------------------

# Key space of PostgreSQL advisory locks taken while numbering orders (any stable int32).
_NUMBER_LOCK = zlib.crc32(b"supervision.rectification_number") & 0x7FFFFFFF


def next_order_number(centre: Centre, year: int) -> str:
    """ZG-<district code>-<year>-<sequence per district and year>: ZG-510502-2026-0001.

    Concurrency-safe: a transaction-scoped advisory lock per district and year serialises the
    issuers of one district (others do not wait), and the unique constraint on ``number``
    backs it up. Call inside a transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                       [_NUMBER_LOCK, centre.region_id * 10000 + year])
    prefix = f"ZG-{centre.region.code}-{year}-"
    last = (RectificationOrder.objects.filter(number__startswith=prefix)
            .order_by("-number").values_list("number", flat=True).first())
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def default_deadline(findings, *, on: date | None = None) -> date:
    """Today plus ``RECTIFICATION_DAYS`` of the worst finding's severity."""
    on = on or timezone.localdate()
    severities = {f.severity for f in findings}
    worst = max(severities, key=SEVERITY_ORDER.index) if severities else None
    days = (settings.RECTIFICATION_DAYS[worst] if worst
            else settings.RECTIFICATION_DAYS_WITHOUT_FINDINGS)
    return on + timedelta(days=days)


@transaction.atomic
def issue_rectification_order(*, by: User, requirements: str, inspection: Inspection | None = None,
                              centre: Centre | None = None, findings=(),
                              deadline: date | None = None, request=None) -> RectificationOrder:
    """整改通知书 for an inspection's findings (the inspection becomes RECTIFICATION_ORDERED) or
    for a centre directly (after an alert, a complaint). The deadline defaults to
    ``RECTIFICATION_DAYS`` of the worst finding."""
    if inspection is not None:
        inspection = lock(inspection, "centre__region")
        centre = inspection.centre
    if centre is None:
        raise InspectionError(_("Say which centre the order is for."))
    require_decider(by, centre)
    if inspection is not None:
        require_status(inspection, IS.FINDINGS_ISSUED, IS.RECTIFICATION_ORDERED,
                       error=InspectionError,
                       action=gettext_lazy("followed by a rectification order"))
    findings = list(findings)
    if findings and (inspection is None
                     or any(f.inspection_id != inspection.pk for f in findings)):
        raise InspectionError(_("A chosen finding is not one of this inspection's findings."))
    if not requirements.strip():
        raise InspectionError(_("Write what must be rectified."))
    today = timezone.localdate()
    deadline = deadline or default_deadline(findings, on=today)
    if deadline < today:
        raise InspectionError(_("The deadline cannot be in the past."))
    order = RectificationOrder.objects.create(
        centre=centre, inspection=inspection, requirements=requirements.strip(),
        deadline=deadline, issued_by=by, number=next_order_number(centre, today.year))
    order.findings.set(findings)
    audit(Verb.RECTIFICATION_ORDER_ISSUED, actor=by, target=order, request=request,
          number=order.number, deadline=deadline, findings=[f.pk for f in findings],
          inspection=inspection.pk if inspection else None)
    if inspection is not None and inspection.status != IS.RECTIFICATION_ORDERED:
        transition(inspection, IS.RECTIFICATION_ORDERED, by=by, request=request,
                    verb=Verb.INSPECTION_RECTIFICATION_ORDERED, order=order.number)
    notify_later(centre_managers(centre),
                  _("Rectification order %(no)s: rectify by %(date)s") % {
                      "no": order.number, "date": day(deadline)},
                  url=_centre_order_url(order), body=order.requirements,
                  level=Notification.Level.DANGER)
    return order


@transaction.atomic
def acknowledge_order(*, order: RectificationOrder, by: User, request=None) -> RectificationOrder:
    """Issued → acknowledged: the centre's manager has read the order."""
    order = lock(order, "centre__region", "inspection")
    require_centre_manager(by, order.centre)
    require_status(order, OS.ISSUED, error=InspectionError, action=gettext_lazy("acknowledged"))
    order.acknowledged_at = timezone.now()
    transition(order, OS.ACKNOWLEDGED, by=by, request=request, verb=Verb.RECTIFICATION_ACKNOWLEDGED)
    notify_later(responsible_regulators(order.centre),
                  _("Rectification order %(no)s acknowledged by %(centre)s") % {
                      "no": order.number, "centre": order.centre.name},
                  url=_order_url(order))
    return order


@transaction.atomic
def submit_rectification(*, order: RectificationOrder, by: User, response: str,
                         files=(), request=None) -> RectificationOrder:
    """Acknowledged (or issued: answering acknowledges) → submitted, with what was done and
    evidence. ``files`` are (UploadedFile, luhuituo.core.uploads.CheckedUpload) pairs: the
    caller checks each upload's content first; the checked (cleaned) file is what is stored."""
    order = lock(order, "centre__region", "inspection")
    require_centre_manager(by, order.centre)
    require_status(order, OS.ISSUED, OS.ACKNOWLEDGED,
                   error=InspectionError, action=gettext_lazy("answered"))
    if not response.strip():
        raise InspectionError(_("Describe what has been rectified."))
    files = list(files)
    if not files and not order.evidence.exists():
        raise InspectionError(_("Attach at least one file as evidence (photo, receipt, "
                                "certificate)."))
    now = timezone.now()
    order.acknowledged_at = order.acknowledged_at or now
    order.response = response.strip()
    order.submitted_at = now
    for uploaded, checked in files:
        evidence = RectificationEvidence(
            order=order, original_name=uploaded.name[:200], content_type=checked.content_type,
            size=checked.size, uploaded_by=by)
        evidence.file.save(uploaded.name, checked.file, save=False)
        evidence.save()
    transition(order, OS.SUBMITTED, by=by, request=request, verb=Verb.RECTIFICATION_SUBMITTED,
                files=[uploaded.name for uploaded, _checked in files])
    notify_later(responsible_regulators(order.centre),
                  _("Rectification submitted for order %(no)s: %(centre)s") % {
                      "no": order.number, "centre": order.centre.name},
                  url=_order_url(order), body=order.response)
    return order


@transaction.atomic
def verify_order(*, order: RectificationOrder, by: User, close: bool, note: str = "",
                 deadline: date | None = None, request=None) -> RectificationOrder:
    """Submitted → closed (verified), or re-opened: back to acknowledged, counted, with the
    reason and optionally a new deadline. Closing the last open order of an inspection
    closes the inspection."""
    order = lock(order, "centre__region", "inspection")
    require_decider(by, order.centre)
    require_status(order, OS.SUBMITTED, error=InspectionError, action=gettext_lazy("verified"))
    now = timezone.now()
    order.verified_by = by
    order.verification_note = note.strip()
    if close:
        order.closed_at = now
        transition(order, OS.CLOSED, by=by, request=request, verb=Verb.RECTIFICATION_CLOSED,
                    note=note)
        notify_later(centre_managers(order.centre),
                      _("Rectification order %(no)s verified and closed") % {"no": order.number},
                      url=_centre_order_url(order), body=note)
        inspection = order.inspection
        if (inspection is not None and inspection.status == IS.RECTIFICATION_ORDERED
                and not inspection.orders.open().exists()
                and not unordered_serious_findings(inspection).exists()):
            _close(lock(inspection, "centre__region"), by=by, request=request,
                   note=_("Every rectification order is verified."))
        return order
    if not note.strip():
        raise InspectionError(_("Say why the rectification is not accepted."))
    if deadline is not None:
        if deadline < timezone.localdate():
            raise InspectionError(_("The deadline cannot be in the past."))
        order.deadline = deadline
    order.reopened_count += 1
    transition(order, OS.ACKNOWLEDGED, by=by, request=request, verb=Verb.RECTIFICATION_REOPENED,
                note=note, deadline=order.deadline, reopened=order.reopened_count)
    notify_later(centre_managers(order.centre),
                  _("Rectification order %(no)s re-opened: rectify by %(date)s") % {
                      "no": order.number, "date": day(order.deadline)},
                  url=_centre_order_url(order), body=note, level=Notification.Level.DANGER)
    return order


def orders_for_list(user) -> QuerySet[RectificationOrder]:
    """Orders the user may see, open ones first, overdue ones before them."""
    today = timezone.localdate()
    rank = Case(
        When(Q(status__in=[OS.ISSUED, OS.ACKNOWLEDGED], deadline__lt=today), then=Value(0)),
        When(status=OS.SUBMITTED, then=Value(1)),
        When(status__in=[OS.ISSUED, OS.ACKNOWLEDGED], then=Value(2)),
        default=Value(3), output_field=IntegerField())
    return (RectificationOrder.objects.visible_to(user)
            .annotate(rank=rank, evidence_count=Count("evidence"))
            .order_by("rank", "deadline", "-id"))
