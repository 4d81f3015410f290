"""A star rating in public (evaluation.views.public_ratings): the report card of the rating in
force (scores by dimension as an SVG chart and a table, the grade band, a veto cap, a
downgrade), the certificate verification page, the certificate PDF and who may print it, the
section links, and the report card's query count.

Ratings are made as the district makes them: assign an on-site assessment, the assessor scores
every indicator and submits, the district approves and publishes."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from evaluation.models import DowngradeReview, StarRating
from evaluation.services import assessments, ratings
from luhuituo.core.models import RegulatorScope
from registry.models import Filing
from supervision.models import Incident
from tests.factories import CentreFactory, RegulatorFactory, filing_for
from tests.factories.evaluation import small_framework
from tests.queries import count_queries
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

# The working version of WS/T 821-2023 (migration 0008): 7 dimensions, 1000 points; bands
# A ≥ 900 (5 stars), B 750–900 (4), C 600–750 (3), D < 600 (1); veto items capped at 1 star.
REST_OF_CARE = "6.99"    # the one indicator of dimension 6 (200 points)
ALARM_VETO = "9.4.3"     # an assumed veto item (alarm and cameras), 10 points


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def assessor(db):
    user = RegulatorFactory(username="assessor_jy", name="评估员甲", region_code="510502")
    RegulatorScope.objects.filter(user=user).update(role=RegulatorScope.Role.ASSESSOR)
    return user


@pytest.fixture
def listed(centre_a):
    """centre_a on the public list, with a filing number."""
    filing = filing_for(centre_a, Filing.Status.VERIFIED)
    filing.filing_no = "JY2026-0001"
    filing.save(update_fields=["filing_no"])
    return centre_a


def rate(centre, *, by, assessor, **scores) -> StarRating:
    """Publish a rating of ``centre``: every indicator at its maximum unless given by code
    (``rate(c, ..., **{"6.99": 50})``)."""
    assessment = assessments.assign(centre=centre, by=by, assessor=assessor)
    for score in assessment.scores.select_related("indicator"):
        value = scores.get(score.indicator.code, score.indicator.max_score)
        assessments.save_score(score=score, by=assessor, value=value)
    assessments.submit(assessment=assessment, by=assessor)
    assessments.approve(assessment=assessment, by=by)
    return ratings.publish(assessment=assessment, by=by)


def page_url(centre) -> str:
    return reverse("evaluation:public-rating", args=[centre.pk])


def verify_url(rating) -> str:
    return reverse("evaluation:rating-verify", args=[rating.token])


def svg_of(body: str) -> str:
    match = re.search(r"<svg class=\"rating-chart\".*?</svg>", body, re.S)
    assert match, "no chart on the page"
    return match.group(0)


def table_of(body: str) -> str:
    match = re.search(r"<table .*?</table>", body, re.S)
    assert match, "no table on the page"
    return match.group(0)


# --- the report card ---------------------------------------------------------------------------


def test_report_card_of_a_rating_explains_stars_band_and_dimensions(
        client, listed, district_regulator, assessor):
    rating = rate(listed, by=district_regulator, assessor=assessor, **{REST_OF_CARE: 50})
    assert (rating.total, rating.grade, rating.stars) == (850, "B", 4)

    response = client.get(page_url(listed))

    assert response.status_code == 200
    body = response.content.decode()
    assert "4 stars (out of 5)" in body and "★★★★☆" in body
    assert "Grade B" in body
    assert "850 out of 1000 points" in body
    assert "Total 850 points, in grade band B (750–900 points), which gives 4 stars." in body
    assert "Veto item" not in body and "downgrade review" not in body
    svg, table = svg_of(body), table_of(body)
    assert 'viewBox="0 0 320 ' in svg and 'width="100%"' in svg and 'role="img"' in svg
    card = ratings.report_card(rating)
    assert [d.code for d in card.dimensions] == ["4", "5", "6", "7", "8", "9", "10"]
    for d in card.dimensions:
        score = "50" if d.code == "6" else str(d.points)
        assert f"{d.code} {d.name}" in svg and f"{score} / {d.points}" in svg
        assert f"<th scope=\"row\">{d.code} {d.name}</th><td>{score}</td><td>{d.points}" in table
    # Dimension 6 at a quarter of its points: a bar of a quarter of the chart's width.
    assert 'width="80.0"' in svg
    assert "25%" in table
    # Dates in the project's format; the standard's note and its unverified placeholders.
    day = timezone.localdate()
    assert f'<time datetime="{day.isoformat()}' in body
    assert "recommended (non-mandatory) standard" in body
    assert "placeholders of the platform" in body and "unverified" in body
    assert card.framework.source.splitlines()[0][:20] in body


def test_a_capped_rating_names_the_failed_veto_item_and_the_cap(
        client, listed, district_regulator, assessor):
    rating = rate(listed, by=district_regulator, assessor=assessor, **{ALARM_VETO: 5})
    assert rating.assessment.grade_by_score == "A" and (rating.grade, rating.stars) == ("D", 1)

    body = client.get(page_url(listed)).content.decode()

    veto = ratings.report_card(rating).failed_vetoes[0]
    assert veto.code == ALARM_VETO and veto.text
    assert "Total 995 points, in grade band A (900 points and above), which gives 5 stars." in body
    assert (f"Veto item not met: {ALARM_VETO} {veto.text}. By the rules the rating is then at "
            "most 1 star: grade D.") in body
    assert "1 star (out of 5)" in body


def test_a_downgraded_rating_shows_the_stars_awarded_and_the_lowered_stars(
        client, listed, district_regulator, assessor):
    rating = rate(listed, by=district_regulator, assessor=assessor)
    incident = Incident.objects.create(
        centre=listed, occurred_at=timezone.now(), kind=Incident.Kind.INJURY,
        severity=Incident.Severity.SERIOUS, description="王小明摔伤骨折")
    review = ratings.open_review(rating, trigger=DowngradeReview.Trigger.SERIOUS_INCIDENT,
                                 source=incident, summary="Serious incident: Injury") or \
        DowngradeReview.objects.get(rating=rating)
    ratings.decide_review(review=review, by=district_regulator, downgrade=True, stars=2,
                          reason="家长王某投诉属实，内部备注")

    body = client.get(page_url(listed)).content.decode()

    assert "2 stars (out of 5)" in body
    assert "Awarded 5 stars; lowered to 2 stars after a downgrade review." in body
    assert "Serious incident" in body
    # Only the public summary: neither the decision's own words nor the incident's.
    assert "内部备注" not in body and "王小明" not in body


def test_a_centre_without_a_rating_in_force_says_so(client, listed, district_regulator,
                                                      assessor):
    response = client.get(page_url(listed))
    assert response.status_code == 200
    assert "This centre has no star rating in force." in response.content.decode()

    rating = rate(listed, by=district_regulator, assessor=assessor)
    with time_machine.travel(rating.valid_until + timedelta(days=2)):
        response = client.get(page_url(listed))
    assert response.status_code == 200
    assert "This centre has no star rating in force." in response.content.decode()


def test_the_report_card_of_a_centre_not_on_the_public_list_is_404(
        client, centre_a, district_regulator, assessor):
    rate(centre_a, by=district_regulator, assessor=assessor)   # a draft filing: not listed
    assert client.get(page_url(centre_a)).status_code == 404
    assert client.get(reverse("evaluation:public-rating", args=[999999])).status_code == 404


def test_the_report_card_is_the_same_for_everyone(client_for, personas, listed,
                                                  district_regulator, assessor):
    rate(listed, by=district_regulator, assessor=assessor)
    everyone = dict.fromkeys(personas, OK)
    assert_role_matrix(client_for, personas, page_url(listed), expect=everyone,
                       shown={name: ["5 stars (out of 5)"] for name in personas},
                       hidden={name: [assessor.name] + ([district_regulator.name]
                                                        if name != "district_regulator" else [])
                               for name in personas})


def test_report_card_queries_do_not_grow_with_dimensions_and_indicators(
        client, listed, district_regulator, assessor):
    rate(listed, by=district_regulator, assessor=assessor)   # WS/T 821: 7 dimensions
    other = CentreFactory(name="江阳区小树苗托育园")
    filing_for(other, Filing.Status.VERIFIED)
    small_framework().activate()                             # 2 dimensions, 3 indicators
    small = rate(other, by=district_regulator, assessor=assessor)
    assert small.assessment.framework.dimensions.count() == 2

    with count_queries() as few:
        assert client.get(page_url(other)).status_code == 200
    with count_queries() as many:
        assert client.get(page_url(listed)).status_code == 200
    assert len(many) == len(few)


# --- verification ------------------------------------------------------------------------------


def test_verify_a_valid_certificate(client, listed, district_regulator, assessor):
    rating = rate(listed, by=district_regulator, assessor=assessor, **{REST_OF_CARE: 50})

    response = client.get(verify_url(rating))

    assert response.status_code == 200
    body = response.content.decode()
    assert "This certificate is genuine, and the rating is in force." in body
    assert listed.name in body and "JY2026-0001" in body
    assert "4 stars (out of 5)" in body and ">B</dd>" in body
    assert f'<time datetime="{rating.valid_until.isoformat()}' in body
    assert page_url(listed) in body
    assert district_regulator.name not in body and assessor.name not in body


def test_verify_a_superseded_certificate(client, listed, district_regulator, assessor):
    old = rate(listed, by=district_regulator, assessor=assessor, **{REST_OF_CARE: 50})
    rate(listed, by=district_regulator, assessor=assessor)
    old.refresh_from_db()
    assert old.status == StarRating.Status.SUPERSEDED

    body = client.get(verify_url(old)).content.decode()

    assert "a newer rating of the centre has replaced it" in body
    assert "The centre's rating in force: 5 stars, grade A." in body


def test_verify_an_expired_certificate(client, listed, district_regulator, assessor):
    rating = rate(listed, by=district_regulator, assessor=assessor)
    with time_machine.travel(rating.valid_until + timedelta(days=2)):
        body = client.get(verify_url(rating)).content.decode()
    assert "the rating has expired" in body
    assert "in force." not in body


def test_verify_a_downgraded_certificate(client, listed, district_regulator, assessor):
    rating = rate(listed, by=district_regulator, assessor=assessor)
    incident = Incident.objects.create(
        centre=listed, occurred_at=timezone.now(), kind=Incident.Kind.INJURY,
        severity=Incident.Severity.SERIOUS, description="摔伤")
    review = ratings.open_review(rating, trigger=DowngradeReview.Trigger.SERIOUS_INCIDENT,
                                 source=incident, summary="x") or \
        DowngradeReview.objects.get(rating=rating)
    ratings.decide_review(review=review, by=district_regulator, downgrade=True, stars=3,
                          reason="理由")

    body = client.get(verify_url(rating)).content.decode()

    assert "the rating was lowered after a review: the centre now holds 3 stars" in body
    assert "awarded 5 stars" in body


def test_verify_an_unknown_or_withdrawn_code_is_404_with_a_clear_page(
        client, listed, district_regulator, assessor):
    response = client.get(reverse("evaluation:rating-verify", args=["not-a-real-code"]))
    assert response.status_code == 404
    assert "No star rating certificate matches this code." in response.content.decode()

    rating = rate(listed, by=district_regulator, assessor=assessor)
    StarRating.objects.filter(pk=rating.pk).update(status=StarRating.Status.WITHDRAWN)
    assert client.get(verify_url(rating)).status_code == 404


def test_the_verification_page_is_the_same_for_everyone(client_for, personas, listed,
                                                        district_regulator, assessor):
    rating = rate(listed, by=district_regulator, assessor=assessor)
    assert_role_matrix(client_for, personas, verify_url(rating),
                       expect=dict.fromkeys(personas, OK),
                       shown={name: [listed.name] for name in personas})


# --- the certificate -----------------------------------------------------------------------------


def test_the_centre_prints_its_certificate(client_for, personas, listed, centre_b,
                                           district_regulator, assessor):
    rating = rate(listed, by=district_regulator, assessor=assessor)
    url = reverse("evaluation:centre-certificate", args=[listed.pk, rating.pk])
    assert_role_matrix(client_for, personas, url, expect={
        "city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
        "other_regulator": FORBIDDEN, "manager": OK, "staff": OK, "other_staff": NOT_FOUND,
        "parent": FORBIDDEN, "anonymous": LOGIN})

    response = client_for(personas["manager"]).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # Another centre's member asking through their own centre's address: still 404.
    other_centre = reverse("evaluation:centre-certificate", args=[centre_b.pk, rating.pk])
    assert client_for(personas["other_staff"]).get(other_centre).status_code == 404


def test_the_regulator_prints_a_certificate_in_scope(client_for, personas, listed,
                                                     district_regulator, assessor):
    rating = rate(listed, by=district_regulator, assessor=assessor, **{ALARM_VETO: 5})
    url = reverse("evaluation:rating-certificate", args=[rating.pk])
    assert_role_matrix(client_for, personas, url, expect={
        "city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
        "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
        "parent": FORBIDDEN, "anonymous": LOGIN})

    response = client_for(district_regulator).get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_the_certificate_is_one_page_with_the_chart_the_rule_and_the_verification_address(
        settings, client_for, manager, listed, district_regulator, assessor):
    settings.SITE_URL = "https://luhuituo.example.cn"
    rating = rate(listed, by=district_regulator, assessor=assessor, **{ALARM_VETO: 5})
    url = reverse("evaluation:centre-certificate", args=[listed.pk, rating.pk])

    pdf = PdfReader(io.BytesIO(client_for(manager).get(url).content))

    assert len(pdf.pages) == 1
    text = re.sub(r"\s+", "", pdf.pages[0].extract_text())
    assert listed.name in text and "JY2026-0001" in text
    assert "9安全保障" in text and "195/200" in text          # the chart, drawn in the PDF
    assert ALARM_VETO in text                                 # the cap and its reason
    assert f"https://luhuituo.example.cn/ratings/verify/{rating.token}/" in text


# --- links to the report card --------------------------------------------------------------------


def test_the_public_list_and_the_regulator_link_to_the_report_card(client, client_for, listed,
                                                                   district_regulator):
    body = client.get(reverse("registry:public-centres")).content.decode()
    assert page_url(listed) in body
    body = client_for(district_regulator).get(
        reverse("registry:centre-detail", args=[listed.pk])).content.decode()
    assert page_url(listed) in body


def test_the_regulator_gets_no_link_for_a_centre_off_the_public_list(client_for, centre_a,
                                                                     district_regulator):
    body = client_for(district_regulator).get(
        reverse("registry:centre-detail", args=[centre_a.pk])).content.decode()
    assert page_url(centre_a) not in body
