"""Downgrade reviews of star ratings, the regulator's pages: the list (filters, sort, query
counts), one review's page (rating, trigger, source, history) and the district's decision —
keep or lower the stars, with a reason; bad input refused with nothing saved; the role matrix
(docs/rules/quality-assessment.md, "Alerts and downgrade reviews")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evaluation.models import Assessment, DowngradeReview, StarRating
from evaluation.services import ratings
from evaluation.services.ratings import RatingError
from luhuituo.core.models import AuditEvent, Notification
from tests.queries import count_queries
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, Outcome, assert_role_matrix

from .rating_data import approved, assessor_for, rated, serious_incident

Trigger, RS = DowngradeReview.Trigger, DowngradeReview.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def assessor(db):
    return assessor_for()


@pytest.fixture
def rating(centre_a, district_regulator, assessor) -> StarRating:
    return rated(centre_a, regulator=district_regulator, assessor=assessor)


def incident_review(rating, summary="Serious incident: 摔伤骨折") -> DowngradeReview:
    return ratings.open_review(rating, trigger=Trigger.SERIOUS_INCIDENT,
                               source=serious_incident(rating.centre, days_ago=0),
                               summary=summary)


@pytest.fixture
def review(rating) -> DowngradeReview:
    return incident_review(rating)


def url(review) -> str:
    return reverse("evaluation:rating-review", args=[review.pk])


LIST = reverse("evaluation:rating-reviews")


def decision_form(client, review) -> dict:
    """What the page's form sends, with its one-time token."""
    form = client.get(url(review)).context["form"]
    return {"submission": form["submission"].value()}


# --- deciding: the service ---------------------------------------------------------------------


def test_keep_leaves_the_stars_and_records_the_reason(review, district_regulator):
    ratings.decide_review(review=review, by=district_regulator, downgrade=False, stars=None,
                          reason="事故已妥善处理")
    review.refresh_from_db()
    review.rating.refresh_from_db()
    assert (review.status, review.stars_after, review.decided_by) == (RS.KEPT, 5,
                                                                       district_regulator)
    assert (review.rating.stars, review.rating.status) == (5, StarRating.Status.CURRENT)


def test_downgrade_lowers_the_stars_of_the_rating(review, district_regulator):
    ratings.decide_review(review=review, by=district_regulator, downgrade=True, stars=1,
                          reason="严重事故")
    review.rating.refresh_from_db()
    assert (review.rating.stars, review.rating.stars_awarded) == (1, 5)
    assert review.rating.status == StarRating.Status.DOWNGRADED


@pytest.mark.parametrize(("downgrade", "stars", "reason", "field"), [
    (False, None, "   ", "reason"),
    (True, 5, "理由", "stars"),  # the current stars
    (True, 6, "理由", "stars"),
    (True, 0, "理由", "stars"),
    (True, None, "理由", "stars"),
])
def test_bad_decisions_are_refused_and_save_nothing(review, district_regulator, downgrade,
                                                     stars, reason, field):
    with pytest.raises(RatingError) as refused:
        ratings.decide_review(review=review, by=district_regulator, downgrade=downgrade,
                              stars=stars, reason=reason)
    assert refused.value.field == field
    review.refresh_from_db()
    review.rating.refresh_from_db()
    assert review.is_open and review.rating.stars == 5


# --- deciding: the page ------------------------------------------------------------------------


def test_the_district_keeps_the_rating_from_the_page(client_for, review, district_regulator,
                                                     manager,
                                                     django_capture_on_commit_callbacks):
    client = client_for(district_regulator)
    data = {**decision_form(client, review), "decision": "keep", "reason": "事故已妥善处理"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(review), data)
    assert response.status_code == 302 and response["Location"] == url(review)
    review.refresh_from_db()
    assert review.status == RS.KEPT and review.reason == "事故已妥善处理"
    assert AuditEvent.objects.filter(verb="rating_kept").count() == 1
    assert Notification.objects.filter(recipient=manager).exists()
    page = client.get(url(review)).content.decode()
    assert "Rating kept" in page and "事故已妥善处理" in page and 'name="reason"' not in page


def test_stars_left_in_the_form_do_not_stop_keeping_the_rating(client_for, review,
                                                              district_regulator):
    client = client_for(district_regulator)
    response = client.post(url(review), {**decision_form(client, review), "decision": "keep",
                                         "stars": "三", "reason": "事故已妥善处理"})
    assert response.status_code == 302
    review.refresh_from_db()
    review.rating.refresh_from_db()
    assert review.status == RS.KEPT and review.rating.stars == 5


def test_the_district_lowers_the_stars_from_the_page_once(client_for, review,
                                                          district_regulator):
    client = client_for(district_regulator)
    data = {**decision_form(client, review), "decision": "downgrade", "stars": "3",
            "reason": "事故暴露管理漏洞"}
    response = client.post(url(review), data)
    assert response.status_code == 302
    review.rating.refresh_from_db()
    assert review.rating.stars == 3
    # the same form sent again (a double click): the first result, nothing more
    again = client.post(url(review), data)
    assert again.status_code == 302 and again["Location"] == url(review)
    assert AuditEvent.objects.filter(verb="rating_downgraded").count() == 1


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"decision": "keep", "reason": ""}, "reason", "Give the reason for the decision."),
    ({"decision": "downgrade", "stars": "5", "reason": "理由写在这里"}, "stars",
     "Choose fewer stars than the rating's 5, and at least 1."),
    ({"decision": "downgrade", "stars": "0", "reason": "理由写在这里"}, "stars",
     "Choose fewer stars than the rating's 5, and at least 1."),
    ({"decision": "downgrade", "stars": "三", "reason": "理由写在这里"}, "stars",
     "Enter the number of stars as a whole number."),
    ({"reason": "理由写在这里"}, "decision", "Choose whether to keep the rating or lower it."),
])
def test_bad_input_on_the_page_is_shown_on_the_form_and_saves_nothing(
        client_for, review, district_regulator, data, field, message):
    client = client_for(district_regulator)
    response = client.post(url(review), {**decision_form(client, review), **data})
    assert response.status_code == 422
    form = response.context["form"]
    assert message in form.errors[field]
    body = response.content.decode()
    assert message.replace("'", "&#x27;") in body
    if data.get("reason"):
        assert "理由写在这里" in body  # what was typed is kept
    review.refresh_from_db()
    review.rating.refresh_from_db()
    assert review.is_open and review.rating.stars == 5
    assert not AuditEvent.objects.filter(verb__in=["rating_kept", "rating_downgraded"]).exists()


def test_a_review_decided_already_is_not_decided_twice(client_for, review, district_regulator,
                                                       city_regulator):
    ratings.decide_review(review=review, by=district_regulator, downgrade=False, stars=None,
                          reason="事故已妥善处理")
    # another regulator, with a form opened before the decision
    response = client_for(city_regulator).post(url(review), {
        "decision": "downgrade", "stars": "2", "reason": "应当降级"})
    assert response.status_code == 422
    assert "This review has already been decided." in response.content.decode()
    review.refresh_from_db()
    review.rating.refresh_from_db()
    assert (review.status, review.reason, review.rating.stars) == (RS.KEPT, "事故已妥善处理", 5)


# --- the page: what it shows -------------------------------------------------------------------


def test_the_page_shows_the_rating_trigger_source_and_history(client_for, review,
                                                              district_regulator):
    body = client_for(district_regulator).get(url(review)).content.decode()
    assert "Serious incident: 摔伤骨折" in body
    assert reverse("supervision:regulator-incident-detail", args=[review.source_id]) in body
    assert reverse("evaluation:assessment-detail", args=[review.rating.assessment_id]) in body
    history = client_for(district_regulator).get(url(review)).context["history"]
    assert {event.verb for event in history} >= {"rating_published", "rating_review_opened"}


def test_the_page_links_a_spot_check_and_a_credit_record(client_for, rating, centre_a,
                                                         district_regulator, assessor):
    spot = approved(centre_a, regulator=district_regulator, assessor=assessor,
                    kind=Assessment.Kind.SPOT_CHECK, fail_veto=True)
    veto = DowngradeReview.objects.get(trigger=Trigger.VETO_AT_SPOT_CHECK)
    body = client_for(district_regulator).get(url(veto)).content.decode()
    assert reverse("evaluation:assessment-detail", args=[spot.pk]) in body
    from evaluation.models import CreditRecord

    record = CreditRecord.objects.create(centre=centre_a, points=-20, grade="untrustworthy")
    low = ratings.open_review(rating, trigger=Trigger.CREDIT_GRADE, source=record,
                              summary="Credit grade")
    body = client_for(district_regulator).get(url(low)).content.decode()
    assert reverse("evaluation:regulator-centre-credit", args=[centre_a.pk]) in body


def test_an_assessor_in_scope_reads_but_cannot_decide(client_for, review, assessor):
    client = client_for(assessor)
    response = client.get(url(review))
    assert response.status_code == 200 and response.context["form"] is None
    assert 'name="reason"' not in response.content.decode()
    refused = client.post(url(review), {"decision": "keep", "reason": "理由"})
    assert refused.status_code == 403
    review.refresh_from_db()
    assert review.is_open
    assert client.get(LIST).status_code == 200


def test_a_centre_manager_of_the_centre_is_refused(client_for, review, manager):
    assert client_for(manager).post(url(review), {"decision": "keep",
                                                  "reason": "理由"}).status_code == 403
    review.refresh_from_db()
    assert review.is_open


# --- role matrix ---------------------------------------------------------------------------------

LIST_MATRIX = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
               "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
               "parent": FORBIDDEN, "anonymous": LOGIN}
ONE_MATRIX = {**LIST_MATRIX, "other_regulator": NOT_FOUND}
REFUSED = Outcome("422 the form shown again with its errors", 422)


def test_role_matrix_review_list(client_for, personas, review):
    assert_role_matrix(client_for, personas, LIST, expect=LIST_MATRIX,
                       shown={"district_regulator": ["江阳区阳光托育中心"],
                              "city_regulator": ["江阳区阳光托育中心"]},
                       hidden={"other_regulator": ["江阳区阳光托育中心"]})


def test_role_matrix_review_page(client_for, personas, review):
    assert_role_matrix(client_for, personas, url(review), expect=ONE_MATRIX,
                       shown={"district_regulator": ['name="reason"'],
                              "city_regulator": ['name="reason"']})


def test_role_matrix_review_decision(client_for, personas, review):
    data = {"decision": "downgrade", "stars": "9", "reason": "理由"}  # refused if it got through
    assert_role_matrix(client_for, personas, url(review), method="post", data=data,
                       expect={**ONE_MATRIX, "city_regulator": REFUSED,
                               "district_regulator": REFUSED})
    review.refresh_from_db()
    assert review.is_open


# --- the list ------------------------------------------------------------------------------------


def test_the_list_filters_by_status_trigger_district_and_name(client_for, city_regulator,
                                                              review, rating, centre_b,
                                                              other_regulator,
                                                              district_regulator):
    other_rating = rated(centre_b, regulator=other_regulator,
                         assessor=assessor_for("510503", "assessor_nx"))
    other = incident_review(other_rating)
    decided = incident_review(rating, summary="已处理的事故")
    ratings.decide_review(review=decided, by=district_regulator, downgrade=False, stars=None,
                          reason="理由")
    client = client_for(city_regulator)

    def listed(**params) -> list[int]:
        return [r.pk for r in client.get(LIST, params).context["page"].object_list]

    assert sorted(listed()) == sorted([review.pk, other.pk])  # open by default
    assert listed(status="decided") == [decided.pk]
    assert sorted(listed(status="all")) == sorted([review.pk, other.pk, decided.pk])
    assert listed(district="510503") == [other.pk]
    assert listed(q="星星") == [other.pk]
    assert listed(trigger="veto") == []
    assert sorted(listed(trigger="incident", status="all")) == sorted(
        [review.pk, other.pk, decided.pk])
    by_name = listed(sort="centre")
    assert sorted(by_name) == sorted([review.pk, other.pk])
    assert listed(sort="-centre") == by_name[::-1]
    assert listed(status="bogus", sort="nonsense") == listed()  # bad values are dropped
    htmx = client.get(LIST, {"status": "all"}, headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and b"<html" not in htmx.content


def test_list_queries_are_constant_in_rows(client_for, city_regulator, review, rating,
                                           centre_b, other_regulator):
    client = client_for(city_regulator)
    client.get(LIST)
    with count_queries() as few:
        assert len(client.get(LIST).context["page"].object_list) == 1
    other_rating = rated(centre_b, regulator=other_regulator,
                         assessor=assessor_for("510503", "assessor_nx"))
    for _ in range(3):
        incident_review(rating)
        incident_review(other_rating)
    with count_queries() as many:
        assert len(client.get(LIST).context["page"].object_list) == 7
    assert len(many) == len(few)


def test_the_star_rating_list_links_to_the_reviews(client_for, district_regulator):
    """The reviews are reached from the star ratings (and from alert A43), not from the
    top navigation, which has no room left."""
    body = client_for(district_regulator).get(reverse("evaluation:rating-list")).content.decode()
    assert f'href="{LIST}"' in body and "Downgrade reviews" in body
