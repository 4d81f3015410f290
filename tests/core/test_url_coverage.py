"""The URL-coverage check of tests/urlcoverage.py: it sees every named URL, its public list
names only URLs that exist, and a URL that is neither public nor in a role matrix is reported."""

from django.urls import get_resolver

from tests.urlcoverage import PUBLIC, all_url_names, uncovered


def test_it_sees_every_app_and_the_admin():
    names = all_url_names()
    assert {"core:login", "registry:filing-queue", "supervision:alert-inbox",
            "dashboard:home", "parents:index", "admin"} <= names


def test_the_public_list_names_only_real_urls():
    assert PUBLIC - all_url_names() == set()


def test_a_url_in_neither_list_is_reported():
    names = all_url_names(get_resolver("tests.core.extra_urls"))
    covered = names - PUBLIC - {"forgotten-page"}
    assert uncovered(names, covered, PUBLIC) == {"forgotten-page"}
    assert uncovered(names, covered | {"forgotten-page"}, PUBLIC) == set()
