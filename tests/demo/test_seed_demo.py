import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command

from evaluation.models import Assessment, StarRating
from luhuituo.core.models import RegulatorScope, User
from registry import services
from registry.models import Centre, CentreMembership, Filing, Staff

from .seeding import seed as seed_demo

pytestmark = pytest.mark.django_db


def seed() -> str:
    """The personas and the demo centre, on top of the shared seed (conftest.demo_db); the
    generated centres are tested in test_registry_data.py."""
    return seed_demo(0)


def test_seed_demo_is_idempotent_and_every_persona_can_log_in(demo_db, rf):
    counts = (User.objects.count(), RegulatorScope.objects.count(),
              CentreMembership.objects.count(), Assessment.objects.count(),
              StarRating.objects.count())
    out = seed()
    assert (User.objects.count(), RegulatorScope.objects.count(),
            CentreMembership.objects.count(), Assessment.objects.count(),
            StarRating.objects.count()) == counts
    # The summary says what the demo holds, the logins name the added assessors.
    assert "Quality assessments: self-assessments draft" in out
    assert "Star ratings in force: 5★" in out and "1 expired" in out
    assert "lmt_assessor1" in out
    for username in ["city", "jiangyang", "naxi", "assessor", "manager", "carer", "parent",
                     "admin"]:
        user = authenticate(rf.post("/login/"), username=username,
                            password=settings.DEMO_PASSWORD)
        assert user is not None, username
    assert User.objects.get(username="city").is_city_regulator
    assert CentreMembership.objects.get(user__username="manager").is_manager


def test_seed_demo_keeps_a_changed_password(demo_db):
    user = User.objects.get(username="parent")
    user.set_password("Changed-by-the-parent-1")
    user.save()
    seed()
    user.refresh_from_db()
    assert user.check_password("Changed-by-the-parent-1")


def test_seed_demo_prints_the_logins(capsys):
    call_command("seed_demo", "--logins-only")
    out = capsys.readouterr().out
    assert settings.DEMO_PASSWORD in out
    assert "13800000005" in out and "manager" in out


def test_the_demo_centre_is_complete_and_its_manager_can_submit_it(demo_db):
    centre = Centre.objects.get(name="江阳区示范托育中心")
    filing = centre.filing
    assert filing.status == Filing.Status.DRAFT
    assert services.submission_blockers(filing) == []
    assert centre.classes.count() == 4 and centre.fee_schedules.count() == 1
    assert Staff.objects.get(centre=centre, user__username="carer").name == "刘芳"
    assert Staff.objects.get(centre=centre, user__username="manager").role == "principal"
    counts = (centre.staff.count(), filing.materials.count())
    seed()
    assert (centre.staff.count(), filing.materials.count()) == counts
    manager = User.objects.get(username="manager")
    services.submit_filing(filing=filing, by=manager, commitment=True)
    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED
    seed()  # a submitted demo centre is left alone
    filing.refresh_from_db()
    assert filing.status == Filing.Status.SUBMITTED
