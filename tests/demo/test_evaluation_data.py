"""Demo credit records (luhuituo.demo.evaluation_data): the scan over the demo's supervision
records, commendations, one appeal in each state, and a second run adds nothing."""

from evaluation.models import CreditAppeal, CreditEvent, CreditRecord
from luhuituo.demo import evaluation_data
from registry.models import Centre


def test_the_demo_has_credit_events_commendations_and_an_appeal_in_each_state(demo_db):
    codes = set(CreditEvent.objects.values_list("type__code", flat=True))
    assert "commendation" in codes
    assert codes & {"finding-minor", "finding-major", "finding-critical"}
    states = sorted(CreditAppeal.objects.values_list("status", flat=True))
    assert states == ["pending", "rejected", "upheld"]
    upheld = CreditAppeal.objects.get(status="upheld")
    assert upheld.event.status == CreditEvent.Status.WITHDRAWN
    assert CreditRecord.objects.count() == Centre.objects.count()


def test_a_second_run_adds_nothing(demo_db):
    before = CreditEvent.objects.count(), CreditAppeal.objects.count()
    counts = evaluation_data.seed_credit()
    assert counts["commendations"] == counts["appeals"] == 0
    assert not any(n for code, n in counts["added"].items() if code != "expired")
    assert (CreditEvent.objects.count(), CreditAppeal.objects.count()) == before


def test_the_demo_district_regulator_sees_the_appeals(demo_db):
    regions = set(CreditAppeal.objects.values_list("event__centre__region__code", flat=True))
    assert "510502" in regions
