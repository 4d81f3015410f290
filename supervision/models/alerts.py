"""Alerts (预警, docs/rules/alert-rules.md): raised and cleared by the scheduled checks
(``supervision.checks``). This module does not import the checks: a rule's title comes from
the rule registry where it is shown (``supervision.checks.registry.rule_title``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Centre


class Severity(models.TextChoices):
    """The Chinese four-colour warning levels (docs/rules/alert-rules.md)."""

    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    BLUE = "blue", _("Blue")


SEVERITY_RANK = {Severity.RED: 4, Severity.ORANGE: 3, Severity.YELLOW: 2, Severity.BLUE: 1}


class AlertQuerySet(models.QuerySet):
    def visible_to(self, user) -> AlertQuerySet:
        """Regulators: alerts of centres in their regions. Centre accounts: their centres'
        alerts, except the alerts about the bureau's own deadlines (A37, A38)."""
        if not user.is_authenticated or user.is_parent:
            return self.none()
        alerts = self.filter(centre__in=Centre.objects.visible_to(user))
        if user.is_centre_account:
            alerts = alerts.filter(for_regulator=False)
        return alerts

    def open(self) -> AlertQuerySet:
        return self.exclude(status=Alert.Status.RESOLVED)

    def by_severity(self) -> AlertQuerySet:
        rank = models.Case(*(models.When(severity=s, then=r) for s, r in SEVERITY_RANK.items()),
                           output_field=models.IntegerField())
        return self.alias(rank=rank).order_by("-rank", "-first_seen", "-id")


class Alert(models.Model):
    """预警 — raised by a scheduled check (``supervision.checks``); one open alert per rule
    and subject. Resolved by the check when the condition clears, or by a person."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    rule = models.CharField(_("rule"), max_length=4, db_index=True)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices)
    initial_severity = models.CharField(_("severity when raised"), max_length=6,
                                        choices=Severity.choices)
    centre = models.ForeignKey(Centre, models.CASCADE, related_name="alerts",
                               verbose_name=_("centre"))
    subject_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+",
                                     verbose_name=_("subject type"))
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject_repr = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    for_regulator = models.BooleanField(_("about the bureau's own deadlines"), default=False)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.OPEN)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="assigned_alerts",
                                 verbose_name=_("assigned to"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                        blank=True, related_name="+",
                                        verbose_name=_("acknowledged by"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("resolved by"))
    note = models.TextField(_("note"), blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-first_seen", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id"],
                condition=~Q(status="resolved"),
                name="supervision_one_open_alert_per_rule_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "severity"], name="supervision_alert_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject_repr}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:alert-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED
