"""Reviews by guardians: the guardian writes one from their child's page; the district's
regulators moderate; the published ones and their averages show on the centre's public page.
docs/rules/reviews.md."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from luhuituo.core.exceptions import domain_errors, submit
from luhuituo.core.permissions import get_visible_or_404, parent_required, regulator_required
from luhuituo.core.submissions import submit_once
from registry.models import Centre
from registry.permissions import centre_member_required
from registry.rules import can_decide
from supervision.models import Enrolment

from ..forms.reviews import RejectForm, ReplyForm, ReviewFilterForm, ReviewForm
from ..models.reviews import ASPECTS, Aspect, Review, family_satisfaction
from ..services import reviews as svc

PER_PAGE = 30


def _page(request, queryset, per_page=PER_PAGE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# --- the guardian's side ------------------------------------------------------------------------


def _own_placement(user, pk: int) -> Enrolment:
    """One of the user's children's placements, started or not; anyone else's is 404."""
    return get_object_or_404(svc.placements_of(user, started=False)
                             .select_related("child", "class_group__centre"), pk=pk)


@require_http_methods(["GET", "POST"])
@parent_required
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The guardian rates the centre of their child's placement ``pk``, aspect by aspect, and
    sees what became of their earlier reviews of it (published, or rejected and why)."""
    enrolment = _own_placement(request.user, pk)
    form = ReviewForm(request.POST or None)
    status = 200
    if request.method == "POST":
        call = submit_once(request, form, lambda data: svc.submit_review(
            enrolment=enrolment, ratings=form.ratings(), comment=data["comment"],
            by=request.user, request=request),
            url=reverse("supervision:my-child-detail", args=[enrolment.child_id]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("Thank you. Your review will be published once "
                                            "the district health bureau has checked it."))
            return redirect(call.url)
        status = 422
    earlier = Review.objects.visible_to(request.user).filter(enrolment=enrolment) \
        .order_by("-year", "-id")
    return render(request, "evaluation/reviews/create.html", {
        "form": form, "enrolment": enrolment, "centre": enrolment.class_group.centre,
        "child": enrolment.child, "earlier": earlier}, status=status)


@require_GET
@parent_required
def review_start(request: HttpRequest, centre_id: int) -> HttpResponse:
    """"Review this centre" from its public page: to the review of the user's child's latest
    placement there; refused, with the reason, to anyone whose child never had one."""
    centre = get_object_or_404(Centre, pk=centre_id)
    placement = (svc.placements_of(request.user).filter(class_group__centre=centre)
                 .order_by("-started_on", "-id").first())
    if placement is None:
        return render(request, "evaluation/reviews/refused.html", {"centre": centre},
                      status=403)
    return redirect("evaluation:review-create", placement.pk)


# --- moderation ---------------------------------------------------------------------------------


@require_GET
@regulator_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The reviews of the centres in the regulator's regions, awaiting moderation first."""
    filters = ReviewFilterForm(request.GET)
    reviews = (Review.objects.visible_to(request.user)
               .select_related("centre__region", "author")
               .order_by("status", "created_at", "id"))
    if (wanted := filters.value("status", Review.Status.PENDING)) != ReviewFilterForm.ALL:
        reviews = reviews.filter(status=wanted)
    if q := filters.value("q").strip():
        reviews = reviews.filter(centre__name__icontains=q)
    return render(request, "evaluation/reviews/list.html", {
        "filters": filters, "page": _page(request, reviews)})


@require_http_methods(["GET", "POST"])
@regulator_required
def review_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """One review: publish it, or reject it with a reason."""
    review = get_visible_or_404(
        Review.objects.select_related("centre__region", "author", "moderated_by"),
        request.user, pk=pk)
    reject_form = RejectForm(request.POST if request.POST.get("action") == "reject" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "publish":
            with domain_errors(request=request) as call:
                svc.publish_review(review=review, by=request.user, request=request)
            if call.ok:
                messages.success(request, _("The review is published."))
                return redirect("evaluation:review-moderate", review.pk)
        elif action == "reject":
            call = submit(reject_form, lambda data: svc.reject_review(
                review=review, reason=data["reason"], by=request.user, request=request))
            if call.ok:
                messages.success(request, _("The review is rejected; its author is told why."))
                return redirect("evaluation:review-moderate", review.pk)
        status = 422
    return render(request, "evaluation/reviews/moderate.html", {
        "review": review, "reject_form": reject_form,
        "can_moderate": review.status == Review.Status.PENDING
        and can_decide(request.user, review.centre)}, status=status)


# --- the public side ----------------------------------------------------------------------------


@require_GET
def public_centre_reviews(request: HttpRequest, centre_id: int) -> HttpResponse:
    """A centre's published reviews and, from ``REVIEW_MIN_COUNT`` reviews, their averages per
    aspect. The centre must be on the public list or have a published review; else 404."""
    published = Review.objects.published()
    centre = get_object_or_404(
        Centre.objects.filter(Q(pk__in=Centre.objects.listed_publicly().values("pk"))
                              | Q(pk__in=published.values("centre_id")))
        .select_related("region"), pk=centre_id)
    reviews = published.filter(centre=centre).select_related("author") \
        .order_by("-created_at", "-id")
    summary = family_satisfaction([centre.pk]).get(centre.pk)
    minimum = settings.REVIEW_MIN_COUNT
    averages = None
    if summary and summary["count"] >= minimum:
        averages = [(Aspect(a).label, summary[a]) for a in ASPECTS]
    return render(request, "evaluation/reviews/public_centre.html", {
        "centre": centre, "page": _page(request, reviews), "summary": summary,
        "averages": averages, "minimum": minimum})


# --- the centre's side --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@centre_member_required
def centre_reviews(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The centre's published reviews; its manager may reply once to each."""
    centre = request.centre
    reviews = (Review.objects.visible_to(request.user).filter(centre=centre)
               .select_related("author").order_by("-created_at", "-id"))
    form, status = None, 200
    if request.method == "POST":
        form = ReplyForm(request.POST)
        review = None
        if form.is_valid():
            review = get_object_or_404(reviews, pk=form.cleaned_data["review"])
        call = submit(form, lambda data: svc.reply_to_review(
            review=review, text=data["reply"], by=request.user, request=request))
        if call.ok:
            messages.success(request, _("Your reply is published under the review."))
            return redirect("evaluation:centre-reviews", centre.pk)
        status = 422
    return render(request, "evaluation/reviews/centre.html", {
        "centre": centre, "membership": request.membership, "page": _page(request, reviews),
        "failed": form, "is_manager": request.membership.is_manager}, status=status)
