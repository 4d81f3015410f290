"""Access helpers for centre accounts (docs/architecture.md#access).

Views under /centre/<centre_id>/… take the centre from the URL and check the membership here:
an account that is not an active member of that centre gets 404, as if the centre did not exist.
"""

from functools import wraps

from django.http import Http404

from luhuituo.core.permissions import centre_account_required

from .models import CentreMembership


def get_membership_or_404(user, centre_id: int, *, manager: bool = False) -> CentreMembership:
    """The user's active membership of the centre (a manager's, if ``manager``), else 404."""
    memberships = CentreMembership.objects.active().filter(user=user, centre_id=centre_id)
    if manager:
        memberships = memberships.filter(role=CentreMembership.Role.MANAGER)
    membership = memberships.select_related("centre__region", "centre__filing").first()
    if membership is None:
        raise Http404
    return membership


def centre_member_required(view=None, *, manager: bool = False):
    """For views with a ``centre_id`` URL argument: a centre account that is an active member
    (or manager) of that centre. Sets ``request.membership`` and ``request.centre``."""

    def decorator(view):
        @centre_account_required
        @wraps(view)
        def wrapper(request, *args, centre_id: int, **kwargs):
            membership = get_membership_or_404(request.user, centre_id, manager=manager)
            request.membership = membership
            request.centre = membership.centre
            return view(request, *args, centre_id=centre_id, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator
