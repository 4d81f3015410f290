"""Who may do what in supervision. The centre-side predicates (member, manager) and the
bureau's (``can_decide``) are registry's (``registry.rules``); here are supervision's own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from luhuituo.core.workflow import require
from registry.models import Centre


def can_inspect(user, centre: Centre) -> bool:
    """A regulator or assessor whose scope covers the centre (fills in checklists and
    findings)."""
    return bool(user is not None and user.is_authenticated and user.is_regulator
                and centre.region_id in user.scope_region_ids)


def require_inspector(user, centre: Centre) -> None:
    require(can_inspect(user, centre),
            _("Only an inspector of the health bureau responsible for this centre can do this."))
