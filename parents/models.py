"""The parent portal's own records: the one-time codes that link a parent account to a
guardian a centre recorded (``LinkingCode``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from supervision.models import Guardian


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
