import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command

from luhuituo.core.models import RegulatorScope, User
from registry.models import CentreMembership

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", "--no-progress", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_seed_demo_is_idempotent_and_every_persona_can_log_in(rf):
    seed()
    counts = (User.objects.count(), RegulatorScope.objects.count(),
              CentreMembership.objects.count())
    seed()
    assert (User.objects.count(), RegulatorScope.objects.count(),
            CentreMembership.objects.count()) == counts
    for username in ["city", "jiangyang", "naxi", "assessor", "manager", "carer", "parent",
                     "admin"]:
        user = authenticate(rf.post("/login/"), username=username,
                            password=settings.DEMO_PASSWORD)
        assert user is not None, username
    assert User.objects.get(username="city").is_city_regulator
    assert CentreMembership.objects.get(user__username="manager").is_manager


def test_seed_demo_keeps_a_changed_password():
    seed()
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
