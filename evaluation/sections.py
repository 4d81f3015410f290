"""What evaluation contributes to pages it shares with other apps (luhuituo.core.sections): the
credit record (信用档案) in the centre's own navigation and on the regulator's page of a centre."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from luhuituo.core.sections import Link, register

register(
    "centre-nav",
    Link(_("Credit record"), lambda centre: reverse("evaluation:centre-credit", args=[centre.pk]),
         135, ("centre-credit", "credit-appeal")),
)

register(
    "regulator-centre",
    Link(_("Credit record"),
         lambda centre: reverse("evaluation:regulator-centre-credit", args=[centre.pk]), 75),
)
