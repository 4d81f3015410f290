"""Random inspections (双随机, docs/rules/random-inspections.md): inspectors' declared conflicts
of interest with centres, and the random draws of centres and inspectors with everything needed
to verify them."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.models import Region
from registry.models import Centre

from .base import CentreRecordQuerySet
from .inspections import Inspection


class InspectorConflictQuerySet(CentreRecordQuerySet):
    def visible_to(self, user):
        """Regulators: conflicts with centres in their regions. Nobody else."""
        if not user.is_authenticated or not user.is_regulator:
            return self.none()
        return super().visible_to(user)


@pghistory.track()
class InspectorConflict(models.Model):
    """回避 — an inspector's declared conflict of interest with a centre: never drawn to
    inspect it."""

    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                                  related_name="inspection_conflicts",
                                  verbose_name=_("inspector"))
    centre = models.ForeignKey(Centre, models.CASCADE, related_name="inspector_conflicts",
                               verbose_name=_("centre"))
    reason = models.CharField(_("reason"), max_length=200)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    declared_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = InspectorConflictQuerySet.as_manager()

    class Meta:
        ordering = ["-declared_at", "-id"]
        verbose_name = _("declared conflict of interest")
        verbose_name_plural = _("declared conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["inspector", "centre"],
                                    name="supervision_one_conflict_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} · {self.centre}"


class RandomDrawQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Regulators: the draws of the districts they oversee (the city: all). Nobody
        else."""
        if not user.is_authenticated or not user.is_regulator:
            return self.none()
        return self.filter(region_id__in=user.scope_region_ids)


class RandomDraw(models.Model):
    """双随机抽取 — one random draw of centres and inspectors in a district: its seed, its
    parameters, the snapshot of what it drew from (``pool``), what it drew (``result``), by
    whom and when. Written once, never edited; ``digest`` is also in the audit trail."""

    region = models.ForeignKey(Region, models.PROTECT, related_name="+",
                               verbose_name=_("district/county"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                 verbose_name=_("drawn by"))
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)
    algorithm = models.PositiveSmallIntegerField(_("algorithm version"), default=1)
    seed = models.CharField(_("seed"), max_length=40)
    centres_wanted = models.PositiveSmallIntegerField(_("centres"))
    inspectors_per_centre = models.PositiveSmallIntegerField(_("inspectors per centre"))
    weighted = models.BooleanField(_("weighted by risk"))
    window_start = models.DateField(_("planned from"))
    window_end = models.DateField(_("planned until"))
    checklists = models.JSONField(_("checklists"), default=list)
    pool = models.JSONField(_("what it drew from"), default=dict)
    result = models.JSONField(_("result"), default=list)
    digest = models.CharField(_("digest"), max_length=64)

    objects = RandomDrawQuerySet.as_manager()

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("random draw")
        verbose_name_plural = _("random draws")

    def __str__(self) -> str:
        return f"{self.region} · {timezone.localtime(self.drawn_at):%Y-%m-%d %H:%M}"

    @property
    def eligible_count(self) -> int:
        return len(self.pool.get("centres", []))

    @property
    def pool_count(self) -> int:
        return len(self.pool.get("inspectors", []))


class RandomDrawPick(models.Model):
    """One centre a draw picked, in the order drawn, with the inspection it made."""

    draw = models.ForeignKey(RandomDraw, models.CASCADE, related_name="picks",
                             verbose_name=_("random draw"))
    position = models.PositiveSmallIntegerField(_("order drawn"))
    centre = models.ForeignKey(Centre, models.PROTECT, related_name="+",
                               verbose_name=_("centre"))
    weight = models.PositiveIntegerField(_("weight"))
    inspection = models.OneToOneField(Inspection, models.PROTECT, related_name="draw_pick",
                                      verbose_name=_("inspection"))

    class Meta:
        ordering = ["draw", "position"]
        verbose_name = _("drawn centre")
        verbose_name_plural = _("drawn centres")
        constraints = [
            models.UniqueConstraint(fields=["draw", "position"],
                                    name="supervision_draw_pick_position"),
            models.UniqueConstraint(fields=["draw", "centre"],
                                    name="supervision_draw_pick_centre"),
        ]

    def __str__(self) -> str:
        return f"{self.draw} · {self.position}. {self.centre}"
