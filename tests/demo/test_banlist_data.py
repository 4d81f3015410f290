"""seed_demo's staff ban list (luhuituo.demo.banlist_data): two entries in force, one of them
on a carer of a demo centre so A15 fires exactly once, one pending proposal from a criminal
record; a second run adds nothing."""

import pytest

from evaluation.models import BanListEntry
from luhuituo.demo.banlist_data import seed_ban_list
from registry.models import Staff
from supervision.checks import engine
from supervision.models import Alert

pytestmark = pytest.mark.django_db


def test_the_demo_ban_list_makes_a15_fire_once(demo_db):
    statuses = sorted(BanListEntry.objects.values_list("status", flat=True))
    assert statuses == ["active", "active", "pending"]
    engine.run_rules(["A15"])
    alert = Alert.objects.open().get(rule="A15")
    banned = BanListEntry.objects.filter(status="active", staff__isnull=True)
    person = Staff.objects.get(pk=alert.subject_id)
    assert person.id_number_digest in {e.id_number_digest for e in banned}
    pending = BanListEntry.objects.get(status="pending")
    assert pending.staff.criminal_check_result == "record"
    assert seed_ban_list() == {"in_force": 0, "pending": 0}
    assert BanListEntry.objects.count() == 3
