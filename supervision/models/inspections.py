"""Inspections (docs/rules/filing.md#supporting-workflows): versioned checklists, a regulator's
visit with its answers, and the findings."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Centre

from .base import CentreRecordQuerySet


class InspectionQuerySet(CentreRecordQuerySet):
    def visible_to(self, user):
        """Regulators: the inspections of centres in their regions. Centre accounts: their
        centres' inspections, except unannounced ones not yet started (双随机: the centre must
        not be warned). Parents: none."""
        inspections = super().visible_to(user)
        if user.is_authenticated and user.is_centre_account:
            inspections = inspections.exclude(kind=Inspection.Kind.UNANNOUNCED,
                                              status=Inspection.Status.PLANNED)
        return inspections


class ChecklistCategory(models.TextChoices):
    FIRE = "fire", _("Fire safety")
    FOOD = "food", _("Food safety")
    HEALTH = "health", _("Health care")
    SAFETY = "safety", _("Safety and security")
    ORDER = "order", _("Operating order")


class ChecklistTemplate(models.Model):
    """检查表 — a versioned inspection checklist; templates are data, loaded by a migration and
    editable in the support admin."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    category = models.CharField(_("category"), max_length=10, choices=ChecklistCategory.choices)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["category", "code", "-version"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"],
                                    name="supervision_checklist_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, models.CASCADE, related_name="items",
                                 verbose_name=_("checklist"))
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("what to check"), max_length=300)
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        ordering = ["template", "number"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"],
                                    name="supervision_checklist_item_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


@pghistory.track()
class Inspection(models.Model):
    """监督检查 — a regulator's visit: PLANNED → IN_PROGRESS → FINDINGS_ISSUED → CLOSED or
    RECTIFICATION_ORDERED (docs/rules/filing.md#supporting-workflows)."""

    class Kind(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        UNANNOUNCED = "unannounced", _("Unannounced (双随机)")
        FOLLOW_UP = "follow_up", _("Follow-up")
        COMPLAINT = "complaint", _("After a complaint")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        FINDINGS_ISSUED = "findings_issued", _("Findings issued")
        RECTIFICATION_ORDERED = "rectification_ordered", _("Rectification ordered")
        CLOSED = "closed", _("Closed")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="inspections",
                               verbose_name=_("centre"))
    kind = models.CharField(pgettext_lazy("inspection", "kind"), max_length=12,
                            choices=Kind.choices)
    planned_on = models.DateField(_("planned for"))
    status = models.CharField(_("status"), max_length=25, choices=Status.choices,
                              default=Status.PLANNED)
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                             verbose_name=_("lead inspector"))
    inspectors = models.CharField(_("other inspectors"), max_length=200, blank=True)
    checklists = models.ManyToManyField(ChecklistTemplate, related_name="+", blank=True,
                                        verbose_name=_("checklists"))
    risk_score = models.PositiveIntegerField(_("risk score when planned"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("findings issued at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.centre.name} · {self.planned_on} · {self.get_kind_display()}"

    @property
    def is_hidden_from_centre(self) -> bool:
        """Unannounced and not started: the centre must not see it yet."""
        return self.kind == self.Kind.UNANNOUNCED and self.status == self.Status.PLANNED

    @property
    def findings_released(self) -> bool:
        """Findings are the centre's to read once issued."""
        return self.status in {self.Status.FINDINGS_ISSUED, self.Status.RECTIFICATION_ORDERED,
                               self.Status.CLOSED}


class InspectionAnswer(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", _("Conforms")
        FAIL = "fail", _("Does not conform")
        NA = "na", _("Not applicable")

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="answers",
                                   verbose_name=_("inspection"))
    item = models.ForeignKey(ChecklistItem, models.PROTECT, related_name="+",
                             verbose_name=_("checklist item"))
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["inspection", "item__template", "item__number"]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"],
                                    name="supervision_one_answer_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_result_display()}"


@pghistory.track()
class Finding(models.Model):
    """检查发现 — a problem found on an inspection, with its severity."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        MAJOR = "major", _("Major")
        CRITICAL = "critical", _("Critical")

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="findings",
                                   verbose_name=_("inspection"))
    item = models.ForeignKey(ChecklistItem, models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("checklist item"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("finding"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["inspection", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.description[:50]
