"""Safety records: incidents, emergency drills, the monthly safety checks
and hazards."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luhuituo.core.dates import day
from registry.models import Centre, ClassGroup

from .base import CentreRecordQuerySet, Recorded
from .children import Child


@pghistory.track()
class Incident(models.Model):
    """安全事件 — an injury, illness cluster, food-safety event, suspected abuse or missing child
    (docs/rules/operating-rules.md). Timestamps feed alerts A9–A11."""

    class Kind(models.TextChoices):
        INJURY = "injury", _("Injury")
        INFECTIOUS = "infectious", _("Infectious disease")
        FOOD = "food", _("Food safety")
        ABUSE = "abuse", _("Suspected abuse or violence")
        MISSING = "missing", _("Missing child")
        OTHER = "other", _("Other")

    class InjuryType(models.TextChoices):
        SUFFOCATION = "suffocation", _("Suffocation")
        FALL = "fall", _("Fall")
        BURN_SCALD = "burn_scald", _("Burn or scald")
        DROWNING = "drowning", _("Drowning")
        POISONING = "poisoning", _("Poisoning")
        FOREIGN_BODY = "foreign_body", _("Foreign body")
        TRAFFIC = "traffic", _("Road traffic")
        OTHER = "other", _("Other injury")

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor (first aid at the centre)")
        MODERATE = "moderate", _("Moderate (seen by a doctor)")
        SERIOUS = "serious", _("Serious (hospitalisation, fracture, poisoning, death, missing)")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        GUARDIAN_NOTIFIED = "guardian_notified", _("Guardian notified")
        AUTHORITY_REPORTED = "authority_reported", _("Reported to the authority")
        INVESTIGATING = "investigating", _("Under investigation")
        CLOSED = "closed", _("Closed")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="incidents",
                               verbose_name=_("centre"))
    child = models.ForeignKey(Child, models.SET_NULL, null=True, blank=True,
                              related_name="incidents", verbose_name=_("child"))
    class_group = models.ForeignKey(ClassGroup, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("class"))
    occurred_at = models.DateTimeField(_("happened at"))
    kind = models.CharField(pgettext_lazy("incident", "kind"), max_length=12, choices=Kind.choices)
    injury_type = models.CharField(_("injury type"), max_length=12, choices=InjuryType.choices,
                                   blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    notifiable_disease = models.BooleanField(_("notifiable infectious disease"), default=False)
    description = models.TextField(_("what happened"))
    action_taken = models.TextField(_("action taken"), blank=True)
    guardian_notified_at = models.DateTimeField(_("guardian notified at"), null=True, blank=True)
    reported_to_authority_at = models.DateTimeField(_("reported to the authority at"),
                                                    null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.REPORTED)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("reported by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {day(self.occurred_at)}"

    @property
    def must_report_to_authority(self) -> bool:
        return (self.severity == self.Severity.SERIOUS or self.kind in {
            self.Kind.ABUSE, self.Kind.MISSING, self.Kind.FOOD} or self.notifiable_disease)


@pghistory.track()
class Drill(Recorded):
    """应急演练 — an emergency drill (管理规范 Art 31; WS/T 821 9.5.2)."""

    class Kind(models.TextChoices):
        FIRE = "fire", _("Fire evacuation")
        EARTHQUAKE = "earthquake", _("Earthquake")
        INTRUDER = "intruder", _("Violent intruder")
        CROWD = "crowd", _("Crowd crush")
        FOOD = "food", _("Food poisoning")
        OTHER = "other", _("Other")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="drills",
                               verbose_name=_("centre"))
    kind = models.CharField(pgettext_lazy("drill", "kind"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    participants = models.PositiveIntegerField(_("participants"), default=0)
    note = models.TextField(_("what went well, what to improve"), blank=True)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("emergency drill")
        verbose_name_plural = _("emergency drills")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.held_on}"


@pghistory.track()
class SafetyCheck(Recorded):
    """每月检查 — the monthly facility and fire-equipment inspections (WS/T 821 9.3.1/9.3.2)."""

    class Kind(models.TextChoices):
        FACILITY = "facility", _("Facilities and equipment")
        FIRE_EQUIPMENT = "fire_equipment", _("Fire equipment")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="safety_checks",
                               verbose_name=_("centre"))
    kind = models.CharField(pgettext_lazy("safety check", "kind"), max_length=20,
                            choices=Kind.choices)
    checked_on = models.DateField(_("checked on"))
    inspector_name = models.CharField(_("checked by"), max_length=50)
    all_in_order = models.BooleanField(_("everything in order"), default=True)
    note = models.TextField(_("problems found"), blank=True)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_on", "-id"]
        verbose_name = _("monthly safety check")
        verbose_name_plural = _("monthly safety checks")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.checked_on}"


@pghistory.track()
class Hazard(Recorded):
    """安全隐患 — a hazard found at the centre, to be fixed by a deadline (alert A34)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FIXED = "fixed", _("Fixed")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="hazards",
                               verbose_name=_("centre"))
    found_on = models.DateField(_("found on"))
    location = models.CharField(_("where"), max_length=100)
    description = models.TextField(_("hazard"))
    deadline = models.DateField(_("fix by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    fixed_on = models.DateField(_("fixed on"), null=True, blank=True)
    fix_note = models.TextField(_("how it was fixed"), blank=True)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["status", "deadline", "-id"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")

    def __str__(self) -> str:
        return f"{self.location} · {self.description[:30]}"
