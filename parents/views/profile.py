"""A centre's public profile (its disclosure, in one page), the side-by-side comparison of up
to three centres, and on both the family's cost estimate. Anonymous pages: a centre must be on
the public list (its filing verified); any other is 404 on the profile and left out of the
comparison."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from ..forms.profile import MAX_COMPARED, CompareForm, CostForm
from ..services import cost
from ..services.profiles import (
    CentreFacts,
    centre_facts,
    public_centres,
    public_photos,
    recent_inspections,
)

# A hand-edited URL may carry many ids: only this many are even looked up.
MAX_IDS_READ = 20


def compare_url(ids, point=None) -> str:
    params = [("c", pk) for pk in ids]
    if point is not None:
        params += [("lat", point[0]), ("lng", point[1])]
    return f"{reverse('parents:compare')}?{urlencode(params)}"


def distance_text(metres: float | None) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m"
    return f"{metres / 1000:.1f} km"


def _estimates(form: CostForm, facts: list[CentreFacts]) -> dict[int, cost.Estimate]:
    """{centre id: its estimate} when the cost form is filled in and valid, else {}."""
    if not form.is_bound or not form.is_valid():
        return {}
    class_type = form.cleaned_data["class_type"]
    programmes = cost.programmes_by_centre([f.centre for f in facts],
                                           timezone.localdate().year)
    return {f.centre.pk: cost.estimate(
        fee=f.fees.fee_for(class_type) if f.fees is not None else None,
        meal_fee=f.fees.meal_fee if f.fees is not None else None,
        programmes=programmes[f.centre.pk], under_three=form.under_three_value,
        inclusive=f.centre.is_inclusive) for f in facts}


COMPARE_KEY = "parents-compare"


def remembered(request: HttpRequest) -> list[int]:
    """The centres of the visitor's last comparison (kept in the session, ids only)."""
    ids = request.session.get(COMPARE_KEY, [])
    return [pk for pk in ids if isinstance(pk, int)][:MAX_COMPARED]


@require_GET
def profile(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The centre's public disclosure: filing, facts, classes and places, fees, rating, credit,
    rectification and inspections, reviews, photos, contact; the cost estimate on request."""
    centre = get_object_or_404(public_centres(), pk=centre_id)
    compare = CompareForm(request.GET)
    # the centres the parent already picked to compare: carried in the URL, else remembered
    # from the last comparison (so a profile opened from the search still knows them)
    picked = compare.ids() or remembered(request)
    chosen = [pk for pk in picked if pk != centre.pk][:MAX_COMPARED - 1]
    [facts] = centre_facts([centre])
    cost_form = CostForm.from_query(request.GET)
    estimate = _estimates(cost_form, [facts]).get(centre.pk)
    return render(request, "parents/profile.html", {
        "centre": centre, "filing": centre.filing, "facts": facts,
        "inspections": recent_inspections(centre), "photos": public_photos(centre),
        "cost_form": cost_form, "estimate": estimate, "chosen": chosen,
        "chosen_hidden": [("c", pk) for pk in chosen],
        "add_to_compare_url": compare_url([*chosen, centre.pk]),
        "compare_url": compare_url(chosen) if chosen else "",
        "in_comparison": centre.pk in picked})


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """Up to three public centres side by side; ids that are bad, unknown or not public are
    left out, with a message; from the fourth on too."""
    form = CompareForm(request.GET)
    ids = form.ids() if "c" in request.GET else remembered(request)
    too_many = len(ids) > MAX_IDS_READ
    ids = ids[:MAX_IDS_READ]
    found = {c.pk: c for c in public_centres().filter(pk__in=ids)}
    missing = form.dropped + sum(1 for pk in ids if pk not in found)
    listed = [pk for pk in ids if pk in found]
    if missing:
        messages.warning(request, ngettext(
            "%(n)d centre in the address is not on the public list and was left out.",
            "%(n)d centres in the address are not on the public list and were left out.",
            missing) % {"n": missing})
    if too_many or len(listed) > MAX_COMPARED:
        messages.warning(request, _("At most %(n)d centres can be compared: the first %(n)d "
                                    "are shown.") % {"n": MAX_COMPARED})
        listed = listed[:MAX_COMPARED]
    if request.session.get(COMPARE_KEY) != listed:
        request.session[COMPARE_KEY] = listed
    point = form.point()
    facts = centre_facts([found[pk] for pk in listed], point=point)
    cost_form = CostForm.from_query(request.GET)
    estimates = _estimates(cost_form, facts)
    columns = [{
        "facts": f, "distance": distance_text(f.distance_m),
        "estimate": estimates.get(f.centre.pk),
        "profile_url": reverse("parents:centre-profile", args=[f.centre.pk]) + "?"
        + urlencode([("c", pk) for pk in listed]),
        "remove_url": compare_url([pk for pk in listed if pk != f.centre.pk], point),
    } for f in facts]
    dimension_names = []
    for f in facts:
        for d in f.dimensions:
            if (d.code, d.name) not in dimension_names:
                dimension_names.append((d.code, d.name))
    return render(request, "parents/compare.html", {
        "columns": columns, "cost_form": cost_form, "point": point, "listed": listed,
        "has_distance": any(c["distance"] for c in columns),
        "dimension_names": dimension_names, "max_compared": MAX_COMPARED,
        "hidden": [("c", pk) for pk in listed]
        + ([("lat", point[0]), ("lng", point[1])] if point else [])})
