"""Reviews by guardians (evaluation.models.reviews): ``placed_child`` (a child in a class of
the centre, its guardian linked to a parent account) and ``review`` (a review of its placement,
in any status, written directly)."""

from __future__ import annotations

from django.utils import timezone

from evaluation.models import Review
from supervision.models import Child

from .registry import ClassGroupFactory
from .supervision import enrolled_child


def placed_child(centre, user=None, **kwargs) -> Child:
    """A child with a placement at ``centre`` since 60 days ago; ``user`` its guardian's
    parent account."""
    group = ClassGroupFactory(centre=centre)
    return enrolled_child(group, checks=False, guardian__user=user, **kwargs)


def review(child: Child, *, author=None, status=Review.Status.PUBLISHED, year=None,
           rating=4, comment="老师很细心", **kwargs) -> Review:
    enrolment = child.enrolments.order_by("-started_on").first()
    guardian = child.guardians.first()
    return Review.objects.create(
        centre=child.centre, enrolment=enrolment,
        author=author or guardian.user, year=year or timezone.localdate().year,
        rating_care=rating, rating_safety=rating, rating_communication=rating,
        rating_premises=rating, rating_value=rating, comment=comment, status=status,
        rejection_reason="不实" if status == Review.Status.REJECTED else "", **kwargs)
