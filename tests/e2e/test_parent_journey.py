"""The parent portal's journeys in a real browser, on a phone (390 × 844) — the acceptance test
of the parent portal issue.

1. A parent, anonymous at first, searches near 江阳区 for a child of 18 months: only the
   centres with a class taking that age are listed, nearest first. They add two centres to the
   comparison from their profiles, compare them, open a profile, register, add their child and
   apply. The centre's manager (another browser) opens the applications queue and accepts the
   child into a class; the parent sees the application accepted and the child, in that class,
   among their children.
2. A centre member issues a linking code for the guardian of a child already enrolled; a parent
   enters it and sees the child among their children; the same code entered again is refused.

Every page of the journey is checked for sideways scrolling and for serious axe violations on
the phone. Expected texts go through Django's translation for the default language (简体中文).
"""

import re
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from luhuituo.core.models import User
from parents.models import Application
from registry.models import CentreMembership, Filing
from supervision.models import Child, Enrolment
from tests.factories import (
    PASSWORD,
    CentreFactory,
    CentreUserFactory,
    ClassGroupFactory,
    FeeScheduleFactory,
    MembershipFactory,
    UserFactory,
    filing_for,
)
from tests.factories.core import region
from tests.factories.supervision import enrolled_child

from .axe import axe_violations, format_violations
from .conftest import PHONE_VIEWPORT
from .test_every_page import overflow_problems

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The search point of 江阳区 (parents.services.search.DISTRICT_POINTS) is 28.86, 105.45; the
# centres stand north of it, at known distances (0.001° of latitude ≈ 111 m).
NEAR = "江阳区暖阳托育园"  # toddler class (12–24 months), ≈ 334 m
FAR = "江阳区彩虹托育中心"  # mixed class (18–36 months), ≈ 2.2 km
INFANTS_ONLY = "江阳区小星星托育园"  # infant class (6–12 months), ≈ 110 m: nearest, too young
OLDER_ONLY = "江阳区大树托育中心"  # 2–3 year olds (24–36 months), ≈ 1.1 km
CHILD_NAME = "陈小禾"
PARENT_NAME = "陈家长"
PARENT_MOBILE = "13811112222"


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def zh_in(context: str, msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.pgettext(context, msgid)


def phone(new_page):
    return new_page(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)


def log_in(page, username: str) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name=zh("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/login/$"))


def check_the_page(page, problems: list[str]) -> None:
    """No sideways scrolling on the phone, no serious or critical axe violation."""
    where = page.url.split("//", 1)[-1].split("/", 1)[-1]
    problems += [f"/{where}: {p}" for p in overflow_problems(page)]
    problems += [f"/{where}: {p}" for p in format_violations(axe_violations(page))]


def public_centre(name: str, lat: str, *, class_type: str, **fees):
    centre = CentreFactory(name=name, region=region("510502"), latitude=Decimal(lat),
                           longitude=Decimal("105.450000"), service_forms=["full_day"])
    filing_for(centre, Filing.Status.VERIFIED)
    group = ClassGroupFactory(centre=centre, class_type=class_type, capacity=10)
    FeeScheduleFactory(centre=centre, **fees)
    return centre, group


@pytest.fixture
def centres(db):
    near, near_class = public_centre(NEAR, "28.863000", class_type="toddler_small",
                                     toddler_small_fee=1500)
    far, _ = public_centre(FAR, "28.880000", class_type="mixed", toddler_small_fee=None,
                           mixed_fee=1200)
    infants, _ = public_centre(INFANTS_ONLY, "28.861000", class_type="infant",
                               toddler_small_fee=None, infant_fee=1800)
    older, _ = public_centre(OLDER_ONLY, "28.870000", class_type="toddler_large",
                             toddler_small_fee=None, toddler_large_fee=1000)
    manager = CentreUserFactory(username="manager_near", name="王园长")
    MembershipFactory(user=manager, centre=near, role=CentreMembership.Role.MANAGER)
    return {"near": near, "near_class": near_class, "far": far, "infants": infants,
            "older": older, "manager": manager}


def test_search_compare_register_apply_and_be_accepted(new_page, centres):
    near, far = centres["near"], centres["far"]
    problems: list[str] = []
    today = timezone.localdate()
    page = phone(new_page)

    # --- anonymous: search near 江阳区 for a child of 18 months ----------------------------------
    page.goto(reverse("parents:search"))
    check_the_page(page, problems)
    filters = page.locator("#search-filters")
    filters.get_by_label(zh("Near")).fill("江阳区")
    filters.get_by_label(zh("Child's age (months)")).fill("18")
    filters.get_by_role("button", name=zh("Filter")).click()
    expect(page).to_have_url(re.compile(r"age=18"))
    results = page.locator("#results li.card")
    # only the centres with a class for 18 months, nearest first
    expect(results).to_have_count(2)
    expect(results.locator("h3")).to_have_text([NEAR, FAR])
    expect(results.nth(0).locator(".distance")).to_contain_text("334")
    expect(results.nth(1).locator(".distance")).to_contain_text("2.2")
    check_the_page(page, problems)

    # --- compare the two: "Add to compare" on each profile ---------------------------------------
    results.nth(1).get_by_role("link", name=zh("Centre profile")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FAR)
    page.get_by_role("link", name=zh("Add to compare")).click()
    expect(page).to_have_url(re.compile(re.escape(reverse("parents:compare")) + rf"\?c={far.pk}$"))
    # back to the search: the nearer centre's profile remembers the comparison
    page.go_back()
    page.go_back()
    results.nth(0).get_by_role("link", name=zh("Centre profile")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEAR)
    check_the_page(page, problems)
    page.get_by_role("link", name=zh("Add to compare")).click()
    expect(page).to_have_url(re.compile(rf"c={far.pk}&c={near.pk}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("Compare centres"))
    table = page.locator('section[aria-labelledby="compare-heading"] table')
    expect(table.locator("tbody th[scope=row] a")).to_have_text([FAR, NEAR])
    check_the_page(page, problems)

    # --- open the profile from the comparison -------------------------------------------------
    table.get_by_role("link", name=NEAR, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEAR)
    expect(page.locator("#places-heading").locator("xpath=..")).to_contain_text(
        centres["near_class"].name)

    # --- register --------------------------------------------------------------------------------
    page.goto(reverse("parents:register"))
    check_the_page(page, problems)
    form = page.locator("main form")
    form.get_by_label(zh("Your full name")).fill(PARENT_NAME)
    form.get_by_label(zh("Mobile number")).fill(PARENT_MOBILE)
    form.locator('input[name="password1"]').fill(PASSWORD)
    form.get_by_label(zh("Password again")).fill(PASSWORD)
    form.get_by_role("button", name=zh("Create the account")).click()
    expect(page).to_have_url(re.compile(re.escape(reverse("parents:home")) + "$"))
    parent = User.objects.get(mobile=PARENT_MOBILE)
    assert parent.account_type == User.AccountType.PARENT

    # --- add the child and apply -----------------------------------------------------------------
    page.get_by_role("link", name=zh(
        "Apply for a place for a child who is not yet at a centre, and follow your "
        "applications")).click()
    page.get_by_role("link", name=zh("Add a child"), exact=True).click()
    check_the_page(page, problems)
    form = page.locator("main form")
    form.get_by_label(zh("Child's name")).fill(CHILD_NAME)
    form.get_by_label(zh("Sex")).select_option(Child.Sex.FEMALE)
    born = today - relativedelta(months=18)
    form.get_by_label(zh("Date of birth")).fill(born.isoformat())
    form.get_by_label(zh("Your relation to the child")).select_option(index=1)
    form.get_by_role("checkbox").check()
    form.get_by_role("button", name=zh("Add the child")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CHILD_NAME)
    check_the_page(page, problems)
    form = page.locator("main form")
    form.get_by_label(zh("Centre")).select_option(str(near.pk))
    form.get_by_label(zh("Preferred start date")).fill(today.isoformat())
    form.get_by_label(zh("Care form")).select_option("full_day")
    form.get_by_role("button", name=zh("Send the application")).click()
    expect(page).to_have_url(re.compile(re.escape(reverse("parents:application-list")) + "$"))
    application = Application.objects.get(child__parent=parent, centre=near)
    assert application.status == Application.Status.SUBMITTED
    row = page.locator("main table tbody tr").filter(has_text=NEAR)
    expect(row).to_contain_text(str(Application.Status.SUBMITTED.label))

    # --- the centre's manager accepts, in another browser ----------------------------------------
    centre_page = phone(new_page)
    log_in(centre_page, "manager_near")
    centre_page.goto(reverse("parents:centre-applications", args=[near.pk]))
    check_the_page(centre_page, problems)
    centre_page.get_by_role("link", name=CHILD_NAME).click()
    expect(centre_page).to_have_url(re.compile(re.escape(
        reverse("parents:centre-application", args=[near.pk, application.pk])) + "$"))
    check_the_page(centre_page, problems)
    accept = centre_page.locator("section").filter(
        has=centre_page.get_by_role("heading", name=zh("Accept and enrol")))
    accept.get_by_label(zh("Class")).select_option(str(centres["near_class"].pk))
    expect(accept.get_by_label(zh("Starts on"))).to_have_value(today.isoformat())
    accept.get_by_role("button", name=zh("Accept"), exact=True).click()
    expect(centre_page.locator(".messages")).to_contain_text(
        zh("The application is accepted and the child is enrolled."))

    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED
    child = application.enrolled_child
    assert child.centre == near and child.name == CHILD_NAME
    enrolment = Enrolment.objects.get(child=child)
    assert enrolment.class_group == centres["near_class"] and enrolment.started_on == today
    assert child.guardians.get(is_primary=True).user == parent

    # --- the parent sees "accepted" and the child in the class -----------------------------------
    page.goto(reverse("parents:application-list"))
    row = page.locator("main table tbody tr").filter(has_text=NEAR)
    expect(row).to_contain_text(str(Application.Status.ACCEPTED.label))
    check_the_page(page, problems)
    page.goto(reverse("core:notification-list"))
    expect(page.locator("main")).to_contain_text(
        zh("%(centre)s accepted your application for %(child)s")
        % {"centre": NEAR, "child": CHILD_NAME})
    check_the_page(page, problems)
    page.goto(reverse("supervision:my-children"))
    card = page.locator(".child-cards li.card").filter(has_text=CHILD_NAME)
    expect(card).to_contain_text(NEAR)
    expect(card).to_contain_text(centres["near_class"].name)
    check_the_page(page, problems)

    assert not problems, "\n".join(problems)


def test_a_linking_code_links_an_enrolled_child_once(new_page, centres):
    near = centres["near"]
    problems: list[str] = []
    child = enrolled_child(centres["near_class"], name="林小满")
    guardian = child.guardians.get(is_primary=True)
    UserFactory(username="parent_lin", name="林家长", account_type=User.AccountType.PARENT)

    # --- the centre issues a code for the guardian ------------------------------------------------
    centre_page = phone(new_page)
    log_in(centre_page, "manager_near")
    centre_page.goto(reverse("parents:linking-code-list", args=[near.pk]))
    check_the_page(centre_page, problems)
    row = centre_page.locator("main table tbody tr").filter(has_text=guardian.name)
    expect(row).to_contain_text(zh("Not linked"))
    row.get_by_role("link", name=zh("Issue a code")).click()
    centre_page.get_by_role("button", name=zh("Issue a code")).click()
    code = centre_page.locator(".linking-code").inner_text().strip()
    assert code
    check_the_page(centre_page, problems)

    # --- the parent enters it -----------------------------------------------------------------
    page = phone(new_page)
    log_in(page, "parent_lin")
    page.goto(reverse("parents:link"))
    check_the_page(page, problems)
    page.locator("main form").get_by_label(zh("Linking code")).fill(code)
    page.locator("main form").get_by_role("button", name=zh("Link"), exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(
        reverse("supervision:my-child-detail", args=[child.pk])) + "$"))
    guardian.refresh_from_db()
    assert guardian.user.username == "parent_lin"
    page.goto(reverse("supervision:my-children"))
    expect(page.locator(".child-cards li.card").filter(has_text="林小满")).to_contain_text(
        near.name)
    check_the_page(page, problems)

    # --- the same code a second time: refused, with a message ------------------------------------
    other = phone(new_page)
    UserFactory(username="parent_other", name="赵家长", account_type=User.AccountType.PARENT)
    log_in(other, "parent_other")
    other.goto(reverse("parents:link"))
    other.locator("main form").get_by_label(zh("Linking code")).fill(code)
    other.locator("main form").get_by_role("button", name=zh("Link"), exact=True).click()
    expect(other).to_have_url(re.compile(re.escape(reverse("parents:link")) + "$"))
    expect(other.locator("main")).to_contain_text(zh(
        "This code has already been used. Each code works once; ask your centre for a new one "
        "if you need it."))
    check_the_page(other, problems)
    other.goto(reverse("supervision:my-children"))
    expect(other.locator(".child-cards li.card")).to_have_count(0)
    guardian.refresh_from_db()
    assert guardian.user.username == "parent_lin"

    assert not problems, "\n".join(problems)
