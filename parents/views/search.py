"""The parents' search of filed centres: anyone may search, no account needed."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from ..forms.search import SearchForm
from ..services.search import PAGE_SIZE, search_centres, summarise


@require_GET
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    """Publicly listed centres (filing verified) near a point or by name, district and what
    the family needs; the URL reproduces the search, htmx swaps ``#results`` only. With a tile
    server set (``MAP_TILE_URL``) the results are also drawn on a map, where a click searches
    near the point clicked; without one, or without JavaScript, the page is the list."""
    filters = SearchForm(request.GET)
    criteria = filters.criteria()
    page = Paginator(search_centres(criteria), PAGE_SIZE).get_page(request.GET.get("page"))
    summarise(page.object_list)
    context = {"page": page, "filters": filters, "criteria": criteria,
               "map_tiles": settings.MAP_TILE_URL,
               "map_attribution": settings.MAP_TILE_ATTRIBUTION}
    template = "parents/search.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)
