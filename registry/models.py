"""Registry (运营前): centres and who works for them.

This is the minimal ``Centre`` the platform foundation needs for access control; the registry
issue completes it (legal form, premises, fees, filing workflow).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CentreQuerySet(models.QuerySet):
    def visible_to(self, user) -> CentreQuerySet:
        """Regulators see the centres in their regions; centre accounts their own centres."""
        if not user.is_authenticated:
            return self.none()
        if user.is_regulator:
            return self.filter(region_id__in=user.scope_region_ids)
        if user.is_centre_account:
            return self.filter(
                memberships__user=user, memberships__is_active=True
            ).distinct()
        return self.none()


class Centre(models.Model):
    """托育机构 — a childcare centre for children under three."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "core.Region", models.PROTECT, related_name="centres", verbose_name=_("district/county"),
        limit_choices_to=~Q(level="city"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CentreQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("centre")
        verbose_name_plural = _("centres")

    def __str__(self) -> str:
        return self.name


class CentreMembershipQuerySet(models.QuerySet):
    def active(self) -> CentreMembershipQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user) -> CentreMembershipQuerySet:
        return self.filter(centre__in=Centre.objects.visible_to(user))


class CentreMembership(models.Model):
    """机构成员 — a centre account's place at one centre: manager (负责人) or staff."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        STAFF = "staff", _("Staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="centre_memberships",
        verbose_name=_("user"), limit_choices_to={"account_type": "centre"},
    )
    centre = models.ForeignKey(
        Centre, models.CASCADE, related_name="memberships", verbose_name=_("centre")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("joined at"), default=timezone.now)

    objects = CentreMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["centre__name", "role", "id"]
        verbose_name = _("centre membership")
        verbose_name_plural = _("centre memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "centre"], name="registry_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.centre} · {self.get_role_display()}"

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER
