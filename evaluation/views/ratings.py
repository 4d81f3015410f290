"""The regulator's list of star ratings (filters, sorting, CSV export). Ratings are read through
``StarRating.objects.visible_to``; the public explanation and the certificate are in
``public_ratings``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import audit
from luhuituo.core.dates import export_filename
from luhuituo.core.exports import csv_response
from luhuituo.core.permissions import regulator_required
from luhuituo.core.sorting import sort_expression, sort_links
from luhuituo.core.verbs import Verb

from ..forms.ratings import EXPIRED, IN_FORCE, UNDER_REVIEW, RatingFilterForm
from ..models import DowngradeReview, StarRating

PER_PAGE = 25
SORTS = {
    "centre": F("centre__name"),
    "district": F("centre__region__code"),
    "stars": F("stars"),
    "total": F("total"),
    "until": F("valid_until"),
}
DEFAULT_SORT = "centre"


def filtered_ratings(user, params):
    form = RatingFilterForm(params, user=user)
    form.is_valid()
    today = timezone.localdate()
    rows = (StarRating.objects.visible_to(user).select_related("centre__region", "assessment")
            .annotate(open_reviews=Count("reviews", filter=Q(
                reviews__status=DowngradeReview.Status.OPEN))))
    if q := form.value("q").strip():
        rows = rows.filter(centre__name__icontains=q)
    if district := form.value("district"):
        rows = rows.filter(centre__region__code=district)
    if stars := form.value("stars"):
        rows = rows.filter(stars=int(stars))
    state = form.value("state") or IN_FORCE
    if state == IN_FORCE:
        rows = rows.filter(status__in=StarRating.IN_FORCE, valid_until__gte=today)
    elif state == EXPIRED:
        rows = rows.filter(status__in=StarRating.IN_FORCE, valid_until__lt=today)
    elif state == UNDER_REVIEW:
        rows = rows.filter(reviews__status=DowngradeReview.Status.OPEN).distinct()
    elif state != "all":
        rows = rows.filter(status=state)
    if form.value("capped"):
        rows = rows.exclude(assessment__grade=F("assessment__grade_by_score"))
    sort = form.value("sort") or DEFAULT_SORT
    return form, sort, rows.order_by(sort_expression(SORTS, sort), "centre__name", "-id")


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def rating_list(request: HttpRequest) -> HttpResponse:
    form, sort, rows = filtered_ratings(request.user, request.GET)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    template = "evaluation/ratings/list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"form": form, "page": page, "sort": sort,
                                      "sorting": sort_links(SORTS, sort),
                                      "today": timezone.localdate()})


@require_GET
@regulator_required
def rating_export(request: HttpRequest) -> HttpResponse:
    form, _sort, rows = filtered_ratings(request.user, request.GET)
    response, count = csv_response(
        [_("Centre name"), _("District/county"), _("Stars"), _("Stars awarded"), _("Grade"),
         _("Total score"), _("Failed veto items"), _("Status"), _("Valid from"),
         _("Valid until"), _("Open downgrade reviews")],
        ([rating.centre.name, rating.centre.region.name, rating.stars, rating.stars_awarded,
          rating.grade, rating.total, "、".join(rating.assessment.failed_vetoes),
          rating.get_status_display(), rating.valid_from, rating.valid_until,
          rating.open_reviews] for rating in rows.iterator(chunk_size=500)),
        export_filename(_("Star ratings"), "csv"))
    audit(Verb.RATING_EXPORT, actor=request.user, request=request, rows=count,
          filters={name: form.value(name) for name in ("q", "district", "stars", "state")
                   if form.value(name)})
    return response
