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

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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

from ..models import (
    Assessment,
    CreditGrade,
    CreditRecord,
    Dimension,
    DowngradeReview,
    Framework,
    GradeBand,
    Indicator,
    StarRating,
)
from ..models.framework import number_text

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
        # A review of a rating that no longer stands has nothing left to decide.
        DowngradeReview.objects.filter(rating__in=previous,
                                       status=DowngradeReview.Status.OPEN).update(
            status=DowngradeReview.Status.SUPERSEDED, decided_at=timezone.now())
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


# --- the report card -------------------------------------------------------------------------

# The bar chart's geometry, in the SVG's own units (viewBox): the chart scales to its box.
CHART_WIDTH = 320
CHART_ROW = 46
CHART_BAR_Y = 21
CHART_BAR_HEIGHT = 14


@dataclass(frozen=True)
class DimensionResult:
    """One dimension of a rated assessment: its score against its points, and where its bar
    goes in the chart."""

    code: str
    name: str
    points: int
    score: Decimal | None
    verified: bool
    row: int

    @property
    def score_text(self) -> str:
        return number_text(self.score) if self.score is not None else "–"

    @property
    def percent(self) -> Decimal:
        if self.score is None or not self.points:
            return Decimal(0)
        return min(Decimal(100), max(Decimal(0), self.score * 100 / self.points))

    @property
    def percent_text(self) -> str:
        return f"{self.percent:.0f}"

    @property
    def text_y(self) -> int:
        return self.row * CHART_ROW + 15

    @property
    def bar_y(self) -> int:
        return self.row * CHART_ROW + CHART_BAR_Y

    @property
    def bar_width(self) -> str:
        return f"{self.percent * CHART_WIDTH / 100:.1f}"


@dataclass(frozen=True)
class Band:
    """A grade band as the report card states it: "B (750–900 points), 4 stars"."""

    grade: str
    stars: int
    min: str
    max: str | None   # None: the top band, "from min up"
    verified: bool

    @classmethod
    def of(cls, band: GradeBand | None) -> Band | None:
        if band is None:
            return None
        return cls(grade=band.grade, stars=band.stars, min=number_text(band.min_total),
                   max=number_text(band.max_total) if band.max_total is not None else None,
                   verified=band.verified)


@dataclass(frozen=True)
class ReportCard:
    """A star rating explained (``report_card``): what the public page and the certificate
    show. Data only; the wording is the templates'."""

    rating: StarRating
    assessment: Assessment
    framework: Framework
    dimensions: list[DimensionResult]
    band_by_score: Band | None          # the band the total falls in
    band: Band | None                   # the band of the grade awarded (lower when capped)
    failed_vetoes: list[Indicator]      # in the assessment's order
    downgrade: DowngradeReview | None   # the decided review that lowered the stars
    assessed_on: date | None

    @property
    def total_text(self) -> str:
        return number_text(self.rating.total)

    @property
    def capped(self) -> bool:
        """A failed veto item lowered the grade below the band of the total."""
        return bool(self.assessment.failed_vetoes) and self.assessment.capped

    @property
    def failed_veto_labels(self) -> list[str]:
        return [f"{i.code} {i.text}".strip() for i in self.failed_vetoes]

    @property
    def downgraded(self) -> bool:
        return self.rating.status == RS.DOWNGRADED

    @property
    def has_unverified(self) -> bool:
        """Some of the values shown are placeholders nobody has checked against the standard."""
        return (any(not d.verified for d in self.dimensions)
                or any(not b.verified for b in (self.band_by_score, self.band) if b)
                or any(not i.verified for i in self.failed_vetoes))

    @property
    def chart_width(self) -> int:
        return CHART_WIDTH

    @property
    def chart_height(self) -> int:
        return max(1, len(self.dimensions)) * CHART_ROW

    @property
    def chart_bar_height(self) -> int:
        return CHART_BAR_HEIGHT


def report_card(rating: StarRating) -> ReportCard:
    """The report card of ``rating``: each dimension's score against its points, the grade band
    of the total, the veto items that capped it, the review that lowered it. At most four
    queries (dimensions, bands, failed veto items, the downgrade) whatever the number of
    dimensions and indicators; read the rating with ``assessment__framework``."""
    assessment = rating.assessment
    framework = assessment.framework
    dimensions = list(Dimension.objects.filter(framework=framework).order_by("order", "code"))
    totals = assessment.dimension_totals or {}
    rows = [DimensionResult(code=d.code, name=d.name, points=d.points,
                            score=Decimal(totals[d.code]) if d.code in totals else None,
                            verified=d.verified, row=n)
            for n, d in enumerate(dimensions)]
    bands = {b.grade: b for b in GradeBand.objects.filter(framework=framework)}
    failed: list[Indicator] = []
    if assessment.failed_vetoes:
        found = {i.code: i for i in Indicator.objects.filter(dimension__framework=framework,
                                                             code__in=assessment.failed_vetoes)}
        failed = [found.get(code) or Indicator(code=code, text="", verified=False)
                  for code in assessment.failed_vetoes]
    downgrade = None
    if rating.status == RS.DOWNGRADED:
        downgrade = (DowngradeReview.objects.filter(rating=rating,
                                                    status=DowngradeReview.Status.DOWNGRADED)
                     .order_by("-decided_at", "-id").first())
    assessed_on = assessment.scheduled_on or (
        timezone.localtime(assessment.submitted_at).date() if assessment.submitted_at else None)
    return ReportCard(rating=rating, assessment=assessment, framework=framework,
                      dimensions=rows, band_by_score=Band.of(bands.get(assessment.grade_by_score)),
                      band=Band.of(bands.get(rating.grade)), failed_vetoes=failed,
                      downgrade=downgrade, assessed_on=assessed_on)


def verification_url(rating: StarRating, request=None) -> str:
    """The absolute address of the certificate's verification page (its QR code)."""
    path = reverse("evaluation:rating-verify", args=[rating.token])
    if settings.SITE_URL:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path) if request is not None else path


def certificate_pdf(rating: StarRating, request=None) -> bytes:
    """The rating's certificate (星级证书): stars, grade, the scores by dimension and a QR code
    to the verification page. Rendered in the platform's language (Chinese)."""
    from luhuituo.core.pdf import qr_svg_data_uri, render_pdf

    url = verification_url(rating, request)
    return render_pdf("pdf/star_rating_certificate.html", {
        "card": report_card(rating), "rating": rating, "centre": rating.centre,
        "filing_no": getattr(getattr(rating.centre, "filing", None), "filing_no", None),
        "verify_url": url, "qr": qr_svg_data_uri(url), "printed_at": timezone.now()})
