"""Verified reviews (家长评价): a guardian whose child has or had a placement at a centre rates
it per aspect, once per placement and calendar year; a regulator of the centre's district
publishes or rejects it; published reviews and their averages show on the centre's public page
and feed the family-satisfaction indicators (``family_satisfaction``). docs/rules/reviews.md."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Centre
from supervision.models import Enrolment

RATING_MIN, RATING_MAX = 1, 5
COMMENT_MAX_LENGTH = 500


class Aspect(models.TextChoices):
    """What a guardian rates, each from 1 (poor) to 5 (excellent). The value is the name of
    the review's field ``rating_<value>``."""

    CARE = "care", _("Care and early learning")
    SAFETY = "safety", _("Health and safety")
    COMMUNICATION = "communication", _("Communication with families")
    PREMISES = "premises", _("Premises and facilities")
    VALUE = "value", _("Value for money")


ASPECTS = [aspect.value for aspect in Aspect]


def rating_field(aspect: str) -> str:
    return f"rating_{aspect}"


class ReviewQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReviewQuerySet:
        """Regulators: reviews of the centres in their regions (to moderate). Centre accounts:
        the published reviews of their centres. Parents: their own reviews."""
        if not user.is_authenticated:
            return self.none()
        if user.is_parent:
            return self.filter(author=user)
        centres = Centre.objects.visible_to(user)
        if user.is_regulator:
            return self.filter(centre__in=centres)
        return self.published().filter(centre__in=centres)

    def published(self) -> ReviewQuerySet:
        return self.filter(status=Review.Status.PUBLISHED)

    def pending(self) -> ReviewQuerySet:
        return self.filter(status=Review.Status.PENDING)


def _rating(aspect: Aspect) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        aspect.label, validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)])


class Review(models.Model):
    """家长评价 — a guardian's review of a centre, resting on their child's placement there."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    centre = models.ForeignKey(Centre, models.PROTECT, related_name="reviews",
                               verbose_name=_("centre"))
    enrolment = models.ForeignKey(Enrolment, models.PROTECT, related_name="reviews",
                                  verbose_name=_("placement"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="reviews",
                               verbose_name=_("author"))
    year = models.PositiveSmallIntegerField(_("year"))
    rating_care = _rating(Aspect.CARE)
    rating_safety = _rating(Aspect.SAFETY)
    rating_communication = _rating(Aspect.COMMUNICATION)
    rating_premises = _rating(Aspect.PREMISES)
    rating_value = _rating(Aspect.VALUE)
    comment = models.CharField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=200, blank=True)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("moderated by"))
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    reply = models.CharField(_("the centre's reply"), max_length=COMMENT_MAX_LENGTH, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("replied by"))
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "year"], name="evaluation_review_once_per_placement_year",
                violation_error_message=_("This placement has already been reviewed this "
                                          "year.")),
            *[models.CheckConstraint(
                condition=Q(**{f"{rating_field(a)}__gte": RATING_MIN,
                               f"{rating_field(a)}__lte": RATING_MAX}),
                name=f"evaluation_review_{a}_1_to_5") for a in ASPECTS],
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="evaluation_review_rejection_has_reason"),
        ]
        indexes = [models.Index(fields=["centre", "status"])]

    def __str__(self) -> str:
        return f"{self.centre} · {self.year}"

    def ratings(self) -> list[tuple[str, int]]:
        """(aspect label, rating) in the aspects' order."""
        return [(Aspect(a).label, getattr(self, rating_field(a))) for a in ASPECTS]

    @property
    def average(self) -> float:
        return sum(getattr(self, rating_field(a)) for a in ASPECTS) / len(ASPECTS)

    @property
    def masked_author(self) -> str:
        """What the public sees of the author: the surname's first character only
        ("周**家长"), nothing of the child."""
        name = (self.author.name or "").strip()
        return _("%(initial)s** parent") % {"initial": name[:1] or "*"}


def family_satisfaction(centre_ids, *, year: int | None = None) -> dict[int, dict]:
    """The published reviews' averages per centre, in one query, for the family-satisfaction
    indicators of the quality assessment: ``{centre_id: {"count": n, "overall": 4.2,
    "care": 4.5, "safety": …, "communication": …, "premises": …, "value": …}}`` (averages as
    floats rounded to two places). Only ``year``'s reviews when given. A centre without a
    published review is absent. The minimum count below which the public page hides averages
    (``REVIEW_MIN_COUNT``) is the caller's to apply."""
    reviews = Review.objects.published().filter(centre_id__in=list(centre_ids))
    if year is not None:
        reviews = reviews.filter(year=year)
    rows = (reviews.order_by().values("centre_id")
            .annotate(count=Count("id"),
                      **{a: Avg(rating_field(a)) for a in ASPECTS}))
    result = {}
    for row in rows:
        averages = {a: round(float(row[a]), 2) for a in ASPECTS}
        result[row["centre_id"]] = {
            "count": row["count"],
            "overall": round(sum(averages.values()) / len(ASPECTS), 2),
            **averages,
        }
    return result
