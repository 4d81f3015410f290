"""What evaluation contributes to pages it shares with other apps (luhuituo.core.sections):
the staff ban list in the regulator's navigation."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from luhuituo.core.sections import Link, register

register(
    "regulator-nav",
    Link(_("Staff ban list"), lambda _obj: reverse("evaluation:ban-list"), 100, ("ban-",)),
)
