"""Quality assessments against a framework (docs/rules/quality-assessment.md): the centre's own
self-assessment (自评), an on-site assessment by an assessor the district assigns (现场评估) and
a spot check of a rated centre (抽查). Each indicator has its own ``Score`` row, saved on its
own (a flaky connection loses at most the indicator being typed); submitting consolidates the
scores through ``Framework.consolidate`` and stores the result on the assessment.

The workflow lives in ``evaluation.services.assessments``."""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luhuituo.core.models import Versioned
from luhuituo.core.uploads import UploadPath
from registry.models import Centre

from .framework import Framework, Indicator

# In progress: being scored or returned; an on-site assessment or spot check also while it waits
# for the district's decision (a submitted self-assessment is finished).
_IN_PROGRESS = Q(status__in=["draft", "returned"]) | (Q(status="submitted") & ~Q(kind="self"))


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Regulators: assessments of centres in their districts. Assessors (regulator accounts
        too): also the on-site assessments assigned to them, wherever. Centre members: their
        centre's self-assessments, and its on-site assessments once approved (the scores an
        assessor is still entering are not the centre's to read). Parents: none."""
        if not user.is_authenticated or user.is_parent:
            return self.none()
        if user.is_regulator:
            return self.filter(Q(centre__in=Centre.objects.visible_to(user)) | Q(assessor=user))
        return self.filter(centre__in=Centre.objects.visible_to(user)).filter(
            Q(kind=Assessment.Kind.SELF) | Q(status__in=Assessment.DECIDED))

    def open(self):
        return self.filter(Assessment.IN_PROGRESS)


@pghistory.track()
class Assessment(models.Model):
    """One assessment of one centre against one framework version."""

    class Kind(models.TextChoices):
        SELF = "self", _("Self-assessment")
        ONSITE = "onsite", _("On-site assessment")
        SPOT_CHECK = "spot_check", _("Spot check")

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("assessment", "Being scored")
        SUBMITTED = "submitted", pgettext_lazy("assessment", "Submitted")
        RETURNED = "returned", pgettext_lazy("assessment", "Returned for correction")
        APPROVED = "approved", pgettext_lazy("assessment", "Approved")
        PUBLISHED = "published", pgettext_lazy("assessment", "Rating published")
        CANCELLED = "cancelled", pgettext_lazy("assessment", "Cancelled")

    class Method(models.TextChoices):
        HAND = "hand", _("Chosen by the district")
        DRAW = "draw", _("Drawn at random")

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    IN_PROGRESS = _IN_PROGRESS
    DECIDED = (Status.APPROVED, Status.PUBLISHED)

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="assessments",
                               verbose_name=_("centre"))
    framework = models.ForeignKey(Framework, models.PROTECT, related_name="assessments",
                                  verbose_name=_("framework"))
    kind = models.CharField(pgettext_lazy("assessment", "kind"), max_length=12,
                            choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    # On-site and spot checks: who scores, how they were chosen, when they visit.
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                 blank=True, related_name="assessments_assigned",
                                 verbose_name=_("assessor"))
    method = models.CharField(_("how the assessor was chosen"), max_length=5,
                              choices=Method.choices, blank=True)
    draw = models.JSONField(_("draw"), default=dict, blank=True,
                            help_text=_("For a random choice: the seed, the pool, the conflicts "
                                        "left out and who was drawn."))
    scheduled_on = models.DateField(_("visit date"), null=True, blank=True)
    self_assessment = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                        related_name="+",
                                        verbose_name=_("self-assessment compared with"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("started by"))
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    # The consolidated result, stored when submitted.
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                     blank=True, related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    total = models.DecimalField(_("total score"), max_digits=7, decimal_places=2, null=True,
                                blank=True)
    dimension_totals = models.JSONField(_("dimension scores"), default=dict, blank=True)
    grade_by_score = models.CharField(_("grade by score"), max_length=10, blank=True)
    grade = models.CharField(pgettext_lazy("quality rating", "grade"), max_length=10,
                             blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True, blank=True)
    failed_vetoes = models.JSONField(_("failed veto items"), default=list, blank=True)
    # The regulator's decision.
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note on the decision"), blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quality assessment")
        verbose_name_plural = _("quality assessments")
        constraints = [
            models.UniqueConstraint(fields=["centre", "kind"], condition=_IN_PROGRESS,
                                    name="evaluation_one_open_assessment_per_kind"),
            models.CheckConstraint(
                condition=Q(kind="self") | Q(assessor__isnull=False),
                name="evaluation_onsite_has_assessor"),
        ]
        indexes = [models.Index(fields=["centre", "kind", "status"],
                                name="evaluation_assessment_centre")]

    def __str__(self) -> str:
        return f"{self.centre} · {self.get_kind_display()}"

    @property
    def is_self(self) -> bool:
        return self.kind == self.Kind.SELF

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_consolidated(self) -> bool:
        return self.total is not None

    @property
    def capped(self) -> bool:
        return bool(self.grade) and self.grade != self.grade_by_score

    def dimension_rows(self, dimensions=None) -> list[dict]:
        """Each dimension with its points and this assessment's score in it (once
        consolidated), in the framework's order."""
        dimensions = dimensions if dimensions is not None else list(self.framework.dimensions.all())
        return [{"dimension": d, "points": d.points,
                 "score": (Decimal(self.dimension_totals[d.code])
                           if d.code in self.dimension_totals else None)}
                for d in dimensions]


@pghistory.track()
class Score(Versioned):
    """One indicator's score in one assessment, with its evidence (what was seen, where the
    record is), an optional photo and the assessor's comment."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="scores",
                                   verbose_name=_("assessment"))
    indicator = models.ForeignKey(Indicator, models.PROTECT, related_name="+",
                                  verbose_name=_("indicator"))
    score = models.DecimalField(pgettext_lazy("assessment", "score"), max_digits=7,
                                decimal_places=2, null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True, max_length=2000)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    photo = models.FileField(_("photo"), blank=True, upload_to=UploadPath("assessment-photos"))

    class Meta:
        ordering = ["indicator__dimension__order", "indicator__order", "indicator__code"]
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"],
                                    name="evaluation_one_score_per_indicator"),
            models.CheckConstraint(condition=Q(score__gte=0) | Q(score__isnull=True),
                                   name="evaluation_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.score}"

    @property
    def is_scored(self) -> bool:
        return self.score is not None

    @property
    def fails_veto(self) -> bool:
        return (self.indicator.is_veto and self.score is not None
                and self.indicator.max_score is not None
                and self.score < self.indicator.max_score)

