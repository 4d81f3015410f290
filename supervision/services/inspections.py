"""Inspections (docs/rules/filing.md#supporting-workflows): the risk score that suggests whom to
visit first, and one function per transition. Rectification orders, which follow an inspection's
findings, are in ``supervision.services.rectification``.

Inspection: PLANNED → IN_PROGRESS → FINDINGS_ISSUED → CLOSED or RECTIFICATION_ORDERED (→ CLOSED
once every order is verified).

Every transition takes keyword arguments with an explicit actor (``by``), locks the row, refuses
an actor without the right with ``NotPermitted`` and an illegal transition with
``InspectionError`` (a message for the user), records an AuditEvent and notifies the other side
after the commit.

An unannounced inspection (双随机) must not warn the centre: while it is planned it is hidden
from centre accounts (``Inspection.objects.visible_to``) and nobody at the centre is notified.
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.audit import audit
from luhuituo.core.dates import day
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import Notification, User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require_status, transition
from registry.models import Centre
from registry.rules import centre_managers, require_decider

from ..models import (
    Alert,
    ChecklistItem,
    ChecklistTemplate,
    Complaint,
    Finding,
    Incident,
    Inspection,
    InspectionAnswer,
    RectificationOrder,
)
from ..rules import require_inspector

IS = Inspection.Status
# Findings of these severities must be rectified under an order before an inspection closes.
NEEDS_ORDER = {Finding.Severity.MAJOR, Finding.Severity.CRITICAL}


class InspectionError(DomainError):
    """An inspection or rectification step that is not allowed now, with the reason for the
    user."""


# --- the risk score ----------------------------------------------------------------------------

RISK_PARTS = ("alerts", "findings", "complaints", "incidents", "overdue_orders")


def _weighted(field: str, weights: dict[str, int]) -> Case:
    return Case(*(When(**{field: key}, then=Value(w)) for key, w in weights.items()),
                default=Value(0), output_field=IntegerField())


def _per_centre(queryset: QuerySet, centre_field: str, amount) -> Coalesce:
    """Sum of ``amount`` over ``queryset``'s rows of the outer centre, 0 when there are none:
    one correlated subquery, so the whole list is still one query."""
    rows = (queryset.filter(**{centre_field: OuterRef("pk")}).order_by()
            .values(centre_field).annotate(total=Sum(amount)).values("total")[:1])
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def with_risk(centres: QuerySet[Centre], *, today: date | None = None) -> QuerySet[Centre]:
    """``centres`` annotated with ``risk_score`` and its parts ``risk_alerts``,
    ``risk_findings``, ``risk_complaints``, ``risk_incidents``, ``risk_overdue_orders`` —
    weights from ``settings.RISK_WEIGHTS``, in the same single query however many centres."""
    weights = settings.RISK_WEIGHTS
    today = today or timezone.localdate()
    since = timezone.now() - relativedelta(months=settings.RISK_WINDOW_MONTHS)
    complaint_amount = Case(
        When(upheld=True, then=Value(weights["complaint_upheld"])),
        default=Value(weights["complaint"]), output_field=IntegerField())
    parts = {
        "risk_alerts": _per_centre(Alert.objects.open(), "centre",
                                   _weighted("severity", weights["alert"])),
        "risk_findings": _per_centre(Finding.objects.filter(created_at__gte=since),
                                     "inspection__centre",
                                     _weighted("severity", weights["finding"])),
        "risk_complaints": _per_centre(Complaint.objects.filter(received_at__gte=since),
                                       "centre", complaint_amount),
        "risk_incidents": _per_centre(Incident.objects.filter(occurred_at__gte=since), "centre",
                                      _weighted("severity", weights["incident"])),
        "risk_overdue_orders": _per_centre(RectificationOrder.objects.overdue(today), "centre",
                                           Value(weights["overdue_order"])),
    }
    centres = centres.annotate(**parts)
    total = sum((F(name) for name in parts), start=Value(0))
    return centres.annotate(risk_score=total)


def risk_scores(centres: QuerySet[Centre], *, today: date | None = None) -> dict[int, int]:
    """{centre id: risk score} for ``centres``, in one query."""
    return dict(with_risk(centres, today=today).values_list("pk", "risk_score"))


# --- who may see and act -------------------------------------------------------------------------


def _inspection_url(inspection: Inspection) -> str:
    return reverse("supervision:inspection-detail", args=[inspection.pk])


def _centre_inspections_url(inspection: Inspection) -> str:
    return reverse("supervision:centre-inspections", args=[inspection.centre_id])


# --- inspections ---------------------------------------------------------------------------------


def active_checklists() -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.filter(is_active=True)


@transaction.atomic
def plan_inspection(*, centre: Centre, by: User, kind: str, planned_on: date,
                    checklists, inspectors: str = "", lead: User | None = None,
                    today: date | None = None, request=None) -> Inspection:
    """Plan a visit to a centre in the regulator's scope, with checklists chosen from the
    active templates; the centre's risk score at this moment is kept with the plan. The centre
    is told, unless the visit is unannounced. ``lead`` (an inspector of the centre's district,
    a random draw's first inspector) leads it; by default the planner does. ``today`` is the
    day the plan is made (a back-dated random draw of the demo data); by default today."""
    require_decider(by, centre)
    lead = lead or by
    if lead != by:
        require_inspector(lead, centre)
    if kind not in Inspection.Kind.values:
        raise InspectionError(_("Choose the kind of inspection."))
    if planned_on < (today or timezone.localdate()):
        raise InspectionError(_("An inspection cannot be planned in the past."))
    checklists = list(checklists)
    if not checklists:
        raise InspectionError(_("Choose at least one checklist."))
    active = set(active_checklists().values_list("pk", flat=True))
    if any(c.pk not in active for c in checklists):
        raise InspectionError(_("A chosen checklist is no longer in use."))
    score = risk_scores(Centre.objects.filter(pk=centre.pk)).get(centre.pk, 0)
    inspection = Inspection.objects.create(
        centre=centre, kind=kind, planned_on=planned_on, lead=lead, inspectors=inspectors,
        risk_score=score)
    inspection.checklists.set(checklists)
    audit(Verb.INSPECTION_PLANNED, actor=by, target=inspection, request=request, kind=kind,
          planned_on=planned_on, risk_score=score,
          checklists=[c.code for c in checklists])
    if kind != Inspection.Kind.UNANNOUNCED:
        notify_later(centre_managers(centre),
                      _("Inspection planned for %(date)s: %(centre)s") % {
                          "date": day(planned_on), "centre": centre.name},
                      url=_centre_inspections_url(inspection))
    return inspection


@transaction.atomic
def start_inspection(*, inspection: Inspection, by: User, request=None) -> Inspection:
    """Planned → in progress: the inspectors are at the centre."""
    inspection = lock(inspection, "centre__region")
    require_inspector(by, inspection.centre)
    require_status(inspection, IS.PLANNED, error=InspectionError, action=gettext_lazy("started"))
    inspection.started_at = timezone.now()
    transition(inspection, IS.IN_PROGRESS, by=by, request=request, verb=Verb.INSPECTION_STARTED)
    notify_later(centre_managers(inspection.centre),
                  _("Inspection started: %(centre)s") % {"centre": inspection.centre.name},
                  url=_centre_inspections_url(inspection))
    return inspection


def checklist_items(inspection: Inspection) -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.filter(
        template__in=inspection.checklists.all()).select_related("template")


@transaction.atomic
def save_answers(*, inspection: Inspection, by: User, answers: dict[int, tuple[str, str]],
                 findings: dict[int, str] | None = None, request=None) -> list[Finding]:
    """Record the checklist: ``answers`` maps an item id to (pass/fail/na, note); ``findings``
    maps the id of a failed item to a severity, to record a finding for it (once per item).
    Returns the findings created."""
    inspection = lock(inspection, "centre__region")
    require_inspector(by, inspection.centre)
    require_status(inspection, IS.IN_PROGRESS,
                   error=InspectionError, action=gettext_lazy("changed"))
    findings = findings or {}
    items = {item.pk: item for item in checklist_items(inspection)}
    if set(answers) - set(items) or set(findings) - set(items):
        raise InspectionError(_("An answer is for an item that is not on this inspection's "
                                "checklists."))
    results = InspectionAnswer.Result.values
    if any(result not in results for result, _note in answers.values()):
        raise InspectionError(_("Choose conforms, does not conform or not applicable."))
    severities = Finding.Severity.values
    for item_id, severity in findings.items():
        if severity not in severities:
            raise InspectionError(_("Choose the finding's severity."))
        if answers.get(item_id, ("",))[0] != InspectionAnswer.Result.FAIL:
            raise InspectionError(_("Only an item that does not conform can become a "
                                    "finding."))
    existing = {a.item_id: a for a in inspection.answers.all()}
    to_create, to_update = [], []
    for item_id, (result, note) in answers.items():
        answer = existing.get(item_id)
        if answer is None:
            to_create.append(InspectionAnswer(inspection=inspection, item_id=item_id,
                                              result=result, note=note))
        elif (answer.result, answer.note) != (result, note):
            answer.result, answer.note = result, note
            to_update.append(answer)
    InspectionAnswer.objects.bulk_create(to_create)
    InspectionAnswer.objects.bulk_update(to_update, ["result", "note"])
    already = set(inspection.findings.filter(item_id__in=findings).values_list(
        "item_id", flat=True))
    created = [
        Finding.objects.create(
            inspection=inspection, item=items[item_id], severity=severity,
            description=answers[item_id][1].strip() or items[item_id].text)
        for item_id, severity in findings.items() if item_id not in already
    ]
    audit(Verb.INSPECTION_ANSWERS_SAVED, actor=by, target=inspection, request=request,
          answers=len(answers), failed=sum(r == "fail" for r, _n in answers.values()),
          findings=[f.pk for f in created])
    return created


@transaction.atomic
def add_finding(*, inspection: Inspection, by: User, severity: str, description: str,
                item: ChecklistItem | None = None, request=None) -> Finding:
    inspection = lock(inspection, "centre__region")
    require_inspector(by, inspection.centre)
    require_status(inspection, IS.IN_PROGRESS,
                   error=InspectionError, action=gettext_lazy("changed"))
    if severity not in Finding.Severity.values:
        raise InspectionError(_("Choose the finding's severity."))
    if not description.strip():
        raise InspectionError(_("Describe the finding."))
    if item is not None and not checklist_items(inspection).filter(pk=item.pk).exists():
        raise InspectionError(_("This item is not on this inspection's checklists."))
    finding = Finding.objects.create(inspection=inspection, item=item, severity=severity,
                                     description=description.strip())
    audit(Verb.FINDING_ADDED, actor=by, target=inspection, request=request, finding=finding.pk,
          severity=severity)
    return finding


@transaction.atomic
def issue_findings(*, inspection: Inspection, by: User, summary: str = "",
                   request=None) -> Inspection:
    """In progress → findings issued: the centre's managers can read the findings."""
    inspection = lock(inspection, "centre__region")
    require_inspector(by, inspection.centre)
    require_status(inspection, IS.IN_PROGRESS, error=InspectionError, action=gettext_lazy("issued"))
    inspection.finished_at = timezone.now()
    if summary.strip():
        inspection.summary = summary.strip()
    findings = inspection.findings.count()
    transition(inspection, IS.FINDINGS_ISSUED, by=by, request=request,
                verb=Verb.INSPECTION_FINDINGS_ISSUED, findings=findings)
    notify_later(centre_managers(inspection.centre),
                  _("Inspection findings issued: %(centre)s (%(n)d findings)") % {
                      "centre": inspection.centre.name, "n": findings},
                  url=_centre_inspections_url(inspection), body=inspection.summary,
                  level=Notification.Level.WARNING if findings else Notification.Level.INFO)
    return inspection


def unordered_serious_findings(inspection: Inspection) -> QuerySet[Finding]:
    """Major and critical findings that no rectification order covers yet."""
    return inspection.findings.filter(severity__in=NEEDS_ORDER, orders__isnull=True)


@transaction.atomic
def close_inspection(*, inspection: Inspection, by: User, note: str = "",
                     request=None) -> Inspection:
    """Findings issued → closed, when nothing needs a rectification order (no major or
    critical finding left without one); rectification ordered → closed once every order is
    verified."""
    inspection = lock(inspection, "centre__region")
    require_decider(by, inspection.centre)
    require_status(inspection, IS.FINDINGS_ISSUED, IS.RECTIFICATION_ORDERED,
                   error=InspectionError, action=gettext_lazy("closed"))
    if unordered_serious_findings(inspection).exists():
        raise InspectionError(_("Major or critical findings need a rectification order before "
                                "the inspection can be closed."))
    if inspection.orders.open().exists():
        raise InspectionError(_("A rectification order of this inspection is still open."))
    _close(inspection, by=by, request=request, note=note)
    return inspection


def _close(inspection: Inspection, *, by: User, request=None, note: str = "") -> None:
    inspection.closed_at = timezone.now()
    transition(inspection, IS.CLOSED, by=by, request=request, verb=Verb.INSPECTION_CLOSED,
                note=note)
    notify_later(centre_managers(inspection.centre),
                  _("Inspection closed: %(centre)s") % {"centre": inspection.centre.name},
                  url=_centre_inspections_url(inspection))
