"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's
live server.

The tests are skipped when Chromium is not installed, except under CI (``CI=true``), where a
missing browser fails every test instead, so the browser tests can never be skipped silently.
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop in the main thread; without this Django
# refuses database access from the test (fixtures, flushing the database) with
# SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}


@pytest.fixture(scope="session", autouse=True)
def _require_chromium():
    """Runs before the database is set up, so a missing browser costs nothing."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but Chromium is missing at {CHROMIUM}: the browser tests must run.")
    pytest.skip(f"Chromium is not installed at {CHROMIUM}")


@pytest.fixture(scope="session")
def browser(django_db_setup):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # What Django serialised when it created the test database, for serialized_rollback.
    serialized = {
        connection.alias: connection._test_serialized_contents
        for connection in connections.all()
        if hasattr(connection, "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        # From here on an asyncio event loop runs in this thread, so asgiref's Local hands
        # Django new connection objects here, without the serialised contents: serialized
        # rollback would silently restore nothing and data migrations' rows (the regions) would
        # be gone after the first test (pytest-django#1117). Carry the contents over.
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
        connections.close_all()  # the connections opened while the loop ran


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context_options) → a page in a fresh browser context (own cookies), opened on
    the live server, in Chinese and in Luzhou's time zone. Contexts close after the test."""
    contexts = []

    def make(**context_options):
        options = {
            "base_url": live_server.url,
            "locale": "zh-CN",
            "timezone_id": "Asia/Shanghai",
            **context_options,
        }
        context = browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop-sized page (Playwright's default 1280×720 viewport)."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A page on a phone-sized screen."""
    return new_page(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)


# --- the assessor: a persona of the quality assessments, in the browser tests only ---------------


@pytest.fixture
def assessor(db):
    """An assessor of 江阳区 (the district's assessor pool), who scores on a tablet or phone."""
    from tests.factories.evaluation import assessor as make_assessor

    return make_assessor()


@pytest.fixture
def personas(personas, assessor):
    """The cast of tests/conftest.py and the assessor."""
    return {**personas, "assessor": assessor}
