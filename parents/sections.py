"""What the parent portal contributes to pages it shares with other apps (luhuituo.core.sections):
the centre's public profile and a link to file a complaint about it, on each centre of the
public list; the linking codes and the applications for a place in the centre's own
navigation; the evidence photos a parent attached, on the regulator's page of the complaint;
a linking code to issue for each guardian, on the centre's page of an enrolled child."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from luhuituo.core.sections import Link, Panel, register
from supervision.models import Child

from .models import ComplaintPhoto


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


def _complaint_photos(request, complaint) -> dict | None:
    """The photos the reader may see (``ComplaintPhoto.visible_to``), in one query."""
    photos = list(ComplaintPhoto.objects.visible_to(request.user).filter(complaint=complaint)
                  .order_by("uploaded_at", "id"))
    return {"photos": photos} if photos else None


register(
    "regulator-complaint",
    Panel("parents/complaints/_regulator_photos.html", _complaint_photos, 10,
          show=lambda request, complaint: complaint.parent_id is not None),
)


def _guardians(request, child) -> dict | None:
    """The child's guardians (prefetched by the child's page), linked to an account or not."""
    guardians = list(child.guardians.all())
    return {"child": child, "guardians": guardians} if guardians else None


register(
    "centre-child",
    Panel("parents/linking/_child_panel.html", _guardians, 10,
          show=lambda request, child: (child.status == Child.Status.ENROLLED
                                       and getattr(request, "membership", None) is not None)),
)
