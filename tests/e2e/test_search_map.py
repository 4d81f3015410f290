"""The centre search's map in a real browser (phone size): with a tile server set, Leaflet
draws the results and the search point under the page's Content-Security-Policy, a click on the
map searches near that point (htmx, the URL follows); without JavaScript the map stays hidden
and the list is the page."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from registry.models import Filing
from tests.factories import CentreFactory, filing_for
from tests.factories.core import region

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SEARCH = "/centres/search/?place=%E6%B1%9F%E9%98%B3%E5%8C%BA"  # place=江阳区


@pytest.fixture
def two_centres(db, settings):
    # Any same-origin image stands in for the tiles: the test has no network.
    settings.MAP_TILE_URL = "/static/img/logo.svg?z={z}&x={x}&y={y}"
    settings.MAP_TILE_ATTRIBUTION = "test tiles"
    for name, lat in [("江阳区甲托育中心", "28.861000"), ("江阳区乙托育中心", "28.870000")]:
        centre = CentreFactory(name=name, region=region("510502"), latitude=Decimal(lat),
                               longitude=Decimal("105.450000"))
        filing_for(centre, Filing.Status.VERIFIED)


def test_the_map_draws_the_results_and_a_click_searches_there(new_page, two_centres):
    from tests.e2e.conftest import PHONE_VIEWPORT

    page = new_page(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(SEARCH)
    expect(page.locator("[data-search-map]")).to_be_visible()
    # Two centres and the ring of the search point.
    expect(page.locator(".search-map path.leaflet-interactive")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth <= "
                         "document.documentElement.clientWidth")
    # Top right: away from the zoom buttons (top left), the attribution and the circles.
    box = page.locator(".search-map").bounding_box()
    page.locator(".search-map").click(position={"x": box["width"] - 30, "y": 30})
    expect(page).to_have_url(re.compile(r"lat=\d"))
    expect(page.locator('input[name="place"]')).to_have_value("")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_without_javascript_the_list_is_the_page(new_page, two_centres):
    page = new_page(java_script_enabled=False)
    page.goto(SEARCH)
    expect(page.locator("[data-search-map]")).to_be_hidden()
    expect(page.locator("#results li.card")).to_have_count(2)
