"""Rectification (docs/rules/filing.md#supporting-workflows): the 整改通知书 issued to a centre —
after an inspection's findings or directly — and the evidence of the centre's answer."""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.uploads import UploadPath
from registry.models import Centre

from .base import CentreRecordQuerySet
from .inspections import Finding, Inspection


class RectificationOrderQuerySet(CentreRecordQuerySet):
    def open(self):
        return self.exclude(status=RectificationOrder.Status.CLOSED)

    def overdue(self, today: date | None = None):
        return self.filter(
            status__in=[RectificationOrder.Status.ISSUED, RectificationOrder.Status.ACKNOWLEDGED],
            deadline__lt=today or timezone.localdate(),
        )


@pghistory.track()
class RectificationOrder(models.Model):
    """整改通知书: ISSUED → ACKNOWLEDGED → SUBMITTED (centre's answer with evidence) → CLOSED
    (verified), or back to ACKNOWLEDGED when the regulator re-opens it. Past the deadline
    without an answer it is overdue (alert A34)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        SUBMITTED = "submitted", _("Rectification submitted")
        CLOSED = "closed", _("Verified and closed")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="rectification_orders",
                               verbose_name=_("centre"))
    inspection = models.ForeignKey(Inspection, models.SET_NULL, null=True, blank=True,
                                   related_name="orders", verbose_name=_("inspection"))
    findings = models.ManyToManyField(Finding, related_name="orders", blank=True,
                                      verbose_name=_("findings"))
    number = models.CharField(_("order number"), max_length=30, unique=True)
    requirements = models.TextField(_("what must be rectified"))
    deadline = models.DateField(_("rectify by"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.ISSUED)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    response = models.TextField(_("centre's answer"), blank=True)
    submitted_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("verified by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times re-opened"), default=0)

    objects = RectificationOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")

    def __str__(self) -> str:
        return self.number

    def is_overdue(self, today: date | None = None) -> bool:
        return (self.status in {self.Status.ISSUED, self.Status.ACKNOWLEDGED}
                and self.deadline < (today or timezone.localdate()))


class RectificationEvidence(models.Model):
    """A file the centre attaches to its answer (photo of the fix, receipt, certificate)."""

    order = models.ForeignKey(RectificationOrder, models.CASCADE, related_name="evidence",
                              verbose_name=_("rectification order"))
    file = models.FileField(_("file"), upload_to=UploadPath("rectification"))
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["order", "uploaded_at", "id"]
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")

    def __str__(self) -> str:
        return self.original_name
