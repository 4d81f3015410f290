"""Random inspections, 双随机、一公开 (docs/rules/random-inspections.md).

A district regulator draws centres from the district's operating centres (optionally weighted by
their risk score) and, for each, inspectors from the district's pool, leaving out inspectors with
a declared conflict with that centre. ``make_draw`` records the seed, the parameters and a
snapshot of the inputs before drawing, draws with ``run_algorithm`` — a pure function of the
seed and the snapshot — and plans one unannounced inspection per drawn centre through
``inspections.plan_inspection`` (the centre is not told). ``verify_draw`` runs the algorithm
again from the record and compares. ``published_results`` are the random inspections whose
findings are issued: the public "一公开" list.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import AuditEvent, Region, RegulatorScope, User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workdays import WorkingDayCalendar
from luhuituo.core.workflow import require
from registry.models import Centre

from ..models import (
    FILED_STATUSES,
    Finding,
    Inspection,
    InspectorConflict,
    RandomDraw,
    RandomDrawPick,
    RectificationOrder,
)
from . import inspections as inspection_service

ALGORITHM = 1
RELEASED = (Inspection.Status.FINDINGS_ISSUED, Inspection.Status.RECTIFICATION_ORDERED,
            Inspection.Status.CLOSED)


class DrawError(DomainError):
    """A draw that cannot be made as asked, with the reason for the user."""


# --- who may draw ---------------------------------------------------------------------------------


def drawable_districts(user: User) -> QuerySet[Region]:
    """The districts ``user`` draws for: those of their own regulator scopes (not the city's,
    not an assessor's)."""
    if not user.is_authenticated or not user.is_regulator:
        return Region.objects.none()
    ids = [s.region_id for s in user.regulator_scopes
           if s.role == RegulatorScope.Role.REGULATOR and not s.region.is_city]
    return Region.objects.filter(pk__in=ids).order_by("code")


def can_draw(user: User, region: Region) -> bool:
    return drawable_districts(user).filter(pk=region.pk).exists()


# --- the inputs ----------------------------------------------------------------------------------


def eligible_centres(region: Region) -> QuerySet[Centre]:
    """The district's operating centres (the register a draw is made from)."""
    return Centre.objects.filter(region=region, filing__status__in=FILED_STATUSES).order_by("pk")


def inspector_pool(region: Region) -> QuerySet[User]:
    """Active regulator and assessor accounts whose scope is the district."""
    return (User.objects.filter(account_type=User.AccountType.REGULATOR, is_active=True,
                                scopes__region=region).distinct().order_by("pk"))


def snapshot(region: Region, *, weighted: bool, window_start: date,
             window_end: date) -> dict:
    """What a draw draws from, as plain data in id order: centres with their weights, the
    inspectors, the declared conflicts between them, the window's working days."""
    centres = eligible_centres(region)
    if weighted:
        base = settings.RANDOM_DRAW_BASE_WEIGHT
        scores = inspection_service.risk_scores(centres)
        weights = [[pk, base + scores.get(pk, 0)] for pk in centres.values_list("pk", flat=True)]
    else:
        weights = [[pk, 1] for pk in centres.values_list("pk", flat=True)]
    inspectors = list(inspector_pool(region).values_list("pk", flat=True))
    centre_ids = [pk for pk, _w in weights]
    conflicts = [list(pair) for pair in InspectorConflict.objects.filter(
        inspector_id__in=inspectors, centre_id__in=centre_ids).order_by(
        "inspector_id", "centre_id").values_list("inspector_id", "centre_id")]
    calendar = WorkingDayCalendar(window_start, window_end)
    days, day = [], window_start
    while day <= window_end:
        if calendar.is_working_day(day):
            days.append(day.isoformat())
        day += timedelta(days=1)
    return {"centres": weights, "inspectors": inspectors, "conflicts": conflicts,
            "days": days}


# --- the algorithm (version 1; docs/rules/random-inspections.md#the-algorithm-version-1) ---------


def run_algorithm(*, seed: int, pool: dict, centres: int,
                  inspectors_per_centre: int) -> list[dict]:
    """Draw ``centres`` centres (weighted, without replacement) and, for each in the order
    drawn, ``inspectors_per_centre`` inspectors among those without a conflict with it
    (uniformly, without replacement) and a day of the window. Only ``randrange`` of
    ``random.Random(seed)`` is used. The inputs must already be checked (``check_inputs``)."""
    rng = random.Random(int(seed))  # noqa: S311 — reproducible by design; the seed is secret-grade
    remaining = [(int(pk), int(weight)) for pk, weight in pool["centres"]]
    conflicts = {(int(i), int(c)) for i, c in pool["conflicts"]}
    drawn = []
    for _n in range(centres):
        r = rng.randrange(sum(weight for _pk, weight in remaining))
        index = 0
        while r >= remaining[index][1]:
            r -= remaining[index][1]
            index += 1
        drawn.append(remaining.pop(index))
    result = []
    for centre, weight in drawn:
        candidates = [int(i) for i in pool["inspectors"] if (int(i), centre) not in conflicts]
        team = [candidates.pop(rng.randrange(len(candidates)))
                for _n in range(inspectors_per_centre)]
        day = pool["days"][rng.randrange(len(pool["days"]))]
        result.append({"centre": centre, "weight": weight, "inspectors": team, "day": day})
    return result


def check_inputs(pool: dict, *, centres: int, inspectors_per_centre: int,
                 names: dict[int, str] | None = None) -> None:
    """Refuse a draw that cannot be made: more centres than eligible, fewer inspectors than the
    rule, a pool too small, an eligible centre without enough inspectors free of conflicts
    (checked for every eligible centre, so the answer does not depend on the draw), a window
    without a working day."""
    eligible = len(pool["centres"])
    if centres < 1:
        raise DrawError(_("Draw at least one centre."), field="centres")
    if centres > eligible:
        raise DrawError(ngettext(
            "The district has only %(n)d operating centre to draw from.",
            "The district has only %(n)d operating centres to draw from.", eligible)
            % {"n": eligible}, field="centres")
    least = settings.RANDOM_DRAW_MIN_INSPECTORS
    if inspectors_per_centre < least:
        raise DrawError(ngettext(
            "At least %(n)d inspector must visit each centre.",
            "At least %(n)d inspectors must visit each centre.", least) % {"n": least},
            field="inspectors_per_centre")
    if inspectors_per_centre > len(pool["inspectors"]):
        raise DrawError(ngettext(
            "The district's pool has only %(n)d inspector.",
            "The district's pool has only %(n)d inspectors.", len(pool["inspectors"]))
            % {"n": len(pool["inspectors"])}, field="inspectors_per_centre")
    conflicted: dict[int, int] = {}
    for _inspector, centre in pool["conflicts"]:
        conflicted[centre] = conflicted.get(centre, 0) + 1
    short = [pk for pk, _w in pool["centres"]
             if len(pool["inspectors"]) - conflicted.get(pk, 0) < inspectors_per_centre]
    if short:
        names = names or {}
        raise DrawError(_(
            "Not enough inspectors without a declared conflict of interest for: %(centres)s. "
            "Add inspectors to the district's pool or draw fewer inspectors per centre.") % {
            "centres": "、".join(names.get(pk, str(pk)) for pk in short)},
            field="inspectors_per_centre")
    if not pool["days"]:
        raise DrawError(_("The planned window has no working day."), field="window_end")


def digest(draw: RandomDraw) -> str:
    """SHA-256 of everything the draw recorded, as canonical JSON."""
    record = {
        "algorithm": draw.algorithm, "region": draw.region_id, "seed": str(draw.seed),
        "centres": draw.centres_wanted, "inspectors_per_centre": draw.inspectors_per_centre,
        "weighted": draw.weighted, "window": [str(draw.window_start), str(draw.window_end)],
        "checklists": draw.checklists, "pool": draw.pool, "result": draw.result,
        "drawn_by": draw.drawn_by_id, "drawn_at": draw.drawn_at.astimezone(UTC).isoformat(),
    }
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --- the draw ------------------------------------------------------------------------------------


@transaction.atomic
def make_draw(*, by: User, region: Region, centres: int, inspectors_per_centre: int,
              weighted: bool, window_start: date, window_end: date, checklists,
              seed: int | None = None, now: datetime | None = None,
              request=None) -> RandomDraw:
    """Draw, record and plan: one unannounced inspection per drawn centre, led by its first
    drawn inspector. ``seed`` and ``now`` (when the draw is made) are for tests and the demo
    data; a draw from the pages always takes a fresh seed from ``secrets``, now."""
    require(can_draw(by, region),
            _("Only the district health bureau's own regulators can draw its inspections."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    if window_start <= today:
        raise DrawError(_("The window starts tomorrow at the earliest."), field="window_start")
    if window_end < window_start:
        raise DrawError(_("The window ends before it starts."), field="window_end")
    if (window_end - window_start).days >= settings.RANDOM_DRAW_MAX_WINDOW_DAYS:
        raise DrawError(_("The window is at most %(n)d days long.") % {
            "n": settings.RANDOM_DRAW_MAX_WINDOW_DAYS}, field="window_end")
    checklists = list(checklists)
    if not checklists:
        raise DrawError(_("Choose at least one checklist."), field="checklists")
    pool = snapshot(region, weighted=weighted, window_start=window_start,
                    window_end=window_end)
    names = dict(eligible_centres(region).values_list("pk", "name"))
    check_inputs(pool, centres=centres, inspectors_per_centre=inspectors_per_centre,
                 names=names)
    seed = secrets.randbits(64) if seed is None else int(seed)
    result = run_algorithm(seed=seed, pool=pool, centres=centres,
                           inspectors_per_centre=inspectors_per_centre)
    draw = RandomDraw(
        region=region, drawn_by=by, drawn_at=now, algorithm=ALGORITHM, seed=str(seed),
        centres_wanted=centres, inspectors_per_centre=inspectors_per_centre, weighted=weighted,
        window_start=window_start, window_end=window_end,
        checklists=sorted(c.pk for c in checklists), pool=pool, result=result)
    draw.digest = digest(draw)
    draw.save()
    users = User.objects.in_bulk({i for row in result for i in row["inspectors"]})
    centre_objects = Centre.objects.select_related("region").in_bulk(
        [row["centre"] for row in result])
    for position, row in enumerate(result, start=1):
        team = [users[i] for i in row["inspectors"]]
        centre = centre_objects[row["centre"]]
        inspection = inspection_service.plan_inspection(
            centre=centre, by=by, kind=Inspection.Kind.UNANNOUNCED,
            planned_on=date.fromisoformat(row["day"]), checklists=checklists, lead=team[0],
            inspectors="、".join(u.get_full_name() for u in team[1:])[:200], today=today,
            request=request)
        RandomDrawPick.objects.create(draw=draw, position=position, centre=centre,
                                      weight=row["weight"], inspection=inspection)
        notify_later(team, _("You are drawn for an unannounced inspection on %(date)s: "
                             "%(centre)s") % {"date": row["day"], "centre": centre.name},
                     url=reverse("supervision:inspection-detail", args=[inspection.pk]))
    audit(Verb.RANDOM_DRAW_MADE, actor=by, target=draw, request=request, seed=str(seed),
          digest=draw.digest, centres=centres, inspectors_per_centre=inspectors_per_centre,
          weighted=weighted, eligible=len(pool["centres"]), pool=len(pool["inspectors"]))
    return draw


# --- verification --------------------------------------------------------------------------------


@dataclass
class Verification:
    matches: bool = True
    problems: list[str] = field(default_factory=list)
    recomputed: list[dict] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        self.matches = False
        self.problems.append(problem)


def verify_draw(*, draw: RandomDraw, by: User, request=None) -> Verification:
    """Run the algorithm again from the recorded seed and inputs and compare with the recorded
    result; compare the inspections made with the result, and the record with the digest the
    audit trail received when the draw was made. The verification is audited."""
    report = Verification()
    try:
        report.recomputed = run_algorithm(
            seed=int(draw.seed), pool=draw.pool, centres=draw.centres_wanted,
            inspectors_per_centre=draw.inspectors_per_centre)
    except (KeyError, TypeError, ValueError, IndexError):
        report.fail(_("The recorded inputs cannot be drawn from again."))
    if report.recomputed and report.recomputed != draw.result:
        report.fail(_("Drawing again from the recorded seed and inputs gives another result "
                      "than the one recorded."))
    picks = list(draw.picks.select_related("inspection").order_by("position"))
    made = [(p.centre_id, p.inspection.lead_id, p.inspection.planned_on.isoformat())
            for p in picks]
    recorded = [(row.get("centre"), (row.get("inspectors") or [None])[0], row.get("day"))
                for row in draw.result]
    if made != recorded:
        report.fail(_("The inspections made do not match the recorded result (centre, lead "
                      "inspector or day)."))
    event = (AuditEvent.objects.filter(verb=Verb.RANDOM_DRAW_MADE, target_id=str(draw.pk),
                                       target_type__app_label="supervision",
                                       target_type__model="randomdraw")
             .order_by("created_at").first())
    if event is None or event.details.get("digest") != digest(draw):
        report.fail(_("The record differs from the digest written to the audit trail when "
                      "the draw was made."))
    audit(Verb.RANDOM_DRAW_VERIFIED, actor=by, target=draw, request=request,
          matches=report.matches, problems=report.problems)
    return report


# --- conflicts of interest -----------------------------------------------------------------------


@transaction.atomic
def declare_conflict(*, by: User, inspector: User, centre: Centre, reason: str,
                     request=None) -> InspectorConflict:
    """Record that ``inspector`` must not inspect ``centre``."""
    require(can_draw(by, centre.region),
            _("Only the district health bureau's own regulators can record its inspectors' "
              "conflicts of interest."))
    if not inspector_pool(centre.region).filter(pk=inspector.pk).exists():
        raise DrawError(_("Choose an inspector of the centre's district."), field="inspector")
    if not reason.strip():
        raise DrawError(_("Say what the conflict of interest is."), field="reason")
    if InspectorConflict.objects.filter(inspector=inspector, centre=centre).exists():
        raise DrawError(_("This conflict of interest is already recorded."), field="centre")
    conflict = InspectorConflict.objects.create(inspector=inspector, centre=centre,
                                                reason=reason.strip(), declared_by=by)
    audit(Verb.INSPECTOR_CONFLICT_DECLARED, actor=by, target=centre, request=request,
          inspector=inspector.pk, reason=conflict.reason)
    return conflict


# --- one disclosure -------------------------------------------------------------------------------


def published_results() -> QuerySet[Inspection]:
    """Random inspections whose findings are issued, with their findings counted by severity
    and their rectification orders counted: the public results. Never a planned inspection or
    one in progress."""
    open_orders = ~Q(orders__status=RectificationOrder.Status.CLOSED)
    return (Inspection.objects.filter(draw_pick__isnull=False, status__in=RELEASED)
            .select_related("centre__region")
            .annotate(
                critical=Count("findings", filter=Q(findings__severity=Finding.Severity.CRITICAL),
                               distinct=True),
                major=Count("findings", filter=Q(findings__severity=Finding.Severity.MAJOR),
                            distinct=True),
                minor=Count("findings", filter=Q(findings__severity=Finding.Severity.MINOR),
                            distinct=True),
                order_count=Count("orders", distinct=True),
                open_orders=Count("orders", filter=open_orders, distinct=True))
            .order_by("-planned_on", "-id"))
