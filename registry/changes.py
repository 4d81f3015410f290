"""Change filing (变更备案, 管理规范 Art 6; docs/rules/filing.md#change-filing): a filed centre
proposes new values for its filed details; the district bureau accepts them (they are then applied
to the centre) or returns them; changes of premises, capacity, legal form or meals are verified
again.

    SUBMITTED ─accept→ ACCEPTED ─verify→ VERIFIED        (premises, capacity, legal form, meals)
              ─accept→ VERIFIED                          (anything else)
              ─return→ RETURNED                          (the centre may file a new change)
    ACCEPTED ─nonconforming→ NONCONFORMING
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.models import Notification, User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, transition

from .models import Centre, ChangeFiling, Filing, FilingMaterial, MaterialKind
from .rules import centre_managers, require_centre_manager, require_decider, responsible_regulators
from .services import FilingError

C = ChangeFiling.Status
# A centre can file a change once it is filed, and until it starts ending its service.
CHANGEABLE = Filing.OPERATING_STATUSES
# Materials that must come with a change of this kind (docs/rules/filing.md#change-filing: premises
# re-trigger the lease and fire-safety checks; meals need the food business licence).
REQUIRED_MATERIALS = {
    ChangeFiling.Kind.PREMISES: [MaterialKind.PREMISES, MaterialKind.FIRE_SAFETY],
}


def _json(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def diff(centre: Centre, cleaned: dict) -> dict:
    """The editable fields whose cleaned value differs from the centre's, as JSON values."""
    changed = {}
    for name in ChangeFiling.FIELD_KINDS:
        if name not in cleaned:
            continue
        new, old = cleaned[name], getattr(centre, name)
        if isinstance(new, list) or isinstance(old, list):
            if sorted(new or []) == sorted(old or []):
                continue
        elif new == old or (new in (None, "") and old in (None, "")):
            continue
        changed[name] = _json(new)
    return changed


def required_materials(proposed: dict, centre: Centre) -> list[str]:
    kinds = {ChangeFiling.FIELD_KINDS[name] for name in proposed}
    needed = [m for kind in kinds for m in REQUIRED_MATERIALS.get(kind, [])]
    if proposed.get("provides_meals") is True and not centre.provides_meals:
        needed.append(MaterialKind.FOOD_LICENCE)
    return needed


@transaction.atomic
def submit_change(*, centre: Centre, by: User, proposed: dict, reason: str,
                  materials: dict | None = None, request=None) -> ChangeFiling:
    """File a change of the centre's filed details. ``materials`` maps a material kind to a
    checked upload: (uploaded file, CheckedUpload); the CheckedUpload's file is stored."""
    filing = Filing.objects.select_for_update().get(centre=centre)
    require_centre_manager(by, centre)
    if filing.status not in CHANGEABLE:
        raise FilingError(_("A change filing is possible once the centre has been filed, and "
                            "not while it is ending its service."))
    if not proposed:
        raise FilingError(_("Nothing has changed: edit at least one detail."))
    if not reason.strip():
        raise FilingError(_("Give the reason for the change."))
    if ChangeFiling.objects.filter(centre=centre).open().exists():
        raise FilingError(_("This centre already has a change filing in progress."))
    materials = materials or {}
    missing = [m for m in required_materials(proposed, centre) if m not in materials]
    if missing:
        labels = "、".join(FilingMaterial(kind=m).kind_label for m in missing)
        raise FilingError(_("This change needs new materials: %(materials)s.") % {
            "materials": labels})
    kinds = sorted({ChangeFiling.FIELD_KINDS[name] for name in proposed})
    change = ChangeFiling.objects.create(centre=centre, kinds=kinds, proposed=proposed,
                                         reason=reason, submitted_by=by)
    for kind, (uploaded, checked) in materials.items():
        material = FilingMaterial(
            filing=filing, kind=kind, change=change, original_name=uploaded.name[:200],
            content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
            uploaded_by=by,
        )
        material.file.save(uploaded.name, checked.file, save=False)
        material.save()
    audit(Verb.CHANGE_SUBMITTED, actor=by, target=change, request=request, kinds=kinds,
          fields=sorted(proposed))
    notify_later(responsible_regulators(centre),
                  _("Change filing: %(centre)s") % {"centre": centre.name},
                  url=reverse("registry:review", args=[centre.pk]))
    return change


def _decide(change: ChangeFiling, to: str, *, by: User, verb: str, note: str, request):
    change.decided_by, change.decided_at = by, timezone.now()
    change.note = note
    transition(change, to, by=by, verb=verb, request=request, note=note)


def _apply(change: ChangeFiling, *, by: User) -> None:
    """Copy the proposed values onto the centre, keeping the old ones on the change."""
    centre = Centre.objects.select_for_update().get(pk=change.centre_id)
    centre.updated_by = by
    previous = {}
    for name, value in change.proposed.items():
        if name not in ChangeFiling.FIELD_KINDS:  # proposed before it stopped being one
            continue
        field = Centre._meta.get_field(name)
        previous[name] = _json(getattr(centre, name))
        setattr(centre, name, field.to_python(value) if value is not None else None)
    centre.full_clean(exclude=["region"])
    centre.save()
    change.previous = previous


@transaction.atomic
def accept_change(*, change: ChangeFiling, by: User, note: str = "",
                  request=None) -> ChangeFiling:
    change = lock(change, "centre__region")
    require_decider(by, change.centre)
    if change.status != C.SUBMITTED:
        raise FilingError(_("Only a submitted change can be accepted."))
    _apply(change, by=by)
    change.materials.update(verdict=FilingMaterial.Verdict.ACCEPTED, reviewed_by=by,
                            reviewed_at=timezone.now())
    to = C.ACCEPTED if change.needs_verification else C.VERIFIED
    _decide(change, to, by=by, verb=Verb.CHANGE_ACCEPTED, note=note, request=request)
    notify_later(centre_managers(change.centre),
                  _("Change filing accepted: %(centre)s") % {"centre": change.centre.name},
                  url=reverse("registry:change-list", args=[change.centre_id]), body=note)
    return change


@transaction.atomic
def return_change(*, change: ChangeFiling, by: User, note: str, request=None) -> ChangeFiling:
    change = lock(change, "centre__region")
    require_decider(by, change.centre)
    if change.status != C.SUBMITTED:
        raise FilingError(_("Only a submitted change can be returned."))
    if not note.strip():
        raise FilingError(_("Say why the change is returned."))
    change.materials.update(verdict=FilingMaterial.Verdict.RETURNED, return_reason=note,
                            reviewed_by=by, reviewed_at=timezone.now())
    _decide(change, C.RETURNED, by=by, verb=Verb.CHANGE_RETURNED, note=note, request=request)
    notify_later(centre_managers(change.centre),
                  _("Change filing returned: %(centre)s") % {"centre": change.centre.name},
                  url=reverse("registry:change-list", args=[change.centre_id]), body=note,
                  level=Notification.Level.WARNING)
    return change


@transaction.atomic
def verify_change(*, change: ChangeFiling, by: User, note: str = "",
                  request=None) -> ChangeFiling:
    change = lock(change, "centre__region")
    require_decider(by, change.centre)
    if change.status != C.ACCEPTED:
        raise FilingError(_("Only an accepted change can be verified."))
    _decide(change, C.VERIFIED, by=by, verb=Verb.CHANGE_VERIFIED, note=note, request=request)
    return change


@transaction.atomic
def find_change_nonconforming(*, change: ChangeFiling, by: User, note: str,
                              request=None) -> ChangeFiling:
    change = lock(change, "centre__region")
    require_decider(by, change.centre)
    if change.status != C.ACCEPTED:
        raise FilingError(_("Only an accepted change can be found non-conforming."))
    if not note.strip():
        raise FilingError(_("Write what does not meet the rules."))
    _decide(change, C.NONCONFORMING, by=by, verb=Verb.CHANGE_NONCONFORMING, note=note,
            request=request)
    notify_later(centre_managers(change.centre),
                  _("Change filing found non-conforming: %(centre)s") % {
                      "centre": change.centre.name},
                  url=reverse("registry:change-list", args=[change.centre_id]), body=note,
                  level=Notification.Level.DANGER)
    return change
