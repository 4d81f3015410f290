"""Every page each persona uses daily, on a phone (390 × 844) and on a desk (1280 × 800):

- on the phone nothing is wider than the screen — the page does not scroll sideways
  (``scrollWidth <= clientWidth``) and no element is wider than the viewport (a table that
  scrolls inside its own box counts: its columns are off screen all the same) — and no table
  cell is squeezed to a character or two a line;
- axe-core (tests/e2e/vendor, run in the page) finds no violation of impact serious or
  critical at either width — the check of GB/T 37668-2019, in line with WCAG 2.1 AA.

One browser context per persona and width, one log-in per persona (the desk context starts
from the phone's cookies), each page visited once per width. Every problem of a persona is
collected and printed together, page by page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .axe import AXE_IMPACTS, axe_violations, format_violations
from .conftest import PHONE_VIEWPORT
from .personas import USERS, daily_world, persona_pages

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESK_VIEWPORT = {"width": 1280, "height": 800}

# Elements wider than the viewport, and whether the page scrolls sideways. An element is named
# by a short CSS path (tag#id.class, three levels) with the start of its text.
OVERFLOW = """
() => {
  const root = document.documentElement;
  const limit = root.clientWidth + 0.5;
  const name = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) part += "#" + e.id;
      if (typeof e.className === "string" && e.className.trim())
        part += "." + e.className.trim().split(/\\s+/).join(".");
      parts.unshift(part);
    }
    const text = (el.innerText || el.value || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return parts.join(" > ") + (text ? ` "${text}"` : "");
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width > limit) wide.push(`${name(el)} is ${Math.round(box.width)}px wide`);
  }
  // Table cells squeezed to a character or two per line: narrower than three characters
  // while holding more than three.
  // Cells only screen readers see (clipped, like .sr-only) do not count.
  const clipped = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      if (style.clipPath !== "none" || (style.clip && style.clip !== "auto")) return true;
    }
    return false;
  };
  const squeezed = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    if (clipped(cell)) continue;
    const box = cell.getBoundingClientRect();
    const text = cell.innerText.trim();
    const em = parseFloat(getComputedStyle(cell).fontSize);
    if (box.width > 0 && text.length > 3 && box.width < 3 * em)
      squeezed.push(`${name(cell)} is ${Math.round(box.width)}px wide`);
  }
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
          wide: wide.slice(0, 8), more: Math.max(0, wide.length - 8),
          squeezed: squeezed.slice(0, 5), moreSqueezed: Math.max(0, squeezed.length - 5)};
}
"""


def log_in(page, username: str) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.locator('button[type="submit"]').click()
    expect(page).not_to_have_url(re.compile(r"/login/$"))


def overflow_problems(page) -> list[str]:
    found = page.evaluate(OVERFLOW)
    problems = []
    if found["scrollWidth"] > found["clientWidth"]:
        problems.append(f"the page scrolls sideways: scrollWidth {found['scrollWidth']} > "
                        f"clientWidth {found['clientWidth']}")
    problems += [f"wider than the screen: {line}" for line in found["wide"]]
    if found["more"]:
        problems.append(f"… and {found['more']} more elements wider than the screen")
    problems += [f"a table cell squeezed to a character or two a line: {line}"
                 for line in found["squeezed"]]
    if found["moreSqueezed"]:
        problems.append(f"… and {found['moreSqueezed']} more squeezed cells")
    return problems


def visit(page, path: str) -> list[str]:
    response = page.goto(path, wait_until="load")
    if response is None or response.status != 200:
        return [f"answered {response.status if response else 'nothing'}, not 200"]
    return []


@pytest.fixture
def world(personas, centre_a, manager, staff, district_regulator, parent, assessor):
    return daily_world(centre_a=centre_a, manager=manager, staff=staff,
                       district_regulator=district_regulator, parent=parent, assessor=assessor)


@pytest.mark.parametrize("persona", list(USERS))
def test_daily_pages_fit_a_phone_and_pass_axe(browser, live_server, personas, world, persona):
    user = personas[USERS[persona]]
    pages = persona_pages(world)[persona]
    options = {"base_url": live_server.url, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
    phone = browser.new_context(**options, viewport=PHONE_VIEWPORT, is_mobile=True,
                                has_touch=True)
    desk = None
    report: list[str] = []
    try:
        page = phone.new_page()
        if user is not None:
            log_in(page, user.username)
        for what, path in pages:
            problems = visit(page, path)
            if not problems:
                problems = overflow_problems(page) + format_violations(axe_violations(page))
            report += [f"[phone 390] {what} ({path}): {p}" for p in problems]
        desk = browser.new_context(**options, viewport=DESK_VIEWPORT,
                                   storage_state=phone.storage_state())
        page = desk.new_page()
        for what, path in pages:
            problems = visit(page, path) or format_violations(axe_violations(page))
            report += [f"[desk 1280] {what} ({path}): {p}" for p in problems]
    finally:
        phone.close()
        if desk is not None:
            desk.close()
    assert not report, (
        f"{persona}: {len(report)} problems (overflow on phones; axe violations of impact "
        f"{'/'.join(AXE_IMPACTS)}):\n" + "\n".join(report))
