"""Reports the centre sends the bureau once a year: the annual report (年度报告, 管理规范 Art 38;
alert A32, docs/rules/alert-rules.md#a32)."""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.uploads import UploadPath
from registry.models import Centre

from .base import CentreRecordQuerySet


@pghistory.track()
class AnnualReport(models.Model):
    """年度报告 — the centre's report on one year's work, sent by its manager. One per centre
    and year (a database constraint): a second submission is refused, and the report changes
    only through an explicit correction, which keeps the earlier text in the change history."""

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="annual_reports",
                               verbose_name=_("centre"))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    children_served = models.PositiveIntegerField(
        _("children cared for during the year"), validators=[MaxValueValidator(100_000)])
    staff_count = models.PositiveIntegerField(
        _("staff at the end of the year"), validators=[MaxValueValidator(10_000)])
    summary = models.TextField(_("summary of the year's work"), max_length=4000)
    file = models.FileField(_("report file"), upload_to=UploadPath("annual-reports"),
                            blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("corrected by"))
    correction_reason = models.TextField(_("reason for the correction"), blank=True)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "centre", "id"]
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "year"], name="supervision_annual_report_once",
                violation_error_message=_("This year's report has already been submitted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre} · {self.year}"


def annual_report_due(year: int) -> date:
    """The day the report on ``year`` is due: ``ANNUAL_REPORT_DUE`` (MM-DD) of the next year,
    or of the year itself when the month is December."""
    month, day = (int(part) for part in settings.ANNUAL_REPORT_DUE.split("-"))
    return date(year if month == 12 else year + 1, month, day)


def latest_overdue_year(today: date) -> int:
    """The latest year whose report was due before ``today``."""
    year = today.year
    while annual_report_due(year) >= today:
        year -= 1
    return year
