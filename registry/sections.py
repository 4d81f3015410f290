"""What the registry contributes to pages it shares with other apps (luhuituo.core.sections):
the centre's details, fees, insurance, classes, staff, photos, accounts and filing in the
centre's own navigation, and the insurance on the regulator's page of a centre."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from luhuituo.core.sections import Link, register


def _url(name: str):
    return lambda centre: reverse(f"registry:{name}", args=[centre.pk])


def _manager(request, centre) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.is_manager


register(
    "centre-nav",
    Link(_("Overview"), _url("centre-overview"), 10, ("centre-overview",)),
    Link(_("Centre details"), _url("centre-profile"), 20, ("centre-profile",)),
    Link(_("Fees"), _url("fee-schedule"), 30, ("fee-schedule",)),
    Link(_("Insurance"), _url("insurance"), 35, ("insurance",)),
    Link(_("Classes"), _url("class-list"), 40, ("class-list", "class-create", "class-edit")),
    Link(_("Staff"), _url("staff-list"), 50, ("staff-list", "staff-create", "staff-edit")),
    Link(_("Photos"), _url("photo-list"), 60, ("photo-",)),
    Link(_("Accounts"), _url("member-list"), 70, ("member-list",), show=_manager),
    Link(_("Filing"), _url("filing-detail"), 140, ("filing-detail",)),
    Link(_("Change filing"), _url("change-list"), 150, ("change-list", "change-create")),
)

register(
    "regulator-centre",
    Link(_("Liability insurance"), _url("regulator-insurance"), 60),
)
