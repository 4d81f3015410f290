"""One ``seed_demo`` for the whole package.

A full seed (30 generated centres, their supervision data, the checks) takes seconds, and the
demo tests used to run one or more each. Now ``demo_db`` seeds once, the first time a test asks
for it, inside a transaction on the test database that stays open until the package's last test
and is then rolled back, so nothing outside ``tests/demo`` ever sees the demo data. Every test
runs in a savepoint inside that transaction (pytest-django's ``db``), so what a test writes,
including a second ``seed_demo`` run, is undone after it and the next test sees the seed as it
was.

Tests that need an empty database (small ``--centres`` counts) do not ask for ``demo_db``; they
are moved ahead of the ones that do, so they run before the shared seed exists.
"""

from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from .seeding import seed

_seed_active = False


@pytest.fixture(scope="package")
def _demo_seed(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seed once; roll everything back after the package. Yields the seed's MEDIA_ROOT."""
    global _seed_active
    media = tmp_path_factory.mktemp("demo-media")
    with (django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media),
          transaction.atomic()):
        seed()
        _seed_active = True
        try:
            yield media
        finally:
            _seed_active = False
            transaction.set_rollback(True)


@pytest.fixture
def demo_db(_demo_seed, db, settings):
    """The test database as ``seed_demo --centres DEMO_CENTRES`` left it (the seed's files in
    MEDIA_ROOT); what the test writes is rolled back."""
    settings.MEDIA_ROOT = _demo_seed


@pytest.fixture
def empty_db(db):
    """The test database without the shared seed (for tests that seed it themselves)."""
    if _seed_active:  # the ordering below broke: fail loudly instead of testing the wrong data
        pytest.fail("the shared demo seed is active; tests using empty_db must run before it")


def pytest_collection_modifyitems(config, items):
    """Within tests/demo, tests without ``demo_db`` run first (stable otherwise)."""
    here = Path(__file__).parent
    demo = [i for i, item in enumerate(items) if item.path.is_relative_to(here)]
    if not demo:
        return
    block = [items[i] for i in demo]
    block.sort(key=lambda item: "demo_db" in getattr(item, "fixturenames", ()))
    for i, item in zip(demo, block, strict=True):
        items[i] = item
