"""Credit records (信用档案, docs/rules/credit-records.md): the scan that turns supervision's
records into credit events, the grade of each centre, appeals and commendations.

``scan(today)`` is idempotent and set-based: per event type one query selects the source records
that have no event of that type yet and one insert adds them (the unique constraint on type and
source backs it up: a concurrent scan inserts nothing twice); then events past their end expire
and every centre's ``CreditRecord`` is brought up to date. The daily task
(``evaluation.tasks.scan_credit``) runs it; the demo runs it too.

Every workflow step takes its actor as ``by``, locks the row, refuses an actor without the right
with ``NotPermitted`` and a step that is not allowed now with ``CreditError`` (a message for the
user), records an AuditEvent and notifies the other side after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock
from registry.models import Centre
from registry.rules import (
    centre_managers,
    require_centre_member,
    require_decider,
    responsible_regulators,
)
from supervision.models import Alert, Complaint, Finding, Incident, Inspection, RectificationOrder

from ..models import (
    CreditAppeal,
    CreditEvent,
    CreditEventType,
    CreditGrade,
    CreditRecord,
    grade_for,
)
from . import ratings

ES = CreditEvent.Status
AS = CreditAppeal.Status
# Events that count towards the grade: an appeal does not suspend an event until it is upheld.
COUNTING = (ES.ACTIVE, ES.APPEALED)


class CreditError(DomainError):
    """A credit step that is not allowed now, with the reason for the user."""


# --- the scan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where the events of one type come from: the records that qualify (``records(now)``), the
    field naming their centre, and the day the event happened (an expression, or a function of
    the row when it needs arithmetic the database does not do more simply)."""

    model: type
    records: object  # Callable[[datetime], QuerySet]
    centre: str
    occurred: object  # an expression annotated as ``occurred``
    shift_days: int = 0


def _issued_findings(severity: str):
    def records(now: datetime) -> QuerySet:
        return Finding.objects.filter(severity=severity, inspection__status__in=[
            Inspection.Status.FINDINGS_ISSUED, Inspection.Status.RECTIFICATION_ORDERED,
            Inspection.Status.CLOSED])
    return records


def _late_incidents(now: datetime) -> QuerySet:
    """Incidents that had to be reported to the bureau (as alert A11 watches them) and were
    reported later than ``SERIOUS_INCIDENT_REPORT_HOURS`` after they happened, or not at all
    by now."""
    hours = timedelta(hours=settings.SERIOUS_INCIDENT_REPORT_HOURS)
    must_report = (Q(severity=Incident.Severity.SERIOUS)
                   | Q(kind__in=[Incident.Kind.MISSING, Incident.Kind.ABUSE]))
    late = (Q(reported_to_authority_at__gt=F("occurred_at") + hours)
            | Q(reported_to_authority_at__isnull=True, occurred_at__lte=now - hours))
    return Incident.objects.filter(must_report & late)


def _day(field: str):
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


SOURCES: dict[str, Source] = {
    "finding-minor": Source(Finding, _issued_findings(Finding.Severity.MINOR),
                            "inspection__centre",
                            Coalesce(_day("inspection__finished_at"), _day("created_at"))),
    "finding-major": Source(Finding, _issued_findings(Finding.Severity.MAJOR),
                            "inspection__centre",
                            Coalesce(_day("inspection__finished_at"), _day("created_at"))),
    "finding-critical": Source(Finding, _issued_findings(Finding.Severity.CRITICAL),
                               "inspection__centre",
                               Coalesce(_day("inspection__finished_at"), _day("created_at"))),
    "rectification-overdue": Source(
        RectificationOrder, lambda now: RectificationOrder.objects.overdue(timezone.localdate(now)),
        "centre", F("deadline"), shift_days=1),
    "complaint-upheld": Source(
        Complaint, lambda now: Complaint.objects.filter(upheld=True), "centre",
        Coalesce(_day("answered_at"), _day("received_at"))),
    "incident-serious": Source(
        Incident, lambda now: Incident.objects.filter(severity=Incident.Severity.SERIOUS),
        "centre", _day("occurred_at")),
    "incident-late-report": Source(Incident, _late_incidents, "centre", _day("occurred_at")),
    "unfiled-operation": Source(
        Alert, lambda now: Alert.objects.filter(rule="A36"), "centre", _day("first_seen")),
}


def scan(now: datetime | None = None) -> dict[str, int]:
    """Add the events supervision's records call for, expire the events past their end and
    recompute every centre's grade. Returns the number of events added per type code, and
    ``expired``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    added: dict[str, int] = {}
    types = {t.code: t for t in CreditEventType.objects.filter(active=True, code__in=SOURCES)}
    with transaction.atomic():
        for code, event_type in types.items():
            added[code] = _scan_type(event_type, SOURCES[code], now)
        expired = expire(today)
        # the nightly rating scan (evaluation.tasks.scan_ratings) follows and opens the reviews
        recompute(open_reviews=False)
    added["expired"] = expired
    return added


def _scan_type(event_type: CreditEventType, source: Source, now: datetime,
               only: Q | None = None) -> int:
    content_type = ContentType.objects.get_for_model(source.model)
    done = CreditEvent.objects.filter(type=event_type, source_type=content_type,
                                      source_id=OuterRef("pk"))
    records = source.records(now)
    if only is not None:
        records = records.filter(only)
    rows = (records.order_by().exclude(Exists(done))
            .annotate(occurred=source.occurred)
            .values_list("pk", source.centre, "occurred"))
    events = []
    for pk, centre_id, occurred in rows:
        occurred_on = occurred + timedelta(days=source.shift_days)
        events.append(CreditEvent(
            centre_id=centre_id, type=event_type, points=event_type.points,
            occurred_on=occurred_on, expires_on=event_type.expiry(occurred_on),
            source_type=content_type, source_id=pk,
            status=ES.EXPIRED if event_type.expiry(occurred_on) <= timezone.localdate(now)
            else ES.ACTIVE))
    created = CreditEvent.objects.bulk_create(events, ignore_conflicts=True)
    return len(created)


def scan_on_the_spot(model: type, only: Q, centre_id: int) -> int:
    """The scan of the types whose source is ``model``, limited to the records ``only``
    selects, and the grade of their centre: what the hooks (``evaluation.signals``) run when a
    complaint is found true or an inspection's findings are issued, so the record does not wait
    for the night. Returns the number of events added."""
    codes = [code for code, source in SOURCES.items() if source.model is model]
    added = 0
    with transaction.atomic():
        for event_type in CreditEventType.objects.filter(active=True, code__in=codes):
            added += _scan_type(event_type, SOURCES[event_type.code], timezone.now(), only)
        if added:
            recompute([centre_id])
    return added


def expire(today: date | None = None) -> int:
    """Active events whose end has come stop counting. Returns how many."""
    today = today or timezone.localdate()
    return CreditEvent.objects.filter(status=ES.ACTIVE, expires_on__lte=today).update(
        status=ES.EXPIRED)


def recompute(centre_ids=None, *, open_reviews: bool = True) -> int:
    """Bring the ``CreditRecord`` of the given centres (all, by default) up to date: the sum of
    their counting events' points and its grade. Two queries whatever the number of centres,
    plus one write of the records that changed. With ``open_reviews``, a grade that fell to
    ``RATING_REVIEW_CREDIT_GRADE`` or below opens the downgrade review of the centre's star
    rating at once (``ratings.scan_triggers``, a few queries whatever the number of centres);
    the nightly ``scan`` leaves that to the rating scan that follows it. Returns how many
    changed."""
    centres = Centre.objects.all()
    if centre_ids is not None:
        centres = centres.filter(pk__in=list(centre_ids))
    totals = centres.order_by().annotate(total=Coalesce(Sum(
        "credit_events__points", filter=Q(credit_events__status__in=COUNTING)), 0)
    ).values_list("pk", "total")
    current = {r.centre_id: r for r in CreditRecord.objects.filter(centre__in=centres)}
    now = timezone.now()
    changed = []
    for centre_id, total in totals:
        grade = grade_for(total)
        record = current.get(centre_id)
        if record is None or record.points != total or record.grade != grade:
            changed.append(CreditRecord(centre_id=centre_id, points=total, grade=grade,
                                        updated_at=now))
    CreditRecord.objects.bulk_create(changed, update_conflicts=True, unique_fields=["centre"],
                                     update_fields=["points", "grade", "updated_at"])
    # A grade changed to the review threshold or below opens a downgrade review of the centre's
    # rating now (no query when none did).
    grades = list(CreditGrade.values)  # best first
    threshold = settings.RATING_REVIEW_CREDIT_GRADE
    low = set(grades[grades.index(threshold):]) if threshold in grades else set()
    fallen = [record.centre_id for record in changed if record.grade in low]
    if open_reviews and fallen:
        ratings.scan_triggers(centre_ids=fallen)
    return len(changed)


# --- pages -------------------------------------------------------------------------------------


def centre_credit_url(centre_id: int) -> str:
    return reverse("evaluation:centre-credit", args=[centre_id])


def regulator_credit_url(centre_id: int) -> str:
    return reverse("evaluation:regulator-centre-credit", args=[centre_id])


# --- appeals -----------------------------------------------------------------------------------


def appeal(*, event: CreditEvent, by, reason: str, request=None) -> CreditAppeal:
    """The centre appeals against one of its events, once."""
    require_centre_member(by, event.centre)
    reason = (reason or "").strip()
    if not reason:
        raise CreditError(_("Give the reason for the appeal."), field="reason")
    with transaction.atomic():
        event = lock(event, "centre__region", "type")
        if CreditAppeal.objects.filter(event=event).exists():
            raise CreditError(_("This event has already been appealed; an event can be appealed "
                                "once."))
        if event.status != ES.ACTIVE:
            raise CreditError(_("Only an event that counts can be appealed; this one is "
                                "“%(status)s”.") % {"status": event.get_status_display()})
        record = CreditAppeal.objects.create(event=event, reason=reason, appealed_by=by)
        event.status = ES.APPEALED
        event.save(update_fields=["status"])
        audit(Verb.CREDIT_APPEALED, actor=by, target=event, request=request,
              appeal=record.pk, type=event.type.code)
        notify_later(responsible_regulators(event.centre),
                     _("%(centre)s appealed a credit event") % {"centre": event.centre.name},
                     url=reverse("evaluation:credit-appeal-decide", args=[record.pk]),
                     body=reason)
    return record


def decide(*, appeal: CreditAppeal, by, upheld: bool, reason: str, request=None) -> CreditAppeal:
    """The district decides an appeal: upheld withdraws the event (the grade is recomputed),
    rejected lets it count again."""
    centre = appeal.event.centre
    require_decider(by, centre)
    reason = (reason or "").strip()
    if not reason:
        raise CreditError(_("Give the reason for the decision."), field="reason")
    with transaction.atomic():
        appeal = lock(appeal)
        if appeal.status != AS.PENDING:
            raise CreditError(_("This appeal has already been decided."))
        event = lock(appeal.event, "centre", "type")
        appeal.status = AS.UPHELD if upheld else AS.REJECTED
        appeal.decision_reason, appeal.decided_by, appeal.decided_at = reason, by, timezone.now()
        appeal.save(update_fields=["status", "decision_reason", "decided_by", "decided_at"])
        if upheld:
            event.status = ES.WITHDRAWN
        else:
            event.status = ES.EXPIRED if event.expires_on <= timezone.localdate() else ES.ACTIVE
        event.save(update_fields=["status"])
        recompute([centre.pk])
        audit(Verb.CREDIT_APPEAL_UPHELD if upheld else Verb.CREDIT_APPEAL_REJECTED, actor=by,
              target=event, request=request, appeal=appeal.pk, reason=reason)
        title = (_("Your credit appeal was upheld: the event is withdrawn") if upheld
                 else _("Your credit appeal was rejected"))
        notify_later(centre_managers(centre), title, url=centre_credit_url(centre.pk),
                     body=reason)
    return appeal


# --- commendations -----------------------------------------------------------------------------


def commend(*, centre: Centre, by, event_type: CreditEventType, occurred_on: date, note: str,
            request=None) -> CreditEvent:
    """A regulator enters a commendation (or another event of a regulator-entered type)."""
    require_decider(by, centre)
    if event_type.source != CreditEventType.Source.REGULATOR or not event_type.active:
        raise CreditError(_("Choose a type that regulators enter."), field="type")
    if occurred_on > timezone.localdate():
        raise CreditError(_("The date cannot be in the future."), field="occurred_on")
    with transaction.atomic():
        expires_on = event_type.expiry(occurred_on)
        event = CreditEvent.objects.create(
            centre=centre, type=event_type, points=event_type.points, occurred_on=occurred_on,
            expires_on=expires_on, note=note.strip(), created_by=by,
            status=ES.EXPIRED if expires_on <= timezone.localdate() else ES.ACTIVE)
        recompute([centre.pk])
        audit(Verb.CREDIT_COMMENDED, actor=by, target=event, request=request,
              type=event_type.code, points=event.points)
        notify_later(centre_managers(centre), _("A credit event was entered: %(type)s") % {
            "type": event_type.name}, url=centre_credit_url(centre.pk))
    return event
