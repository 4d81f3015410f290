"""seed_demo's records for rules A16, A19, A23, A25, A28, A32 (luhuituo.demo.rules_data): most
checked centres keep them, a few miss one, the rules fire on those few only, and a second run
adds nothing."""

import pytest
from django.utils import timezone

from luhuituo.demo.rules_data import seed_rule_records
from registry.models import FeeSchedule, InsurancePolicy, Staff, StaffTrainingRecord
from supervision.checks import engine
from supervision.checks.rules.common import operating_centres
from supervision.models import Alert, AnnualReport, SafetyCheck

pytestmark = pytest.mark.django_db

CODES = ("A16", "A19", "A23", "A25", "A28", "A32")


def counts() -> dict:
    return {model._meta.label: model.objects.count() for model in (
        InsurancePolicy, AnnualReport, SafetyCheck, FeeSchedule, StaffTrainingRecord)}


def test_the_new_rules_fire_on_a_few_demo_centres(demo_db):
    checked = operating_centres().count()
    assert checked >= 15
    assert InsurancePolicy.objects.count() >= checked * 3 // 4
    assert Staff.objects.filter(role=Staff.Role.PRINCIPAL).exclude(degree="").exists()
    engine.run_rules(CODES)
    fired = {code: set(Alert.objects.open().filter(rule=code)
                       .values_list("centre_id", flat=True)) for code in CODES}
    for code in ("A16", "A23", "A25"):
        assert fired[code], code
    for code, centres in fired.items():
        assert len(centres) <= checked // 2, (code, len(centres), checked)
    # A25 fires exactly at the centres with no policy covering today.
    today = timezone.localdate()
    covered = set(InsurancePolicy.objects.in_force_on(today).values_list("centre_id", flat=True))
    assert fired["A25"] == set(operating_centres().values_list("pk", flat=True)) - covered


def test_a_second_run_adds_nothing(demo_db):
    before = counts()
    seed_rule_records()
    assert counts() == before
