"""Star ratings (docs/rules/quality-assessment.md#star-ratings): publishing an approved on-site
assessment as a rating, the downgrade reviews its triggers open, and the district's decision on
a review.

Triggers, each opening one review per rating and source:

- a serious incident at the centre after the rating's start (``scan_triggers``, daily, and at
  once from the incident hook in ``evaluation.signals``);
- a failed veto item in an approved spot check (``review_after_spot_check``, from
  ``assessments.approve``);
- the centre's credit grade at or below ``settings.RATING_REVIEW_CREDIT_GRADE``
  (``scan_triggers``; the credit record is the source: one such review per rating).
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require_status
from registry.rules import centre_managers, require_decider, responsible_regulators
from supervision.models import Incident

from ..models import Assessment, CreditGrade, CreditRecord, DowngradeReview, StarRating

RS = StarRating.Status
Trigger = DowngradeReview.Trigger


class RatingError(DomainError):
    """A rating step refused."""


def validity_end(start):
    return start + relativedelta(months=settings.RATING_VALIDITY_MONTHS) - relativedelta(days=1)


def publish(*, assessment: Assessment, by: User, request=None) -> StarRating:
    """Publish an approved on-site assessment as the centre's star rating, valid from today
    for ``RATING_VALIDITY_MONTHS``; the rating in force before is superseded."""
    with transaction.atomic():
        assessment = lock(assessment, "centre__region")
        require_decider(by, assessment.centre)
        if assessment.kind != Assessment.Kind.ONSITE:
            raise RatingError(_("Only an on-site assessment is published as a star rating; a "
                                "self-assessment or a spot check is not."))
        require_status(assessment, Assessment.Status.APPROVED, action=_("published"),
                       error=RatingError)
        lock(assessment.centre)
        previous = list(StarRating.objects.select_for_update().filter(
            centre=assessment.centre, status__in=StarRating.IN_FORCE))
        for old in previous:
            old.status = RS.SUPERSEDED
            old.save(update_fields=["status"])
        today = timezone.localdate()
        rating = StarRating.objects.create(
            centre=assessment.centre, assessment=assessment, stars_awarded=assessment.stars,
            stars=assessment.stars, grade=assessment.grade, total=assessment.total,
            valid_from=today, valid_until=validity_end(today), published_by=by)
        assessment.status = Assessment.Status.PUBLISHED
        assessment.save(update_fields=["status"])
        audit(Verb.RATING_PUBLISHED, actor=by, target=rating, request=request,
              stars=rating.stars, grade=rating.grade, assessment=assessment.pk,
              superseded=[r.pk for r in previous])
        notify_later(centre_managers(assessment.centre),
                     _("Your centre's star rating is published: %(stars)s stars")
                     % {"stars": rating.stars},
                     url=reverse("evaluation:centre-quality", args=[assessment.centre_id]))
    return rating


# --- downgrade reviews -----------------------------------------------------------------------


def open_review(rating: StarRating, *, trigger: str, source,
                summary: str) -> DowngradeReview | None:
    """Open a review of ``rating`` for ``source`` (once per rating, trigger and source); None
    when one was opened already."""
    source_type = ContentType.objects.get_for_model(source)
    review, created = DowngradeReview.objects.get_or_create(
        rating=rating, trigger=trigger, source_type=source_type, source_id=source.pk,
        defaults={"summary": summary[:300], "stars_before": rating.stars})
    if not created:
        return None
    audit(Verb.RATING_REVIEW_OPENED, actor=None, target=rating, review=review.pk,
          trigger=trigger, source=f"{source_type.model}:{source.pk}")
    notify_later(responsible_regulators(rating.centre),
                 _("A downgrade review of %(centre)s's star rating is open")
                 % {"centre": rating.centre.name}, body=review.summary,
                 url=reverse("evaluation:rating-review", args=[review.pk]))
    return review


def review_after_spot_check(assessment: Assessment) -> DowngradeReview | None:
    rating = StarRating.objects.filter(centre=assessment.centre,
                                       status__in=StarRating.IN_FORCE).first()
    if rating is None:
        return None
    return open_review(rating, trigger=Trigger.VETO_AT_SPOT_CHECK, source=assessment,
                       summary=_("Spot check: veto items failed: %(codes)s")
                       % {"codes": "、".join(assessment.failed_vetoes)})


def _serious_incidents(ratings):
    return (Incident.objects.filter(severity=Incident.Severity.SERIOUS,
                                    centre_id__in=[r.centre_id for r in ratings])
            .select_related("centre"))


def _credit_grades_at_or_below(code: str) -> list[str]:
    grades = list(CreditGrade.values)
    return grades[grades.index(code):] if code in grades else []


def scan_triggers(*, centre_ids=None) -> int:
    """Open the reviews that serious incidents (since the rating's start) and low credit
    grades call for, on ratings in force; returns how many were opened."""
    ratings = StarRating.objects.filter(status__in=StarRating.IN_FORCE).select_related("centre")
    if centre_ids is not None:
        ratings = ratings.filter(centre_id__in=centre_ids)
    by_centre = {r.centre_id: r for r in ratings}
    done = set(DowngradeReview.objects.filter(rating__in=by_centre.values()).values_list(
        "rating_id", "trigger", "source_id"))
    opened = 0
    incidents = Incident.objects.filter(severity=Incident.Severity.SERIOUS,
                                        centre_id__in=by_centre).order_by("occurred_at", "pk")
    for incident in incidents:
        rating = by_centre[incident.centre_id]
        if (timezone.localtime(incident.occurred_at).date() < rating.valid_from
                or (rating.pk, Trigger.SERIOUS_INCIDENT, incident.pk) in done):
            continue
        opened += bool(open_review(
            rating, trigger=Trigger.SERIOUS_INCIDENT, source=incident,
            summary=_("Serious incident on %(day)s: %(kind)s")
            % {"day": timezone.localtime(incident.occurred_at).date().isoformat(),
               "kind": incident.get_kind_display()}))
    grades = _credit_grades_at_or_below(settings.RATING_REVIEW_CREDIT_GRADE)
    for record in CreditRecord.objects.filter(centre_id__in=by_centre, grade__in=grades):
        rating = by_centre[record.centre_id]
        if (rating.pk, Trigger.CREDIT_GRADE, record.pk) in done:
            continue
        opened += bool(open_review(
            rating, trigger=Trigger.CREDIT_GRADE, source=record,
            summary=_("Credit grade %(grade)s (%(points)s points)")
            % {"grade": record.get_grade_display(), "points": record.points}))
    return opened


def decide_review(*, review: DowngradeReview, by: User, downgrade: bool, stars: int | None,
                  reason: str, request=None) -> DowngradeReview:
    """The district keeps the rating or lowers its stars (to at least 1, below the current
    stars), with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise RatingError(_("Give the reason for the decision."), field="reason")
    with transaction.atomic():
        review = lock(review)
        rating = lock(review.rating, "centre__region")
        require_decider(by, rating.centre)
        if not review.is_open:
            raise RatingError(_("This review has already been decided."))
        if downgrade:
            if stars is None or not 1 <= stars < rating.stars:
                raise RatingError(_("Choose fewer stars than the rating's %(stars)s, and at "
                                    "least 1.") % {"stars": rating.stars}, field="stars")
            rating.stars, rating.status = stars, RS.DOWNGRADED
            rating.save(update_fields=["stars", "status"])
        review.status = DowngradeReview.Status.DOWNGRADED if downgrade else \
            DowngradeReview.Status.KEPT
        review.stars_after = rating.stars
        review.reason, review.decided_by, review.decided_at = reason, by, timezone.now()
        review.save(update_fields=["status", "stars_after", "reason", "decided_by",
                                   "decided_at"])
        audit(Verb.RATING_DOWNGRADED if downgrade else Verb.RATING_KEPT, actor=by,
              target=rating, request=request, review=review.pk, stars=rating.stars,
              reason=reason)
        notify_later(centre_managers(rating.centre),
                     _("Your centre's star rating was lowered to %(stars)s stars")
                     % {"stars": rating.stars} if downgrade
                     else _("Your centre's star rating was kept after review"),
                     body=reason,
                     url=reverse("evaluation:centre-quality", args=[rating.centre_id]))
    return review

