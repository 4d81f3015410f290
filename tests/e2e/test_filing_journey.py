"""The filing journey in a real browser — the issue's acceptance test.

A centre's manager completes the centre (profile, a class, a staff member), uploads every
material on the checklist and submits; the district regulator returns the filing with a reason
against the fire-safety certificate; the manager replaces it and submits again; the regulator
accepts, which issues the filing number; the receipt PDF names the centre and the number and
prints the verification address of its QR code, and that address, opened by anyone, confirms the
receipt is genuine.

Expected texts go through Django's translation for the default language (简体中文), so the test
holds whether or not the translation catalogue has been compiled.
"""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from playwright.sync_api import expect
from pypdf import PdfReader
from stdnum.cn import ric, uscc

from registry.models import Filing
from registry.receipts import receipt_token
from tests.factories import PASSWORD, pdf_bytes

pytestmark = [
    pytest.mark.e2e,
    # The live server reads what the test writes, so the database is flushed after the test;
    # serialized rollback restores the regions seeded by the migrations.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
CENTRE_NAME = "江阳区阳光托育中心"
CLASS_NAME = "托小一班"
STAFF_NAME = "李保育"
FIRE_SAFETY_REASON = "消防检查合格证明已过期，请重新上传"
# A small real PDF: the upload check parses it.
PDF = pdf_bytes("e2e")
COMMITMENT = (
    "I commit that the information and materials in this filing are true, complete and valid, "
    "and that the centre will operate according to the setup standard and the management rules "
    "for childcare centres."
)


def zh(msgid: str) -> str:
    """msgid as the interface shows it in the default language."""
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def credit_code() -> str:
    """A valid unified social credit code of an enterprise registered in 江阳区."""
    body = "91510502MA" + "1234567"
    return body + uscc.calc_check_digit(body)


def resident_id(first17: str = "51050219900101124") -> str:
    """A valid resident ID number (calc_check_digit ignores the last character it is given)."""
    return first17 + ric.calc_check_digit(first17 + "0")


# --- finding things on the pages -------------------------------------------------------------


def status_tag(page):
    """The filing status under the page's <h1> (centre pages and the review page alike)."""
    return page.locator("main h1 + p .tag")


def messages(page):
    return page.locator(".messages")


def centre_section(page, msgid: str) -> None:
    """Follow a link of the centre's own navigation (Centre details, Classes, …)."""
    nav = page.get_by_role("navigation", name=zh("Centre sections"))
    nav.get_by_role("link", name=zh(msgid), exact=True).click()


def checklist_row(page, material_msgid: str):
    return page.locator("li.checklist-item").filter(has_text=zh(material_msgid))


def fill_in(form, **values: str) -> None:
    """Type into text, number, date and time inputs, found by their name."""
    for name, value in values.items():
        form.locator(f'[name="{name}"]').fill(value)


def choose(form, **values: str) -> None:
    """Pick options of <select>s, found by their name, by option value."""
    for name, value in values.items():
        form.locator(f'select[name="{name}"]').select_option(value)


# --- steps -------------------------------------------------------------------------------------


def log_in(page, username: str, *, lands_on: str) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name=zh("Log in")).click()
    expect(page).to_have_url(re.compile(re.escape(lands_on) + "$"))


def open_centre(page) -> None:
    """From the manager's home page to the centre's overview."""
    page.get_by_role("link", name=CENTRE_NAME, exact=True).click()
    expect(page.locator("main h1")).to_have_text(CENTRE_NAME)
    expect(status_tag(page)).to_have_text(zh("Draft"))


def fill_in_profile(page) -> None:
    centre_section(page, "Centre details")
    form = page.locator("#profile-form")
    choose(form, legal_form="enterprise", kind="community", tenure="owned")
    fill_in(
        form,
        uscc=credit_code(),
        address="江阳区大山坪街道酒城大道三段18号",
        latitude="28.871",
        longitude="105.442",
        approved_places="30",
        opens_at="07:30",
        closes_at="17:30",
        opening_days="周一至周五",
        contact_name="张园长",
        contact_phone="0830-2345678",
        legal_representative="王建国",
        principal_name="张园长",
    )
    form.get_by_label(zh("Full-day"), exact=True).check()
    form.get_by_role("button", name=zh("Save the details")).click()  # an htmx post
    expect(messages(page)).to_contain_text(zh("The centre's details are saved."))
    expect(page.locator('#profile-form [name="uscc"]')).to_have_value(credit_code())


def add_class(page) -> None:
    centre_section(page, "Classes")
    page.get_by_role("link", name=zh("Add a class")).click()
    form = page.locator("main form")
    fill_in(form, name=CLASS_NAME, capacity="15")
    choose(form, class_type="toddler_small")
    form.get_by_role("button", name=zh("Save the class")).click()
    expect(messages(page)).to_contain_text(zh("Class “%(name)s” is saved.") % {"name": CLASS_NAME})
    expect(page.get_by_role("row").filter(has_text=CLASS_NAME)).to_contain_text("15")


def add_staff_member(page) -> None:
    centre_section(page, "Staff")
    page.get_by_role("link", name=zh("Add a staff member")).click()
    form = page.locator("main form")
    in_a_year = (datetime.now(SHANGHAI).date() + timedelta(days=365)).isoformat()
    fill_in(form, name=STAFF_NAME, id_number=resident_id(), health_cert_valid_until=in_a_year)
    choose(form, role="carer")
    form.get_by_role("button", name=zh("Save"), exact=True).click()
    expect(messages(page)).to_contain_text(
        zh("%(name)s's record is saved.") % {"name": STAFF_NAME})
    expect(page.get_by_role("row").filter(has_text=STAFF_NAME)).to_be_visible()


def upload(page, row, file) -> None:
    """Open the row's upload form, choose the file and send it."""
    row.locator("summary").click()
    row.get_by_label(zh("File (PDF, JPG or PNG, at most 10 MB)")).set_input_files(file)
    row.locator("form").get_by_role("button", name=zh("Upload"), exact=True).click()
    expect(messages(page)).to_contain_text(zh("Uploaded: %(name)s") % {"name": file.name})


def upload_every_material(page, folder) -> None:
    centre_section(page, "Filing")
    rows = page.locator("li.checklist-item")
    # Licence, premises, health evaluation, fire safety, and the one staff member's
    # certificates (no meals, so no food licence).
    expect(rows).to_have_count(5)
    for index in range(5):
        row = rows.nth(index)
        key = row.get_attribute("id").removeprefix("material-").strip("-")
        file = folder / f"{key}.pdf"
        file.write_bytes(PDF)
        upload(page, row, file)
    expect(page.locator("li.checklist-item.done")).to_have_count(5)
    expect(page.get_by_text(zh("Before you can submit:"))).to_have_count(0)


def sign_and_submit(page, button_msgid: str) -> None:
    page.get_by_label(zh(COMMITMENT)).check()
    page.get_by_role("button", name=zh(button_msgid), exact=True).click()
    expect(messages(page)).to_contain_text(zh(
        "Your filing has been submitted to the district health bureau. It must issue a receipt "
        "within 5 working days."))
    expect(status_tag(page)).to_have_text(zh("Submitted"))


def open_review_from_the_queue(page) -> None:
    nav = page.get_by_role("navigation", name=zh("Main navigation"))
    nav.get_by_role("link", name=zh("Filing queue"), exact=True).click()
    row = page.locator("#results").get_by_role("row").filter(has_text=CENTRE_NAME)
    expect(row).to_contain_text(zh("Submitted"))
    row.get_by_role("link", name=CENTRE_NAME, exact=True).click()
    expect(page.locator("main h1")).to_have_text(CENTRE_NAME)


def return_for_correction(page, material_msgid: str, reason: str) -> None:
    material = page.locator("ol.materials > li").filter(has_text=zh(material_msgid))
    material.get_by_label(zh("What to correct (leave empty if acceptable)")).fill(reason)
    page.get_by_role("button", name=zh("Return for correction")).click()
    expect(status_tag(page)).to_have_text(zh("Returned for correction"))
    expect(material).to_contain_text(reason)


def replace_returned_material(page, material_msgid: str, reason: str, folder) -> None:
    expect(status_tag(page)).to_have_text(zh("Returned for correction"))
    row = checklist_row(page, material_msgid)
    expect(row.locator(".field-error")).to_contain_text(reason)
    expect(row).not_to_have_class(re.compile(r"\bdone\b"))
    expect(row.locator("summary")).to_have_text(zh("Replace the file"))
    file = folder / "fire_safety-renewed.pdf"
    file.write_bytes(PDF)
    upload(page, row, file)
    row = checklist_row(page, material_msgid)
    expect(row).to_have_class(re.compile(r"\bdone\b"))
    expect(row.get_by_role("link", name=file.name)).to_be_visible()


def accept(page, filing_no: str) -> None:
    """Accept; where the platform's pre-flight check has open findings, confirm them with a
    reason first, as a reviewer must."""
    expect(status_tag(page)).to_have_text(zh("Submitted"))
    confirm = page.get_by_label(zh("I accept the filing despite the open findings above"))
    if confirm.count():
        confirm.check()
        page.get_by_label(zh("Why the findings do not stop the filing")).fill(
            "现场核实：新招保育人员已到岗，一周内补录。")
    page.get_by_role("button", name=zh("Accept and issue the receipt")).click()
    expect(status_tag(page)).to_have_text(zh("Filed"))
    expect(page.locator("main .page-head")).to_contain_text(filing_no)


def download_receipt(page, folder):
    """Click the receipt link; the saved PDF's path."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name=zh("Download the filing receipt (PDF)")).click()
    download = download_info.value
    assert download.failure() is None
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def pdf_text(path) -> str:
    """The PDF's text without any whitespace, so words and URLs broken across lines join up."""
    text = "".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return re.sub(r"\s+", "", text)


# --- the journey -------------------------------------------------------------------------------


@pytest.fixture
def _media_in_tmp(settings, tmp_path):
    """Uploaded materials go to the test's own folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.usefixtures("_media_in_tmp")
def test_a_centre_files_is_returned_resubmits_and_gets_a_verifiable_receipt(
    page, new_page, live_server, centre_a, manager, district_regulator, tmp_path
):
    Filing.objects.get_or_create(centre=centre_a)
    filing_no = f"510502-{datetime.now(SHANGHAI).year}-0001"
    regulator = new_page()

    # 1. The manager completes the centre, uploads the materials and submits.
    log_in(page, manager.username, lands_on="/centre/")
    open_centre(page)
    fill_in_profile(page)
    add_class(page)
    add_staff_member(page)
    upload_every_material(page, tmp_path)
    sign_and_submit(page, "Submit the filing")

    # 2. The district regulator returns it: the fire-safety certificate has expired.
    log_in(regulator, district_regulator.username, lands_on="/regulator/")
    open_review_from_the_queue(regulator)
    return_for_correction(regulator, "Fire-safety inspection certificate", FIRE_SAFETY_REASON)

    # 3. The manager sees why, replaces the certificate and submits again.
    page.reload()
    replace_returned_material(page, "Fire-safety inspection certificate", FIRE_SAFETY_REASON,
                              tmp_path)
    sign_and_submit(page, "Submit again")

    # 4. The regulator accepts: the filing number is issued.
    regulator.reload()
    accept(regulator, filing_no)

    # 5. The manager downloads the receipt; its QR address proves it genuine to anyone.
    page.reload()
    expect(status_tag(page)).to_have_text(zh("Filed"))
    receipt = pdf_text(download_receipt(page, tmp_path))
    assert CENTRE_NAME in receipt
    assert filing_no in receipt
    assert "备案回执" in receipt

    found = re.search(r"https?://[!-~]+?/verify/([0-9A-Za-z.-]+)/", receipt)
    assert found, f"no verification URL in the receipt's text: {receipt!r}"
    assert found[1] == receipt_token(Filing.objects.get(centre=centre_a))

    anonymous = new_page()
    # The printed address is the public site's (SITE_URL); its path is opened on the test server.
    anonymous.goto(urlsplit(found[0]).path)
    verdict = anonymous.locator(".verify-valid")
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text(zh("This receipt is genuine, and the filing is in effect."))
    expect(verdict).to_contain_text(CENTRE_NAME)
    expect(verdict).to_contain_text(filing_no)
