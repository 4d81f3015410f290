"""Demo quality assessments and star ratings (luhuituo.demo.assessments_data), on the shared
seed (conftest.demo_db): self-assessments, on-site assessments in every state, ratings with a
spread of stars, capped and expired ones, spot checks and downgrade reviews, the assessor
accounts, and a second run adds nothing."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone

from evaluation.models import Assessment, DowngradeReview, Score, StarRating
from evaluation.services import assessments as service
from luhuituo.core.models import AuditEvent, RegulatorScope, User
from luhuituo.demo import assessments_data
from registry.models import Centre
from supervision.models import FILED_STATUSES

pytestmark = pytest.mark.django_db

Kind, Status = Assessment.Kind, Assessment.Status


def operating():
    return Centre.objects.filter(filing__status__in=FILED_STATUSES)


def test_assessments_are_in_every_status_but_cancelled(demo_db):
    onsite = set(Assessment.objects.filter(kind=Kind.ONSITE).values_list("status", flat=True))
    assert onsite == set(Status.values) - {Status.CANCELLED}
    assert set(Assessment.objects.values_list("status", flat=True)) == \
        set(Status.values) - {Status.CANCELLED}
    assert set(Assessment.objects.filter(kind=Kind.SELF).values_list("status", flat=True)) == \
        {Status.DRAFT, Status.SUBMITTED}


def test_most_operating_centres_submitted_a_self_assessment_this_year_a_few_did_not(demo_db):
    year_ago = timezone.now() - relativedelta(months=settings.ASSESSMENT_INTERVAL_MONTHS)
    centres = operating().count()
    submitted = operating().filter(assessments__kind=Kind.SELF,
                                   assessments__status=Status.SUBMITTED,
                                   assessments__submitted_at__gte=year_ago).distinct().count()
    without = operating().exclude(assessments__kind=Kind.SELF).count()
    in_progress = Assessment.objects.filter(kind=Kind.SELF, status=Status.DRAFT)
    assert submitted > centres / 2
    assert without >= 1 and in_progress.exists()
    for draft in in_progress:  # partly scored
        scored = draft.scores.filter(score__isnull=False).count()
        assert 0 < scored < draft.scores.count()


def test_published_ratings_spread_over_stars_some_capped_one_expired(demo_db):
    today = timezone.localdate()
    current = list(StarRating.objects.current().select_related("assessment"))
    assert len(current) >= 5
    assert len({r.stars_awarded for r in current}) >= 3
    assert sum(1 for r in current if r.stars_awarded in (3, 4)) > len(current) / 2
    capped = [r for r in current if r.capped]
    assert capped
    for rating in capped:
        assert rating.assessment.failed_vetoes
        assert rating.stars_awarded == rating.assessment.framework.veto_cap_stars
        assert rating.assessment.grade_by_score != rating.grade
    expired = StarRating.objects.filter(status__in=StarRating.IN_FORCE, valid_until__lt=today)
    assert expired.count() == 1
    rating = expired.get()
    assert not rating.is_valid and rating not in StarRating.objects.current()
    assert rating.valid_until - rating.valid_from > timedelta(days=365 * 3 - 5)
    # Back-dated: published over the past months, not all today.
    days = {r.published_at.date() for r in current}
    assert len(days) > 3 and max(days) < today
    assert {r.valid_from for r in current} == {timezone.localdate(r.published_at)
                                               for r in current}


def test_scores_are_plausible_and_the_comparison_shows_gaps(demo_db):
    scores = Score.objects.filter(score__isnull=False).select_related("indicator")
    assert all(Decimal(0) <= s.score <= s.indicator.max_score for s in scores)
    assert scores.exclude(evidence="").filter(evidence__regex=r"[\u4e00-\u9fff]").exists()
    assert scores.filter(evidence="").exists()
    compared = Assessment.objects.filter(kind=Kind.ONSITE, self_assessment__isnull=False,
                                         total__isnull=False).select_related("self_assessment")
    assert compared.count() >= 5
    gaps = [a.self_assessment.total - a.total for a in compared]
    assert all(gap != 0 for gap in gaps)
    assert any(gap > 50 for gap in gaps)  # a centre clearly rated itself higher
    assert len({a.total for a in Assessment.objects.filter(total__isnull=False)}) > 10
    # The self-assessment compared with was submitted before the district assigned the visit.
    assert all(a.self_assessment.submitted_at <= a.created_at for a in compared)


def test_spot_checks_opened_one_review_and_a_decided_one_lowered_the_rating(demo_db):
    checks = Assessment.objects.filter(kind=Kind.SPOT_CHECK)
    assert checks.count() >= 2
    assert checks.filter(failed_vetoes=[]).exists()
    veto = DowngradeReview.objects.filter(trigger=DowngradeReview.Trigger.VETO_AT_SPOT_CHECK)
    open_review = veto.get(status=DowngradeReview.Status.OPEN)
    assert checks.get(pk=open_review.source_id).failed_vetoes
    assert open_review.rating.in_force and open_review.stars_after is None
    decided = veto.get(status=DowngradeReview.Status.DOWNGRADED)
    assert decided.rating.status == StarRating.Status.DOWNGRADED
    assert decided.stars_after == decided.rating.stars == decided.stars_before - 1
    assert decided.opened_at < decided.decided_at < timezone.now() - timedelta(days=1)


def test_assessors_by_hand_and_by_draw_and_the_draws_can_be_repeated(demo_db, rf):
    onsite = Assessment.objects.exclude(kind=Kind.SELF)
    assert set(onsite.values_list("method", flat=True)) == set(Assessment.Method.values)
    for assessment in onsite.filter(method=Assessment.Method.DRAW):
        draw = assessment.draw
        eligible = draw["eligible"]
        assert eligible[random.Random(draw["seed"]).randrange(len(eligible))] == draw["drawn"]
        assert assessment.assessor_id == draw["drawn"]
    # The demo assessor has an assessment to score.
    assert onsite.filter(assessor__username="assessor", status__in=Assessment.EDITABLE).exists()
    # Every district with operating centres has assessors; the ones added can log in.
    for centre in operating().select_related("region"):
        assert service.assessor_pool(centre).exists(), centre.region
    added = User.objects.filter(username__endswith="_assessor1")
    assert added.exists()
    for user in added:
        assert user.scopes.filter(role=RegulatorScope.Role.ASSESSOR).exists()
        assert authenticate(rf.post("/login/"), username=user.username,
                            password=settings.DEMO_PASSWORD) == user


def test_the_audit_trail_is_back_dated(demo_db):
    submitted = AuditEvent.objects.filter(verb="assessment_submitted")
    assert submitted.count() == Assessment.objects.filter(submitted_at__isnull=False).count()
    assert submitted.filter(created_at__lt=timezone.now() - timedelta(days=30)).exists()
    when = dict(Assessment.objects.values_list("pk", "submitted_at"))
    assert all(event.created_at == when[int(event.target_id)] for event in submitted)
    published = AuditEvent.objects.filter(verb="rating_published").order_by("created_at")
    assert published.first().created_at.date() < timezone.localdate() - timedelta(days=365)
    # The change history tells the same story: one row per step, at the step's moment, with
    # the dates the demo moved.
    for assessment in Assessment.objects.filter(kind=Kind.ONSITE, status=Status.PUBLISHED):
        history = list(assessment.events.order_by("pgh_id"))
        assert [e.status for e in history] == ["draft", "submitted", "approved", "published"]
        assert all(e.created_at == assessment.created_at for e in history)
        assert history[0].pgh_created_at == assessment.created_at
        assert history[1].submitted_at == history[1].pgh_created_at == assessment.submitted_at
        assert history[2].pgh_created_at == assessment.decided_at
        assert history[3].pgh_created_at == assessment.rating.published_at


def test_a_second_run_adds_nothing(demo_db):
    before = (Assessment.objects.count(), StarRating.objects.count(),
              DowngradeReview.objects.count(), User.objects.count())
    counts = assessments_data.seed_assessments()
    assert counts["new_assessors"] == 0
    assert (Assessment.objects.count(), StarRating.objects.count(),
            DowngradeReview.objects.count(), User.objects.count()) == before
