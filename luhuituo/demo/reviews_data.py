"""Demo reviews by guardians (evaluation.models.reviews), written through the review services:
in two publicly listed centres of 江阳区, guardians given parent accounts review their child's
placement — the first centre gets three published reviews (its averages show) and one the
district rejected, the second two published ones (too few for averages); the demo parent
(周明) has a review of the demo centre awaiting the 江阳区 regulator's moderation.

Idempotent: nothing is written when reviews exist."""

from __future__ import annotations

from django.db import transaction

from evaluation.models import Aspect, Review
from evaluation.services import reviews as svc
from luhuituo.core.models import User
from registry.models import Centre
from supervision.models import Enrolment, Guardian

from .supervision_data import DEMO_CENTRE_NAME

# (ratings per aspect in Aspect's order, comment, outcome)
FIRST = [
    ((5, 5, 4, 4, 4), "老师很有耐心，孩子每天都愿意来。", "publish"),
    ((4, 5, 5, 4, 3), "每天都有照片和餐食反馈，沟通及时。", "publish"),
    ((4, 4, 3, 5, 4), "场地宽敞明亮，户外活动时间充足。", "publish"),
    ((1, 1, 1, 1, 1), "某某老师态度很差，电话13912345678。", "reject"),
]
SECOND = [
    ((5, 4, 4, 4, 5), "收费合理，离家近。", "publish"),
    ((4, 4, 5, 3, 4), "班级人数不多，照顾得很细致。", "publish"),
]
REJECTION = "评价中点名了工作人员并含有电话号码，请修改后再提交。"


def _account(guardian: Guardian) -> User:
    """The guardian's parent account (made for the demo, without a password)."""
    if guardian.user_id:
        return guardian.user
    user = User(username=f"demo-parent-{guardian.pk}", name=guardian.name,
                account_type=User.AccountType.PARENT)
    user.set_unusable_password()
    user.save()
    guardian.user = user
    guardian.save(update_fields=["user"])
    return user


def _write(enrolment: Enrolment, ratings, comment: str, author: User) -> Review:
    return svc.submit_review(enrolment=enrolment, ratings=dict(zip(
        [a.value for a in Aspect], ratings, strict=True)), comment=comment, by=author)


def _review_centre(centre: Centre, plan, regulator: User) -> None:
    placements = (Enrolment.objects.filter(class_group__centre=centre)
                  .select_related("child").order_by("pk"))[:len(plan)]
    for placement, (ratings, comment, outcome) in zip(placements, plan, strict=False):
        guardian = placement.child.guardians.order_by("-is_primary", "pk").first()
        review = _write(placement, ratings, comment, _account(guardian))
        if outcome == "publish":
            svc.publish_review(review=review, by=regulator)
        else:
            svc.reject_review(review=review, reason=REJECTION, by=regulator)


def seed_reviews() -> dict:
    """The demo reviews; their number per status."""
    if Review.objects.exists():
        return {}
    regulator = User.objects.filter(username="jiangyang").first()
    if regulator is None:
        return {}
    centres = list(Centre.objects.listed_publicly().filter(
        region__code="510502", classes__enrolments__isnull=False)
        .exclude(name=DEMO_CENTRE_NAME).distinct().order_by("pk")[:2])
    with transaction.atomic():
        for centre, plan in zip(centres, (FIRST, SECOND), strict=False):
            _review_centre(centre, plan, regulator)
        parent = User.objects.filter(username="parent").first()
        placement = (svc.placements_of(parent).filter(class_group__centre__name=DEMO_CENTRE_NAME)
                     .first() if parent else None)
        if placement is not None:
            _write(placement, (4, 5, 4, 4, 3), "入托两个月，孩子适应得很好。", parent)
    return {status: Review.objects.filter(status=status).count()
            for status in Review.Status.values}


__all__ = ["seed_reviews"]
