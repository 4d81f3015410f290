"""What evaluation contributes to pages it shares with other apps (luhuituo.core.sections):
reviews by guardians on the centre's, the regulator's, the public and the parent's pages, the
credit record (信用档案) in the centre's own navigation and on the regulator's page of a centre,
and the staff ban list and the downgrade reviews of star ratings in the regulator's navigation."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.models import RegulatorScope
from luhuituo.core.sections import Link, register
from registry.rules import can_decide

# --- reviews by guardians -------------------------------------------------------------------------


def _latest_placement(child):
    """The child's latest placement that has begun (a review rests on one), or None."""
    return (child.enrolments.filter(started_on__lte=timezone.localdate())
            .order_by("-started_on", "-id").first())


register(
    "public-centre",
    Link(_("Reviews by parents"),
         lambda centre: reverse("evaluation:public-centre-reviews", args=[centre.pk]), 20),
)

register(
    "centre-nav",
    Link(_("Reviews by parents"),
         lambda centre: reverse("evaluation:centre-reviews", args=[centre.pk]), 140,
         ("centre-reviews",)),
)

register(
    "parent-child",
    Link(_("Review the centre"),
         lambda child: reverse("evaluation:review-create", args=[_latest_placement(child).pk]),
         10, show=lambda request, child: _latest_placement(child) is not None),
)


register(
    "regulator-centre",
    Link(_("Reviews by parents"),
         lambda centre: f"{reverse('evaluation:review-list')}?"
                        f"{urlencode({'q': centre.name, 'status': 'all'})}", 80),
)


# --- credit records ------------------------------------------------------------------------

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

register(
    "regulator-nav",
    Link(_("Credit records"), lambda _obj: reverse("evaluation:credit-list"), 90, ("credit-",)),
)


# --- the staff ban list ---------------------------------------------------------------------

register(
    "regulator-nav",
    Link(_("Staff ban list"), lambda _obj: reverse("evaluation:ban-list"), 100, ("ban-",)),
)


# --- quality assessments and star ratings ---------------------------------------------------


def _is_assessor(request, _obj) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and any(
        scope.role == RegulatorScope.Role.ASSESSOR for scope in user.regulator_scopes)


register(
    "centre-nav",
    Link(_("Quality assessment"),
         lambda centre: reverse("evaluation:centre-quality", args=[centre.pk]), 130,
         ("centre-quality", "centre-assessment", "self-assessment-")),
)

register(
    "regulator-centre",
    Link(_("Quality assessments"),
         lambda centre: f"{reverse('evaluation:assessment-list')}?"
                        f"{urlencode({'q': centre.name})}", 70),
)

register(
    "regulator-centre",
    Link(_("Assign an assessment"),
         lambda centre: f"{reverse('evaluation:assessment-assign')}?"
                        f"{urlencode({'centre': centre.pk})}", 71,
         show=lambda request, centre: can_decide(getattr(request, "user", None), centre)),
)

register(
    "regulator-nav",
    Link(_("Quality assessments"), lambda _obj: reverse("evaluation:assessment-list"), 80,
         ("assessment-", "rating-list", "rating-export")),
)

register(
    "regulator-nav",
    Link(_("My assessments"), lambda _obj: reverse("evaluation:assessor-list"), 85,
         ("assessor-",), show=_is_assessor),
)


# --- star ratings ---------------------------------------------------------------------------
# The public report card: on the public list of centres and on the regulator's centre page. The
# page itself says when a centre has no rating in force, so the link costs no query per centre;
# the regulator gets it for a centre on the public list (any other has no public page).

register(
    "public-centre",
    Link(_("Star rating"), lambda centre: reverse("evaluation:public-rating", args=[centre.pk]),
         15),
)


def _listed_publicly(_request, centre) -> bool:
    filing = getattr(centre, "filing", None)
    return filing is not None and filing.is_listed_publicly


register(
    "regulator-centre",
    Link(_("Star rating"), lambda centre: reverse("evaluation:public-rating", args=[centre.pk]),
         78, show=_listed_publicly),
)
