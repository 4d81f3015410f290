"""Quality assessments (evaluation.services.assessments, docs/rules/quality-assessment.md): the
workflow from a self-assessment and an assigned on-site assessment to approval and a published
star rating; scoring bad inputs refused with nothing saved; the assessor drawn without
conflicts; the veto cap; the comparison; the pages' role matrix and query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Assessment, Framework, Score, StarRating
from evaluation.services import assessments, ratings
from evaluation.services.assessments import AssessmentError
from luhuituo.core.exceptions import NotPermitted, Stale
from luhuituo.core.models import AuditEvent, User
from luhuituo.core.verbs import Verb
from registry.models import Filing
from supervision.models import InspectorConflict
from tests.factories import CentreFactory, UserFactory, jpeg_bytes
from tests.factories.evaluation import assessor, fill_scores, rated_centre
from tests.factories.registry import filing_for
from tests.factories.reviews import placed_child, review
from tests.queries import count_queries
from tests.rolematrix import (
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    OK,
    Outcome,
    assert_role_matrix,
    redirect_to,
)

S = Assessment.Status
REFUSED = Outcome("422 with the form's errors", 422)


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def operating(centre_a, centre_b):
    filing_for(centre_a, Filing.Status.VERIFIED)
    filing_for(centre_b, Filing.Status.VERIFIED)
    return centre_a


@pytest.fixture
def jy_assessor(db):
    return assessor()


@pytest.fixture
def nx_assessor(db):
    return assessor(username="assessor_nx", name="纳溪评估员", region_code="510503")


def framework() -> Framework:
    return Framework.objects.get(is_active=True)


def score_of(assessment, code) -> Score:
    return assessment.scores.select_related("indicator").get(indicator__code=code)


# --- self-assessment -----------------------------------------------------------------------


def test_a_self_assessment_has_a_row_per_indicator_and_is_saved_indicator_by_indicator(
        operating, manager, staff):
    assessment = assessments.start_self_assessment(centre=operating, by=manager)
    assert assessment.framework == framework()
    assert assessment.scores.count() == framework().dimensions.aggregate(
        n=Count("indicators"))["n"] == 22
    row = score_of(assessment, "9.4.3")
    saved = assessments.save_score(score=row, by=staff, value="8.5", evidence="监控点位图",
                                   version=row.version)
    assert saved.score == Decimal("8.5") and saved.evidence == "监控点位图"
    progress = assessments.progress(assessment)
    assert progress.scored == 1 and not progress.complete
    safety = next(r for r in progress.rows if r["dimension"].code == "9")
    assert safety["scored"] == 1 and safety["points"] == Decimal("8.5")


@pytest.mark.parametrize(("value", "message"), [
    ("abc", "not a number"),
    ("-1", "below 0"),
    ("10.5", "above its maximum of 10"),
    ("3.333", "more than two decimal places"),
    ("NaN", "not a number"),
    ("1e3", "above its maximum"),
])
def test_a_bad_score_is_refused_and_nothing_is_saved(operating, manager, value, message):
    assessment = assessments.start_self_assessment(centre=operating, by=manager)
    row = score_of(assessment, "9.4.3")
    with pytest.raises(AssessmentError, match=message) as error:
        assessments.save_score(score=row, by=manager, value=value, evidence="x",
                               version=row.version)
    assert error.value.field == "score"
    row.refresh_from_db()
    assert row.score is None and row.evidence == "" and row.version == 1


def test_a_stale_score_is_not_overwritten(operating, manager, staff):
    assessment = assessments.start_self_assessment(centre=operating, by=manager)
    row = score_of(assessment, "7.3.1")
    assessments.save_score(score=row, by=staff, value="6", version=1)
    with pytest.raises(Stale):
        assessments.save_score(score=row, by=manager, value="9", version=1)
    row.refresh_from_db()
    assert row.score == 6


def test_only_the_centre_scores_its_self_assessment(operating, manager, other_staff,
                                                     district_regulator):
    assessment = assessments.start_self_assessment(centre=operating, by=manager)
    row = score_of(assessment, "7.3.1")
    for user in (other_staff, district_regulator):
        with pytest.raises(NotPermitted):
            assessments.save_score(score=row, by=user, value="5")
    with pytest.raises(NotPermitted):
        assessments.start_self_assessment(centre=operating, by=other_staff)


def test_one_self_assessment_in_progress_at_a_time(operating, manager):
    first = assessments.start_self_assessment(centre=operating, by=manager)
    with pytest.raises(AssessmentError, match="already has a self-assessment in progress"):
        assessments.start_self_assessment(centre=operating, by=manager)
    assert Assessment.objects.filter(centre=operating).count() == 1
    # once submitted it is finished: the next one can start
    fill_scores(first)
    assessments.submit(assessment=first, by=manager)
    second = assessments.start_self_assessment(centre=operating, by=manager)
    assert second.status == S.DRAFT and second.pk != first.pk


def test_one_on_site_assessment_open_until_decided(operating, district_regulator, jy_assessor):
    onsite = assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor)
    fill_scores(onsite)
    assessments.submit(assessment=onsite, by=jy_assessor)
    with pytest.raises(AssessmentError, match="waiting for a decision"):
        assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor)
    assessments.approve(assessment=onsite, by=district_regulator)
    assert assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor)


def test_submitting_needs_every_indicator_and_then_consolidates(operating, manager, staff):
    assessment = assessments.start_self_assessment(centre=operating, by=manager)
    with pytest.raises(AssessmentError, match=r"still to score: 4\.1\.4"):
        assessments.submit(assessment=assessment, by=manager)
    fill_scores(assessment, fraction=Decimal("0.8"))
    with pytest.raises(NotPermitted):
        assessments.submit(assessment=assessment, by=staff)  # the manager submits
    done = assessments.submit(assessment=assessment, by=manager)
    assert done.status == S.SUBMITTED and done.total is not None
    assert sum(Decimal(v) for v in done.dimension_totals.values()) == done.total
    # 9.4.3 and 9.7.1 (veto items) at 10; 9.3.1, 9.3.2, 9.5.2 at 0.8 × 10; 9.99 at 0.8 × 150
    assert done.dimension_totals["9"] == "164.00"
    assert done.failed_vetoes == [] and done.grade == done.grade_by_score
    row = score_of(done, "7.3.1")
    with pytest.raises(AssessmentError, match="cannot be scored"):
        assessments.save_score(score=row, by=manager, value="1", version=row.version)


# --- assignment ----------------------------------------------------------------------------


def test_the_draw_leaves_out_declared_conflicts_and_records_itself(operating, district_regulator,
                                                                   jy_assessor):
    second = assessor(username="assessor_jy2", name="江阳评估员二")
    InspectorConflict.objects.create(inspector=jy_assessor, centre=operating, reason="亲属",
                                     declared_by=district_regulator)
    for _ in range(5):
        assessment = assessments.assign(centre=operating, by=district_regulator)
        assert assessment.assessor == second
        assert assessment.method == Assessment.Method.DRAW
        assert assessment.draw["conflicted"] == [jy_assessor.pk]
        assert assessment.draw["drawn"] == second.pk and "seed" in assessment.draw
        assessments.cancel(assessment=assessment, by=district_regulator)


def test_a_draw_with_nobody_left_is_refused(operating, district_regulator, jy_assessor):
    InspectorConflict.objects.create(inspector=jy_assessor, centre=operating, reason="曾任职",
                                     declared_by=district_regulator)
    with pytest.raises(AssessmentError, match="No assessor can be drawn"):
        assessments.assign(centre=operating, by=district_regulator)
    assert not Assessment.objects.exists()


def test_a_hand_choice_must_be_in_the_pool_and_free_of_conflicts(
        operating, district_regulator, jy_assessor, nx_assessor):
    with pytest.raises(AssessmentError, match="not an assessor for this centre's district"):
        assessments.assign(centre=operating, by=district_regulator, assessor=nx_assessor)
    InspectorConflict.objects.create(inspector=jy_assessor, centre=operating, reason="亲属",
                                     declared_by=district_regulator)
    with pytest.raises(AssessmentError, match="conflict of interest"):
        assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor)
    assert not Assessment.objects.exists()


def test_only_the_district_assigns_and_not_in_the_past(operating, other_regulator, jy_assessor,
                                                       district_regulator):
    with pytest.raises(NotPermitted):
        assessments.assign(centre=operating, by=other_regulator, assessor=jy_assessor)
    with pytest.raises(AssessmentError, match="past"):
        assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor,
                           scheduled_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(AssessmentError, match="spot check is for a centre with a current"):
        assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor,
                           kind=Assessment.Kind.SPOT_CHECK)
    assert not Assessment.objects.exists()


# --- on site, approval, the rating --------------------------------------------------------------


def test_the_full_way_to_a_rating_with_the_self_assessment_compared(
        operating, manager, district_regulator, jy_assessor):
    own = assessments.start_self_assessment(centre=operating, by=manager)
    fill_scores(own, fraction=Decimal("0.95"))
    assessments.submit(assessment=own, by=manager)

    onsite = assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor)
    assert onsite.self_assessment == own
    fill_scores(onsite, fraction=Decimal("0.8"), overrides={"6.99": 100})
    assessments.submit(assessment=onsite, by=jy_assessor)
    onsite.refresh_from_db()
    gaps = assessments.compare(onsite, onsite.self_assessment)
    assert [g.dimension.code for g in gaps] == ["4", "5", "6", "7", "8", "9", "10"]
    care = next(g for g in gaps if g.dimension.code == "6")
    assert care.self_score == Decimal("190.00") and care.onsite_score == Decimal("100")
    assert care.largest and sum(g.largest for g in gaps) == 2

    with pytest.raises(ratings.RatingError, match="cannot be published"):
        ratings.publish(assessment=onsite, by=district_regulator)
    assessments.approve(assessment=onsite, by=district_regulator, note="属实")
    rating = ratings.publish(assessment=onsite, by=district_regulator)
    assert (rating.stars, rating.grade) == (onsite.stars, onsite.grade)
    assert rating.valid_from == timezone.localdate()
    assert rating.valid_until == timezone.localdate().replace(
        year=timezone.localdate().year + 3) - timedelta(days=1)
    assert len(rating.token) >= 20
    onsite.refresh_from_db()
    assert onsite.status == S.PUBLISHED
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {Verb.ASSESSMENT_ASSIGNED, Verb.ASSESSMENT_SUBMITTED, Verb.ASSESSMENT_APPROVED,
            Verb.RATING_PUBLISHED} <= verbs


def test_a_failed_veto_item_caps_the_rating(operating, district_regulator, jy_assessor):
    rating = rated_centre(operating, regulator=district_regulator, assessor_user=jy_assessor,
                          fraction=Decimal("1"), fail=("9.4.3",))
    assessment = rating.assessment
    assert assessment.total == Decimal("999")
    assert (assessment.grade_by_score, assessment.grade) == ("A", "D")
    assert assessment.failed_vetoes == ["9.4.3"] and assessment.capped
    assert rating.stars == rating.stars_awarded == 1


def test_a_new_rating_supersedes_the_one_in_force(operating, district_regulator, jy_assessor):
    first = rated_centre(operating, regulator=district_regulator, assessor_user=jy_assessor,
                         fraction=Decimal("0.7"))
    review = ratings.open_review(first, trigger="veto", source=first.assessment,
                                 summary="抽查：9.4.3")
    second = rated_centre(operating, regulator=district_regulator, assessor_user=jy_assessor,
                          fraction=Decimal("0.95"))
    first.refresh_from_db()
    review.refresh_from_db()
    assert first.status == StarRating.Status.SUPERSEDED
    assert review.status == review.Status.SUPERSEDED  # nothing left to decide
    assert list(StarRating.objects.filter(centre=operating).current()) == [second]


def test_a_returned_assessment_goes_back_to_the_assessor(operating, district_regulator,
                                                         jy_assessor):
    onsite = assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor)
    fill_scores(onsite)
    assessments.submit(assessment=onsite, by=jy_assessor)
    with pytest.raises(AssessmentError, match="correct"):
        assessments.return_for_correction(assessment=onsite, by=district_regulator, reason=" ")
    assessments.return_for_correction(assessment=onsite, by=district_regulator,
                                      reason="9.4.3 证据不足")
    onsite.refresh_from_db()
    assert onsite.status == S.RETURNED
    row = score_of(onsite, "9.4.3")
    assessments.save_score(score=row, by=jy_assessor, value="9", version=row.version)
    assessments.submit(assessment=onsite, by=jy_assessor)
    onsite.refresh_from_db()
    assert onsite.status == S.SUBMITTED and onsite.failed_vetoes == ["9.4.3"]


def test_a_spot_check_with_a_failed_veto_opens_a_downgrade_review_once_approved(
        operating, district_regulator, jy_assessor):
    rating = rated_centre(operating, regulator=district_regulator, assessor_user=jy_assessor)
    check = assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor,
                               kind=Assessment.Kind.SPOT_CHECK)
    fill_scores(check, fail=("5.1.6",))
    assessments.submit(assessment=check, by=jy_assessor)
    assert not rating.reviews.exists()
    assessments.approve(assessment=check, by=district_regulator)
    review = rating.reviews.get()
    assert review.trigger == review.Trigger.VETO_AT_SPOT_CHECK and "5.1.6" in review.summary
    with pytest.raises(ratings.RatingError, match="spot check is not"):
        ratings.publish(assessment=check, by=district_regulator)


# --- pages -----------------------------------------------------------------------------------


def test_the_workspace_saves_a_row_with_htmx_and_keeps_what_was_typed_on_an_error(
        operating, manager, client_for):
    assessment = assessments.start_self_assessment(centre=operating, by=manager)
    row = score_of(assessment, "9.7.1")
    url = reverse("evaluation:centre-score-save", args=[operating.pk, assessment.pk, row.pk])
    client = client_for(manager)
    prefix = f"s{row.pk}-"
    response = client.post(url, {prefix + "score": "12", prefix + "evidence": "保单号 123",
                                 prefix + "version": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "above its maximum" in page and "保单号 123" in page and 'value="12"' in page
    row.refresh_from_db()
    assert row.score is None and row.evidence == ""

    response = client.post(url, {prefix + "score": "10", prefix + "evidence": "保单号 123",
                                 prefix + "version": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' in response.content.decode()  # the progress follows
    row.refresh_from_db()
    assert row.score == 10 and row.version == 2


def test_without_javascript_a_row_posts_and_comes_back_to_it(operating, manager, client_for):
    assessment = assessments.start_self_assessment(centre=operating, by=manager)
    row = score_of(assessment, "7.2.3")
    url = reverse("evaluation:centre-score-save", args=[operating.pk, assessment.pk, row.pk])
    prefix = f"s{row.pk}-"
    response = client_for(manager).post(url, {prefix + "score": "7", prefix + "version": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#indicator-{row.pk}")
    response = client_for(manager).post(url, {prefix + "score": "x", prefix + "version": "2",
                                              prefix + "comment": "保留"})
    assert response.status_code == 422 and "not a number" in response.content.decode()
    row.refresh_from_db()
    assert row.score == 7


def test_the_assessor_uploads_a_photo_and_a_fake_one_is_refused(operating, district_regulator,
                                                                jy_assessor, client_for):
    onsite = assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor)
    row = score_of(onsite, "9.4.3")
    url = reverse("evaluation:assessor-score-save", args=[onsite.pk, row.pk])
    prefix = f"s{row.pk}-"
    fake = SimpleUploadedFile("x.jpg", b"\xff\xd8\xff<html>", content_type="image/jpeg")
    response = client_for(jy_assessor).post(url, {prefix + "score": "10", prefix + "photo": fake,
                                                  prefix + "version": "1"})
    assert response.status_code == 422
    row.refresh_from_db()
    assert row.score is None and not row.photo
    photo = SimpleUploadedFile("x.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client_for(jy_assessor).post(url, {prefix + "score": "10",
                                                  prefix + "photo": photo,
                                                  prefix + "version": "1"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.score == 10 and row.photo
    photo_url = reverse("evaluation:score-photo", args=[onsite.pk, row.pk])
    assert client_for(jy_assessor).get(photo_url).status_code == 200
    assert client_for(district_regulator).get(photo_url).status_code == 200


def test_assigning_through_the_form_refuses_bad_input_and_keeps_it(operating, district_regulator,
                                                                   jy_assessor, client_for):
    client = client_for(district_regulator)
    url = reverse("evaluation:assessment-assign")
    response = client.get(url, {"centre": "99999999999999999999"})
    assert response.status_code == 200
    response = client.post(url, {"centre": operating.pk, "kind": "onsite", "method": "hand",
                                 "scheduled_on": "2020-01-01"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Choose the assessor" in page
    response = client.post(url, {"centre": operating.pk, "kind": "onsite", "method": "hand",
                                 "assessor": jy_assessor.pk, "scheduled_on": "2020-01-01"})
    assert response.status_code == 422 and "past" in response.content.decode()
    assert not Assessment.objects.exists()
    response = client.post(url, {"centre": operating.pk, "kind": "onsite", "method": "draw",
                                 "submission": "t" * 32})
    assert response.status_code == 302
    again = client.post(url, {"centre": operating.pk, "kind": "onsite", "method": "draw",
                              "submission": "t" * 32})
    assert again.status_code == 302 and Assessment.objects.count() == 1


def test_the_decision_page_approves_and_publishes(operating, district_regulator, jy_assessor,
                                                  client_for):
    onsite = assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor)
    fill_scores(onsite)
    assessments.submit(assessment=onsite, by=jy_assessor)
    client = client_for(district_regulator)
    url = reverse("evaluation:assessment-decide", args=[onsite.pk])
    response = client.post(url, {"decision": "return", "note": ""})
    assert response.status_code == 422 and "correct" in response.content.decode()
    assert client.post(url, {"decision": "approve"}).status_code == 302
    assert client.post(url, {"action": "publish"}).status_code == 302
    assert StarRating.objects.filter(assessment=onsite).exists()
    assert client_for(jy_assessor).post(url, {"decision": "approve"}).status_code == 403


def test_the_lists_export_what_they_show(operating, centre_b, district_regulator, jy_assessor,
                                          nx_assessor, other_regulator, client_for):
    rated_centre(operating, regulator=district_regulator, assessor_user=jy_assessor)
    filing_for(centre_b, Filing.Status.VERIFIED)
    rated_centre(centre_b, regulator=other_regulator, assessor_user=nx_assessor)
    for name in ("evaluation:assessment-export", "evaluation:rating-export"):
        response = client_for(district_regulator).get(reverse(name))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 2 and rows[1][0] == operating.name


# --- the role matrix and query counts ---------------------------------------------------------


@pytest.fixture
def world(personas, operating, jy_assessor, nx_assessor):
    """A rated centre in 江阳 (its self-assessment in progress) and one in 纳溪, to leak."""
    reg, other = personas["district_regulator"], personas["other_regulator"]
    own = assessments.start_self_assessment(centre=operating, by=personas["manager"])
    rating = rated_centre(operating, regulator=reg, assessor_user=jy_assessor)
    other_centre = CentreFactory(name="纳溪区评估泄漏园", region=personas["other_regulator"]
                                 .regulator_scopes[0].region, filing=Filing.Status.VERIFIED)
    leak = rated_centre(other_centre, regulator=other, assessor_user=nx_assessor)
    return {"own": own, "rating": rating, "leak": leak}


def test_role_matrix_of_the_lists(client_for, personas, world):
    for name in ("evaluation:assessment-list", "evaluation:rating-list",
                 "evaluation:assessment-export", "evaluation:rating-export"):
        assert_role_matrix(
            client_for, personas, reverse(name),
            expect={"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                    "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                    "parent": FORBIDDEN, "anonymous": LOGIN},
            hidden={"district_regulator": ["纳溪区评估泄漏园"]},
            shown={"city_regulator": ["纳溪区评估泄漏园", "江阳区阳光托育中心"]})
    assert_role_matrix(
        client_for, personas, reverse("evaluation:assessment-assign"),
        expect={"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                "parent": FORBIDDEN, "anonymous": LOGIN},
        hidden={"district_regulator": ["纳溪区评估泄漏园"]})
    assert_role_matrix(
        client_for, personas, reverse("evaluation:assessor-list"),
        expect={"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                "parent": FORBIDDEN, "anonymous": LOGIN})


def test_role_matrix_of_an_assessment(client_for, personas, world):
    onsite = world["rating"].assessment
    centre_id = onsite.centre_id
    assert_role_matrix(
        client_for, personas, reverse("evaluation:assessment-detail", args=[onsite.pk]),
        expect={"city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
                "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                "parent": FORBIDDEN, "anonymous": LOGIN})
    assert_role_matrix(
        client_for, personas, reverse("evaluation:assessment-decide", args=[onsite.pk]),
        method="post", data={"decision": "approve"},
        expect={"city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
                "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                "parent": FORBIDDEN, "anonymous": LOGIN} | {
            "city_regulator": REFUSED, "district_regulator": REFUSED})
    assert_role_matrix(
        client_for, personas, reverse("evaluation:assessor-assessment", args=[onsite.pk]),
        expect={"city_regulator": NOT_FOUND, "district_regulator": NOT_FOUND,
                "other_regulator": NOT_FOUND, "manager": FORBIDDEN, "staff": FORBIDDEN,
                "other_staff": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN})
    own = world["own"]
    row = own.scores.first()
    for name, args in [("evaluation:centre-quality", [centre_id]),
                       ("evaluation:centre-assessment", [centre_id, own.pk])]:
        assert_role_matrix(
            client_for, personas, reverse(name, args=args),
            expect={"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
                    "other_regulator": FORBIDDEN, "manager": OK, "staff": OK,
                    "other_staff": NOT_FOUND, "parent": FORBIDDEN, "anonymous": LOGIN})
    assert_role_matrix(
        client_for, personas,
        reverse("evaluation:centre-score-save", args=[centre_id, own.pk, row.pk]),
        method="post", data={f"s{row.pk}-score": "1"},
        expect={"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
                "other_regulator": FORBIDDEN, "manager": redirect_to(),
                "staff": redirect_to(), "other_staff": NOT_FOUND, "parent": FORBIDDEN,
                "anonymous": LOGIN})
    for name in ("evaluation:centre-assessment-submit", "evaluation:centre-assessment-cancel"):
        assert_role_matrix(
            client_for, personas, reverse(name, args=[centre_id, own.pk]), method="post",
            expect={"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
                    "other_regulator": FORBIDDEN, "manager": redirect_to(),
                    "staff": NOT_FOUND, "other_staff": NOT_FOUND, "parent": FORBIDDEN,
                    "anonymous": LOGIN})
    assert_role_matrix(
        client_for, personas, reverse("evaluation:self-assessment-start", args=[centre_id]),
        method="post",
        expect={"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
                "other_regulator": FORBIDDEN, "manager": redirect_to(),
                "staff": NOT_FOUND, "other_staff": NOT_FOUND, "parent": FORBIDDEN,
                "anonymous": LOGIN})


def test_role_matrix_of_the_assessor_pages(client_for, personas, world, jy_assessor):
    onsite = assessments.assign(centre=world["rating"].centre,
                                by=personas["district_regulator"], assessor=jy_assessor)
    row = onsite.scores.first()
    for name, args, method in [
            ("evaluation:assessor-assessment", [onsite.pk], "get"),
            ("evaluation:assessor-score-save", [onsite.pk, row.pk], "post"),
            ("evaluation:assessor-submit", [onsite.pk], "post"),
            ("evaluation:score-photo", [onsite.pk, row.pk], "get")]:
        assert_role_matrix(
            client_for, personas, reverse(name, args=args), method=method,
            expect={"city_regulator": NOT_FOUND, "district_regulator": NOT_FOUND,
                    "other_regulator": NOT_FOUND, "manager": FORBIDDEN if method == "post"
                    or name != "evaluation:score-photo" else NOT_FOUND,
                    "staff": FORBIDDEN if name != "evaluation:score-photo" else NOT_FOUND,
                    "other_staff": FORBIDDEN if name != "evaluation:score-photo"
                    else NOT_FOUND,
                    "parent": FORBIDDEN if name != "evaluation:score-photo" else NOT_FOUND,
                    "anonymous": LOGIN if name != "evaluation:score-photo" else NOT_FOUND})


def test_list_queries_do_not_grow_with_rows(operating, district_regulator, jy_assessor,
                                            client_for):
    client = client_for(district_regulator)
    rated_centre(operating, regulator=district_regulator, assessor_user=jy_assessor)
    urls = [reverse("evaluation:assessment-list"), reverse("evaluation:rating-list"),
            reverse("evaluation:assessment-export"), reverse("evaluation:rating-export")]
    before = []
    for url in urls:
        client.get(url)  # the session's activity stamp is written now, not while counting
        with count_queries() as one:
            assert client.get(url).status_code == 200
        before.append(len(one))
    for n in range(4):
        centre = CentreFactory(name=f"江阳区评估园{n}", filing=Filing.Status.VERIFIED)
        rated_centre(centre, regulator=district_regulator, assessor_user=jy_assessor)
    for url, count in zip(urls, before, strict=True):
        client.get(url)
        with count_queries() as many:
            assert client.get(url).status_code == 200
        assert len(many) == count, url


def test_the_workspace_queries_do_not_grow_with_scored_indicators(operating, manager,
                                                                  client_for):
    assessment = assessments.start_self_assessment(centre=operating, by=manager)
    url = reverse("evaluation:centre-assessment", args=[operating.pk, assessment.pk])
    client = client_for(manager)
    client.get(url)  # the session's activity stamp is written now, not while counting
    with count_queries() as empty:
        client.get(url)
    fill_scores(assessment)
    client.get(url)
    with count_queries() as full:
        assert client.get(url).status_code == 200
    assert len(full) == len(empty)


def test_the_workspace_shows_what_parents_say(operating, manager, client_for):
    assessment = assessments.start_self_assessment(centre=operating, by=manager)
    url = reverse("evaluation:centre-assessment", args=[operating.pk, assessment.pk])
    assert "What parents say" not in client_for(manager).get(url).content.decode()
    for n, status in enumerate(("published", "pending")):  # a pending one is not counted
        parent = UserFactory(username=f"parent_q{n}", account_type=User.AccountType.PARENT)
        review(placed_child(operating, user=parent), status=status)
    page = client_for(manager).get(url).content.decode()
    assert "What parents say" in page and "from 1 published review" in page


def test_the_workbench_counts_what_waits_for_the_reader(operating, district_regulator,
                                                        other_regulator, jy_assessor,
                                                        client_for):
    onsite = assessments.assign(centre=operating, by=district_regulator, assessor=jy_assessor)
    url = reverse("dashboard:home")
    assert client_for(jy_assessor).get(url).context["to_score"] == 1
    fill_scores(onsite)
    assessments.submit(assessment=onsite, by=jy_assessor)
    page = client_for(district_regulator).get(url)
    assert page.context["to_approve"] == 1
    assert "1 on-site assessment is waiting for a decision" in page.content.decode()
    assert client_for(other_regulator).get(url).context["to_approve"] == 0
    assert client_for(jy_assessor).get(url).context["to_score"] == 0
