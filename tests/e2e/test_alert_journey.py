"""The alert journey in a real browser — the acceptance test of the supervision issue.

Staff record today's attendance for a 托小班 with too few carers on duty (6 children, 1 carer,
1:5 needs 2) and the page warns them; the checks run; the district regulator's inbox shows a red
ratio alert for that class (and nothing of another district's centre, whose alert is 404 to
them); the regulator issues a rectification order; the centre's manager acknowledges it and
answers with a PDF as evidence; the regulator verifies and closes it.

The checks are run with ``call_command`` (the Celery worker has its own test). Every page of
the journey is watched for Content-Security-Policy violations and script errors.

Expected texts go through Django's translation for the default language (简体中文), so the test
holds whether or not the translation catalogue has been compiled.
"""

import re
from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from registry.models import CentreMembership
from supervision.checks import engine
from supervision.models import Alert, ClassDay, RectificationOrder
from tests.factories import (
    PASSWORD,
    CentreFactory,
    CentreUserFactory,
    ClassGroupFactory,
    MembershipFactory,
    RegulatorFactory,
    StaffFactory,
    pdf_bytes,
    region,
)
from tests.factories.supervision import class_day, enrolled_child

pytestmark = [
    pytest.mark.e2e,
    # The live server reads what the test writes, so the database is flushed after the test;
    # serialized rollback restores the regions seeded by the migrations.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CENTRE_NAME = "江阳区阳光托育中心"
CLASS_NAME = "托小一班"
CARER_NAME = "李保育"
OTHER_CENTRE_NAME = "纳溪区星星托育园"
OTHER_CLASS_NAME = "星星托小班"
REQUIREMENTS = "托小一班在岗保育人员不足，须按1:5配足保育人员并提交排班表。"
ANSWER = "已增配一名保育人员，附调整后的排班表。"
VERIFICATION_NOTE = "现场复核排班表，配比符合要求。"
# A small real PDF: the upload check parses it.
PDF = pdf_bytes("e2e")

RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile}:${event.lineNumber})`
  );
}, true);
"""


def zh(msgid: str) -> str:
    """msgid as the interface shows it in the default language."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def zh_n(singular: str, plural: str, n: int) -> str:
    with translation.override("zh-hans"):
        return translation.ngettext(singular, plural, n)


def messages(page):
    return page.locator(".messages")


# --- the cast ------------------------------------------------------------------------------------


def make_centre(name: str, region_code: str, class_name: str, carer_name: str):
    """A verified (operating) centre with a 托小班 (1:5) of six children and one carer."""
    centre = CentreFactory(name=name, region=region(region_code), filing="verified")
    group = ClassGroupFactory(centre=centre, name=class_name, class_type="toddler_small",
                              capacity=15)
    kids = [enrolled_child(group) for _ in range(6)]
    carer = StaffFactory(centre=centre, name=carer_name)
    return centre, group, kids, carer


def member(centre, username: str, name: str, role: str):
    user = CentreUserFactory(username=username, name=name)
    MembershipFactory(user=user, centre=centre, role=role)
    return user


# --- watching the pages --------------------------------------------------------------------------


class Watcher:
    """Collects CSP violations and script errors of every page it watches."""

    def __init__(self):
        self.pages = []
        self.errors = []

    def watch(self, page):
        page.add_init_script(RECORD_CSP_VIOLATIONS)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("console", lambda message: self._console(page, message))
        self.pages.append(page)
        return page

    def _console(self, page, message):
        if "Content Security Policy" in message.text:
            self.errors.append(f"{page.url}: {message.text}")

    def check(self, page):
        """No violation on the page as it is now loaded."""
        assert page.evaluate("window.__cspViolations") == [], page.url

    def assert_clean(self):
        assert self.errors == []


# --- steps -------------------------------------------------------------------------------------


def log_in(page, username: str, *, lands_on: str) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name=zh("Log in")).click()
    expect(page).to_have_url(re.compile(re.escape(lands_on) + "$"))


def record_the_day_short_of_carers(page, centre, group, kids, carer) -> None:
    """Staff open today's daily records, mark every child present, tick the one carer."""
    page.goto(reverse("supervision:daily-today", args=[centre.pk]))
    row = page.get_by_role("row").filter(has_text=CLASS_NAME)
    expect(row).to_contain_text(zh("Not recorded"))
    row.get_by_role("link", name=CLASS_NAME, exact=True).click()
    today = timezone.localdate()
    expect(page).to_have_url(re.compile(re.escape(reverse(
        "supervision:class-day", args=[centre.pk, group.pk, today.isoformat()])) + "$"))
    expect(page.locator("main h2").first).to_contain_text(CLASS_NAME)

    sheet = page.locator("#class-day-form")
    for child in kids:
        attendance = sheet.get_by_role("group", name=zh("Attendance of %(name)s") % {
            "name": child.name})
        attendance.get_by_label(zh("Present"), exact=True).check()
    on_duty = sheet.get_by_role("group", name=zh("Staff on duty"))
    on_duty.get_by_label(re.compile(CARER_NAME)).check()
    ratio = page.locator("#ratio")
    # The live preview (htmx) already counts the ticked carer.
    expect(ratio.locator("strong").nth(1)).to_have_text("1")
    # …and swaps only the ratio box: the sheet is still there around it.
    expect(page.locator("#sheet > #class-day-form #ratio")).to_have_count(1)
    sheet.get_by_role("button", name=zh("Save the day")).click()

    expect(messages(page)).to_contain_text(
        zh("%(class)s: the day is saved.") % {"class": CLASS_NAME})
    expect(ratio).to_have_class(re.compile(r"\bratio-short\b"))
    expect(ratio.locator(".ratio-warning")).to_have_text(zh_n(
        "Too few carers: %(n)s carer is needed for the children present.",
        "Too few carers: %(n)s carers are needed for the children present.", 2) % {"n": 2})
    strong = ratio.locator("strong")
    expect(strong.nth(0)).to_have_text("6")  # children present
    expect(strong.nth(1)).to_have_text("1")  # carers on duty
    expect(strong.nth(2)).to_have_text("2")  # carers needed

    record = ClassDay.objects.get(class_group=group, date=today)
    assert record.attendance.filter(status="present").count() == 6
    assert list(record.staff_on_duty.all()) == [carer]

    # The day's overview flags the class too.
    page.get_by_role("link", name=zh("All classes")).click()
    row = page.get_by_role("row").filter(has_text=CLASS_NAME)
    expect(row).to_contain_text(zh("Too few carers"))


def find_the_red_alert(page, other_alert) -> None:
    """From the main navigation to the inbox: a red A1 alert for the class, nothing of the
    other district; the alert's own page; the other district's alert is 404."""
    nav = page.get_by_role("navigation", name=zh("Main navigation"))
    nav.get_by_role("link", name=zh("Alerts"), exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(reverse("supervision:alert-inbox")) + "$"))
    results = page.locator("#results")
    row = results.get_by_role("row").filter(has_text=CLASS_NAME)
    expect(row).to_have_count(1)
    expect(row.locator(".sev-red")).to_have_text(zh("Red"))
    expect(row).to_contain_text(CENTRE_NAME)
    expect(row.get_by_role("link", name=re.compile(r"^A1\b"))).to_be_visible()
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text(OTHER_CENTRE_NAME)
    expect(page.locator("main")).not_to_contain_text(OTHER_CLASS_NAME)

    row.get_by_role("link", name=re.compile(r"^A1\b")).click()
    heading = page.locator("main h1")
    expect(heading.locator(".sev-red")).to_have_text(zh("Red"))
    expect(heading).to_contain_text("A1")
    expect(page.locator("main")).to_contain_text(CENTRE_NAME)
    expect(page.locator("main .lead")).to_contain_text(CLASS_NAME)
    expect(page.locator("main")).not_to_contain_text(OTHER_CENTRE_NAME)

    response = page.goto(reverse("supervision:alert-detail", args=[other_alert.pk]))
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(OTHER_CENTRE_NAME)


def issue_order(page, centre) -> RectificationOrder:
    page.goto(reverse("supervision:rectification-create") + f"?centre={centre.pk}")
    expect(page.locator("main h1")).to_contain_text(CENTRE_NAME)
    form = page.locator("main form")
    deadline = timezone.localdate() + timedelta(days=14)
    form.get_by_label(zh("What must be rectified")).fill(REQUIREMENTS)
    form.get_by_label(zh("Rectify by")).fill(deadline.isoformat())
    form.get_by_role("button", name=zh("Issue the order")).click()

    order = RectificationOrder.objects.get(centre=centre)
    expect(page).to_have_url(re.compile(re.escape(reverse(
        "supervision:rectification-detail", args=[order.pk])) + "$"))
    expect(messages(page)).to_contain_text(
        zh("Rectification order %(no)s is issued.") % {"no": order.number})
    expect(page.locator("main")).to_contain_text(REQUIREMENTS)
    assert order.deadline == deadline
    assert order.status == RectificationOrder.Status.ISSUED
    return order


def answer_order(page, centre, order, tmp_path) -> None:
    page.goto(reverse("supervision:centre-inspections", args=[centre.pk]))
    row = page.get_by_role("row").filter(has_text=order.number)
    expect(row).to_contain_text(zh("Issued"))
    row.get_by_role("link", name=order.number, exact=True).click()
    expect(page.locator("main")).to_contain_text(REQUIREMENTS)

    page.get_by_role("button", name=zh("Acknowledge receipt")).click()
    expect(messages(page)).to_contain_text(zh("The order is acknowledged."))
    expect(page.locator("main .tag.order-acknowledged")).to_have_text(zh("Acknowledged"))

    evidence = tmp_path / "排班表.pdf"
    evidence.write_bytes(PDF)
    form = page.locator("#answer form")
    form.get_by_label(zh("What has been rectified")).fill(ANSWER)
    form.get_by_label(zh("Evidence (PDF, JPG or PNG, at most 10 MB each)")).set_input_files(
        evidence)
    form.get_by_role("button", name=zh("Send to the district health bureau")).click()

    expect(messages(page)).to_contain_text(
        zh("Your answer has been sent to the district health bureau."))
    expect(page.locator("main .tag.order-submitted")).to_have_text(
        zh("Rectification submitted"))
    expect(page.locator("main")).to_contain_text(ANSWER)
    expect(page.get_by_role("link", name=evidence.name)).to_be_visible()


def close_order(page, order) -> None:
    page.goto(reverse("supervision:rectification-detail", args=[order.pk]))
    expect(page.locator("main")).to_contain_text(ANSWER)
    expect(page.get_by_role("link", name="排班表.pdf")).to_be_visible()
    verify = page.locator("#verify")
    verify.get_by_label(zh("Rectified: close the order")).check()
    verify.get_by_label(zh("Verification note")).fill(VERIFICATION_NOTE)
    verify.get_by_role("button", name=zh("Record the decision")).click()

    expect(messages(page)).to_contain_text(zh("Order %(no)s is closed.") % {"no": order.number})
    expect(page.locator("main .tag.order-closed")).to_have_text(zh("Verified and closed"))
    expect(page.locator("#verify")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(VERIFICATION_NOTE)


# --- the journey -------------------------------------------------------------------------------


def test_too_few_carers_raise_a_red_alert_followed_by_a_closed_rectification(
    new_page, live_server, tmp_path
):
    centre, group, kids, carer = make_centre(CENTRE_NAME, "510502", CLASS_NAME, CARER_NAME)
    staff = member(centre, "staff_a", "刘保育", CentreMembership.Role.STAFF)
    manager = member(centre, "manager_a", "张园长", CentreMembership.Role.MANAGER)
    regulator = RegulatorFactory(username="jy_reg", name="江阳监管员", region_code="510502")
    # Another district's centre, short of carers today as well: its alert is not ours.
    other, other_group, other_kids, other_carer = make_centre(
        OTHER_CENTRE_NAME, "510503", OTHER_CLASS_NAME, "何保育")
    class_day(other_group, present=other_kids, staff=[other_carer])

    watcher = Watcher()

    # 1. Staff record the day: six children, one carer — the page warns.
    staff_page = watcher.watch(new_page())
    log_in(staff_page, staff.username, lands_on="/centre/")
    record_the_day_short_of_carers(staff_page, centre, group, kids, carer)
    watcher.check(staff_page)

    # 2. The checks run — as at noon of the recorded day, so that a run across midnight
    # (Luzhou time) still looks at that day.
    recorded = ClassDay.objects.get(class_group=group).date
    engine.run_rules(["A1"], now=timezone.make_aware(datetime.combine(recorded, time(12))))
    alert = Alert.objects.get(centre=centre)
    assert (alert.rule, alert.severity, alert.status) == ("A1", "red", "open")
    other_alert = Alert.objects.get(centre=other)
    assert other_alert.rule == "A1" and other_alert.is_open

    # 3. The district regulator finds the red alert for the class, and nothing of 纳溪区.
    regulator_page = watcher.watch(new_page())
    log_in(regulator_page, regulator.username, lands_on="/regulator/")
    find_the_red_alert(regulator_page, other_alert)
    watcher.check(regulator_page)

    # 4. The regulator issues a rectification order to the centre.
    order = issue_order(regulator_page, centre)
    watcher.check(regulator_page)

    # 5. The manager acknowledges the order and answers it with evidence.
    manager_page = watcher.watch(new_page())
    log_in(manager_page, manager.username, lands_on="/centre/")
    answer_order(manager_page, centre, order, tmp_path)
    watcher.check(manager_page)

    # 6. The regulator verifies and closes the order.
    close_order(regulator_page, order)
    watcher.check(regulator_page)
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.CLOSED
    assert order.verified_by == regulator
    assert order.evidence.count() == 1

    watcher.assert_clean()
