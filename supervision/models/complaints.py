"""Complaints (投诉, docs/rules/filing.md#supporting-workflows)."""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.fields import EncryptedTextField
from registry.models import Centre
from registry.validators import validate_phone

from .base import CentreRecordQuerySet
from .inspections import Inspection


class ComplaintQuerySet(CentreRecordQuerySet):
    def visible_to(self, user):
        """Regulators: complaints about centres in their regions. Parents: the complaints they
        filed themselves through the portal. Nobody else — not the centre complained about.
        (The regulator's complaint pages are guarded by account type as well, so a parent
        reaches their own complaints only through the parent portal's pages.)"""
        if not user.is_authenticated:
            return self.none()
        if user.is_parent:
            return self.filter(parent=user)
        if not user.is_regulator:
            return self.none()
        return super().visible_to(user)


@pghistory.track()
class Complaint(models.Model):
    """投诉 — received by a regulator (phone, letter, 12345 hotline, visit) or, later, filed by
    a parent through the portal, through the same service (``supervision.services.complaints``)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        HOTLINE = "hotline", _("12345 hotline")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("In person")
        PORTAL = "portal", _("Parent portal")

    class Category(models.TextChoices):
        SAFETY = "safety", _("Safety or abuse")
        HEALTH = "health", _("Health, hygiene or food")
        FEES = "fees", _("Fees")
        STAFF = "staff", _("Staff conduct")
        SERVICE = "service", _("Quality of care")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ASSIGNED = "assigned", _("Assigned")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        NORMAL = "normal", _("Normal")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="complaints",
                               verbose_name=_("centre"))
    channel = models.CharField(_("received by"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices,
                                default=Priority.NORMAL)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    complainant_name = models.CharField(_("complainant"), max_length=50, blank=True)
    complainant_phone = EncryptedTextField(_("complainant's phone"), blank=True,
                                           validators=[validate_phone])
    parent = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                               related_name="complaints", verbose_name=_("parent account"))
    summary = models.CharField(_("summary"), max_length=200)
    details = models.TextField(_("details"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.RECEIVED)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="assigned_complaints",
                                 verbose_name=_("handled by"))
    due_on = models.DateField(_("answer due"))
    outcome = models.TextField(_("outcome"), blank=True)
    upheld = models.BooleanField(_("complaint upheld"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    inspection = models.ForeignKey(Inspection, models.SET_NULL, null=True, blank=True,
                                   related_name="complaints", verbose_name=_("inspection"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("recorded by"))

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return self.summary

    def is_overdue(self, today: date | None = None) -> bool:
        return (self.status in {self.Status.RECEIVED, self.Status.ASSIGNED}
                and self.due_on < (today or timezone.localdate()))
