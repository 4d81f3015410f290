"""Star ratings (星级认定) and their downgrade reviews (docs/rules/quality-assessment.md).

A rating is published from an approved on-site assessment: its stars and grade come from the
framework's grade bands (capped by a failed veto item), it is valid for
``settings.RATING_VALIDITY_MONTHS`` and carries a random token for the certificate's QR
verification page. A centre has at most one current rating; publishing a new one supersedes the
old. A downgrade review opens on the current rating after a serious incident, a failed veto
item at a spot check, or a credit grade at or below ``settings.RATING_REVIEW_CREDIT_GRADES``;
the district decides it (keep, or lower the stars)."""

from __future__ import annotations

import secrets
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Centre

from .assessments import Assessment


def new_token() -> str:
    return secrets.token_urlsafe(18)


class StarRatingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Regulators: ratings of centres in their districts; centre members: their centre's.
        The public sees published ratings through ``public()``."""
        if not user.is_authenticated or user.is_parent:
            return self.none()
        return self.filter(centre__in=Centre.objects.visible_to(user))

    def public(self):
        """What anyone may read: current and downgraded ratings, and past ones (a certificate
        checked after it was superseded says so)."""
        return self.exclude(status=StarRating.Status.WITHDRAWN)

    def current(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(status__in=StarRating.IN_FORCE, valid_until__gte=today)


class StarRating(models.Model):
    class Status(models.TextChoices):
        CURRENT = "current", pgettext_lazy("star rating", "Current")
        DOWNGRADED = "downgraded", pgettext_lazy("star rating", "Downgraded after review")
        SUPERSEDED = "superseded", pgettext_lazy("star rating", "Superseded")
        WITHDRAWN = "withdrawn", pgettext_lazy("star rating", "Withdrawn")

    IN_FORCE = (Status.CURRENT, Status.DOWNGRADED)

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="star_ratings",
                               verbose_name=_("centre"))
    assessment = models.OneToOneField(Assessment, models.PROTECT, related_name="rating",
                                      verbose_name=_("assessment"))
    stars_awarded = models.PositiveSmallIntegerField(_("stars awarded"))
    stars = models.PositiveSmallIntegerField(_("stars"))
    grade = models.CharField(pgettext_lazy("quality rating", "grade"), max_length=10)
    total = models.DecimalField(_("total score"), max_digits=7, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.CURRENT)
    token = models.CharField(_("verification code"), max_length=32, unique=True,
                             default=new_token, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    objects = StarRatingQuerySet.as_manager()

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("star rating")
        verbose_name_plural = _("star ratings")
        constraints = [
            models.UniqueConstraint(fields=["centre"],
                                    condition=Q(status__in=["current", "downgraded"]),
                                    name="evaluation_one_rating_in_force"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5)
                                   & Q(stars_awarded__gte=1, stars_awarded__lte=5)
                                   & Q(stars__lte=models.F("stars_awarded")),
                                   name="evaluation_rating_stars"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")),
                                   name="evaluation_rating_validity"),
        ]

    def __str__(self) -> str:
        return f"{self.centre} · {self.stars}★"

    @property
    def in_force(self) -> bool:
        return self.status in self.IN_FORCE

    def is_valid_on(self, day: date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.in_force and self.valid_from <= day <= self.valid_until

    @property
    def is_valid(self) -> bool:
        return self.is_valid_on()

    @property
    def capped(self) -> bool:
        return self.assessment.capped


class DowngradeReviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or user.is_parent:
            return self.none()
        return self.filter(rating__centre__in=Centre.objects.visible_to(user))


class DowngradeReview(models.Model):
    """降级复核 — a review of a rating opened by a trigger; the district keeps the rating or
    lowers its stars, with a reason."""

    class Trigger(models.TextChoices):
        SERIOUS_INCIDENT = "incident", _("Serious incident")
        VETO_AT_SPOT_CHECK = "veto", _("Veto item failed at a spot check")
        CREDIT_GRADE = "credit", _("Credit grade below the threshold")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("downgrade review", "Open")
        KEPT = "kept", pgettext_lazy("downgrade review", "Rating kept")
        DOWNGRADED = "downgraded", pgettext_lazy("downgrade review", "Downgraded")
        SUPERSEDED = "superseded", pgettext_lazy("downgrade review",
                                                 "Closed: a new rating replaced it")

    rating = models.ForeignKey(StarRating, models.CASCADE, related_name="reviews",
                               verbose_name=_("star rating"))
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    source_type = models.ForeignKey(ContentType, models.PROTECT, related_name="+",
                                    verbose_name=_("source type"))
    source_id = models.PositiveBigIntegerField(_("source id"))
    source = GenericForeignKey("source_type", "source_id")
    summary = models.CharField(_("what happened"), max_length=300)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    stars_before = models.PositiveSmallIntegerField(_("stars before"))
    stars_after = models.PositiveSmallIntegerField(_("stars after"), null=True, blank=True)
    reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = DowngradeReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("downgrade review")
        verbose_name_plural = _("downgrade reviews")
        constraints = [
            models.UniqueConstraint(fields=["rating", "trigger", "source_type", "source_id"],
                                    name="evaluation_review_once_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.rating} · {self.get_trigger_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
