"""A star rating in public: the centre's report card (the rating in force explained: stars,
grade, each dimension's score against its points, the grade band, a veto cap, a downgrade),
the verification page a certificate's QR code opens, and the certificate itself (PDF) for the
centre's members and the responsible regulators. docs/rules/quality-rating.md."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from luhuituo.core.pdf import pdf_response
from luhuituo.core.permissions import regulator_required
from registry.models import Centre
from registry.permissions import centre_member_required

from ..models import StarRating
from ..services import ratings as svc

RATING_RELATED = ("centre__region__parent", "centre__filing", "assessment__framework")


def _public_centre(centre_id: int) -> Centre:
    """A centre on the public list (its filing verified); any other is 404, as on its public
    page and its reviews."""
    return get_object_or_404(Centre.objects.listed_publicly().select_related("region"),
                             pk=centre_id)


@require_GET
def public_rating(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The centre's rating in force as a report card; a plain statement when it has none."""
    centre = _public_centre(centre_id)
    rating = (StarRating.objects.public().current().filter(centre=centre)
              .select_related(*RATING_RELATED).first())
    card = svc.report_card(rating) if rating is not None else None
    return render(request, "evaluation/public_ratings/public.html",
                  {"centre": centre, "rating": rating, "card": card})


def verification_state(rating: StarRating, today=None) -> str:
    """What a certificate means today: "valid", "downgraded" (valid, with fewer stars now),
    "superseded" (a newer rating replaced it) or "expired"."""
    today = today or timezone.localdate()
    if rating.status == StarRating.Status.SUPERSEDED:
        return "superseded"
    if not rating.is_valid_on(today):
        return "expired"
    if rating.status == StarRating.Status.DOWNGRADED:
        return "downgraded"
    return "valid"


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The page a certificate's QR code opens: is the certificate genuine, and what does it
    mean today. An unknown code answers 404 and says so."""
    rating = (StarRating.objects.public().filter(token=token)
              .select_related("centre__region", "centre__filing").first())
    if rating is None:
        return render(request, "evaluation/public_ratings/verify.html", {"rating": None},
                      status=404)
    centre = rating.centre
    filing = getattr(centre, "filing", None)
    listed = filing is not None and filing.is_listed_publicly
    current = None
    if rating.status == StarRating.Status.SUPERSEDED:
        current = (StarRating.objects.current().filter(centre=centre)
                   .only("stars", "grade", "valid_until").first())
    return render(request, "evaluation/public_ratings/verify.html", {
        "rating": rating, "centre": centre, "state": verification_state(rating),
        "filing_no": filing.filing_no if filing is not None else None, "listed": listed,
        "current": current})


def _certificate(request: HttpRequest, rating: StarRating) -> HttpResponse:
    content = svc.certificate_pdf(rating, request)
    return pdf_response(content, f"星级证书-{rating.centre.name}-{rating.valid_from}.pdf")


@require_GET
@centre_member_required
def centre_certificate(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    """The centre's certificate of one of its published ratings (not a withdrawn one)."""
    rating = get_object_or_404(
        StarRating.objects.visible_to(request.user).public().filter(centre_id=centre_id)
        .select_related(*RATING_RELATED), pk=pk)
    return _certificate(request, rating)


@require_GET
@regulator_required
def regulator_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """A certificate, for the regulators of the centre's district (and the city's)."""
    rating = get_object_or_404(
        StarRating.objects.visible_to(request.user).public().select_related(*RATING_RELATED),
        pk=pk)
    return _certificate(request, rating)
