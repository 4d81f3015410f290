"""The audit trail of a centre and its filing, ready to show: status and material labels in
the reader's language (the audit records codes, never translated text)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from luhuituo.core.models import AuditEvent

from .models import Centre, ChangeFiling, Filing, FilingMaterial


def material_label(kind: str, staff_name: str = "") -> str:
    label = FilingMaterial(kind=kind).kind_label
    return f"{label}（{staff_name}）" if staff_name else label


def decorate(events: list[AuditEvent]) -> list[AuditEvent]:
    for event in events:
        details = event.details or {}
        event.material_label = (material_label(details["kind"], details.get("staff", ""))
                                if "kind" in details else "")
        event.returned = [
            {"label": material_label(r.get("kind", ""), r.get("staff", "")),
             "reason": r.get("reason", "")}
            for r in details.get("reasons", []) if isinstance(r, dict)
        ]
    return events


def filing_history(filing: Filing, limit: int = 50) -> list[AuditEvent]:
    """The filing's events, newest first."""
    return decorate(list(
        AuditEvent.objects.filter(target_type=ContentType.objects.get_for_model(Filing),
                                  target_id=str(filing.pk))
        .order_by("-created_at", "-id")[:limit]
    ))


def centre_history(centre: Centre, filing: Filing | None, limit: int = 50) -> list[AuditEvent]:
    """Events about the centre, its filing and its change filings, newest first."""
    about = Q(target_type=ContentType.objects.get_for_model(Centre), target_id=str(centre.pk))
    if filing is not None:
        about |= Q(target_type=ContentType.objects.get_for_model(Filing),
                   target_id=str(filing.pk))
    change_ids = [str(pk) for pk in centre.change_filings.values_list("pk", flat=True)]
    if change_ids:
        about |= Q(target_type=ContentType.objects.get_for_model(ChangeFiling),
                   target_id__in=change_ids)
    return decorate(list(AuditEvent.objects.filter(about).order_by("-created_at", "-id")[:limit]))
