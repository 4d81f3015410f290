"""Personas of docs/architecture.md#access, with data in place that could leak between them:

- centre ``centre_a`` in 江阳区 (510502): ``manager`` and ``staff``
- centre ``centre_b`` in 纳溪区 (510503): ``other_staff``
- ``city_regulator`` (泸州市), ``district_regulator`` (江阳区), ``other_regulator`` (纳溪区)
- ``parent``; ``anonymous`` is no user at all.
"""

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from luhuituo.core.models import User
from registry.models import CentreMembership

from .factories import (
    CentreFactory,
    CentreUserFactory,
    MembershipFactory,
    RegulatorFactory,
    UserFactory,
)

pytest_plugins = ["tests.urlcoverage"]

PERSONAS = [
    "city_regulator", "district_regulator", "other_regulator",
    "manager", "staff", "other_staff", "parent", "anonymous",
]


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Django's recommendation for test suites: PBKDF2's 1,000,000 rounds cost ~0.2 s of CPU
    per user a factory makes and per log-in, most of the suite's time. Passwords are still
    hashed, checked and refused as in production; only the hash is cheap."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploads made by tests go to a temporary folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Each database test starts with an empty cache (Redis, or the database cache)."""
    uses_db = request.node.get_closest_marker("django_db") or {
        "db", "transactional_db", "live_server"} & set(request.fixturenames)
    if not uses_db:
        yield
        return
    request.getfixturevalue("db" if "live_server" not in request.fixturenames else
                            "transactional_db")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def centre_a(db):
    return CentreFactory(name="江阳区阳光托育中心")


@pytest.fixture
def centre_b(db):
    from .factories import region

    return CentreFactory(name="纳溪区星星托育园", region=region("510503"))


@pytest.fixture
def city_regulator(db):
    return RegulatorFactory(username="city_reg", name="市监管员", region_code="510500")


@pytest.fixture
def district_regulator(db):
    return RegulatorFactory(username="jy_reg", name="江阳监管员", region_code="510502")


@pytest.fixture
def other_regulator(db):
    return RegulatorFactory(username="nx_reg", name="纳溪监管员", region_code="510503")


@pytest.fixture
def manager(centre_a):
    user = CentreUserFactory(username="manager_a", name="张园长")
    MembershipFactory(user=user, centre=centre_a, role=CentreMembership.Role.MANAGER)
    return user


@pytest.fixture
def staff(centre_a):
    user = CentreUserFactory(username="staff_a", name="刘保育")
    MembershipFactory(user=user, centre=centre_a, role=CentreMembership.Role.STAFF)
    return user


@pytest.fixture
def other_staff(centre_b):
    user = CentreUserFactory(username="staff_b", name="何保育")
    MembershipFactory(user=user, centre=centre_b, role=CentreMembership.Role.STAFF)
    return user


@pytest.fixture
def parent(db):
    return UserFactory(username="parent1", name="周家长", account_type=User.AccountType.PARENT)


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def personas(request, centre_a, centre_b):
    """Every persona, created together so each test sees the full cast."""
    return {name: request.getfixturevalue(name) for name in PERSONAS}


@pytest.fixture
def client_for():
    """client_for(user) → a test client logged in as user (anonymous for None)."""

    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user, backend="luhuituo.core.auth.UsernameOrMobileBackend")
        return client

    return make
