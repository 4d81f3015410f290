"""What the parent portal contributes to pages it shares with other apps (luhuituo.core.sections):
the centre's public profile and a link to file a complaint about it, on each centre of the
public list; the linking codes and the applications for a place in the centre's own
navigation."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from luhuituo.core.sections import Link, register


def _may_complain(request, centre) -> bool:
    """Parents, and visitors who may log in as one; not centre or regulator accounts."""
    return not request.user.is_authenticated or request.user.is_parent


register(
    "public-centre",
    Link(_("Centre profile"),
         lambda centre: reverse("parents:centre-profile", args=[centre.pk]), 5),
    Link(_("File a complaint"),
         lambda centre: f"{reverse('parents:complaint-create')}?centre={centre.pk}", 95,
         show=_may_complain),
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
