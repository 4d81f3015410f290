"""What the parent portal contributes to pages it shares with other apps (luhuituo.core.sections):
the centre's public profile, on each centre of the public list; the linking codes and the
applications for a place in the centre's own navigation."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from luhuituo.core.sections import Link, register

register(
    "public-centre",
    Link(_("Centre profile"),
         lambda centre: reverse("parents:centre-profile", args=[centre.pk]), 5)
)

register(
    "centre-nav",
    Link(_("Parent accounts"),
         lambda centre: reverse("parents:linking-code-list", args=[centre.pk]), 85,
         ("linking-code-",)),
    Link(_("Applications"),
         lambda centre: reverse("parents:centre-applications", args=[centre.pk]), 82,
         ("centre-applications", "centre-application")),
)
