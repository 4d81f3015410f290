"""Certificates a filed centre keeps valid while it operates (fire safety, food business
licence, health evaluation; settings.RENEWABLE_MATERIALS). A renewal is a new FilingMaterial
version of the same kind — older versions stay as history — so the latest upload per kind is
the certificate in force, as alerts A18 and A19 (supervision.checks.rules.registry) read it.

The write side is ``registry.services.renew_certificate`` / ``review_certificate``; this
module only reads."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from .models import Centre, Filing, FilingMaterial, MaterialKind, centre_material_kinds

S = Filing.Status
# A centre keeps its certificates up to date while it operates.
OPERATING = Filing.OPERATING_STATUSES


def renewable_kinds(centre: Centre) -> list[str]:
    """The renewable certificates on this centre's checklist (the food business licence only
    when it provides meals), in the order of settings.RENEWABLE_MATERIALS."""
    checklist = {str(kind) for kind in centre_material_kinds(centre)}
    return [kind for kind in settings.RENEWABLE_MATERIALS if kind in checklist]


def expiry(material: FilingMaterial) -> tuple[date | None, bool]:
    """(the last valid day, whether it is estimated). A fire-safety certificate without a date
    counts FIRE_CERT_VALID_MONTHS from its upload, as alert A18 does; a food business licence
    FOOD_LICENCE_VALID_MONTHS, as alert A19 does."""
    if material.valid_until:
        return material.valid_until, False
    months = {MaterialKind.FIRE_SAFETY: settings.FIRE_CERT_VALID_MONTHS,
              MaterialKind.FOOD_LICENCE: settings.FOOD_LICENCE_VALID_MONTHS}.get(material.kind)
    if months is not None:
        issued = timezone.localdate(material.uploaded_at)
        return issued + relativedelta(months=months), True
    return None, False


def state(expires: date | None, today: date) -> str:
    """valid, expiring (within CERTIFICATE_WARN_DAYS), expired or unknown (no date)."""
    if expires is None:
        return "unknown"
    if expires < today:
        return "expired"
    if expires <= today + timedelta(days=settings.CERTIFICATE_WARN_DAYS):
        return "expiring"
    return "valid"


def certificate_rows(filing: Filing, today: date | None = None) -> list[dict]:
    """One row per renewable certificate of the centre: its latest version (None if never
    uploaded), the earlier versions newest first, its expiry and state. Two queries."""
    today = today or timezone.localdate()
    kinds = renewable_kinds(filing.centre)
    versions: dict[str, list[FilingMaterial]] = {kind: [] for kind in kinds}
    for material in (FilingMaterial.objects.filter(filing=filing, kind__in=kinds,
                                                   staff__isnull=True)
                     .order_by("-uploaded_at", "-id")):
        versions[material.kind].append(material)
    rows = []
    for kind in kinds:
        latest, *earlier = versions[kind] or [None]
        expires, estimated = expiry(latest) if latest else (None, False)
        rows.append({
            "kind": kind, "label": FilingMaterial(kind=kind).kind_label,
            "material": latest, "earlier": earlier,
            "expires": expires, "estimated": estimated,
            "state": state(expires, today) if latest else "missing",
        })
    return rows
