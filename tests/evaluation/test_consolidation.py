"""Consolidation (docs/rules/quality-assessment.md#consolidation): scores per indicator give the
dimension totals, the total, the failed veto items, the grade band and its stars, and the cap
after a failed veto item. Refuses scores it cannot use. Built on ``small_framework()``: 1.1
(40, veto) and 1.2 (20) in dimension 1; 2.1 (40) in dimension 2; bands D [0, 60) 1 star,
C [60, 75) 3, B [75, 90) 4, A [90, ∞) 5; a failed veto item caps at 1 star."""

from decimal import Decimal

import pytest

from evaluation.models import Framework, GradeBand, Indicator
from luhuituo.core.exceptions import DomainError
from tests.factories.evaluation import IndicatorFactory, ids, small_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework():
    return small_framework()


def test_totals_per_dimension_and_overall(framework):
    result = framework.consolidate(ids(framework, i1_1=40, i1_2="12.5", i2_1=Decimal("30.25")))
    assert result.dimension_totals == {"1": Decimal("52.5"), "2": Decimal("30.25")}
    assert result.total == Decimal("82.75")
    assert result.failed_vetoes == []
    assert (result.grade, result.stars, result.capped) == ("B", 4, False)
    assert result.band == result.band_by_score == GradeBand.objects.get(framework=framework,
                                                                        grade="B")


def test_a_dimension_without_indicators_totals_zero(framework):
    framework.dimensions.create(order=3, code="3", name="空", points=0)
    result = framework.consolidate(ids(framework, i1_1=40, i1_2=20, i2_1=40))
    assert result.dimension_totals == {"1": 60, "2": 40, "3": 0}
    assert list(result.dimension_totals) == ["1", "2", "3"]


@pytest.mark.parametrize(("other", "grade", "stars"), [
    ("0", "D", 1),
    ("19.99", "D", 1),   # total 59.99
    ("20", "C", 3),      # total 60: a band's lower edge belongs to it
    ("34.99", "C", 3),   # 74.99
    ("35", "B", 4),      # 75
    ("49.99", "B", 4),   # 89.99
    ("50", "A", 5),      # 90
    ("60", "A", 5),      # 100, the most there is: the open-ended top band
])
def test_band_edges(framework, other, grade, stars):
    other = Decimal(other)
    one_two = min(other, Decimal(20))
    result = framework.consolidate(ids(framework, i1_1=40, i1_2=one_two, i2_1=other - one_two))
    assert result.total == 40 + other
    assert (result.grade, result.stars) == (grade, stars)


def test_a_veto_item_below_full_marks_fails_and_caps_the_result(framework):
    result = framework.consolidate(ids(framework, i1_1="39.5", i1_2=20, i2_1=40))
    assert result.total == Decimal("99.5")
    assert [i.code for i in result.failed_vetoes] == ["1.1"]
    assert result.band_by_score.grade == "A"
    assert (result.grade, result.stars, result.capped) == ("D", 1, True)


def test_a_veto_item_at_full_marks_passes(framework):
    result = framework.consolidate(ids(framework, i1_1=40, i1_2=0, i2_1=40))
    assert result.failed_vetoes == []
    assert (result.grade, result.stars, result.capped) == ("B", 4, False)


def test_the_cap_is_the_best_band_within_the_frameworks_veto_cap(framework):
    Framework.objects.filter(pk=framework.pk).update(veto_cap_stars=3)
    framework.refresh_from_db()
    result = framework.consolidate(ids(framework, i1_1=0, i1_2=20, i2_1=40))
    assert (result.band_by_score.grade, result.grade, result.stars) == ("C", "C", 3)
    assert not result.capped  # already within the cap
    result = framework.consolidate(ids(framework, i1_1=39, i1_2=20, i2_1=40))
    assert (result.band_by_score.grade, result.grade, result.stars) == ("A", "C", 3)
    assert result.capped


def test_a_score_already_below_the_cap_is_not_raised(framework):
    result = framework.consolidate(ids(framework, i1_1=10, i1_2=0, i2_1=0))
    assert (result.grade, result.stars, result.capped) == ("D", 1, False)


def test_when_no_band_is_low_enough_the_cap_is_the_lowest_band(framework):
    GradeBand.objects.filter(framework=framework, grade="D").update(stars=2)
    result = framework.consolidate(ids(framework, i1_1=0, i1_2=20, i2_1=40))
    assert (result.band_by_score.grade, result.grade, result.stars, result.capped) == (
        "C", "D", 2, True)


def test_several_failed_veto_items_are_all_listed_in_order(framework):
    two = framework.dimensions.get(code="2")
    IndicatorFactory(dimension=two, code="2.2", order=2, max_score=5, is_veto=True)
    IndicatorFactory(dimension=two, code="2.3", order=3, max_score=0, is_veto=True)
    # 2.3 is worth 0: scored 0 it is at full marks and passes.
    result = framework.consolidate(ids(framework, i1_1=0, i1_2=20, i2_1=40, i2_2=4, i2_3=0))
    assert [i.code for i in result.failed_vetoes] == ["1.1", "2.2"]


@pytest.mark.parametrize(("score", "message"), [
    (-1, "below 0"),
    ("-0.01", "below 0"),
    ("20.01", "above its maximum of 20"),
    (21, "above its maximum of 20"),
    ("abc", "not a number"),
    ("", "not a number"),
    (None, "not a number"),
    (True, "not a number"),
    ("NaN", "not a number"),
    ("Infinity", "not a number"),
    (float("nan"), "not a number"),
    ("1.001", "two decimal places"),
    ([1], "not a number"),
])
def test_invalid_scores_are_refused(framework, score, message):
    with pytest.raises(DomainError, match=message) as refused:
        framework.consolidate(ids(framework, i1_1=40, i1_2=score, i2_1=40))
    assert "1.2" in refused.value.message


def test_a_float_is_taken_at_its_shortest_decimal_form(framework):
    result = framework.consolidate(ids(framework, i1_1=40, i1_2=0.1, i2_1=30.2))
    assert result.total == Decimal("70.3")


def test_every_indicator_must_be_scored(framework):
    with pytest.raises(DomainError, match=r"1\.2, 2\.1"):
        framework.consolidate(ids(framework, i1_1=40))


def test_scores_for_indicators_of_no_framework_are_refused(framework):
    scores = ids(framework, i1_1=40, i1_2=20, i2_1=40) | {10**9: 1}
    with pytest.raises(DomainError, match="not in"):
        framework.consolidate(scores)


def test_an_indicator_whose_maximum_is_unknown_cannot_be_scored(framework):
    Indicator.objects.filter(code="1.2").update(max_score=None)
    with pytest.raises(DomainError, match=r"1\.2.*not known"):
        framework.consolidate(ids(framework, i1_1=40, i1_2=0, i2_1=40))


def test_a_total_in_no_band_is_refused(framework):
    GradeBand.objects.filter(framework=framework, grade="D").delete()
    with pytest.raises(DomainError, match=r"No grade band.*covers a total of 50"):
        framework.consolidate(ids(framework, i1_1=10, i1_2=0, i2_1=40))


def test_consolidation_writes_nothing_and_reads_a_fixed_number_of_queries(
        framework, django_assert_num_queries):
    scores = ids(framework, i1_1=40, i1_2=20, i2_1=40)
    with django_assert_num_queries(3):
        framework.consolidate(scores)
    for n in range(3, 30):
        IndicatorFactory(dimension=framework.dimensions.get(code="2"), code=f"2.{n}",
                         max_score=0)
    scores = {i.pk: i.max_score for i in Indicator.objects.filter(dimension__framework=framework)}
    with django_assert_num_queries(3):
        framework.consolidate(scores)
