"""The staff ban list's workflows (docs/rules/ban-list.md): a regulator enters an entry, the
platform proposes one from a staff-level event, a regulator confirms or lifts it. Each step is
audited without the ID number and tells the A15 rule to run again at once."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError, NotPermitted
from luhuituo.core.jobs import enqueue
from luhuituo.core.models import RegulatorScope
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require_status

from ..models import BanListEntry

BS = BanListEntry.Status


def rerun_a15() -> None:
    """Run rule A15 after the transaction commits (one job, however many saves ask)."""
    enqueue("supervision.checks.engine.run_rules", codes=["A15"], coalesce=True)


def _deciding_scopes(user) -> list:
    if user is None or not user.is_authenticated or not user.is_regulator:
        return []
    return [s for s in user.regulator_scopes if s.role == RegulatorScope.Role.REGULATOR]


def can_change(user, entry: BanListEntry | None = None) -> bool:
    """A regulator (not an assessor) may enter entries; they confirm or lift the entries of
    their own regions (a city regulator: every entry)."""
    scopes = _deciding_scopes(user)
    if not scopes:
        return False
    if entry is None:
        return True
    if any(s.region.is_city for s in scopes):
        return True
    return entry.region_id in {s.region_id for s in scopes}


def _require_regulator(user, entry: BanListEntry | None = None) -> None:
    if not can_change(user, entry):
        raise NotPermitted(_("Only a regulator of its region can change this ban list entry."))


@transaction.atomic
def enter_ban(*, by, id_number: str, name: str, reason: str, details: str = "",
              valid_from: date, valid_until: date | None = None, incident=None,
              request=None) -> BanListEntry:
    """A regulator enters a ban: in force from ``valid_from`` (city-wide)."""
    _require_regulator(by)
    entry = BanListEntry.objects.create(
        id_number=id_number, name=name, reason=reason, details=details, incident=incident,
        valid_from=valid_from, valid_until=valid_until, status=BS.ACTIVE,
        region=_deciding_scopes(by)[0].region, entered_by=by, confirmed_by=by,
        confirmed_at=timezone.now())
    audit(Verb.BAN_ENTERED, actor=by, target=entry, request=request, ground=reason)
    rerun_a15()
    return entry


def propose_ban(*, staff, reason: str, details: str = "", incident=None) -> BanListEntry | None:
    """The platform proposes a PENDING entry for ``staff`` (none when the person already has a
    pending or active entry)."""
    digest = staff.id_number_digest
    if not digest or BanListEntry.objects.filter(
            id_number_digest=digest, status__in=[BS.PENDING, BS.ACTIVE]).exists():
        return None
    entry = BanListEntry.objects.create(
        id_number=staff.id_number, name=staff.name, reason=reason, details=details,
        staff=staff, incident=incident, region=staff.centre.region, status=BS.PENDING,
        valid_from=timezone.localdate())
    audit(Verb.BAN_PROPOSED, actor=None, target=entry, ground=reason)
    return entry


@transaction.atomic
def confirm_ban(*, entry: BanListEntry, by, valid_from: date, valid_until: date | None = None,
                request=None) -> BanListEntry:
    _require_regulator(by, entry)
    entry = lock(entry)
    require_status(entry, BS.PENDING, action=_("confirmed"))
    if valid_until is not None and valid_until < valid_from:
        raise DomainError(_("The end of the ban cannot be before its start."),
                          field="valid_until")
    entry.status = BS.ACTIVE
    entry.valid_from, entry.valid_until = valid_from, valid_until
    entry.confirmed_by, entry.confirmed_at = by, timezone.now()
    entry.save()
    audit(Verb.BAN_CONFIRMED, actor=by, target=entry, request=request)
    rerun_a15()
    return entry


@transaction.atomic
def lift_ban(*, entry: BanListEntry, by, reason: str, request=None) -> BanListEntry:
    """Lift an entry in force, or reject a pending proposal, with the reason."""
    _require_regulator(by, entry)
    entry = lock(entry)
    require_status(entry, BS.PENDING, BS.ACTIVE, action=_("lifted"))
    if not reason.strip():
        raise DomainError(_("Say why the entry is lifted."), field="lift_reason")
    entry.status = BS.LIFTED
    entry.lifted_by, entry.lifted_at, entry.lift_reason = by, timezone.now(), reason.strip()
    entry.save()
    audit(Verb.BAN_LIFTED, actor=by, target=entry, request=request,
          reason=entry.lift_reason)
    rerun_a15()
    return entry
