"""The quality assessment journey in a real browser — the acceptance test of the evaluation
issue's assessments and star ratings.

On a phone, the centre's manager starts a self-assessment and scores indicators row by row: each
row saves on its own (htmx, no page load), a score above the indicator's maximum is refused in
the row with what was typed kept, and a save lost to a dropped connection says so in the row,
keeps what was typed and goes through on the next try. The rest is filled in through the
factories and the manager submits. The district regulator assigns an on-site assessment to an
assessor chosen by hand; the assessor, on a tablet, scores the veto item 9.4.3 (alarm and camera
coverage) below its maximum and submits; the regulator sees the result beside the
self-assessment, the failed veto item, approves and publishes. The public report card, on a
phone, shows the rating capped at 1 star and names 9.4.3; the certificate's verification page
confirms the certificate.

Expected texts go through Django's translation for the default language (简体中文), so the test
holds whether or not the translation catalogue has been compiled.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from evaluation.models import Assessment, StarRating
from registry.models import Filing
from tests.factories import PASSWORD, filing_for
from tests.factories.evaluation import fill_scores

from .axe import axe_violations, format_violations
from .conftest import PHONE_VIEWPORT
from .test_every_page import overflow_problems

pytestmark = [
    pytest.mark.e2e,
    # The live server reads what the test writes, so the database is flushed after the test;
    # serialized rollback restores the regions and the framework seeded by the migrations.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TABLET_VIEWPORT = {"width": 820, "height": 1180}
CENTRE_NAME = "江阳区阳光托育中心"
FILING_NO = "510502-2026-0001"
ASSESSOR_NAME = "江阳评估员"
EVIDENCE = "消防安全检查合格证明（2026年度）已上墙"
ON_SITE_NOTE = "监控未覆盖午睡室，录像仅保存30天"
# What the manager types by hand; the rest is filled in with fill_scores.
TYPED = {"4.1.4": "10", "5.2.1": "9", "7.2.3": "8.5"}


def zh(msgid: str) -> str:
    """msgid as the interface shows it in the default language."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def zh_in(context: str, msgid: str) -> str:
    """msgid with its context, as the interface shows it in the default language."""
    with translation.override("zh-hans"):
        return translation.pgettext(context, msgid)


def zh_n(singular: str, plural: str, n: int) -> str:
    with translation.override("zh-hans"):
        return translation.ngettext(singular, plural, n)


def messages(page):
    return page.locator(".messages")


def log_in(page, username: str) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name=zh("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/login/$"))


def indicator_row(page, code: str):
    """An indicator's row (li.score-row), found by the code in its head."""
    return page.locator("li.score-row").filter(
        has=page.locator(".score-head strong", has_text=re.compile(rf"^{re.escape(code)}$")))


def save_row(row, code: str) -> None:
    row.get_by_role("button", name=zh("Save %(code)s") % {"code": code}).click()


def mark_the_page(page) -> None:
    """A flag on the window: gone after a page load, kept through htmx swaps."""
    page.evaluate("window.__samePage = true")


def still_the_same_page(page) -> bool:
    return page.evaluate("window.__samePage === true")


# --- the centre -----------------------------------------------------------------------------------


def start_self_assessment(page, centre) -> Assessment:
    page.goto(reverse("registry:centre-overview", args=[centre.pk]))
    nav = page.get_by_role("navigation", name=zh("Centre sections"))
    nav.get_by_role("link", name=zh("Quality assessment"), exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(
        reverse("evaluation:centre-quality", args=[centre.pk])) + "$"))
    page.get_by_role("button", name=zh("Start a self-assessment")).click()
    assessment = Assessment.objects.get(centre=centre, kind=Assessment.Kind.SELF)
    expect(page).to_have_url(re.compile(re.escape(
        reverse("evaluation:centre-assessment", args=[centre.pk, assessment.pk])) + "$"))
    expect(page.locator("#assessment-progress")).to_contain_text(
        zh("%(scored)s of %(total)s indicators scored") % {"scored": 0, "total": 22})
    return assessment


def score_rows_by_hand(page, assessment) -> None:
    """Score three rows: one straight away, one after a refused 11 of 10, one after a dropped
    connection; every save is an htmx swap of its row."""
    mark_the_page(page)

    # 4.1.4: saved; the row says so, the progress counts it.
    row = indicator_row(page, "4.1.4")
    row.get_by_label(zh("Score"), exact=True).fill(TYPED["4.1.4"])
    row.get_by_label(zh_in("assessment", "Evidence"), exact=True).fill(EVIDENCE)
    save_row(row, "4.1.4")
    expect(row.get_by_role("status")).to_contain_text(zh("Saved"))
    expect(row.get_by_label(zh("Score"), exact=True)).to_have_value("10")
    expect(page.locator("#assessment-progress")).to_contain_text(
        zh("%(scored)s of %(total)s indicators scored") % {"scored": 1, "total": 22})

    # 5.2.1 is worth 10 points: 11 is refused in the row, and the 11 stays to be corrected.
    row = indicator_row(page, "5.2.1")
    score = row.get_by_label(zh("Score"), exact=True)
    score.fill("11")
    save_row(row, "5.2.1")
    expect(row.locator(".field-error")).to_have_text(zh(
        "The score of indicator %(code)s cannot be above its maximum of %(max)s.")
        % {"code": "5.2.1", "max": "10"})
    expect(row.get_by_label(zh("Score"), exact=True)).to_have_value("11")
    expect(row.get_by_role("status")).to_contain_text(zh("Not scored yet"))
    # The row with its error still fits the phone and passes axe.
    problems = overflow_problems(page) + format_violations(axe_violations(page))
    assert not problems, "\n".join(problems)
    row.get_by_label(zh("Score"), exact=True).fill(TYPED["5.2.1"])
    save_row(row, "5.2.1")
    expect(row.get_by_role("status")).to_contain_text(zh("Saved"))
    expect(row.locator(".field-error")).to_have_count(0)

    # 7.2.3: the connection drops on the first save; the row says so and keeps the value.
    row = indicator_row(page, "7.2.3")
    score_id = row.get_attribute("id").removeprefix("indicator-")
    url = reverse("evaluation:centre-score-save",
                  args=[assessment.centre_id, assessment.pk, score_id])
    dropped = []
    page.route(f"**{url}", lambda route: (dropped.append(route.request.url), route.abort()),
               times=1)
    row.get_by_label(zh("Score"), exact=True).fill(TYPED["7.2.3"])
    save_row(row, "7.2.3")
    failed = row.locator(".save-failed")
    expect(failed).to_be_visible()
    expect(failed).to_have_text(zh(
        "Not saved: the connection failed. What you typed is kept; save again."))
    expect(row.get_by_label(zh("Score"), exact=True)).to_have_value(TYPED["7.2.3"])
    problems = overflow_problems(page) + format_violations(axe_violations(page))
    assert not problems, "\n".join(problems)
    assert len(dropped) == 1
    assert assessment.scores.get(indicator__code="7.2.3").score is None
    save_row(row, "7.2.3")  # the connection is back
    expect(row.get_by_role("status")).to_contain_text(zh("Saved"))
    expect(row.locator(".save-failed")).to_be_hidden()
    expect(page.locator("#assessment-progress")).to_contain_text(
        zh("%(scored)s of %(total)s indicators scored") % {"scored": 3, "total": 22})

    assert still_the_same_page(page), "a row's save loaded the page again"
    saved = dict(assessment.scores.filter(score__isnull=False)
                 .values_list("indicator__code", "score"))
    assert saved == {code: Decimal(value) for code, value in TYPED.items()}
    assert assessment.scores.get(indicator__code="4.1.4").evidence == EVIDENCE


def submit_self_assessment(page, assessment) -> None:
    """The rest filled in (what was typed kept), then the manager submits in the browser."""
    fill_scores(assessment, fraction=Decimal("0.95"), overrides=TYPED)
    page.reload()
    expect(page.locator("#assessment-progress")).to_contain_text(
        zh("%(scored)s of %(total)s indicators scored") % {"scored": 22, "total": 22})
    page.get_by_role("button", name=zh("Submit the assessment")).click()
    expect(messages(page)).to_contain_text(zh("The self-assessment is submitted."))
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.failed_vetoes == []
    # Submitted, the rows are read-only.
    expect(page.locator("li.score-row form")).to_have_count(0)


# --- the district -------------------------------------------------------------------------------


def assign_on_site(page, centre, assessor) -> Assessment:
    nav = page.get_by_role("navigation", name=zh("Main navigation"))
    nav.get_by_role("link", name=zh("Quality assessments"), exact=True).click()
    page.get_by_role("link", name=zh("Assign an assessment")).click()
    form = page.locator("main form")
    form.locator('select[name="centre"]').select_option(str(centre.pk))
    kind = form.get_by_role("group", name=zh("Kind of assessment"))
    kind.get_by_label(zh("On-site assessment (for a rating)")).check()
    form.get_by_role("group", name=zh("Assessor"), exact=True).get_by_label(
        zh("Choose one"), exact=True).check()
    form.locator('select[name="assessor"]').select_option(label=ASSESSOR_NAME)
    visit_on = timezone.localdate() + timedelta(days=3)
    form.locator('input[name="scheduled_on"]').fill(visit_on.isoformat())
    form.get_by_role("button", name=zh("Assign"), exact=True).click()

    onsite = Assessment.objects.get(centre=centre, kind=Assessment.Kind.ONSITE)
    expect(page).to_have_url(re.compile(re.escape(
        reverse("evaluation:assessment-detail", args=[onsite.pk])) + "$"))
    expect(messages(page)).to_contain_text(
        zh("%(name)s is assigned.") % {"name": ASSESSOR_NAME})
    assert (onsite.assessor, onsite.method, onsite.scheduled_on) == (
        assessor, Assessment.Method.HAND, visit_on)
    assert onsite.self_assessment is not None
    return onsite


def decide_and_publish(page, onsite) -> None:
    page.goto(reverse("evaluation:assessment-list"))
    row = page.locator("#results").get_by_role("row").filter(has_text=CENTRE_NAME).filter(
        has_text=zh("On-site assessment"))
    row.get_by_role("link", name=CENTRE_NAME, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(
        reverse("evaluation:assessment-detail", args=[onsite.pk])) + "$"))

    main = page.locator("main")
    result = main.locator("section").filter(
        has=page.get_by_role("heading", name=zh("Result"), exact=True))
    expect(result).to_contain_text("9.4.3")
    expect(result).to_contain_text(zh("Failed veto items"))
    compared = main.locator("section").filter(has=page.get_by_role(
        "heading", name=zh("Self-assessment and on-site scores compared")))
    expect(compared.locator("tbody tr")).to_have_count(7)
    # 9.4.3 is in chapter 9: the centre rated itself higher there than the assessor did.
    chapter_9 = compared.locator("tbody tr").nth(5)
    expect(chapter_9.locator("td").nth(2)).to_have_text(re.compile(r"^\+"))
    expect(indicator_row(page, "9.4.3")).to_contain_text(zh("Veto item failed"))
    expect(indicator_row(page, "9.4.3")).to_contain_text(ON_SITE_NOTE)

    decide = main.locator("section").filter(
        has=page.get_by_role("heading", name=zh("Decide"), exact=True))
    decide.get_by_role("group", name=zh("Decision")).get_by_label(
        zh("Approve the result")).check()
    decide.get_by_role("button", name=zh("Save the decision")).click()
    expect(messages(page)).to_contain_text(zh("The decision is recorded."))

    page.get_by_role("button", name=zh("Publish"), exact=True).click()
    rating = StarRating.objects.get(centre=onsite.centre)
    expect(messages(page)).to_contain_text(zh(
        "The star rating is published: %(stars)s stars, valid until %(until)s.")
        % {"stars": 1, "until": rating.valid_until.isoformat()})
    expect(page.get_by_role("button", name=zh("Publish"), exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name=zh("Public rating"))).to_be_visible()


# --- the assessor -------------------------------------------------------------------------------


def score_on_site(page, onsite) -> None:
    nav = page.get_by_role("navigation", name=zh("Main navigation"))
    nav.get_by_role("link", name=zh("My assessments"), exact=True).click()
    to_score = page.locator("main section").filter(
        has=page.get_by_role("heading", name=zh("To score")))
    to_score.get_by_role("link", name=CENTRE_NAME, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(
        reverse("evaluation:assessor-assessment", args=[onsite.pk])) + "$"))

    mark_the_page(page)
    row = indicator_row(page, "9.4.3")
    expect(row).to_contain_text(zh("Veto item"))
    row.get_by_label(zh("Score"), exact=True).fill("6")
    row.get_by_label(zh_in("assessment", "Comment"), exact=True).fill(ON_SITE_NOTE)
    save_row(row, "9.4.3")
    expect(row.get_by_role("status")).to_contain_text(zh("Saved"))
    assert still_the_same_page(page)
    assert onsite.scores.get(indicator__code="9.4.3").score == Decimal("6")

    fill_scores(onsite, fraction=Decimal("0.8"), overrides={"9.4.3": 6})
    page.reload()
    page.get_by_role("button", name=zh("Submit the assessment")).click()
    expect(messages(page)).to_contain_text(
        zh("The assessment is submitted to the district for approval."))
    onsite.refresh_from_db()
    assert onsite.status == Assessment.Status.SUBMITTED
    assert onsite.failed_vetoes == ["9.4.3"]
    assert onsite.stars == 1


# --- the public -------------------------------------------------------------------------------


def read_the_report_card(page, centre) -> None:
    page.goto(reverse("evaluation:public-rating", args=[centre.pk]))
    expect(page.locator("main h1")).to_have_text(CENTRE_NAME)
    expect(page.locator(".rating-headline .rating-stars-text")).to_have_text(
        zh_n("%(n)s star (out of 5)", "%(n)s stars (out of 5)", 1) % {"n": 1})
    cap = page.locator(".rating-cap")
    expect(cap).to_be_visible()
    expect(cap).to_contain_text("9.4.3")
    expect(cap).to_contain_text("设一键报警装置")


def verify_the_certificate(page, rating) -> None:
    page.goto(reverse("evaluation:rating-verify", args=[rating.token]))
    verdict = page.locator(".verify-valid")
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text(
        zh("This certificate is genuine, and the rating is in force."))
    expect(verdict).to_contain_text(CENTRE_NAME)
    expect(verdict).to_contain_text(FILING_NO)


# --- the journey -------------------------------------------------------------------------------


def test_self_assessment_on_site_assessment_and_a_capped_rating_the_public_can_verify(
    new_page, live_server, centre_a, manager, district_regulator, assessor
):
    filing = filing_for(centre_a, Filing.Status.VERIFIED)
    filing.filing_no = FILING_NO
    filing.save(update_fields=["filing_no"])
    phone = {"viewport": PHONE_VIEWPORT, "is_mobile": True, "has_touch": True}

    # 1. The manager, on a phone, starts a self-assessment, scores rows by hand, submits.
    manager_page = new_page(**phone)
    log_in(manager_page, manager.username)
    self_assessment = start_self_assessment(manager_page, centre_a)
    score_rows_by_hand(manager_page, self_assessment)
    submit_self_assessment(manager_page, self_assessment)

    # 2. The district regulator, at a desk, assigns the on-site assessment to the assessor.
    regulator_page = new_page()
    log_in(regulator_page, district_regulator.username)
    onsite = assign_on_site(regulator_page, centre_a, assessor)
    assert onsite.self_assessment == self_assessment

    # 3. The assessor, on a tablet, scores the veto item 9.4.3 below its maximum and submits.
    assessor_page = new_page(viewport=TABLET_VIEWPORT, is_mobile=True, has_touch=True)
    log_in(assessor_page, assessor.username)
    score_on_site(assessor_page, onsite)

    # 4. The regulator compares, approves and publishes: 1 star, capped by the veto item.
    decide_and_publish(regulator_page, onsite)
    rating = StarRating.objects.get(centre=centre_a)
    assert (rating.stars, rating.assessment) == (1, onsite)

    # 5. Anyone, on a phone: the report card says 1 star and why; the certificate verifies.
    public_page = new_page(**phone)
    read_the_report_card(public_page, centre_a)
    verify_the_certificate(public_page, rating)
