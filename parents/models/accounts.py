"""The parent portal's own records: the one-time codes that link a parent account to a
guardian a centre recorded (``LinkingCode``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Centre
from supervision.models import Child, Guardian


class LinkingCodeQuerySet(models.QuerySet):
    def usable(self, now=None) -> LinkingCodeQuerySet:
        """Not used, not revoked, not expired."""
        now = now or timezone.now()
        return self.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class LinkingCode(models.Model):
    """关联码 — a one-time code a centre gives one guardian of one child, with which the
    guardian's parent account is linked to that guardian record (never by matching a phone
    number). Only a keyed hash of the code is stored: the plain code is shown once, to print or
    hand over. It expires after ``LINKING_CODE_DAYS``, works once, and a new code for the same
    guardian revokes the previous one."""

    guardian = models.ForeignKey(Guardian, models.CASCADE, related_name="linking_codes",
                                 verbose_name=_("guardian"))
    code_digest = models.CharField(_("code digest"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name=_("issued by"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                blank=True, related_name="+", verbose_name=_("used by"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = LinkingCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("linking code")
        verbose_name_plural = _("linking codes")
        constraints = [
            models.UniqueConstraint(
                fields=["guardian"], condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="parents_one_open_linking_code"),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} · {self.issued_at:%Y-%m-%d}"

    @property
    def is_usable(self) -> bool:
        return (self.used_at is None and self.revoked_at is None
                and self.expires_at > timezone.now())


class ApplicantChildQuerySet(models.QuerySet):
    def visible_to(self, user) -> ApplicantChildQuerySet:
        """Only the parent who added the child."""
        if not user.is_authenticated or not user.is_parent:
            return self.none()
        return self.filter(parent=user)


class ApplicantChild(models.Model):
    """A child a parent adds to apply for a place — not yet at any centre. Added only with the
    parent's online consent to the child privacy rules (version and time kept); the centre
    that accepts an application records that consent on the child it enrols."""

    parent = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE,
                               related_name="applicant_children", verbose_name=_("parent"))
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=10, choices=Child.Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    relation = models.CharField(_("your relation to the child"), max_length=20,
                                choices=Guardian.Relation.choices)
    consent_rules_version = models.CharField(_("version of the child privacy rules"),
                                             max_length=20)
    consented_at = models.DateTimeField(_("consented at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ApplicantChildQuerySet.as_manager()

    class Meta:
        ordering = ["parent", "name", "id"]
        verbose_name = _("child applying for a place")
        verbose_name_plural = _("children applying for a place")

    def __str__(self) -> str:
        return self.name


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user) -> ApplicationQuerySet:
        """Parents: their own children's applications. Centre accounts: applications to their
        centres. Nobody else."""
        if not user.is_authenticated:
            return self.none()
        if user.is_parent:
            return self.filter(child__parent=user)
        if user.is_centre_account:
            return self.filter(centre__memberships__user=user,
                               centre__memberships__is_active=True).distinct()
        return self.none()

    def open(self) -> ApplicationQuerySet:
        return self.filter(status__in=Application.OPEN)


class Application(models.Model):
    """入托申请 — a parent's application for a place for their child at a centre, with a
    preferred start date and care form. The centre accepts it (enrolling the child through
    ``supervision.services.children.enrol_child``), puts it on its waiting list, or declines
    it with a reason; the parent may withdraw it while it is open. Accepting one closes the
    child's other open applications (``closed``: placed at another centre)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        WAITLISTED = "waitlisted", _("On the waiting list")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CLOSED = "closed", _("Closed: placed at another centre")

    OPEN = (Status.SUBMITTED, Status.WAITLISTED)

    child = models.ForeignKey(ApplicantChild, models.CASCADE, related_name="applications",
                              verbose_name=_("child"))
    centre = models.ForeignKey(Centre, models.CASCADE, related_name="applications",
                               verbose_name=_("centre"))
    preferred_start = models.DateField(_("preferred start date"))
    service_form = models.CharField(_("care form"), max_length=10,
                                    choices=Centre.ServiceForm.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    waitlisted_at = models.DateTimeField(_("put on the waiting list at"), null=True,
                                         blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    enrolled_child = models.ForeignKey(Child, models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("enrolled child"))

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["child", "centre"], condition=Q(status__in=["submitted", "waitlisted"]),
                name="parents_one_open_application_per_centre",
                violation_error_message=_("This child already has an open application at "
                                          "this centre.")),
        ]
        indexes = [models.Index(fields=["centre", "status", "waitlisted_at"])]

    def __str__(self) -> str:
        return f"{self.child} · {self.centre}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
