"""Random inspections (双随机, docs/rules/random-inspections.md): the algorithm is deterministic
from its seed and inputs, weighted without replacement, never draws a conflicted inspector or
one inspector twice for a centre; a draw records its inputs and creates unannounced
inspections, refuses bad requests saving nothing, and can be verified."""

from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from luhuituo.core.models import AuditEvent, RegulatorScope
from luhuituo.core.verbs import Verb
from supervision.models import Inspection, InspectorConflict, RandomDraw
from supervision.services import draws as dsvc
from supervision.services.draws import DrawError
from tests.factories import CentreFactory, RegulatorFactory, region

from .inspection_utils import alert, fire_checklist

pytestmark = pytest.mark.django_db


def pool(centres=5, inspectors=4, conflicts=(), weights=None, days=3):
    return {
        "centres": [[100 + i, (weights or {}).get(100 + i, 1)] for i in range(centres)],
        "inspectors": [200 + i for i in range(inspectors)],
        "conflicts": [list(c) for c in conflicts],
        "days": [f"2027-01-0{4 + i}" for i in range(days)],
    }


# --- the algorithm -------------------------------------------------------------------------------


def test_a_draw_with_the_same_seed_and_inputs_gives_the_same_result():
    inputs = pool(centres=30, inspectors=8)
    first = dsvc.run_algorithm(seed=123456789, pool=inputs, centres=6, inspectors_per_centre=2)
    again = dsvc.run_algorithm(seed=123456789, pool=inputs, centres=6, inspectors_per_centre=2)
    other = dsvc.run_algorithm(seed=987654321, pool=inputs, centres=6, inspectors_per_centre=2)
    assert first == again
    assert first != other
    assert len(first) == 6 and len({p["centre"] for p in first}) == 6


def test_the_algorithm_is_pinned_so_a_recorded_draw_stays_verifiable():
    """The result for a fixed seed never changes: a draw recorded today must verify in ten
    years, on another Python."""
    result = dsvc.run_algorithm(seed=2026, pool=pool(centres=10, inspectors=5), centres=3,
                                inspectors_per_centre=2)
    assert result == dsvc.run_algorithm(seed=2026, pool=pool(centres=10, inspectors=5),
                                        centres=3, inspectors_per_centre=2)
    assert [(p["centre"], p["inspectors"], p["day"]) for p in result] == PINNED


PINNED = [(101, [201, 204], "2027-01-06"), (106, [204, 203], "2027-01-06"),
          (102, [203, 201], "2027-01-04")]


def test_a_conflicted_inspector_is_never_drawn_for_that_centre():
    conflicts = [(200, 100), (201, 100), (202, 101)]
    inputs = pool(centres=3, inspectors=4, conflicts=conflicts)
    for seed in range(300):
        for pick in dsvc.run_algorithm(seed=seed, pool=inputs, centres=3,
                                       inspectors_per_centre=2):
            assert not {(i, pick["centre"]) for i in pick["inspectors"]} & set(conflicts)
    # with 200 and 201 out, centre 100 always gets 202 and 203
    result = dsvc.run_algorithm(seed=7, pool=inputs, centres=3, inspectors_per_centre=2)
    assert sorted(next(p for p in result if p["centre"] == 100)["inspectors"]) == [202, 203]


def test_no_inspector_is_drawn_twice_for_one_centre_nor_a_centre_twice():
    inputs = pool(centres=4, inspectors=3)
    for seed in range(200):
        result = dsvc.run_algorithm(seed=seed, pool=inputs, centres=4, inspectors_per_centre=3)
        assert len({p["centre"] for p in result}) == 4
        assert all(len(set(p["inspectors"])) == 3 for p in result)


def test_weighted_sampling_favours_heavier_centres():
    inputs = pool(centres=5, weights={100: 20})
    counts = Counter(dsvc.run_algorithm(seed=seed, pool=inputs, centres=1,
                                        inspectors_per_centre=1)[0]["centre"]
                     for seed in range(2000))
    # weight 20 of 24: about 83 %; each other centre about 4 %
    assert counts[100] > 1500
    assert all(counts[c] < 200 for c in (101, 102, 103, 104))


def test_the_day_is_one_of_the_windows_working_days():
    inputs = pool(centres=5, days=2)
    days = {p["day"] for seed in range(50) for p in dsvc.run_algorithm(
        seed=seed, pool=inputs, centres=5, inspectors_per_centre=1)}
    assert days == set(inputs["days"])


# --- a draw ---------------------------------------------------------------------------------------


@pytest.fixture
def district(db):
    """江阳区 with four operating centres, one draft centre, and three inspectors besides the
    district regulator; 纳溪区 with a centre and an inspector of its own."""
    centres = [CentreFactory(name=f"江阳区随机{i}号托育园", filing="verified") for i in range(4)]
    CentreFactory(name="江阳区草稿托育园")  # a draft filing: not operating, never drawn
    other = CentreFactory(name="纳溪区随机托育园", region=region("510503"), filing="filed")
    RegulatorFactory(username="nx_inspector", region_code="510503")
    inspectors = [RegulatorFactory(username=f"jy_inspector{i}", name=f"江阳检查员{i}")
                  for i in range(2)]
    assessor = RegulatorFactory(username="jy_assessor", name="江阳评估员", region_code=None)
    RegulatorScope.objects.filter(user=assessor).update(role=RegulatorScope.Role.ASSESSOR)
    return {"centres": centres, "other": other, "inspectors": [*inspectors, assessor]}


def window():
    today = timezone.localdate()
    return today + timedelta(days=1), today + timedelta(days=21)


def draw(by, *, centres=2, per_centre=2, weighted=False, seed=None, **kwargs):
    start, end = window()
    return dsvc.make_draw(by=by, region=region("510502"), centres=centres,
                          inspectors_per_centre=per_centre, weighted=weighted,
                          window_start=kwargs.pop("window_start", start),
                          window_end=kwargs.pop("window_end", end),
                          checklists=[fire_checklist()], seed=seed, **kwargs)


def test_a_draw_records_seed_inputs_and_result_and_creates_unannounced_inspections(
        district, district_regulator, manager):
    made = draw(district_regulator, centres=3)
    made.refresh_from_db()
    eligible = sorted(c.pk for c in district["centres"])
    assert [c for c, _w in made.pool["centres"]] == eligible
    assert all(w == 1 for _c, w in made.pool["centres"])
    pool_ids = sorted([district_regulator.pk, *(u.pk for u in district["inspectors"])])
    assert made.pool["inspectors"] == pool_ids
    assert made.seed and made.drawn_by == district_regulator and made.drawn_at
    assert len(made.result) == 3
    picks = list(made.picks.select_related("inspection").order_by("position"))
    assert [p.centre_id for p in picks] == [r["centre"] for r in made.result]
    start, end = window()
    for pick, row in zip(picks, made.result, strict=True):
        inspection = pick.inspection
        assert inspection.kind == Inspection.Kind.UNANNOUNCED
        assert inspection.status == Inspection.Status.PLANNED
        assert inspection.lead_id == row["inspectors"][0]
        assert start <= inspection.planned_on <= end
        assert inspection.planned_on.isoformat() == row["day"]
    # the centre is not warned: its accounts do not see the planned visit
    assert not Inspection.objects.visible_to(manager).filter(draw_pick__isnull=False).exists()
    event = AuditEvent.objects.get(verb=Verb.RANDOM_DRAW_MADE)
    assert event.details["digest"] == made.digest == dsvc.digest(made)


def test_the_seed_comes_from_secrets_by_default(district, district_regulator, monkeypatch):
    monkeypatch.setattr(dsvc.secrets, "randbits", lambda bits: 424242)
    assert draw(district_regulator).seed == "424242"


def test_a_draw_is_verified_from_its_recorded_seed_and_inputs(district, district_regulator,
                                                             city_regulator):
    made = draw(district_regulator, centres=3, weighted=True)
    report = dsvc.verify_draw(draw=made, by=city_regulator)
    assert report.matches, report.problems
    assert AuditEvent.objects.filter(verb=Verb.RANDOM_DRAW_VERIFIED,
                                     details__matches=True).count() == 1


def test_verification_finds_a_changed_result_or_inspection(district, district_regulator):
    made = draw(district_regulator, centres=2)
    RandomDraw.objects.filter(pk=made.pk).update(result=list(reversed(made.result)))
    made.refresh_from_db()
    report = dsvc.verify_draw(draw=made, by=district_regulator)
    assert not report.matches and report.problems
    # the result put back, but one inspection moved to another lead
    RandomDraw.objects.filter(pk=made.pk).update(result=list(reversed(made.result)))
    made.refresh_from_db()
    assert dsvc.verify_draw(draw=made, by=district_regulator).matches
    pick = made.picks.order_by("position").first()
    Inspection.objects.filter(pk=pick.inspection_id).update(
        planned_on=pick.inspection.planned_on + timedelta(days=400))
    assert not dsvc.verify_draw(draw=made, by=district_regulator).matches


def test_weighting_uses_the_risk_score(district, district_regulator, settings):
    settings.RANDOM_DRAW_BASE_WEIGHT = 1
    risky = district["centres"][2]
    alert(risky, "red")
    made = draw(district_regulator, weighted=True)
    weights = dict(map(tuple, made.pool["centres"]))
    assert weights[risky.pk] == 1 + settings.RISK_WEIGHTS["alert"]["red"]
    assert {w for c, w in weights.items() if c != risky.pk} == {1}
    unweighted = draw(district_regulator, weighted=False)
    assert {w for _c, w in unweighted.pool["centres"]} == {1}


def test_a_conflicted_inspector_is_left_out_for_that_centre_in_a_real_draw(
        district, district_regulator):
    target = district["centres"][0]
    conflicted = district["inspectors"][0]
    InspectorConflict.objects.create(inspector=conflicted, centre=target, reason="亲属在园工作",
                                     declared_by=district_regulator)
    for seed in range(5):
        made = draw(district_regulator, centres=4, per_centre=3, seed=seed)
        assert [conflicted.pk, target.pk] in made.pool["conflicts"]
        row = next(r for r in made.result if r["centre"] == target.pk)
        assert conflicted.pk not in row["inspectors"]


@pytest.fixture
def english():
    """The refusals' words in English, as the assertions below spell them."""
    with translation.override("en"):
        yield


def _nothing_saved():
    assert not RandomDraw.objects.exists()
    assert not Inspection.objects.exists()


def test_more_centres_than_eligible_is_refused_and_nothing_is_saved(district,
                                                                    district_regulator, english):
    with pytest.raises(DrawError, match="only 4"):
        draw(district_regulator, centres=5)
    _nothing_saved()


def test_not_enough_inspectors_without_conflicts_is_refused_and_nothing_is_saved(
        district, district_regulator, english):
    target = district["centres"][1]
    for inspector in district["inspectors"]:
        InspectorConflict.objects.create(inspector=inspector, centre=target, reason="曾任职",
                                         declared_by=district_regulator)
    with pytest.raises(DrawError) as refused:
        draw(district_regulator, centres=1, per_centre=2)
    assert target.name in str(refused.value)
    _nothing_saved()
    with pytest.raises(DrawError, match="pool"):
        draw(district_regulator, centres=1, per_centre=5)
    _nothing_saved()


def test_a_window_without_working_days_or_in_the_past_is_refused(district, district_regulator,
                                                                 english):
    today = timezone.localdate()
    with pytest.raises(DrawError):
        draw(district_regulator, window_start=today - timedelta(days=3),
             window_end=today + timedelta(days=3))
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    with pytest.raises(DrawError, match="working day"):
        draw(district_regulator, window_start=saturday, window_end=saturday + timedelta(days=1))
    _nothing_saved()


def test_fewer_inspectors_than_the_rule_is_refused(district, district_regulator, settings):
    settings.RANDOM_DRAW_MIN_INSPECTORS = 2
    with pytest.raises(DrawError, match="2"):
        draw(district_regulator, per_centre=1)
    _nothing_saved()


def test_only_a_district_regulator_of_that_district_draws(district, city_regulator,
                                                          other_regulator):
    from luhuituo.core.exceptions import NotPermitted

    assessor = district["inspectors"][2]
    for user in (city_regulator, other_regulator, assessor):
        with pytest.raises(NotPermitted):
            draw(user)
    _nothing_saved()


def test_the_drawn_inspectors_are_told_and_the_centre_is_not(district, district_regulator,
                                                             django_capture_on_commit_callbacks):
    from luhuituo.core.models import Notification

    centre = district["centres"][0]
    from tests.factories import CentreUserFactory, MembershipFactory

    boss = CentreUserFactory(username="boss")
    MembershipFactory(user=boss, centre=centre, role="manager")
    with django_capture_on_commit_callbacks(execute=True):
        made = draw(district_regulator, centres=4)
    drawn = {i for r in made.result for i in r["inspectors"]}
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == drawn
    assert not Notification.objects.filter(recipient=boss).exists()


def test_a_draw_made_at_a_local_time_still_verifies(district, district_regulator):
    """The digest reads the time in UTC: a draw made at a time in Asia/Shanghai verifies once
    read back from the database."""
    from datetime import datetime, time

    today = timezone.localdate()
    made = draw(district_regulator, now=timezone.make_aware(datetime.combine(today, time(9))))
    made = RandomDraw.objects.get(pk=made.pk)
    assert dsvc.verify_draw(draw=made, by=district_regulator).matches
