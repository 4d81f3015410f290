"""The quality framework's own rules (docs/rules/quality-assessment.md#the-framework-as-data):
codes unique per framework, points and scores never negative, grade bands that never overlap,
one active version per standard, and versions independent of one another."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evaluation.models import Dimension, Framework, GradeBand, Indicator
from luhuituo.core.exceptions import DomainError
from tests.factories.evaluation import (
    DimensionFactory,
    FrameworkFactory,
    GradeBandFactory,
    IndicatorFactory,
    ids,
    small_framework,
)

pytestmark = pytest.mark.django_db


def refused_by_database(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


# Codes ----------------------------------------------------------------------------------------

def test_dimension_codes_are_unique_per_framework_not_across_frameworks():
    dimension = DimensionFactory(code="4")
    DimensionFactory(code="4")  # another framework: fine
    refused_by_database(lambda: DimensionFactory(framework=dimension.framework, code="4"))


def test_indicator_codes_are_unique_within_their_dimension():
    indicator = IndicatorFactory(code="9.4.3", dimension__code="9")
    refused_by_database(lambda: IndicatorFactory(dimension=indicator.dimension, code="9.4.3"))


def test_an_indicator_code_must_sit_under_its_dimension_so_codes_are_unique_per_framework():
    dimension = DimensionFactory(code="9")
    stray = Indicator(dimension=dimension, code="4.1.4", text="x", max_score=5, order=1)
    with pytest.raises(ValidationError) as refused:
        stray.full_clean()
    assert "code" in refused.value.message_dict
    Indicator(dimension=dimension, code="9.4.3", text="x", max_score=5, order=1).full_clean()


@pytest.mark.parametrize("code", ["9.", "9..1", "九.1", "9.4.3 ", "9"])
def test_an_indicator_code_is_numbers_joined_by_dots(code):
    dimension = DimensionFactory(code="9")
    with pytest.raises(ValidationError):
        Indicator(dimension=dimension, code=code, text="x", max_score=5, order=1).full_clean()


# Numbers --------------------------------------------------------------------------------------

def test_points_and_maximum_scores_cannot_be_negative():
    refused_by_database(lambda: DimensionFactory(points=-1))
    refused_by_database(lambda: IndicatorFactory(max_score=Decimal("-0.5")))
    refused_by_database(lambda: GradeBandFactory(min_total=-1))


@pytest.mark.parametrize("stars", [0, 6])
def test_a_band_gives_one_to_five_stars(stars):
    refused_by_database(lambda: GradeBandFactory(stars=stars))


@pytest.mark.parametrize("stars", [0, 6])
def test_the_veto_cap_is_one_to_five_stars(stars):
    refused_by_database(lambda: FrameworkFactory(veto_cap_stars=stars))


def test_a_band_ends_above_where_it_starts():
    refused_by_database(lambda: GradeBandFactory(min_total=600, max_total=600))


def test_an_unknown_maximum_score_is_allowed_and_stays_unknown():
    indicator = IndicatorFactory(max_score=None)
    indicator.full_clean()
    indicator.refresh_from_db()
    assert indicator.max_score is None


# Bands ----------------------------------------------------------------------------------------

def band(framework, grade, low, high, stars=3):
    return GradeBand(framework=framework, grade=grade, min_total=low, max_total=high, stars=stars)


@pytest.mark.parametrize(("low", "high"), [
    (749, 900),      # starts inside [600, 750)
    (500, 601),      # ends inside it
    (650, 700),      # inside it
    (0, None),       # covers everything
    (600, 750),      # the same band
    ("749.99", 760),  # one hundredth inside
])
def test_overlapping_bands_are_refused(low, high):
    framework = FrameworkFactory()
    GradeBandFactory(framework=framework, grade="C", min_total=600, max_total=750)
    with pytest.raises(ValidationError) as refused:
        band(framework, "X", low, high).full_clean()
    assert "min_total" in refused.value.message_dict


@pytest.mark.parametrize(("low", "high"), [(750, 900), (0, 600), (750, None), ("0", "599.99")])
def test_bands_that_touch_at_an_edge_do_not_overlap(low, high):
    framework = FrameworkFactory()
    GradeBandFactory(framework=framework, grade="C", min_total=600, max_total=750)
    band(framework, "X", low, high).full_clean()


def test_an_open_ended_band_overlaps_everything_above_its_start():
    framework = FrameworkFactory()
    GradeBandFactory(framework=framework, grade="A", min_total=900, max_total=None)
    with pytest.raises(ValidationError):
        band(framework, "S", 950, 1000).full_clean()
    band(framework, "B", 750, 900).full_clean()


def test_bands_of_another_framework_do_not_count():
    GradeBandFactory(grade="C", min_total=600, max_total=750)
    band(FrameworkFactory(), "C", 600, 750).full_clean()


def test_a_band_does_not_overlap_itself_when_edited():
    existing = GradeBandFactory(grade="C", min_total=600, max_total=750)
    existing.max_total = 800
    existing.full_clean()


def test_grades_are_unique_per_framework():
    existing = GradeBandFactory(grade="A", min_total=900)
    refused_by_database(lambda: GradeBandFactory(framework=existing.framework, grade="A",
                                                 min_total=0, max_total=100))


# Completeness and activation -------------------------------------------------------------------

def test_a_complete_framework_has_no_problems_and_can_be_activated():
    framework = small_framework()
    assert framework.problems() == []
    framework.activate()
    framework.refresh_from_db()
    assert framework.is_active


@pytest.mark.parametrize(("spoil", "expected"), [
    (lambda fw: Dimension.objects.filter(framework=fw, code="2").update(points=30),
     "add up to 90"),
    (lambda fw: Indicator.objects.filter(code="1.2", dimension__framework=fw).update(
        max_score=10), "1 条件"),
    (lambda fw: Indicator.objects.filter(code="2.1", dimension__framework=fw).update(
        max_score=None), "2.1"),
    (lambda fw: GradeBand.objects.filter(framework=fw, grade="C").delete(), "60"),
    (lambda fw: GradeBand.objects.filter(framework=fw, grade="D").update(min_total=10), "0"),
    (lambda fw: GradeBand.objects.filter(framework=fw, grade="A").update(max_total=100),
     "100"),
    (lambda fw: GradeBand.objects.filter(framework=fw).delete(), "band"),
])
def test_an_incomplete_framework_cannot_be_activated(spoil, expected):
    framework = small_framework()
    spoil(framework)
    problems = framework.problems()
    assert problems and any(expected in problem for problem in problems), problems
    with pytest.raises(DomainError):
        framework.activate()
    framework.refresh_from_db()
    assert not framework.is_active


def test_activating_a_version_retires_the_active_one_of_the_same_standard():
    first = small_framework(code="STD", version=1)
    first.activate()
    other = small_framework(code="OTHER")
    other.activate()
    second = first.copy_as_new_version()
    second.activate()
    assert list(Framework.objects.filter(is_active=True, code__in=["STD", "OTHER"])
                .order_by("code")) == [other, second]


def test_at_most_one_active_version_per_standard_in_the_database():
    FrameworkFactory(code="STD", version=1, is_active=True)
    refused_by_database(lambda: FrameworkFactory(code="STD", version=2, is_active=True))


def test_versions_of_a_standard_are_unique():
    FrameworkFactory(code="STD", version=1)
    refused_by_database(lambda: FrameworkFactory(code="STD", version=1))


# Versions -------------------------------------------------------------------------------------

def test_a_new_version_is_a_copy_with_its_own_rows_independent_of_the_first():
    first = small_framework(code="STD", version=1, veto_cap_stars=2)
    second = first.copy_as_new_version()

    assert (second.code, second.version, second.is_active) == ("STD", 2, False)
    assert second.veto_cap_stars == 2 and second.total_points == 100
    assert second.problems() == []
    assert ({i.code for i in Indicator.objects.filter(dimension__framework=second)}
            == {"1.1", "1.2", "2.1"})
    assert not (set(ids(first, i1_1=0, i1_2=0, i2_1=0))
                & set(ids(second, i1_1=0, i1_2=0, i2_1=0)))

    # Change the second version: the first is untouched.
    Indicator.objects.filter(dimension__framework=second, code="1.1").update(
        max_score=30, is_veto=False, text="新的")
    Dimension.objects.filter(framework=second, code="1").update(points=50, name="新的")
    GradeBand.objects.filter(framework=second, grade="A").update(stars=4)
    Indicator.objects.filter(dimension__framework=second, code="1.2").delete()

    one_one = Indicator.objects.get(dimension__framework=first, code="1.1")
    assert (one_one.max_score, one_one.is_veto) == (40, True)
    assert Dimension.objects.get(framework=first, code="1").points == 60
    assert GradeBand.objects.get(framework=first, grade="A").stars == 5
    assert first.problems() == []
    result = first.consolidate(ids(first, i1_1=40, i1_2=20, i2_1=40))
    assert (result.total, result.grade, result.stars) == (100, "A", 5)


def test_scores_for_one_version_are_refused_by_another():
    first = small_framework(code="STD")
    second = first.copy_as_new_version()
    with pytest.raises(DomainError, match="not in"):
        second.consolidate(ids(first, i1_1=40, i1_2=20, i2_1=40))


def test_copies_get_the_next_free_version_number():
    first = small_framework(code="STD", version=1)
    first.copy_as_new_version()
    assert first.copy_as_new_version().version == 3
