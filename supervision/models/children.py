"""Children: the child, guardians and their consents, placements in classes,
health and vaccination checks, and the periodic report of enrolled children.

A child exists only after a guardian's consent is recorded
(``supervision.services.children.enrol_child``)."""

from __future__ import annotations

from datetime import date

import pghistory
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luhuituo.core.dates import day
from luhuituo.core.fields import BlindIndexField, EncryptedTextField
from luhuituo.core.models import Versioned
from luhuituo.core.validators import validate_id_number
from registry.models import Centre, ClassGroup
from registry.validators import validate_phone

from .base import CentreRecordQuerySet, Recorded, _centre_scope


def age_in_months(birth_date: date, on: date) -> int:
    """Whole months from birth to ``on`` (a child born on 15 March is 2 months old on 15 May,
    still 1 month old on 14 May) — the convention of the 76号令 health records."""
    delta = relativedelta(on, birth_date)
    return delta.years * 12 + delta.months


def age_outside_class(months: int, class_group: ClassGroup) -> bool:
    """A child of ``months`` does not belong in ``class_group``'s class type (A3, and a class
    edit): under the minimum of a mixed-age class; outside the band of any other type by more
    than CLASS_AGE_TOLERANCE_MONTHS (children grow older during the year)."""
    rules, tolerance = class_group.rules, settings.CLASS_AGE_TOLERANCE_MONTHS
    if class_group.class_type == "mixed":
        return months < rules["min_months"]
    return months < rules["min_months"] - tolerance or months > rules["max_months"] + tolerance


class ChildQuerySet(models.QuerySet):
    def visible_to(self, user) -> ChildQuerySet:
        """Centre accounts: their centres' children. Regulators: children of centres in their
        regions (reads need a stated reason and are logged). Parents: their own children."""
        if not user.is_authenticated:
            return self.none()
        if user.is_parent:
            return self.filter(guardians__user=user).distinct()
        return self.filter(_centre_scope(user))

    def enrolled(self) -> ChildQuerySet:
        return self.filter(status=Child.Status.ENROLLED)


@pghistory.track()
class Child(Versioned):
    """婴幼儿 — a child cared for by a centre. Created only with a guardian's consent. Edited
    with a version (``Versioned``): a correction made on a stale page is refused."""

    class Sex(models.TextChoices):
        MALE = "male", _("Boy")
        FEMALE = "female", _("Girl")

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    centre = models.ForeignKey(Centre, models.PROTECT, related_name="children",
                               verbose_name=_("centre"))
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    id_number = EncryptedTextField(_("resident ID number"), blank=True,
                                   validators=[validate_id_number])
    id_number_digest = BlindIndexField(source="id_number", purpose="ric")
    allergies = EncryptedTextField(_("allergies and dietary needs"), blank=True)
    health_notes = EncryptedTextField(_("health notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.ENROLLED)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("created by"))

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["centre", "name", "id"]
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "id_number_digest"],
                condition=~Q(id_number_digest=""),
                name="supervision_child_unique_person",
                violation_error_message=_("This child is already registered at this centre."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("supervision:child-detail", args=[self.centre_id, self.pk])

    def age_months(self, on: date | None = None) -> int:
        return age_in_months(self.birth_date, on or timezone.localdate())

    @property
    def current_enrolment(self) -> Enrolment | None:
        """The open placement, from a prefetch of ``enrolments`` when there is one."""
        for enrolment in self.enrolments.all():
            if enrolment.ended_on is None:
                return enrolment
        return None


class GuardianQuerySet(models.QuerySet):
    def visible_to(self, user) -> GuardianQuerySet:
        return self.filter(child__in=Child.objects.visible_to(user))


@pghistory.track()
class Guardian(Versioned):
    """监护人 — a parent or other guardian of a child; may be linked to a parent account.
    Edited with a version (``Versioned``)."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER = "other", _("Other guardian")

    child = models.ForeignKey(Child, models.CASCADE, related_name="guardians",
                              verbose_name=_("child"))
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation to the child"), max_length=20,
                                choices=Relation.choices)
    mobile = models.CharField(_("mobile number"), max_length=20, validators=[validate_phone])
    id_number = EncryptedTextField(_("resident ID number"), blank=True,
                                   validators=[validate_id_number])
    id_number_digest = BlindIndexField(source="id_number", purpose="ric")
    is_primary = models.BooleanField(_("primary contact"), default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                             related_name="guardianships", verbose_name=_("parent account"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = GuardianQuerySet.as_manager()

    class Meta:
        ordering = ["child", "-is_primary", "id"]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"


@pghistory.track()
class GuardianConsent(models.Model):
    """监护人同意 (PIPL Art 29/31): what was agreed, under which version of the child privacy
    rules, when and how. Photos and sharing need their own, separate consent."""

    class Purpose(models.TextChoices):
        RECORDS = "records", _("Childcare records (enrolment, attendance, health checks)")
        PHOTOS = "photos", _("Photos and video of the child")
        SHARING = "sharing", _("Sharing with parties other than the health bureau")

    class Method(models.TextChoices):
        PAPER = "paper", _("Signed paper form")
        IN_PERSON = "in_person", _("In person, confirmed by staff")
        ONLINE = "online", _("Online, by the guardian's own account")

    child = models.ForeignKey(Child, models.CASCADE, related_name="consents",
                              verbose_name=_("child"))
    guardian = models.ForeignKey(Guardian, models.CASCADE, related_name="consents",
                                 verbose_name=_("guardian"))
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    rules_version = models.CharField(_("version of the child privacy rules"), max_length=20)
    consented_at = models.DateTimeField(_("consented at"), default=timezone.now)
    method = models.CharField(_("how consent was given"), max_length=10, choices=Method.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["child", "purpose", "-consented_at"]
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")

    def __str__(self) -> str:
        return f"{self.child} · {self.get_purpose_display()}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


@pghistory.track()
class Enrolment(models.Model):
    """入托 — a child's placement in a class, from a day until a day (history of placements)."""

    child = models.ForeignKey(Child, models.CASCADE, related_name="enrolments",
                              verbose_name=_("child"))
    class_group = models.ForeignKey(ClassGroup, models.PROTECT, related_name="enrolments",
                                    verbose_name=_("class"))
    service_form = models.CharField(_("service form"), max_length=10,
                                    choices=Centre.ServiceForm.choices,
                                    default=Centre.ServiceForm.FULL_DAY)
    started_on = models.DateField(_("starts on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["child", "-started_on", "-id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["child"], condition=Q(ended_on__isnull=True),
                                    name="supervision_one_open_enrolment"),
        ]

    def __str__(self) -> str:
        return f"{self.child} · {self.class_group}"


@pghistory.track()
class HealthCheck(Recorded):
    """入托体检 / 返园体检 — a health check at a medical institution (管理规范 Art 11)."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry health check")
        RETURN = "return", _("Health check after ≥ 3 months away")
        PERIODIC = "periodic", _("Periodic health check")

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Not passed")

    child = models.ForeignKey(Child, models.CASCADE, related_name="health_checks",
                              verbose_name=_("child"))
    kind = models.CharField(pgettext_lazy("health check", "kind"), max_length=10,
                            choices=Kind.choices)
    checked_on = models.DateField(_("checked on"))
    institution = models.CharField(_("medical institution"), max_length=100)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    notes = EncryptedTextField(_("notes"), blank=True)

    class Meta:
        ordering = ["child", "-checked_on", "-id"]
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")

    def __str__(self) -> str:
        return f"{self.child} · {self.get_kind_display()} · {self.checked_on}"


@pghistory.track()
class VaccinationCheck(Recorded):
    """预防接种证查验 — the centre saw the vaccination certificate (76号令 Art 15(6))."""

    child = models.ForeignKey(Child, models.CASCADE, related_name="vaccination_checks",
                              verbose_name=_("child"))
    checked_on = models.DateField(_("checked on"))
    certificate_seen = models.BooleanField(_("vaccination certificate seen"), default=True)
    up_to_date = models.BooleanField(_("vaccinations up to date for the age"), default=True)
    missing = models.CharField(_("missing vaccinations"), max_length=200, blank=True,
                               help_text=_("The guardian is told and urged to catch up."))

    class Meta:
        ordering = ["child", "-checked_on", "-id"]
        verbose_name = _("vaccination check")
        verbose_name_plural = _("vaccination checks")

    def __str__(self) -> str:
        return f"{self.child} · {self.checked_on}"


class ChildrenReport(models.Model):
    """定期报送 (管理规范 Art 12): the centre sends the bureau a snapshot of its enrolled
    children — counts by class type and age — at least every ``KID_REPORT_INTERVAL_DAYS``."""

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="children_reports",
                               verbose_name=_("centre"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     blank=True, related_name="+", verbose_name=_("submitted by"))
    enrolled = models.PositiveIntegerField(_("children enrolled"))
    figures = models.JSONField(_("figures"), default=dict, blank=True,
                               help_text=_("Children by class type and by age band."))

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("children report")
        verbose_name_plural = _("children reports")

    def __str__(self) -> str:
        return f"{self.centre} · {day(self.submitted_at)}"
