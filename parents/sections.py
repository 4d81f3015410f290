"""What the parent portal contributes to pages it shares with other apps (luhuituo.core.sections):
the centre's public profile, on each centre of the public list."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from luhuituo.core.sections import Link, register

register(
    "public-centre",
    Link(_("Centre profile"),
         lambda centre: reverse("parents:centre-profile", args=[centre.pk]), 5),
)
