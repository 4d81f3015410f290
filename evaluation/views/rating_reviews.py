"""Downgrade reviews (降级复核) of star ratings, for regulators (docs/rules/quality-assessment.md,
"Alerts and downgrade reviews"): the list of the reviews in the reader's districts, and one
review's page with its rating, trigger, source and history, where the district decides it —
keep the rating, or lower its stars, with a reason (``evaluation.services.ratings.
decide_review``). Assessors and other regulators in scope read it; a review outside the
reader's scope is 404; centre accounts and parents have no page here (403)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.models import AuditEvent
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.sorting import sort_expression, sort_links
from luhuituo.core.submissions import submit_once
from registry.rules import can_decide

from ..forms.rating_reviews import ALL, DECIDED, OPEN, ReviewDecisionForm, ReviewFilterForm
from ..models import DowngradeReview, StarRating
from ..services import ratings

PER_PAGE = 25
HISTORY_LENGTH = 50

SORTS = {
    "opened": F("opened_at"),
    "centre": F("rating__centre__name"),
    "district": F("rating__centre__region__code"),
    "trigger": F("trigger"),
    "stars": F("stars_before"),
}
DEFAULT_SORT = "opened"


def filtered_reviews(user, params):
    form = ReviewFilterForm(params, user=user)
    reviews = DowngradeReview.objects.visible_to(user).select_related("rating__centre__region")
    status = form.value("status", OPEN)
    if status == OPEN:
        reviews = reviews.filter(status=DowngradeReview.Status.OPEN)
    elif status == DECIDED:
        reviews = reviews.exclude(status=DowngradeReview.Status.OPEN)
    if trigger := form.value("trigger"):
        reviews = reviews.filter(trigger=trigger)
    if district := form.value("district"):
        reviews = reviews.filter(rating__centre__region__code=district)
    if q := form.value("q").strip():
        reviews = reviews.filter(rating__centre__name__icontains=q)
    sort = form.value("sort") or DEFAULT_SORT
    return form, reviews.order_by(sort_expression(SORTS, sort), "id"), sort


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def review_list(request: HttpRequest) -> HttpResponse:
    form, reviews, sort = filtered_reviews(request.user, request.GET)
    page = Paginator(reviews, PER_PAGE).get_page(request.GET.get("page"))
    template = "evaluation/rating_reviews/list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {
        "form": form, "page": page, "sort": sort, "sorting": sort_links(SORTS, sort),
        "status": form.value("status", OPEN), "ALL": ALL})


def source_link(review: DowngradeReview) -> str:
    """The regulator's page of what opened the review (the incident, the spot check, the
    centre's credit record); "" when the source is gone."""
    try:
        source = review.source
    except ObjectDoesNotExist:
        source = None
    if source is None:
        return ""
    model = review.source_type.model
    if model == "incident":
        return reverse("supervision:regulator-incident-detail", args=[source.pk])
    if model == "assessment":
        return reverse("evaluation:assessment-detail", args=[source.pk])
    if model == "creditrecord":
        return reverse("evaluation:regulator-centre-credit", args=[source.centre_id])
    return ""


def _history(rating: StarRating) -> list[AuditEvent]:
    """What happened to the rating: published, reviews opened and decided."""
    return list(AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(StarRating), target_id=str(rating.pk))
        .select_related("actor").order_by("-created_at", "-id")[:HISTORY_LENGTH])


@require_http_methods(["GET", "POST"])
@regulator_required
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_visible_or_404(
        DowngradeReview.objects.select_related("rating__centre__region", "rating__assessment",
                                               "decided_by", "source_type"),
        request.user, pk=pk)
    rating = review.rating
    decider = can_decide(request.user, rating.centre)
    if request.method == "POST" and not decider:
        return HttpResponse(status=403)
    form = ReviewDecisionForm(request.POST or None, rating=rating) if decider else None
    status = 200
    if request.method == "POST":
        url = reverse("evaluation:rating-review", args=[review.pk])
        call = submit_once(request, form, lambda data: ratings.decide_review(
            review=review, by=request.user, downgrade=form.downgrade,
            stars=data["stars"] if form.downgrade else None, reason=data["reason"],
            request=request), url=url)
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The rating is lowered.") if form.downgrade
                                 else _("The rating is kept."))
            return redirect(call.url)
        status = 422
    others = (DowngradeReview.objects.filter(rating__centre=rating.centre).exclude(pk=review.pk)
              .select_related("rating"))
    return render(request, "evaluation/rating_reviews/decide.html", {
        "review": review, "rating": rating, "centre": rating.centre, "form": form,
        "decider": decider, "source_url": source_link(review), "history": _history(rating),
        "others": others}, status=status)
