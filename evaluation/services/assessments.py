"""The assessment workflow (docs/rules/quality-assessment.md).

- A centre's manager starts a self-assessment; its members score it indicator by indicator
  (``save_score``) and the manager submits it.
- The district assigns an on-site assessment or a spot check to an assessor, chosen by hand or
  drawn at random from the district's assessor pool without those who declared a conflict of
  interest with the centre (``assign``); the assessor scores it on site and submits.
- Submitting consolidates the scores (``Framework.consolidate``): dimension totals, total,
  grade by score, failed veto items, and the grade and stars after the veto cap.
- The district approves a submitted on-site assessment or returns it with a reason; approving a
  spot check with a failed veto item opens a downgrade review of the centre's rating; an approved
  on-site assessment is published as a star rating (``evaluation.services.ratings.publish``).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import RegulatorScope, User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require, require_status, require_version
from registry.models import Centre
from registry.rules import (
    centre_managers,
    is_centre_member,
    require_centre_manager,
    require_decider,
    responsible_regulators,
)
from supervision.models import InspectorConflict

from ..models import Assessment, Framework, FrameworkError, Indicator, Score
from . import ratings

Kind, Status = Assessment.Kind, Assessment.Status


class AssessmentError(DomainError):
    """An assessment step refused."""


ALREADY_IN_PROGRESS = {
    Kind.SELF: gettext_lazy("This centre already has a self-assessment in progress; finish or "
                            "cancel it first."),
    Kind.ONSITE: gettext_lazy("This centre already has an on-site assessment in progress or "
                              "waiting for a decision; finish or cancel it first."),
    Kind.SPOT_CHECK: gettext_lazy("This centre already has a spot check in progress or waiting "
                                  "for a decision; finish or cancel it first."),
}


def active_framework() -> Framework:
    framework = Framework.objects.filter(is_active=True).order_by("code").first()
    if framework is None:
        raise AssessmentError(_("No version of the quality standard is active yet: the support "
                                "administrator has to complete and activate one first."))
    return framework


def _create(*, centre: Centre, kind: str, by: User, **fields) -> Assessment:
    """A new assessment with an empty score row for every indicator of the active framework."""
    framework = active_framework()
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(centre=centre, framework=framework, kind=kind,
                                                   created_by=by, **fields)
    except IntegrityError:
        raise AssessmentError(ALREADY_IN_PROGRESS[kind]) from None
    indicators = Indicator.objects.filter(dimension__framework=framework)
    Score.objects.bulk_create([Score(assessment=assessment, indicator=indicator)
                               for indicator in indicators])
    return assessment


# --- self-assessment ---------------------------------------------------------------------------


@transaction.atomic
def start_self_assessment(*, centre: Centre, by: User, request=None) -> Assessment:
    require_centre_manager(by, centre)
    lock(centre)
    assessment = _create(centre=centre, kind=Kind.SELF, by=by)
    audit(Verb.ASSESSMENT_STARTED, actor=by, target=assessment, request=request,
          framework=str(assessment.framework))
    return assessment


# --- scoring -------------------------------------------------------------------------------------


def can_score(user: User, assessment: Assessment) -> bool:
    """Centre members score their self-assessment; the assigned assessor scores an on-site
    assessment or spot check."""
    if assessment.is_self:
        return is_centre_member(user, assessment.centre)
    return user.is_authenticated and assessment.assessor_id == user.pk


def _require_scorer(user: User, assessment: Assessment) -> None:
    require(can_score(user, assessment),
            _("Only the centre's staff score a self-assessment, and only the assigned assessor "
              "scores an on-site assessment."))


def save_score(*, score: Score, by: User, value, evidence: str = "", comment: str = "",
               photo=None, remove_photo: bool = False, version: int | None = None,
               request=None) -> Score:
    """Save one indicator's score, evidence, comment and photo. An empty ``value`` leaves the
    indicator unscored (to come back to). Refused when the assessment is no longer being scored,
    the value is not a valid score, or someone saved the indicator since ``version``."""
    with transaction.atomic():
        score = lock(score, "assessment__centre__region", "indicator")
        assessment = score.assessment
        _require_scorer(by, assessment)
        require_status(assessment, *Assessment.EDITABLE, action=_("scored"),
                       error=AssessmentError)
        require_version(score, version)
        text = "" if value is None else str(value).strip()
        try:
            score.score = score.indicator.check_score(text) if text else None
        except FrameworkError as error:
            raise AssessmentError(str(error), field="score") from None
        score.evidence = (evidence or "").strip()
        score.comment = (comment or "").strip()
        if remove_photo and score.photo:
            score.photo = ""
        if photo is not None:
            score.photo = photo
        score.updated_by = by
        score.save()
        audit(Verb.ASSESSMENT_SCORED, actor=by, target=assessment, request=request,
              indicator=score.indicator.code, score=score.score)
    return score


@dataclass
class Progress:
    """How far scoring has come, per dimension and in all."""

    rows: list[dict]
    scored: int
    total: int

    @property
    def complete(self) -> bool:
        return self.scored == self.total

    @property
    def percent(self) -> int:
        return round(100 * self.scored / self.total) if self.total else 100


def progress(assessment: Assessment, scores: list[Score] | None = None) -> Progress:
    """Scored indicators and points so far, per dimension (from ``scores`` when given, read
    with their indicators and dimensions)."""
    if scores is None:
        scores = list(assessment.scores.select_related("indicator__dimension"))
    rows: dict[int, dict] = {}
    for score in scores:
        dimension = score.indicator.dimension
        row = rows.setdefault(dimension.pk, {"dimension": dimension, "scored": 0, "count": 0,
                                             "points": Decimal(0)})
        row["count"] += 1
        if score.is_scored:
            row["scored"] += 1
            row["points"] += score.score
    ordered = sorted(rows.values(), key=lambda r: (r["dimension"].order, r["dimension"].code))
    for row in ordered:
        row["percent"] = round(100 * row["scored"] / row["count"]) if row["count"] else 100
    return Progress(rows=ordered, scored=sum(r["scored"] for r in ordered),
                    total=sum(r["count"] for r in ordered))


# --- submission and consolidation ------------------------------------------------------------


def submit(*, assessment: Assessment, by: User, request=None) -> Assessment:
    """Consolidate and submit: every indicator must be scored. A self-assessment is submitted
    by the centre's manager; an on-site assessment by its assessor, for the district to
    approve."""
    with transaction.atomic():
        assessment = lock(assessment, "centre__region", "framework")
        if assessment.is_self:
            require_centre_manager(by, assessment.centre)
        else:
            _require_scorer(by, assessment)
        require_status(assessment, *Assessment.EDITABLE, action=_("submitted"),
                       error=AssessmentError)
        scores = list(assessment.scores.select_related("indicator"))
        unscored = [s.indicator.code for s in scores if not s.is_scored]
        if unscored:
            raise AssessmentError(_("Score every indicator before submitting; still to score: "
                                    "%(codes)s.") % {"codes": "、".join(unscored)})
        try:
            result = assessment.framework.consolidate({s.indicator_id: s.score for s in scores})
        except FrameworkError as error:
            raise AssessmentError(str(error)) from None
        assessment.total = result.total
        assessment.dimension_totals = {code: str(value)
                                       for code, value in result.dimension_totals.items()}
        assessment.grade_by_score = result.band_by_score.grade
        assessment.grade = result.grade
        assessment.stars = result.stars
        assessment.failed_vetoes = [i.code for i in result.failed_vetoes]
        assessment.status = Status.SUBMITTED
        assessment.submitted_by, assessment.submitted_at = by, timezone.now()
        assessment.save()
        audit(Verb.ASSESSMENT_SUBMITTED, actor=by, target=assessment, request=request,
              to=Status.SUBMITTED, total=result.total, grade=result.grade,
              failed_vetoes=assessment.failed_vetoes)
        if not assessment.is_self:
            notify_later(responsible_regulators(assessment.centre),
                         _("An on-site assessment of %(centre)s is ready for approval")
                         % {"centre": assessment.centre.name},
                         url=reverse("evaluation:assessment-detail", args=[assessment.pk]))
    return assessment


# --- assignment --------------------------------------------------------------------------------


def assessor_pool(centre: Centre) -> QuerySet[User]:
    """Active assessor accounts whose scope covers the centre's district (the district's or
    the city's), in id order."""
    regions = [centre.region_id] + ([centre.region.parent_id] if centre.region.parent_id else [])
    return (User.objects.filter(account_type=User.AccountType.REGULATOR, is_active=True,
                                scopes__role=RegulatorScope.Role.ASSESSOR,
                                scopes__region_id__in=regions)
            .distinct().order_by("pk"))


def conflicted_assessors(centre: Centre) -> set[int]:
    return set(InspectorConflict.objects.filter(centre=centre)
               .values_list("inspector_id", flat=True))


def draw_assessor(centre: Centre, *, seed: int | None = None) -> tuple[User, dict]:
    """Draw an assessor at random from the pool without the conflicted ones; whoever assessed
    the centre on site last time is left out too while anyone else remains. Returns the
    assessor and the record of the draw (seed, pool, left out, drawn)."""
    pool = list(assessor_pool(centre))
    conflicted = conflicted_assessors(centre)
    eligible = [u for u in pool if u.pk not in conflicted]
    last = (Assessment.objects.filter(centre=centre).exclude(kind=Kind.SELF)
            .exclude(status=Status.CANCELLED).order_by("-created_at", "-id")
            .values_list("assessor_id", flat=True).first())
    rotated = [u for u in eligible if u.pk != last] or eligible
    if not rotated:
        raise AssessmentError(_("No assessor can be drawn for %(centre)s: the pool of assessors "
                                "for its district is empty or every one has declared a "
                                "conflict of interest.") % {"centre": centre.name},
                              field="assessor")
    seed = secrets.randbits(32) if seed is None else seed
    # A seeded generator: anyone can repeat the draw from the recorded seed and pool.
    chosen = rotated[random.Random(seed).randrange(len(rotated))]  # noqa: S311
    record = {"seed": seed, "pool": [u.pk for u in pool], "conflicted": sorted(conflicted),
              "previous": last, "eligible": [u.pk for u in rotated], "drawn": chosen.pk}
    return chosen, record


def assign(*, centre: Centre, by: User, kind: str = Kind.ONSITE, assessor: User | None = None,
           scheduled_on: date | None = None, seed: int | None = None,
           request=None) -> Assessment:
    """The district assigns an on-site assessment or spot check. ``assessor`` chosen by hand
    must be in the pool and free of a declared conflict; without one, an assessor is drawn
    (with ``seed``, or a fresh random one; either way the seed is recorded)."""
    require_decider(by, centre)
    if kind not in (Kind.ONSITE, Kind.SPOT_CHECK):
        raise AssessmentError(_("Choose an on-site assessment or a spot check."), field="kind")
    if scheduled_on is not None and scheduled_on < timezone.localdate():
        raise AssessmentError(_("The visit date cannot be in the past."), field="scheduled_on")
    if kind == Kind.SPOT_CHECK and not centre.star_ratings.current().exists():
        raise AssessmentError(_("A spot check is for a centre with a current star rating; "
                                "%(centre)s has none. Assign an on-site assessment.")
                              % {"centre": centre.name}, field="kind")
    with transaction.atomic():
        lock(centre)
        if assessor is None:
            assessor, draw = draw_assessor(centre, seed=seed)
            method = Assessment.Method.DRAW
        else:
            if not assessor_pool(centre).filter(pk=assessor.pk).exists():
                raise AssessmentError(_("%(name)s is not an assessor for this centre's district.")
                                      % {"name": assessor.get_full_name()}, field="assessor")
            if assessor.pk in conflicted_assessors(centre):
                raise AssessmentError(_("%(name)s has declared a conflict of interest with this "
                                        "centre.") % {"name": assessor.get_full_name()},
                                      field="assessor")
            draw, method = {}, Assessment.Method.HAND
        latest_self = (Assessment.objects.filter(centre=centre, kind=Kind.SELF,
                                                 status=Status.SUBMITTED)
                       .order_by("-submitted_at", "-id").first())
        assessment = _create(centre=centre, kind=kind, by=by, assessor=assessor, method=method,
                             draw=draw, scheduled_on=scheduled_on, self_assessment=latest_self)
        audit(Verb.ASSESSMENT_ASSIGNED, actor=by, target=assessment, request=request,
              assessor=assessor.pk, method=method, draw=draw)
        notify_later([assessor], _("You are assigned to assess %(centre)s")
                     % {"centre": centre.name},
                     url=reverse("evaluation:assessor-assessment", args=[assessment.pk]))
    return assessment


# --- the district's decision --------------------------------------------------------------------


def approve(*, assessment: Assessment, by: User, note: str = "", request=None) -> Assessment:
    """The district approves a submitted on-site assessment or spot check. A spot check with a
    failed veto item opens a downgrade review of the centre's current rating."""
    with transaction.atomic():
        assessment = lock(assessment, "centre__region")
        require_decider(by, assessment.centre)
        if assessment.is_self:
            raise AssessmentError(_("A self-assessment is the centre's own and is not "
                                    "approved."))
        require_status(assessment, Status.SUBMITTED, action=_("approved"),
                       error=AssessmentError)
        assessment.status = Status.APPROVED
        assessment.decided_by, assessment.decided_at = by, timezone.now()
        assessment.decision_note = (note or "").strip()
        assessment.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit(Verb.ASSESSMENT_APPROVED, actor=by, target=assessment, request=request,
              to=Status.APPROVED)
        if assessment.kind == Kind.SPOT_CHECK and assessment.failed_vetoes:
            ratings.review_after_spot_check(assessment)
        notify_later(centre_managers(assessment.centre),
                     _("The %(kind)s of your centre was approved")
                     % {"kind": assessment.get_kind_display()},
                     url=reverse("evaluation:centre-quality", args=[assessment.centre_id]))
    return assessment


def return_for_correction(*, assessment: Assessment, by: User, reason: str,
                          request=None) -> Assessment:
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError(_("Say what the assessor should correct."), field="reason")
    with transaction.atomic():
        assessment = lock(assessment, "centre__region")
        require_decider(by, assessment.centre)
        require_status(assessment, Status.SUBMITTED, action=_("returned"),
                       error=AssessmentError)
        if assessment.is_self:
            raise AssessmentError(_("A self-assessment is the centre's own and is not "
                                    "returned."))
        assessment.status = Status.RETURNED
        assessment.decision_note = reason
        assessment.save(update_fields=["status", "decision_note"])
        audit(Verb.ASSESSMENT_RETURNED, actor=by, target=assessment, request=request,
              to=Status.RETURNED, reason=reason)
        notify_later([assessment.assessor], _("Your assessment of %(centre)s was returned")
                     % {"centre": assessment.centre.name}, body=reason,
                     url=reverse("evaluation:assessor-assessment", args=[assessment.pk]))
    return assessment


def cancel(*, assessment: Assessment, by: User, reason: str = "", request=None) -> Assessment:
    """The centre's manager cancels its self-assessment in progress; the district cancels an
    on-site assessment not yet approved."""
    with transaction.atomic():
        assessment = lock(assessment, "centre__region")
        if assessment.is_self:
            require_centre_manager(by, assessment.centre)
        else:
            require_decider(by, assessment.centre)
        allowed = (Assessment.EDITABLE if assessment.is_self
                   else (*Assessment.EDITABLE, Status.SUBMITTED))
        require_status(assessment, *allowed, action=_("cancelled"), error=AssessmentError)
        assessment.status = Status.CANCELLED
        assessment.save(update_fields=["status"])
        audit(Verb.ASSESSMENT_CANCELLED, actor=by, target=assessment, request=request,
              to=Status.CANCELLED, reason=(reason or "").strip())
    return assessment


# --- self and on-site compared ---------------------------------------------------------------


@dataclass
class Gap:
    dimension: object
    self_score: Decimal
    onsite_score: Decimal
    largest: bool = False

    @property
    def difference(self) -> Decimal:
        """Self minus on-site: positive when the centre rated itself higher."""
        return self.self_score - self.onsite_score


def compare(onsite: Assessment, self_assessment: Assessment | None,
            *, highlight: int = 2) -> list[Gap]:
    """Per dimension, the self-assessment's score against the on-site one; the ``highlight``
    largest absolute gaps (above zero) are marked. Empty when either is not consolidated."""
    if (self_assessment is None or not self_assessment.is_consolidated
            or not onsite.is_consolidated):
        return []
    gaps = [Gap(dimension=row["dimension"],
                self_score=Decimal(self_assessment.dimension_totals.get(row["dimension"].code,
                                                                        "0")),
                onsite_score=row["score"] or Decimal(0))
            for row in onsite.dimension_rows()]
    for gap in sorted(gaps, key=lambda g: abs(g.difference), reverse=True)[:highlight]:
        gap.largest = gap.difference != 0
    return gaps
