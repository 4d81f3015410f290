"""The centre profile editor in a real browser: with htmx an invalid form is swapped in place
with its errors (a 422) and a valid one lands back on the page with a message; without
JavaScript the same form works through ordinary POSTs."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from registry.models import Centre
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def log_in(page, identifier: str) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(identifier)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name=zh("Log in")).click()


def fill_location(form, latitude: str) -> None:
    form.locator('input[name="address"]').fill("江阳区大山坪街道1号")
    form.locator('input[name="latitude"]').fill(latitude)
    form.locator('input[name="longitude"]').fill("105.442")


@pytest.mark.parametrize("javascript", [True, False])
def test_profile_errors_then_save(new_page, manager, centre_a, javascript):
    page = new_page(java_script_enabled=javascript)
    log_in(page, "manager_a")
    page.goto(f"/centre/{centre_a.pk}/profile/")
    form = page.locator("#profile-form")
    fill_location(form, "31.2304")  # Shanghai: outside Luzhou
    form.locator('input[name="opening_days"]').fill("周一至周五")
    if javascript:
        page.evaluate("window.notReloaded = true")
    form.get_by_role("button", name=zh("Save the details")).click()

    expect(page.locator(".field-error").filter(has_text="27.6")).to_be_visible()
    if javascript:  # htmx swapped the form in place: the page was not reloaded
        assert page.evaluate("window.notReloaded") is True
    expect(page.locator('input[name="opening_days"]')).to_have_value("周一至周五")
    expect(page.locator('input[name="address"]')).to_have_value("江阳区大山坪街道1号")
    centre_a.refresh_from_db()
    assert centre_a.address == ""

    page.locator('input[name="latitude"]').fill("28.871")
    page.locator("#profile-form").get_by_role("button", name=zh("Save the details")).click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page).to_have_url(f"{page.url.split('/centre/')[0]}/centre/{centre_a.pk}/profile/")
    saved = Centre.objects.get(pk=centre_a.pk)
    assert (saved.address, str(saved.latitude)) == ("江阳区大山坪街道1号", "28.871000")
