"""The ban list's check of every staff record saved anywhere in the city (registry.staff_checks,
docs/rules/ban-list.md). A match refuses nothing — the law may allow the person in some roles
and the regulator decides — but the manager is warned on save and rule A15 runs at once, so the
regulator has the red alert within minutes. A criminal-record check that found a record proposes
a PENDING ban list entry for a regulator to confirm or reject."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Staff
from registry.staff_checks import register

from .models import BanListEntry
from .services.banlist import propose_ban, rerun_a15


@register
def ban_list(staff: Staff, created: bool):
    if not staff.id_number_digest:
        return
    if staff.criminal_check_result == Staff.CriminalCheck.RECORD and propose_ban(
            staff=staff, reason=BanListEntry.Reason.CRIMINAL_RECORD, details=_(
                "Proposed when %(centre)s recorded a criminal-record check with a record.") % {
                    "centre": staff.centre.name}):
        rerun_a15()
    if staff.employment_status != Staff.Employment.ACTIVE:
        return
    if BanListEntry.objects.in_force(timezone.localdate()).filter(
            id_number_digest=staff.id_number_digest).exists():
        rerun_a15()
        yield _("%(name)s matches an entry on the city's staff ban list (从业禁止名单). The "
                "record is saved, and the regulator has been alerted: do not let this person "
                "work with children until the regulator has decided.") % {"name": staff.name}
