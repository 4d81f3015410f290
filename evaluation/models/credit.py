"""Credit records (信用档案, docs/rules/credit-records.md): the kinds of credit events as data
(``CreditEventType``, loaded by a data migration and editable in the support administration),
the events of each centre (``CreditEvent``, one per source record and type), a centre's appeal
against an event (``CreditAppeal``, at most one per event) and the centre's current grade
(``CreditRecord``, one row per centre, recomputed whenever an event lands, is withdrawn or
expires, so lists read it without summing). The workflow is in ``evaluation.services.credit``."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Centre


class CreditGrade(models.TextChoices):
    """The grades, best first. Where the edges lie is ``settings.CREDIT_GRADE_FLOORS``
    [UNVERIFIED: a proposal, no national scale found]."""

    TRUSTWORTHY = "trustworthy", _("Trustworthy (守信)")
    BASIC = "basic", _("Basically trustworthy (基本守信)")
    UNTRUSTWORTHY = "untrustworthy", _("Untrustworthy (失信)")
    SERIOUS = "serious", _("Seriously untrustworthy (严重失信)")


def grade_for(points: int) -> str:
    """The grade of a sum of active points: the first grade whose floor the sum reaches
    (``settings.CREDIT_GRADE_FLOORS``, a floor is included); below every floor, 严重失信."""
    floors = settings.CREDIT_GRADE_FLOORS
    for grade in (CreditGrade.TRUSTWORTHY, CreditGrade.BASIC, CreditGrade.UNTRUSTWORTHY):
        if points >= floors[grade.value]:
            return grade.value
    return CreditGrade.SERIOUS.value


class CreditEventType(models.Model):
    """A kind of credit event: its points (negative for a problem, positive for a commendation)
    and how many months an event of it counts. ``source`` says where events come from: the
    daily scan of supervision's records, or a regulator's entry."""

    class Source(models.TextChoices):
        FINDING = "finding", _("Inspection finding")
        RECTIFICATION = "rectification", _("Rectification order")
        COMPLAINT = "complaint", _("Complaint")
        INCIDENT = "incident", _("Incident")
        ALERT = "alert", _("Alert")
        REGULATOR = "regulator", _("Entered by a regulator")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    points = models.IntegerField(_("points"))
    months = models.PositiveSmallIntegerField(_("months until it expires"))
    source = models.CharField(_("source"), max_length=15, choices=Source.choices)
    active = models.BooleanField(_("in use"), default=True)
    verified = models.BooleanField(_("verified"), default=False, help_text=_(
        "Whether the points and the duration rest on a checked text (otherwise a proposal)."))

    class Meta:
        ordering = ["source", "code"]
        verbose_name = _("credit event type")
        verbose_name_plural = _("credit event types")

    def __str__(self) -> str:
        return self.name

    def expiry(self, occurred_on: date) -> date:
        return occurred_on + relativedelta(months=self.months)


class CreditEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Events of the centres the user may see (members: their centre; regulators: their
        districts); none for parents."""
        if not user.is_authenticated or user.is_parent:
            return self.none()
        return self.filter(centre__in=Centre.objects.visible_to(user))

    def counting(self):
        return self.filter(status=CreditEvent.Status.ACTIVE)


class CreditEvent(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("credit event", "Active")
        APPEALED = "appealed", pgettext_lazy("credit event", "Under appeal")
        WITHDRAWN = "withdrawn", pgettext_lazy("credit event", "Withdrawn")
        EXPIRED = "expired", pgettext_lazy("credit event", "Expired")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="credit_events",
                               verbose_name=_("centre"))
    type = models.ForeignKey(CreditEventType, models.PROTECT, related_name="events",
                             verbose_name=pgettext_lazy("credit event", "type"))
    points = models.IntegerField(_("points"))
    occurred_on = models.DateField(_("occurred on"))
    expires_on = models.DateField(_("expires on"))
    source_type = models.ForeignKey(ContentType, models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("source type"))
    source_id = models.PositiveBigIntegerField(_("source id"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("entered by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = CreditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("credit event")
        verbose_name_plural = _("credit events")
        constraints = [
            models.UniqueConstraint(
                fields=["type", "source_type", "source_id"], name="credit_event_once_per_source",
                condition=Q(source_id__isnull=False)),
        ]
        indexes = [models.Index(fields=["centre", "status"], name="credit_event_centre_status")]

    def __str__(self) -> str:
        return f"{self.type} · {self.occurred_on}"


class CreditAppealQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or user.is_parent:
            return self.none()
        return self.filter(event__centre__in=Centre.objects.visible_to(user))


class CreditAppeal(models.Model):
    """A centre's appeal against one event (one per event). Upheld → the event is withdrawn;
    rejected → it counts again."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("appeal", "Pending")
        UPHELD = "upheld", pgettext_lazy("appeal", "Upheld")
        REJECTED = "rejected", pgettext_lazy("appeal", "Rejected")

    event = models.OneToOneField(CreditEvent, models.CASCADE, related_name="appeal",
                                 verbose_name=_("credit event"))
    reason = models.TextField(_("reason for the appeal"))
    appealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("appealed by"))
    appealed_at = models.DateTimeField(_("appealed at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = CreditAppealQuerySet.as_manager()

    class Meta:
        ordering = ["-appealed_at", "-id"]
        verbose_name = _("credit appeal")
        verbose_name_plural = _("credit appeals")

    def __str__(self) -> str:
        return str(self.event)


class CreditRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated or user.is_parent:
            return self.none()
        return self.filter(centre__in=Centre.objects.visible_to(user))


class CreditRecord(models.Model):
    """信用档案 — a centre's current sum of active points and its grade."""

    centre = models.OneToOneField(Centre, models.CASCADE, related_name="credit_record",
                                  verbose_name=_("centre"))
    points = models.IntegerField(_("active points"), default=0)
    grade = models.CharField(_("credit grade"), max_length=15, choices=CreditGrade.choices,
                             default=CreditGrade.TRUSTWORTHY)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = CreditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["centre__name", "id"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        indexes = [models.Index(fields=["grade"], name="credit_record_grade")]

    def __str__(self) -> str:
        return f"{self.centre} · {self.get_grade_display()}"
