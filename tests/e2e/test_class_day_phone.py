"""The class-day sheet on a carer's phone (390 × 844): the same form as on a desk, styled by
CSS as one card per child — every control of a child on screen with its label, an error right
under the field it is about, one save for the whole class — and as a table again on a desk."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from registry.models import Staff
from supervision.models import Attendance
from tests.factories import PASSWORD, ClassGroupFactory, StaffFactory
from tests.factories.supervision import enrolled_child

from .conftest import PHONE_VIEWPORT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The row fields of the sheet in the order a card shows them (msgids of their labels).
FIELDS = {
    "absence_reason": "Reason for absence",
    "symptom_group": "Symptoms",
    "morning_check": "Morning check",
    "midday_check": "Midday check",
    "note": "Note",
}


def zh(msgid: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(msgid)


def log_in(page, username: str) -> None:
    page.goto("/login/")
    form = page.locator("main form")
    form.locator('input[name="username"]').fill(username)
    form.locator('input[name="password"]').fill(PASSWORD)
    form.get_by_role("button", name=zh("Log in")).click()
    expect(page).not_to_have_url(re.compile(r"/login/$"))


def on_screen(locator, width: int = PHONE_VIEWPORT["width"]) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


def card(page, child):
    return page.locator("#class-day-form tbody tr").filter(has_text=child.name)


def test_the_class_day_is_a_card_per_child_on_a_phone(new_page, centre_a, staff):
    group = ClassGroupFactory(centre=centre_a, name="托小一班", capacity=15)
    children = [enrolled_child(group, name=name) for name in ("欧阳天天", "小红", "诸葛小亮")]
    StaffFactory(centre=centre_a, name="王保育", role=Staff.Role.CARER)
    page = new_page(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    log_in(page, staff.username)
    page.goto(reverse("supervision:class-day",
                      args=[centre_a.pk, group.pk, timezone.localdate().isoformat()]))

    # Each child a card: the name, the attendance choice and every field with its visible
    # label, all within the screen.
    for child in children:
        row = card(page, child)
        expect(row.locator("th").first).to_contain_text(child.name)
        for radio in row.locator('input[type="radio"]').all():
            assert on_screen(radio), f"{child.name}: an attendance choice is off screen"
        for name, label in FIELDS.items():
            field = row.locator(f'[name="c{child.pk}-{name}"]')
            assert on_screen(field), f"{child.name}: {name} is off screen"
            shown = row.locator(f'label[for="{field.get_attribute("id")}"]')
            expect(shown).to_be_visible()
            expect(shown).to_have_text(zh(label))
            assert on_screen(shown)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]

    # One save for the whole class; an absence without a reason comes back with the error
    # under the reason, on screen.
    tiantian = children[0]
    row = card(page, tiantian)
    row.get_by_label(zh("Absent"), exact=True).check()
    card(page, children[1]).locator(f'[name="c{children[1].pk}-note"]').fill("午睡很好")
    save = page.locator("#class-day-form").get_by_role("button", name=zh("Save the day"))
    expect(save).to_have_count(1)
    save.click()
    error = card(page, tiantian).locator(".field-error")
    expect(error).to_have_text(zh("Give the reason for the absence."))
    reason = card(page, tiantian).locator(f'select[name="c{tiantian.pk}-absence_reason"]')
    field_box, error_box = reason.bounding_box(), error.bounding_box()
    assert on_screen(error)
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 24, (
        "the error is not right under the reason for absence")
    assert not Attendance.objects.exists()  # nothing half-saved
    expect(card(page, children[1]).locator(f'[name="c{children[1].pk}-note"]')).to_have_value(
        "午睡很好")

    reason.select_option("sick")
    page.locator("#class-day-form").get_by_role("button", name=zh("Save the day")).click()
    expect(page.locator(".message-success")).to_be_visible()
    saved = {a.child_id: a for a in Attendance.objects.all()}
    assert set(saved) == {child.pk for child in children}
    assert (saved[tiantian.pk].status, saved[tiantian.pk].absence_reason) == ("absent", "sick")
    assert saved[children[1].pk].note == "午睡很好"

    # The same markup on a desk is a table: column headers, no labels in the cells.
    page.set_viewport_size({"width": 1280, "height": 800})
    for label in ("Attendance", *FIELDS.values()):
        expect(page.get_by_role("columnheader", name=zh(label), exact=True)).to_be_visible()
    expect(card(page, tiantian).locator("label.cell-label").first).to_be_hidden()
    assert page.evaluate(
        "getComputedStyle(document.querySelector('#class-day-form tbody tr')).display"
    ) == "table-row"


def test_list_tables_stack_into_labelled_rows_on_a_phone(new_page, centre_a, manager):
    StaffFactory(centre=centre_a, name="李保育", role=Staff.Role.CARER)
    page = new_page(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True)
    log_in(page, manager.username)
    page.goto(reverse("registry:staff-list", args=[centre_a.pk]))

    table = page.locator("main table.table").first
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr").filter(has_text="李保育")
    cells = row.locator("td, th")
    # Each cell on a line of its own, the full width of the row, with its column's header
    # as its label.
    row_box = row.bounding_box()
    labels = []
    for i in range(cells.count()):
        cell = cells.nth(i)
        box = cell.bounding_box()
        assert box["width"] >= row_box["width"] - 1, f"cell {i} does not span the row"
        labels.append(cell.evaluate(
            "c => getComputedStyle(c, '::before').content.replace(/^\"|\"$/g, '')"))
    assert labels[1:] == headers[1:], "the cells are not labelled with their headers"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
