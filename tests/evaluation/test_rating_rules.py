"""Alert rules A33 (no recent quality assessment; a veto item failed) and A43 (star rating lapsed;
downgrade reviews open), and the triggers that open downgrade reviews: a serious incident (the
hook and the daily task), a spot check failing a veto item, a credit grade at the threshold
(docs/rules/quality-assessment.md, "Alerts and downgrade reviews")."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from evaluation.checks import assessment_overdue_or_veto_failed, rating_lapsed_or_under_review
from evaluation.models import (
    Assessment,
    CreditEvent,
    CreditEventType,
    CreditGrade,
    CreditRecord,
    DowngradeReview,
    StarRating,
)
from evaluation.services import assessments, credit, ratings
from supervision.checks import engine
from supervision.checks.basis import cite
from supervision.checks.registry import get as get_rule
from supervision.checks.registry import rules_for_schedule
from supervision.models import Alert, Incident, Severity
from tests.factories import CentreFactory, region

from .rating_data import approved, assessor_for, file_centre, rated, scored, serious_incident

Trigger = DowngradeReview.Trigger
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_alerts(settings):
    """Alert messages are written in the site's language: read them in their English source."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def assessor(db):
    return assessor_for()


def at_noon(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def open_alerts(code: str) -> list[Alert]:
    return list(Alert.objects.open().filter(rule=code).select_related("subject_type")
                .order_by("id"))


def self_assessed(centre, manager) -> Assessment:
    assessment = assessments.start_self_assessment(centre=centre, by=manager)
    for score in assessment.scores.select_related("indicator"):
        assessments.save_score(score=score, by=manager, value=score.indicator.max_score)
    return assessments.submit(assessment=assessment, by=manager)


# --- the rules as registered -----------------------------------------------------------------


def test_a33_and_a43_are_registered_with_their_schedule_severity_and_basis():
    a33, a43 = get_rule("A33"), get_rule("A43")
    assert (a33.severity, a43.severity) == (Severity.YELLOW, Severity.YELLOW)
    assert "A33" in rules_for_schedule("monthly") and "A43" in rules_for_schedule("daily")
    assert "A33" not in rules_for_schedule("daily")
    assert a33.basis == "WS/T 821" and "托育机构质量评估标准" in cite(a33.basis)
    assert a43.basis == "proposal"
    assert not a33.for_regulator and not a43.for_regulator  # the centre sees them too


# --- A33 ---------------------------------------------------------------------------------------


def test_a33_yellow_for_a_centre_without_a_recent_assessment_until_it_self_assesses(
        centre_a, manager):
    file_centre(centre_a)
    recently_filed = CentreFactory(region=region("510502"))
    file_centre(recently_filed, days_ago=30)  # not asked yet
    CentreFactory(region=region("510502"))  # not filed: not operating
    engine.run_rule("A33")
    [alert] = open_alerts("A33")
    assert (alert.subject_type.model, alert.subject_id) == ("centre", centre_a.pk)
    assert alert.severity == Severity.YELLOW
    assert "12 months" in alert.message and "recommended standard" in alert.message
    assert "not a legal duty" in alert.message
    assert "violat" not in alert.message.lower() and "illegal" not in alert.message.lower()
    self_assessed(centre_a, manager)
    result = engine.run_rule("A33")
    assert result.resolved == 1 and open_alerts("A33") == []


def test_a33_an_approved_on_site_assessment_counts_until_the_interval_passes(
        centre_a, district_regulator, assessor, settings):
    file_centre(centre_a)
    approved(centre_a, regulator=district_regulator, assessor=assessor)
    assert list(assessment_overdue_or_veto_failed(timezone.now())) == []
    later = timezone.now() + relativedelta(months=settings.ASSESSMENT_INTERVAL_MONTHS, days=2)
    [hit] = list(assessment_overdue_or_veto_failed(later))
    assert hit.subject == centre_a and hit.severity is None  # the rule's yellow
    settings.ASSESSMENT_INTERVAL_MONTHS = 24
    assert list(assessment_overdue_or_veto_failed(later)) == []


def test_a33_orange_when_the_latest_on_site_assessment_failed_a_veto_until_one_passes(
        centre_a, district_regulator, assessor):
    file_centre(centre_a)
    failed = approved(centre_a, regulator=district_regulator, assessor=assessor, fail_veto=True)
    assert failed.failed_vetoes
    engine.run_rule("A33")
    [alert] = open_alerts("A33")
    assert (alert.subject_type.model, alert.subject_id) == ("assessment", failed.pk)
    assert alert.severity == Severity.ORANGE
    assert failed.failed_vetoes[0] in alert.message and "recommended standard" in alert.message
    # a later on-site assessment passes every veto item: the alert resolves
    approved(centre_a, regulator=district_regulator, assessor=assessor)
    result = engine.run_rule("A33")
    assert result.resolved == 1 and open_alerts("A33") == []


def test_a33_a_spot_check_failing_a_veto_is_the_latest_assessment(
        centre_a, district_regulator, assessor):
    file_centre(centre_a)
    rated(centre_a, regulator=district_regulator, assessor=assessor)
    spot = approved(centre_a, regulator=district_regulator, assessor=assessor,
                    kind=Assessment.Kind.SPOT_CHECK, fail_veto=True)
    [hit] = list(assessment_overdue_or_veto_failed(timezone.now()))
    assert hit.subject == spot and hit.severity == Severity.ORANGE


def test_a33_queries_do_not_grow_with_centres(centre_a, district_regulator, assessor,
                                              django_assert_num_queries):
    file_centre(centre_a)
    approved(centre_a, regulator=district_regulator, assessor=assessor, fail_veto=True)
    with django_assert_num_queries(2):
        few = list(assessment_overdue_or_veto_failed(timezone.now()))
    for _ in range(4):
        file_centre(CentreFactory(region=region("510502")))
    other = CentreFactory(region=region("510502"))
    file_centre(other)
    approved(other, regulator=district_regulator, assessor=assessor, fail_veto=True)
    with django_assert_num_queries(2):
        many = list(assessment_overdue_or_veto_failed(timezone.now()))
    assert len(few) == 1 and len(many) == 6


# --- A43 ---------------------------------------------------------------------------------------


def test_a43_yellow_for_a_rating_past_valid_until_until_a_new_one_is_published(
        centre_a, district_regulator, assessor):
    rating = rated(centre_a, regulator=district_regulator, assessor=assessor)
    assert list(rating_lapsed_or_under_review(at_noon(rating.valid_until))) == []
    today = timezone.localdate()
    StarRating.objects.filter(pk=rating.pk).update(
        valid_from=today - relativedelta(years=3), valid_until=today - timedelta(days=1))
    engine.run_rule("A43")
    [alert] = open_alerts("A43")
    assert (alert.subject_type.model, alert.subject_id) == ("starrating", rating.pk)
    assert alert.severity == Severity.YELLOW and "re-assessment" in alert.message
    engine.run_rule("A43")
    assert len(open_alerts("A43")) == 1  # running again changes nothing
    rated(centre_a, regulator=district_regulator, assessor=assessor)  # supersedes it
    result = engine.run_rule("A43")
    assert result.resolved == 1 and open_alerts("A43") == []


def test_a43_one_alert_per_centre_for_open_reviews_resolved_when_the_last_is_decided(
        centre_a, district_regulator, assessor):
    rating = rated(centre_a, regulator=district_regulator, assessor=assessor)
    first = ratings.open_review(rating, trigger=Trigger.SERIOUS_INCIDENT,
                                source=serious_incident(centre_a, days_ago=0), summary="一")
    second = ratings.open_review(rating, trigger=Trigger.SERIOUS_INCIDENT,
                                 source=serious_incident(centre_a, days_ago=0), summary="二")
    engine.run_rule("A43")
    [alert] = open_alerts("A43")
    assert (alert.subject_type.model, alert.subject_id) == ("centre", centre_a.pk)
    assert alert.severity == Severity.YELLOW and "2 downgrade reviews" in alert.message
    ratings.decide_review(review=first, by=district_regulator, downgrade=False, stars=None,
                          reason="事故已妥善处理")
    engine.run_rule("A43")
    [still] = open_alerts("A43")
    assert still.pk == alert.pk and "A downgrade review" in still.message
    ratings.decide_review(review=second, by=district_regulator, downgrade=True, stars=4,
                          reason="事故暴露管理问题")
    result = engine.run_rule("A43")
    assert result.resolved == 1 and open_alerts("A43") == []


def test_a43_expiry_and_open_review_are_two_alerts(centre_a, district_regulator, assessor):
    rating = rated(centre_a, regulator=district_regulator, assessor=assessor)
    ratings.open_review(rating, trigger=Trigger.SERIOUS_INCIDENT,
                        source=serious_incident(centre_a, days_ago=0), summary="事故")
    engine.run_rule("A43", at_noon(rating.valid_until + timedelta(days=1)))
    assert sorted(a.subject_type.model for a in open_alerts("A43")) == ["centre", "starrating"]


def test_a43_queries_do_not_grow_with_centres(centre_a, centre_b, district_regulator,
                                              other_regulator, assessor,
                                              django_assert_num_queries):
    rating = rated(centre_a, regulator=district_regulator, assessor=assessor)
    ratings.open_review(rating, trigger=Trigger.SERIOUS_INCIDENT,
                        source=serious_incident(centre_a, days_ago=0), summary="事故")
    expired = at_noon(rating.valid_until + timedelta(days=1))
    with django_assert_num_queries(2):
        few = list(rating_lapsed_or_under_review(expired))
    other = rated(centre_b, regulator=other_regulator,
                  assessor=assessor_for("510503", "assessor_nx"))
    ratings.open_review(other, trigger=Trigger.SERIOUS_INCIDENT,
                        source=serious_incident(centre_b, days_ago=0), summary="事故")
    with django_assert_num_queries(2):
        many = list(rating_lapsed_or_under_review(expired))
    assert len(few) == 2 and len(many) == 4


# --- triggers: serious incidents ----------------------------------------------------------------


def test_a_serious_incident_after_the_rating_opens_exactly_one_review(
        centre_a, district_regulator, assessor, django_capture_on_commit_callbacks):
    rating = rated(centre_a, regulator=district_regulator, assessor=assessor)
    with django_capture_on_commit_callbacks(execute=True):
        incident = serious_incident(centre_a, days_ago=0)
    [review] = DowngradeReview.objects.all()
    assert (review.rating, review.trigger, review.source) == (
        rating, Trigger.SERIOUS_INCIDENT, incident)
    assert review.is_open and review.stars_before == rating.stars
    with django_capture_on_commit_callbacks(execute=True):
        incident.description = "摔伤骨折，已送医"
        incident.save()  # saved again: not twice
    assert ratings.scan_triggers() == 0  # nor by the daily scan
    assert DowngradeReview.objects.count() == 1


def test_no_review_for_an_incident_before_the_rating_or_not_serious(
        centre_a, district_regulator, assessor, django_capture_on_commit_callbacks):
    rated(centre_a, regulator=district_regulator, assessor=assessor)
    with django_capture_on_commit_callbacks(execute=True):
        serious_incident(centre_a, days_ago=3)  # before valid_from
        Incident.objects.create(centre=centre_a, occurred_at=timezone.now(),
                                kind=Incident.Kind.INJURY, severity=Incident.Severity.MINOR,
                                description="擦伤")
    assert not DowngradeReview.objects.exists()
    assert ratings.scan_triggers() == 0


def test_a_serious_incident_at_an_unrated_centre_opens_nothing(
        centre_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        serious_incident(centre_a, days_ago=0)
    assert not DowngradeReview.objects.exists()


def test_the_incident_hook_never_fails_the_incident(centre_a, district_regulator, assessor,
                                                    monkeypatch,
                                                    django_capture_on_commit_callbacks):
    rated(centre_a, regulator=district_regulator, assessor=assessor)

    def broken(**kwargs):
        raise RuntimeError("scan down")

    monkeypatch.setattr(ratings, "scan_triggers", broken)
    with django_capture_on_commit_callbacks(execute=True):
        incident = serious_incident(centre_a, days_ago=0)
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert not DowngradeReview.objects.exists()


def test_the_daily_task_catches_up_what_no_hook_saw(centre_a, district_regulator, assessor,
                                                    settings):
    from evaluation.tasks import scan_ratings

    assert settings.CELERY_BEAT_SCHEDULE["evaluation-rating-scan"]["task"] == (
        "evaluation.tasks.scan_ratings")
    assert "evaluation-rating-scan" in settings.CATCH_UP_ENTRIES
    rated(centre_a, regulator=district_regulator, assessor=assessor)
    # made serious by a bulk update: no signal, no hook
    incident = Incident.objects.create(
        centre=centre_a, occurred_at=timezone.now(), kind=Incident.Kind.INJURY,
        severity=Incident.Severity.MINOR, description="摔伤")
    Incident.objects.filter(pk=incident.pk).update(severity=Incident.Severity.SERIOUS)
    assert not DowngradeReview.objects.exists()
    assert scan_ratings() == {"opened": 1}
    assert scan_ratings() == {"skipped": "this tick has been run"}
    assert DowngradeReview.objects.get().source == incident


# --- triggers: spot checks ----------------------------------------------------------------------


def test_a_spot_check_failing_a_veto_opens_a_review_on_approval(
        centre_a, district_regulator, assessor):
    rating = rated(centre_a, regulator=district_regulator, assessor=assessor)
    spot = assessments.assign(centre=centre_a, by=district_regulator,
                              kind=Assessment.Kind.SPOT_CHECK, assessor=assessor)
    spot = scored(spot, assessor, fail_veto=True)
    assert not DowngradeReview.objects.exists()  # submitted is not approved
    assessments.approve(assessment=spot, by=district_regulator)
    [review] = DowngradeReview.objects.all()
    assert (review.rating, review.trigger, review.source) == (
        rating, Trigger.VETO_AT_SPOT_CHECK, spot)
    assert spot.failed_vetoes[0] in review.summary


def test_a_spot_check_passing_every_veto_opens_nothing(centre_a, district_regulator, assessor):
    rated(centre_a, regulator=district_regulator, assessor=assessor)
    approved(centre_a, regulator=district_regulator, assessor=assessor,
             kind=Assessment.Kind.SPOT_CHECK)
    assert not DowngradeReview.objects.exists()


# --- triggers: credit grades --------------------------------------------------------------------


def lose_points(centre, points: int) -> None:
    kind = CreditEventType.objects.get(code="finding-major")
    today = timezone.localdate()
    CreditEvent.objects.create(centre=centre, type=kind, points=points, occurred_on=today,
                               expires_on=kind.expiry(today))


def test_a_credit_grade_at_the_threshold_opens_one_review(centre_a, district_regulator,
                                                          assessor, settings):
    assert settings.RATING_REVIEW_CREDIT_GRADE == CreditGrade.UNTRUSTWORTHY
    rating = rated(centre_a, regulator=district_regulator, assessor=assessor)
    lose_points(centre_a, -10)
    credit.recompute([centre_a.pk])
    assert CreditRecord.objects.get(centre=centre_a).grade == CreditGrade.BASIC
    assert not DowngradeReview.objects.exists()  # above the threshold
    lose_points(centre_a, -6)  # -16: 失信, the threshold itself
    credit.recompute([centre_a.pk])
    record = CreditRecord.objects.get(centre=centre_a)
    assert record.grade == CreditGrade.UNTRUSTWORTHY
    [review] = DowngradeReview.objects.all()
    assert (review.rating, review.trigger, review.source_type, review.source_id) == (
        rating, Trigger.CREDIT_GRADE, ContentType.objects.get_for_model(CreditRecord), record.pk)
    lose_points(centre_a, -20)  # worse still: the same record, no second review
    credit.recompute()
    assert ratings.scan_triggers() == 0
    assert DowngradeReview.objects.count() == 1


def test_a_low_credit_grade_without_a_rating_opens_nothing(centre_a):
    lose_points(centre_a, -40)
    credit.recompute()
    assert CreditRecord.objects.get(centre=centre_a).grade == CreditGrade.SERIOUS
    assert not DowngradeReview.objects.exists()


def test_the_nightly_credit_scan_leaves_the_review_to_the_rating_scan(
        centre_a, district_regulator, assessor):
    rated(centre_a, regulator=district_regulator, assessor=assessor)
    lose_points(centre_a, -20)
    credit.scan()
    assert CreditRecord.objects.get(centre=centre_a).grade == CreditGrade.UNTRUSTWORTHY
    assert not DowngradeReview.objects.exists()
    assert ratings.scan_triggers() == 1
    assert DowngradeReview.objects.get().trigger == Trigger.CREDIT_GRADE
