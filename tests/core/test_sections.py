"""Page sections: apps contribute links to pages they do not own, in order, only to readers
allowed to follow them, marked current on their own pages."""

import pytest
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation

from luhuituo.core import sections
from luhuituo.core.sections import Link


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def request_for(path, membership=None):
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    request.membership = membership
    return request


def test_each_app_contributes_to_the_centre_navigation(centre_a, manager):
    membership = manager.centre_memberships.get()
    path = reverse("supervision:child-list", args=[centre_a.pk])
    items = sections.links("centre-nav", request_for(path, membership), centre_a)
    labels = [str(item["label"]) for item in items]
    # registry's and supervision's links, interleaved by their order
    assert labels.index("Centre details") < labels.index("Children") < labels.index("Filing")
    assert [str(i["label"]) for i in items if i["current"]] == ["Children"]
    assert "Accounts" in labels


def test_a_link_for_managers_only_is_not_shown_to_staff(centre_a, staff):
    path = reverse("registry:centre-overview", args=[centre_a.pk])
    membership = staff.centre_memberships.get()
    items = sections.links("centre-nav", request_for(path, membership), centre_a)
    assert "Accounts" not in [str(item["label"]) for item in items]


def test_the_regulator_centre_page_links_to_supervision(centre_a):
    items = sections.links("regulator-centre", request_for("/"), centre_a)
    urls = [item["url"] for item in items]
    assert reverse("supervision:regulator-child-list", args=[centre_a.pk]) in urls
    assert f"{reverse('supervision:inspection-plan')}?centre={centre_a.pk}" in urls


def test_an_unknown_place_is_refused():
    with pytest.raises(ValueError, match="unknown page place"):
        sections.register("nowhere", Link("x", lambda obj: "/"))


def test_panels_render_with_their_own_context_in_order(monkeypatch, rf):
    from django.template import Context, Template

    from luhuituo.core.sections import Panel

    monkeypatch.setitem(sections._registry, "regulator-complaint", [
        Panel("x/second.html", lambda request, obj: {"n": 2}, order=20),
        Panel("x/first.html", lambda request, obj: {"n": 1}, order=10),
        Panel("x/none.html", lambda request, obj: None, order=5),
        Panel("x/hidden.html", lambda request, obj: {"n": 3}, order=1,
              show=lambda request, obj: False),
        Link("a link, not a panel", lambda obj: "/"),
    ])
    request = rf.get("/")
    assert sections.panels("regulator-complaint", request, object()) == [
        ("x/first.html", {"n": 1}), ("x/second.html", {"n": 2})]
    assert [str(i["label"]) for i in sections.links("regulator-complaint", request, None)] == [
        "a link, not a panel"]
    monkeypatch.setattr("luhuituo.core.templatetags.luhuituo.render_to_string",
                        lambda template, context, request=None: f"<{template}:{context['n']}>")
    html = Template('{% load luhuituo %}{% section_panels "regulator-complaint" obj %}').render(
        Context({"request": request, "obj": object()}))
    assert html == "<x/first.html:1><x/second.html:2>"
