"""Random inspections (双随机、一公开, docs/rules/random-inspections.md): the regulator's list of
draws, a new draw, one draw's page with its verification, the declared conflicts of interest;
and the public results, per district and per centre. Draws go through ``visible_to`` (a draw of
another district is 404); only a district's own regulators draw (the city reads). The public
pages show random inspections whose findings are issued, never a planned one."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.models import User
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.submissions import submit_once
from registry.models import Centre, Filing

from ..forms.draws import ConflictForm, DrawFilterForm, DrawForm, PublicResultsFilterForm
from ..models import Inspection, InspectorConflict, RandomDraw
from ..services import draws as svc

PER_PAGE = 25


def _page(request, queryset, per_page=PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# --- the regulator's side -------------------------------------------------------------------------


def filtered_draws(user, filters: DrawFilterForm):
    draws = (RandomDraw.objects.visible_to(user).select_related("region", "drawn_by")
             .annotate(pick_count=Count("picks", distinct=True),
                       published=Count("picks", filter=Q(
                           picks__inspection__status__in=svc.RELEASED), distinct=True)))
    if date_from := filters.value("date_from"):
        draws = draws.filter(drawn_at__date__gte=date_from)
    if date_to := filters.value("date_to"):
        draws = draws.filter(drawn_at__date__lte=date_to)
    if district := filters.value("district"):
        draws = draws.filter(region__code=district)
    return draws.order_by("-drawn_at", "-id")


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def draw_list(request: HttpRequest) -> HttpResponse:
    filters = DrawFilterForm(request.GET, user=request.user)
    filters.is_valid()
    template = "supervision/draws/list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {
        "filters": filters, "page": _page(request, filtered_draws(request.user, filters)),
        "can_draw": svc.drawable_districts(request.user).exists(),
    })


def _district_facts(districts) -> list[dict]:
    """Per district the user draws for: operating centres and the pool's size."""
    return [{"region": region, "centres": svc.eligible_centres(region).count(),
             "inspectors": svc.inspector_pool(region).count()} for region in districts]


@require_http_methods(["GET", "POST"])
@regulator_required
def draw_create(request: HttpRequest) -> HttpResponse:
    """A new draw. It is made when the form is sent: there is no preview to throw away."""
    districts = list(svc.drawable_districts(request.user))
    if not districts:
        raise PermissionDenied
    form = DrawForm(request.POST or None, user=request.user,
                    initial={"district": districts[0].pk})
    status = 200
    if request.method == "POST":
        call = submit_once(request, form, lambda data: svc.make_draw(
            by=request.user, region=data["district"], centres=data["centres"],
            inspectors_per_centre=data["inspectors_per_centre"], weighted=data["weighted"],
            window_start=data["window_start"], window_end=data["window_end"],
            checklists=data["checklists"], request=request),
            url=lambda draw: reverse("supervision:draw-detail", args=[draw.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The draw is made and its inspections are "
                                            "planned."))
            return redirect(call.url)
        status = 422
    return render(request, "supervision/draws/create.html", {
        "form": form, "districts": _district_facts(districts),
        "weights": settings.RISK_WEIGHTS, "base_weight": settings.RANDOM_DRAW_BASE_WEIGHT,
        "risk_months": settings.RISK_WINDOW_MONTHS,
    }, status=status)


@require_http_methods(["GET", "POST"])
@regulator_required
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The draw: parameters, seed, what it drew from, what it drew and the inspections; the
    verification (POST action=verify) recomputes it from the record."""
    draw = get_visible_or_404(RandomDraw.objects.select_related("region", "drawn_by"),
                              request.user, pk=pk)
    verification = None
    if request.method == "POST":
        if request.POST.get("action") != "verify":
            return HttpResponse(status=400)
        verification = svc.verify_draw(draw=draw, by=request.user, request=request)
    picks = list(draw.picks.select_related("centre", "inspection").order_by("position"))
    user_ids = set(draw.pool.get("inspectors", []))
    users = User.objects.in_bulk(user_ids)
    centre_ids = [pk for pk, _w in draw.pool.get("centres", [])]
    centres = dict(Centre.objects.filter(pk__in=centre_ids).values_list("pk", "name"))
    by_centre = {row.get("centre"): row for row in draw.result}
    for pick in picks:
        row = by_centre.get(pick.centre_id, {})
        pick.team = [users.get(i) for i in row.get("inspectors", [])]
    conflicts = [(users.get(i), centres.get(c, str(c)))
                 for i, c in draw.pool.get("conflicts", [])]
    return render(request, "supervision/draws/detail.html", {
        "draw": draw, "picks": picks, "verification": verification,
        "pool_centres": [(centres.get(c, str(c)), w) for c, w in draw.pool.get("centres", [])],
        "pool_inspectors": [users.get(i) for i in draw.pool.get("inspectors", [])],
        "conflicts": conflicts, "days": draw.pool.get("days", []),
    })


@require_http_methods(["GET", "POST"])
@regulator_required
def conflict_list(request: HttpRequest) -> HttpResponse:
    """Declared conflicts of interest of the districts' inspectors; a district's own
    regulators record new ones."""
    can_record = svc.drawable_districts(request.user).exists()
    form = ConflictForm(request.POST or None, user=request.user) if can_record else None
    status = 200
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        call = submit_once(request, form, lambda data: svc.declare_conflict(
            by=request.user, inspector=data["inspector"], centre=data["centre"],
            reason=data["reason"], request=request), url=reverse("supervision:conflict-list"))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The conflict of interest is recorded."))
            return redirect(call.url)
        status = 422
    conflicts = (InspectorConflict.objects.visible_to(request.user)
                 .select_related("inspector", "centre__region", "declared_by")
                 .order_by("centre__region__code", "centre__name", "inspector__name", "id"))
    return render(request, "supervision/draws/conflicts.html", {
        "form": form, "page": _page(request, conflicts)}, status=status)


# --- the public side (一公开) --------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
def public_results(request: HttpRequest) -> HttpResponse:
    """The results of random inspections, by district, once their findings are issued."""
    filters = PublicResultsFilterForm(request.GET)
    results = svc.published_results()
    if region := filters.value("region"):
        results = results.filter(centre__region__code=region)
    if q := filters.value("q").strip():
        results = results.filter(centre__name__icontains=q)
    template = "supervision/draws/public_results.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"filters": filters,
                                      "page": _page(request, results, 30)})


@require_GET
def public_centre_results(request: HttpRequest, centre_id: int) -> HttpResponse:
    """One centre's random inspection results. The centre must be on the public list or have
    a published result; anything else is 404."""
    results = svc.published_results().filter(centre_id=centre_id)
    published = Inspection.objects.filter(draw_pick__isnull=False, status__in=svc.RELEASED)
    centre = get_object_or_404(
        Centre.objects.filter(Q(filing__status=Filing.Status.VERIFIED)
                              | Q(pk__in=published.values("centre_id")))
        .select_related("region"), pk=centre_id)
    return render(request, "supervision/draws/public_centre.html", {
        "centre": centre, "results": list(results)})
