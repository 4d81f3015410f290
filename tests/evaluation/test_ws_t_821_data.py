"""WS/T 821—2023 as loaded by the data migration (docs/rules/quality-assessment.md#ws-t-821-2023):
what is known is entered, what is not is marked unverified or left unknown, never guessed."""

from decimal import Decimal

import pytest

from evaluation.models import Framework, Indicator

pytestmark = pytest.mark.django_db

KNOWN_CLAUSES = {
    "4": ["4.1.4"],
    "5": ["5.1.5", "5.1.6", "5.2.1"],
    "6": [],
    "7": ["7.2.1", "7.2.3", "7.3.1", "7.3.3", "7.4.3"],
    "8": [],
    "9": ["9.3.1", "9.3.2", "9.4.3", "9.5.2", "9.7.1"],
    "10": ["10.4"],
}


@pytest.fixture
def wst821():
    return Framework.objects.get(code="WS/T 821-2023", version=1)


def test_the_framework_has_seven_dimensions_summing_to_1000_with_these_points(wst821):
    assert [(d.code, d.name, d.points) for d in wst821.dimensions.order_by("order")] == [
        ("4", "办托条件", 100),
        ("5", "托育队伍", 140),
        ("6", "保育照护", 200),
        ("7", "卫生保健", 210),
        ("8", "养育支持", 80),
        ("9", "安全保障", 200),
        ("10", "机构管理", 70),
    ]
    assert wst821.total_points == 1000
    assert sum(d.points for d in wst821.dimensions.all()) == 1000
    assert wst821.title == "托育机构质量评估标准"


def test_the_known_clauses_are_entered_under_their_chapters(wst821):
    by_dimension = {d.code: [i.code for i in d.indicators.order_by("order")]
                    for d in wst821.dimensions.all()}
    assert by_dimension == KNOWN_CLAUSES
    assert Indicator.objects.get(dimension__framework=wst821, code="9.4.3").text == (
        "设一键报警装置，监控全覆盖，录像保存不少于90天")


def test_what_is_not_known_is_marked_and_not_guessed(wst821):
    indicators = Indicator.objects.filter(dimension__framework=wst821)
    # Clauses come from a secondary source; their maximum scores and which 16 of the
    # indicators are the veto items are not known.
    assert indicators.count() == 15
    assert not indicators.filter(verified=True).exists()
    assert not indicators.filter(max_score__isnull=False).exists()
    assert not indicators.filter(is_veto=True).exists()
    # Dimension points are secondary too; band edges and stars are placeholders.
    assert not wst821.dimensions.filter(verified=True).exists()
    assert not wst821.bands.filter(verified=True).exists()


def test_grade_bands_are_the_placeholder_defaults(wst821):
    assert [(b.grade, b.min_total, b.max_total, b.stars) for b in wst821.bands.all()] == [
        ("A", Decimal(900), None, 5),
        ("B", Decimal(750), Decimal(900), 4),
        ("C", Decimal(600), Decimal(750), 3),
        ("D", Decimal(0), Decimal(600), 1),
    ]
    assert wst821.veto_cap_stars == 1


def test_the_loaded_framework_is_incomplete_so_it_is_not_active(wst821):
    assert not wst821.is_active
    problems = wst821.problems()
    assert any("4.1.4" in problem for problem in problems)
    assert any("保育照护" in problem for problem in problems)  # no indicator at all
    assert not any("band" in problem for problem in problems)  # the bands cover 0–1000


def test_the_working_version_is_complete_active_and_marked_unverified():
    working = Framework.objects.get(code="WS/T 821-2023", version=2)
    assert working.is_active and working.problems() == []
    dimensions = {d.code: d for d in working.dimensions.prefetch_related("indicators")}
    assert {code: d.points for code, d in dimensions.items()} == {
        "4": 100, "5": 140, "6": 200, "7": 210, "8": 80, "9": 200, "10": 70}
    for dimension in dimensions.values():
        assert sum(i.max_score for i in dimension.indicators.all()) == dimension.points
    indicators = Indicator.objects.filter(dimension__framework=working)
    assert not indicators.filter(verified=True).exists()
    assert set(indicators.filter(is_veto=True).values_list("code", flat=True)) == {
        "4.1.4", "5.1.5", "5.1.6", "7.2.1", "9.4.3", "9.7.1"}
    assert "未核实" in working.source
