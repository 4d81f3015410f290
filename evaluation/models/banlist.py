"""从业禁止名单 — the city's staff ban list (docs/rules/ban-list.md).

A person is identified by resident ID number, kept only encrypted with the same keyed blind
index as ``registry.Staff`` (purpose "ric"), so a staff member matches an entry by equal digests
and the number is never stored in clear. An entry is PENDING (proposed by the platform from a
staff-level event: a criminal-record check that found a record, or entered without a confirmed
basis yet), ACTIVE once a regulator enters or confirms it, and LIFTED when a regulator lifts it
(a pending proposal a regulator rejects is lifted too, with the reason). An active entry applies
from ``valid_from`` until ``valid_until`` inclusive, or for good when that is empty. Alert A15
(evaluation/checks.py) fires for every employed staff member matching an entry in force.
"""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luhuituo.core.fields import BlindIndexField, EncryptedTextField
from luhuituo.core.validators import validate_id_number

# The blind index purpose shared with registry.Staff.id_number_digest: equal numbers, equal
# digests.
ID_PURPOSE = "ric"


class BanListEntryQuerySet(models.QuerySet):
    def in_force(self, today: date) -> BanListEntryQuerySet:
        """Active entries that apply on ``today`` (begun, not yet ended)."""
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today),
                           status=BanListEntry.Status.ACTIVE, valid_from__lte=today)

    def visible_to(self, user) -> BanListEntryQuerySet:
        """City regulators see every entry; a district regulator the entries of its regions
        (entered there, or proposed for a centre there) and every active one (a ban applies
        city-wide); anyone else none."""
        if not getattr(user, "is_regulator", False):
            return self.none()
        if user.is_city_regulator:
            return self.all()
        return self.filter(Q(region_id__in=user.scope_region_ids)
                           | Q(status=BanListEntry.Status.ACTIVE))


@pghistory.track()
class BanListEntry(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        ACTIVE = "active", _("In force")
        LIFTED = "lifted", _("Lifted")

    class Reason(models.TextChoices):
        ABUSE = "abuse", _("Abuse or violence against children confirmed")
        CRIMINAL_RECORD = "criminal_record", _("Criminal record found by the background check")
        DECISION = "decision", _("Decision of a regulator or court")
        OTHER = "other", _("Other")

    id_number = EncryptedTextField(_("resident ID number"), validators=[validate_id_number])
    id_number_digest = BlindIndexField(source="id_number", purpose=ID_PURPOSE)
    name = models.CharField(_("name"), max_length=50)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(pgettext_lazy("ban list entry", "details"), blank=True)
    staff = models.ForeignKey("registry.Staff", models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("staff record"))
    incident = models.ForeignKey("supervision.Incident", models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("incident"))
    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+",
                               verbose_name=_("entered for region"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    valid_from = models.DateField(_("banned from"))
    valid_until = models.DateField(_("banned until"), null=True, blank=True,
                                   help_text=_("Leave empty for a permanent ban."))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("entered by"))
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                  blank=True, related_name="+", verbose_name=_("lifted by"))
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    objects = BanListEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-entered_at", "-id"]
        verbose_name = _("ban list entry")
        verbose_name_plural = _("ban list entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="evaluation_ban_until_after_from"),
        ]

    def __str__(self) -> str:
        from luhuituo.core.masking import mask_name

        return f"{mask_name(self.name)} · {self.get_reason_display()}"

    def in_force_on(self, today: date) -> bool:
        return (self.status == self.Status.ACTIVE and self.valid_from <= today
                and (self.valid_until is None or self.valid_until >= today))
