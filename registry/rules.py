"""Who may do what with a centre: the predicates every app asks, and who is told.

Predicates answer yes or no (for templates and views); ``require_*`` raise ``NotPermitted``
(a 403 in views) with the reason, for services. "Is this user the centre's manager" is asked
here and nowhere else.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from luhuituo.core.models import RegulatorScope, User
from luhuituo.core.workflow import require

from .models import Centre, CentreMembership


def _memberships(user: User, centre: Centre):
    return CentreMembership.objects.active().filter(user=user, centre=centre)


def is_centre_member(user: User | None, centre: Centre) -> bool:
    """An active member (manager or staff) of the centre."""
    return bool(user is not None and user.is_authenticated
                and _memberships(user, centre).exists())


def is_centre_manager(user: User | None, centre: Centre) -> bool:
    """An active manager of the centre."""
    return bool(user is not None and user.is_authenticated
                and _memberships(user, centre).filter(
                    role=CentreMembership.Role.MANAGER).exists())


def can_decide(user: User | None, centre: Centre) -> bool:
    """A regulator (not an assessor) whose scope covers the centre's district: decides its
    filing, inspects it, orders rectification, handles complaints about it."""
    if user is None or not user.is_authenticated or not user.is_regulator:
        return False
    return any(
        scope.role == RegulatorScope.Role.REGULATOR
        and (scope.region_id == centre.region_id or scope.region_id == centre.region.parent_id)
        for scope in user.regulator_scopes
    )


def require_centre_member(user: User | None, centre: Centre) -> CentreMembership:
    """The user's active membership of the centre (for a service that needs the role), or
    ``NotPermitted``."""
    membership = (_memberships(user, centre).first()
                  if user is not None and user.is_authenticated else None)
    require(membership is not None, _("Only the centre's own staff can do this."))
    return membership


def require_centre_manager(user: User | None, centre: Centre) -> None:
    require(is_centre_manager(user, centre), _("Only the centre's manager can do this."))


def require_decider(user: User | None, centre: Centre) -> None:
    require(can_decide(user, centre),
            _("Only the district health bureau responsible for this centre can do this."))


# --- who is told -----------------------------------------------------------------------------


def responsible_regulators(centre: Centre) -> list[User]:
    """The district's regulators; the city's if the district has none."""
    scopes = RegulatorScope.objects.filter(
        role=RegulatorScope.Role.REGULATOR, user__is_active=True
    ).select_related("user")
    district = [s.user for s in scopes.filter(region_id=centre.region_id)]
    return district or [s.user for s in scopes.filter(region_id=centre.region.parent_id)]


def centre_managers(centre: Centre) -> list[User]:
    """The centre's active managers."""
    return [m.user for m in CentreMembership.objects.active().filter(
        centre=centre, role=CentreMembership.Role.MANAGER, user__is_active=True
    ).select_related("user")]
