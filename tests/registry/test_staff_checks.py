"""registry.staff_checks: other apps' checks of a saved staff record (evaluation's ban list
plugs in there) run on every save through ``save_staff`` and warn without refusing."""

import pytest

from registry import staff_checks
from registry.centres import save_staff
from registry.models import Staff
from tests.factories import id_number


@pytest.fixture
def fake_check():
    seen = []

    def check(staff, created):
        seen.append((staff.pk, created))
        if staff.name == "可疑":
            yield "a higher layer's warning"

    staff_checks.register(check)
    staff_checks.register(check)  # once, however often registered
    yield seen
    staff_checks._checks.remove(check)


def test_save_staff_runs_the_registered_checks_and_hands_back_their_warnings(
        fake_check, manager, centre_a):
    person = save_staff(staff=Staff(centre=centre_a, name="可疑", role="carer",
                                    id_number=id_number(31)), by=manager)
    assert person.pk is not None  # saved all the same
    assert person.warnings == ["a higher layer's warning"]
    person.name = "放心"
    assert save_staff(staff=person, by=manager).warnings == []
    assert fake_check == [(person.pk, True), (person.pk, False)]


def test_evaluation_plugs_its_ban_list_check_in():
    assert any(check.__module__ == "evaluation.staff_checks" for check in staff_checks._checks)
