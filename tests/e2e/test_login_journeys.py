"""Login journeys in a real browser: every persona reaches its own home page, a wrong password
keeps you on the login page, the phone menu works, and the Content-Security-Policy holds with
htmx loaded.

Expected texts go through Django's translation for the default language (简体中文), so the tests
hold whether or not the translation catalogue has been compiled.
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.e2e,
    # The live server reads what the test writes, so the database is flushed between tests;
    # serialized rollback restores the regions seeded by the migrations.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# persona → (home page path, that page's <h1> as a msgid)
HOMES = {
    "city_regulator": ("/regulator/", "Regulator workbench"),
    "district_regulator": ("/regulator/", "Regulator workbench"),
    "manager": ("/centre/", "My centre"),
    "staff": ("/centre/", "My centre"),
    "parent": ("/parents/", "Parent home"),
}


def zh(msgid: str) -> str:
    """msgid as the interface shows it in the default language."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def log_in(page, identifier: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(identifier)
    form.locator('input[name="password"]').fill(password)
    form.get_by_role("button", name=zh("Log in")).click()


def menu_button(page):
    """The burger: the label of the checkbox that opens the navigation on phones."""
    return page.locator('label[for="nav-toggle"]')


def logout_button(page):
    return page.get_by_role("button", name=zh("Log out"))


@pytest.mark.parametrize(
    ("persona", "identifier"),
    [
        ("city_regulator", "username"),
        ("district_regulator", "username"),
        ("manager", "username"),
        ("staff", "mobile"),
        ("parent", "mobile"),
    ],
)
def test_each_persona_logs_in_to_its_own_home_page(
    page, live_server, personas, persona, identifier
):
    user = personas[persona]
    path, heading = HOMES[persona]

    log_in(page, getattr(user, identifier))

    expect(page).to_have_url(live_server.url + path)
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    h1 = page.locator("main h1")
    expect(h1).to_have_text(re.compile(r"\S"))
    expect(h1).to_have_text(zh(heading))
    expect(page.locator("main")).to_contain_text(user.name)


def test_wrong_password_shows_the_error_and_stays_on_the_login_page(page, live_server, staff):
    log_in(page, staff.username, password="not-the-password")

    expect(page.locator(".form-errors[role=alert]")).to_contain_text(
        zh("The account or password is incorrect. Please try again.")
    )
    expect(page).to_have_url(live_server.url + "/login/")
    expect(page.locator('main input[name="username"]')).to_have_value(staff.username)
    expect(page.locator('main input[name="password"]')).to_have_value("")
    expect(logout_button(page)).to_have_count(0)


def test_phone_menu_is_collapsed_and_opens_to_log_out(phone_page, live_server, manager):
    page = phone_page
    log_in(page, manager.username)
    expect(page).to_have_url(live_server.url + "/centre/")

    expect(menu_button(page)).to_be_visible()
    expect(logout_button(page)).to_be_hidden()

    menu_button(page).click()
    expect(logout_button(page)).to_be_visible()

    logout_button(page).click()
    expect(page).to_have_url(live_server.url + "/login/")
    expect(page.locator(".messages")).to_contain_text(zh("You have logged out."))


def test_desktop_navigation_bar_shows_log_out_without_a_menu(page, live_server, manager):
    log_in(page, manager.username)
    expect(page).to_have_url(live_server.url + "/centre/")

    expect(menu_button(page)).to_be_hidden()
    expect(logout_button(page)).to_be_visible()


RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile}:${event.lineNumber})`
  );
}, true);
"""


def test_csp_holds_and_htmx_loads_on_a_logged_in_page(page, live_server, district_regulator):
    console, page_errors = [], []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.add_init_script(RECORD_CSP_VIOLATIONS)

    log_in(page, district_regulator.username)
    expect(page).to_have_url(live_server.url + "/regulator/")
    response = page.reload(wait_until="networkidle")  # a full load of the logged-in page

    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, f"no script-src 'self' in the CSP header: {policy!r}"
    assert page.evaluate("typeof window.htmx") == "object"
    # [] rather than None also proves the recorder was installed.
    assert page.evaluate("window.__cspViolations") == []
    assert [m for m in console if "Content Security Policy" in m] == []
    assert page_errors == []
