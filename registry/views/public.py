"""Public registry pages: the list of verified centres, and the receipt verification page the
QR code on a filing receipt leads to."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from ..forms import PublicFilterForm
from ..models import Centre, Filing
from ..receipts import filing_for_token, receipt_state


@require_GET
@vary_on_headers("HX-Request")
def verified_centres(request: HttpRequest) -> HttpResponse:
    """Filed centres that passed verification (核实通过), by district; the parent portal
    builds the full search on top."""
    centres = (Centre.objects.listed_publicly().select_related("region", "filing")
               .prefetch_related("photos"))
    filters = PublicFilterForm(request.GET)
    if region := filters.value("region"):
        centres = centres.filter(region__code=region)
    if q := filters.value("q"):
        centres = centres.filter(Q(name__icontains=q) | Q(address__icontains=q))
    page = Paginator(centres.order_by("region__code", "name"), 30).get_page(
        request.GET.get("page"))
    context = {"page": page, "filters": filters}
    template = "registry/public/centre_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_GET
def verify_receipt(request: HttpRequest, token: str) -> HttpResponse:
    filing = filing_for_token(token)
    if filing is None:
        return render(request, "registry/public/verify.html", {"filing": None}, status=404)
    return render(request, "registry/public/verify.html",
                  {"filing": filing, "centre": filing.centre, "state": receipt_state(filing)})


@require_GET
def disclosures(request: HttpRequest) -> HttpResponse:
    """Centres found not to meet the requirements, with the bureau's notice: the public
    disclosure of 备案办法 Art 9. A centre leaves the list once verified again."""
    filings = (Filing.objects.filter(status__in=[Filing.Status.NONCONFORMING,
                                                 Filing.Status.RECTIFYING])
               .select_related("centre__region").order_by("-nonconforming_at", "-id"))
    filters = PublicFilterForm(request.GET)
    if region := filters.value("region"):
        filings = filings.filter(centre__region__code=region)
    page = Paginator(filings, 20).get_page(request.GET.get("page"))
    return render(request, "registry/public/disclosures.html", {
        "page": page, "filters": filters})
