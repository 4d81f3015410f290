"""Two people on one class's day in real browsers: the manager records a child absent (ill);
the carer's sheet, opened before, still says present. The carer's save (htmx) is refused in
place: the message names the manager and the child, the carer's typing stays, the stored
absence stays. Saving again after reading replaces it knowingly."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from registry.models import Staff
from supervision.models import Attendance
from tests.factories import PASSWORD, ClassGroupFactory, StaffFactory
from tests.factories.supervision import enrolled_child

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


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


def attendance(sheet, child):
    return sheet.get_by_role("group", name=zh("Attendance of %(name)s") % {"name": child.name})


def test_the_carers_stale_sheet_is_refused_in_place(new_page, centre_a, manager, staff):
    group = ClassGroupFactory(centre=centre_a, name="托小一班", capacity=15)
    ming = enrolled_child(group, name="小明")
    hong = enrolled_child(group, name="小红")
    StaffFactory(centre=centre_a, name="王保育", role=Staff.Role.CARER)
    day = reverse("supervision:class-day",
                  args=[centre_a.pk, group.pk, timezone.localdate().isoformat()])
    carer, boss = new_page(), new_page()
    log_in(carer, "staff_a")
    log_in(boss, "manager_a")
    carer.goto(day)
    boss.goto(day)

    sheet = boss.locator("#class-day-form")
    attendance(sheet, ming).get_by_label(zh("Absent"), exact=True).check()
    sheet.locator(f'select[name="c{ming.pk}-absence_reason"]').select_option("sick")
    sheet.get_by_role("button", name=zh("Save the day")).click()
    expect(boss.locator(".message-success")).to_be_visible()
    assert Attendance.objects.get(child=ming).status == "absent"

    sheet = carer.locator("#class-day-form")
    sheet.locator(f'input[name="c{hong.pk}-note"]').fill("午睡很好")
    carer.evaluate("window.notReloaded = true")
    sheet.get_by_role("button", name=zh("Save the day")).click()

    errors = carer.locator("#sheet .form-errors")
    expect(errors).to_contain_text("张园长")
    expect(errors).to_contain_text("小明")
    ming_row = carer.get_by_role("row").filter(has_text="小明")
    expect(ming_row.locator(".saved-meanwhile")).to_contain_text(zh("Absent"))
    assert carer.evaluate("window.notReloaded") is True  # swapped in place by htmx
    expect(carer.locator(f'input[name="c{hong.pk}-note"]')).to_have_value("午睡很好")
    stored = Attendance.objects.get(child=ming)
    assert (stored.status, stored.absence_reason) == ("absent", "sick")
    assert not Attendance.objects.filter(child=hong, note="午睡很好").exists()

    # Having read it, the carer keeps the manager's record and saves the note.
    sheet = carer.locator("#class-day-form")
    attendance(sheet, ming).get_by_label(zh("Absent"), exact=True).check()
    sheet.locator(f'select[name="c{ming.pk}-absence_reason"]').select_option("sick")
    sheet.get_by_role("button", name=zh("Save the day")).click()
    expect(carer.locator(".message-success")).to_be_visible()
    assert Attendance.objects.get(child=hong).note == "午睡很好"
    assert Attendance.objects.get(child=ming).status == "absent"
