"""Personas of docs/architecture.md#access, with data in place that could leak between them:

- centre ``centre_a`` in 江阳区 (510502): ``manager`` and ``staff``
- centre ``centre_b`` in 纳溪区 (510503): ``other_staff``
- ``city_regulator`` (泸州市), ``district_regulator`` (江阳区), ``other_regulator`` (纳溪区)
- ``parent``; ``anonymous`` is no user at all.
"""

import copy
import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import translation

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


# Under pytest-xdist each worker process (gw0, gw1, …) has its own test database (pytest-django
# appends the worker id to its name) but all of them share the one Redis database of REDIS_URL.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _redis_cache() -> bool:
    return settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist load`` (what ``make test`` runs), keeping tests/demo together on one worker.

    ``load`` hands each worker consecutive runs of the collection, in order, so on every worker
    the transactional tests (which empty the database when they end; pytest-django sorts them
    last) still come after all the others, as in a run without xdist. ``loadfile``/``loadscope``
    do not keep that order. And tests/demo shares one seed (tests/demo/conftest.py): a run of
    tests that reaches into tests/demo takes all of it. (pytest-xdist's own grouping,
    ``xdist_group`` with ``--dist loadgroup``, silently stopped grouping with pytest 9.2:
    pytest-xdist issue 1386.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScheduling

    class Scheduling(LoadScheduling):
        def _send_tests(self, node, num: int) -> None:
            def in_demo(position: int) -> bool:
                return self.collection[self.pending[position]].startswith("tests/demo/")

            while 0 < num < len(self.pending) and in_demo(num - 1) and in_demo(num):
                num += 1
            super()._send_tests(node, num)

    return Scheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Settings of the whole run.

    - Passwords are hashed with MD5, as Django's testing docs advise: PBKDF2's 1,000,000 rounds
      cost ~0.2 s of CPU for each user a factory makes and each log-in, most of the suite's
      time. Passwords are still hashed, checked and refused as in production.
    - Under pytest-xdist, each worker's cache keys carry the worker's id (``luhuituo-gw0:…``),
      so one worker's keys (a check's lock) are never seen or cleared by
      another worker, nor by the Celery processes of the worker test (``luhuituo:…``).
    """
    overrides = {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"]}
    if XDIST_WORKER and _redis_cache():
        caches = copy.deepcopy(settings.CACHES)
        prefix = caches["default"].get("KEY_PREFIX", "")
        caches["default"]["KEY_PREFIX"] = f"{prefix}-{XDIST_WORKER}"
        overrides["CACHES"] = caches
    with override_settings(**overrides):
        yield


def _empty_the_cache() -> None:
    """cache.clear() empties the whole Redis database (FLUSHDB), which other xdist workers use
    at the same time: a worker deletes only its own keys."""
    if not (XDIST_WORKER and _redis_cache()):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path_factory):
    """Uploads made by tests go to a temporary folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _site_language_after_each_test():
    """A request leaves its language active in the thread (LocaleMiddleware activates it): a
    test whose requests ran in English must not leave English to the next test."""
    yield
    translation.deactivate()


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
    _empty_the_cache()
    yield
    _empty_the_cache()


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


@pytest.fixture
def other_connection():
    """A second database session, as another worker process would have (its advisory locks
    are not this test's)."""
    import psycopg

    from tests.dburl import database_url

    with psycopg.connect(database_url(), autocommit=True) as conn:
        yield conn
