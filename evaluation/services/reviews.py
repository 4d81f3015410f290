"""Reviews by guardians: writing one on a child's placement, and moderating it
(docs/rules/reviews.md)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require, require_status, transition
from registry.rules import can_decide, require_centre_manager, responsible_regulators
from supervision.models import Enrolment, Guardian

from ..models.reviews import ASPECTS, Review, rating_field


def placements_of(user, *, started: bool = True):
    """The placements (``Enrolment``) of the children ``user`` is a linked guardian of —
    current or past, and (``started``) only those that have begun: the ones the user may
    review."""
    if not user.is_authenticated or not user.is_parent:
        return Enrolment.objects.none()
    children = Guardian.objects.filter(user=user).values("child_id")
    placements = Enrolment.objects.filter(child_id__in=children)
    return placements.filter(started_on__lte=timezone.localdate()) if started else placements


def is_guardian(user, enrolment: Enrolment) -> bool:
    return bool(user.is_authenticated and user.is_parent and Guardian.objects.filter(
        user=user, child_id=enrolment.child_id).exists())


@transaction.atomic
def submit_review(*, enrolment: Enrolment, ratings: dict[str, int], comment: str = "", by,
                  request=None) -> Review:
    """The guardian ``by`` reviews the centre of ``enrolment`` (their child's placement there,
    current or past), once per placement and calendar year. The review waits for a regulator."""
    require(is_guardian(by, enrolment),
            _("Only a guardian whose child has or had a place at this centre can review it."))
    today = timezone.localdate()
    if enrolment.started_on > today:
        raise DomainError(_("Your child's placement has not started yet; you can review the "
                            "centre once it has."))
    year = today.year
    if Review.objects.filter(enrolment=enrolment, year=year).exists():
        raise DomainError(_("You have already reviewed this placement this year; you can "
                            "review it again next year."))
    centre = enrolment.class_group.centre
    review = Review(centre=centre, enrolment=enrolment, author=by, year=year,
                    comment=comment.strip(),
                    **{rating_field(a): ratings[a] for a in ASPECTS})
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:  # the same placement reviewed at the same moment by a co-guardian
        raise DomainError(_("You have already reviewed this placement this year; you can "
                            "review it again next year.")) from None
    audit(Verb.REVIEW_SUBMITTED, actor=by, target=review, request=request, year=year)
    notify_later(responsible_regulators(centre),
                 _("A review of %(centre)s awaits moderation") % {"centre": centre.name},
                 url=reverse("evaluation:review-moderate", args=[review.pk]))
    return review


def _moderate(review: Review, *, by, to: str, verb: str, request=None, reason: str = ""):
    review = lock(review, "centre__region", "enrolment")
    require(can_decide(by, review.centre),
            _("Only the district health bureau responsible for this centre can moderate its "
              "reviews."))
    require_status(review, Review.Status.PENDING, action=_("moderated"))
    review.moderated_by, review.moderated_at = by, timezone.now()
    review.rejection_reason = reason
    transition(review, to, by=by, verb=verb, request=request,
               update_fields=["moderated_by", "moderated_at", "rejection_reason"],
               **({"reason": reason} if reason else {}))
    return review


@transaction.atomic
def publish_review(*, review: Review, by, request=None) -> Review:
    """The regulator publishes a pending review: it shows on the centre's public page and
    counts in the family-satisfaction averages."""
    review = _moderate(review, by=by, to=Review.Status.PUBLISHED, verb=Verb.REVIEW_PUBLISHED,
                       request=request)
    notify_later([review.author],
                 _("Your review of %(centre)s is published") % {"centre": review.centre.name},
                 url=reverse("evaluation:public-centre-reviews", args=[review.centre_id]))
    return review


@transaction.atomic
def reject_review(*, review: Review, reason: str, by, request=None) -> Review:
    """The regulator rejects a pending review, with a reason the author is told."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for rejecting the review."), field="reason")
    review = _moderate(review, by=by, to=Review.Status.REJECTED, verb=Verb.REVIEW_REJECTED,
                       request=request, reason=reason)
    notify_later([review.author],
                 _("Your review of %(centre)s was not published") % {
                     "centre": review.centre.name},
                 body=reason,
                 url=reverse("supervision:my-child-detail", args=[review.enrolment.child_id]))
    return review


@transaction.atomic
def reply_to_review(*, review: Review, text: str, by, request=None) -> Review:
    """The centre's manager answers a published review, once; the answer shows under it on
    the public page and the author is told."""
    review = lock(review, "centre")
    require_centre_manager(by, review.centre)
    require_status(review, Review.Status.PUBLISHED, action=_("answered"))
    if review.reply:
        raise DomainError(_("The centre has already replied to this review."), field="reply")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the reply."), field="reply")
    review.reply, review.replied_by, review.replied_at = text, by, timezone.now()
    review.save(update_fields=["reply", "replied_by", "replied_at"])
    audit(Verb.REVIEW_REPLIED, actor=by, target=review, request=request)
    notify_later([review.author],
                 _("%(centre)s replied to your review") % {"centre": review.centre.name},
                 url=reverse("evaluation:public-centre-reviews", args=[review.centre_id]))
    return review
