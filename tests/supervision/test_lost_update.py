"""No lost update: the class-day sheet, a child's details and a guardian's details carry the
version they were opened on, and saving over a newer version is refused — with who saved it,
when and what changed, the user's typing kept, and nothing overwritten.

"Now" is Saturday 2026-11-28 10:00 in Luzhou."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from luhuituo.core.exceptions import Stale
from registry.models import Staff
from supervision.models import Attendance, Child, ClassDay, Guardian
from supervision.services.children import update_child, update_guardian
from supervision.services.daily import save_class_day
from tests.factories import ClassGroupFactory, StaffFactory
from tests.factories.supervision import class_day, enrolled_child

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
TODAY = NOW.date()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    """Clients whose pages are in English (the footer switch's cookie), to match messages."""

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def version_in(response, name: str) -> str:
    return re.search(rf'name="{name}" value="(\d+)"', response.content.decode()).group(1)


# --- the class-day sheet ---------------------------------------------------------------------


@pytest.fixture
def sheet(centre_a):
    group = ClassGroupFactory(centre=centre_a, name="托小一班", capacity=15)
    return {
        "group": group,
        "xiaoming": enrolled_child(group, name="小明"),
        "xiaohong": enrolled_child(group, name="小红"),
        "carer": StaffFactory(centre=centre_a, name="王保育", role=Staff.Role.CARER),
    }


def day_url(centre, group) -> str:
    return reverse("supervision:class-day", args=[centre.pk, group.pk, TODAY.isoformat()])


def sheet_data(sheet, version, *, xiaoming=None, note="") -> dict:
    data = {"version": version, "staff": [sheet["carer"].pk]}
    for child in (sheet["xiaoming"], sheet["xiaohong"]):
        p = f"c{child.pk}-"
        data |= {p + "status": "present", p + "absence_reason": "", p + "symptom_group": "",
                 p + "morning_check": "normal", p + "midday_check": "normal", p + "note": ""}
    p = f"c{sheet['xiaohong'].pk}-"
    data[p + "note"] = note
    if xiaoming:
        data |= {f"c{sheet['xiaoming'].pk}-{k}": v for k, v in xiaoming.items()}
    return data


ILL = {"status": "absent", "absence_reason": "sick", "symptom_group": "fever",
       "morning_check": "", "midday_check": ""}


@pytest.mark.parametrize("recorded", [False, True], ids=["first-save", "later-save"])
def test_carer_and_manager_on_the_same_day_the_stale_save_is_refused(
        client_for, staff, manager, centre_a, sheet, recorded):
    """Both open the day; the manager records 小明 absent (ill); the carer's sheet, opened
    before, still says present: refused, and 小明 stays absent (ill)."""
    if recorded:  # the morning's sheet, saved as the carer will send it again
        day = class_day(sheet["group"], TODAY, present=[sheet["xiaoming"], sheet["xiaohong"]],
                        staff=[sheet["carer"]])
        day.attendance.update(morning_check="normal", midday_check="normal")
    carer, boss = client_for(staff), client_for(manager)
    page = day_url(centre_a, sheet["group"])
    carer_version = version_in(carer.get(page), "version")
    boss_version = version_in(boss.get(page), "version")
    assert carer_version == boss_version == ("1" if recorded else "0")

    assert boss.post(page, sheet_data(sheet, boss_version, xiaoming=ILL)).status_code == 302
    refused = carer.post(page, sheet_data(sheet, carer_version, note="午睡很好"))

    assert refused.status_code == 422
    body = refused.content.decode()
    message = refused.context["sheet"].non_field_errors[0]
    assert message.startswith("张园长 saved this class day at 28 November 2026 10:00, after you "
                              "opened it. Changed since: 小明" + ("." if recorded else "、"))
    assert "Nothing was saved" in message
    assert "Saved meanwhile: Absent · Ill · Fever" in body
    assert "午睡很好" in body  # what the carer typed is still there
    stored = ClassDay.objects.get(class_group=sheet["group"], date=TODAY)
    assert version_in(refused, "version") == str(stored.version)  # saving again is knowing
    ming = Attendance.objects.get(class_day=stored, child=sheet["xiaoming"])
    assert (ming.status, ming.absence_reason) == ("absent", "sick")
    assert Attendance.objects.get(class_day=stored, child=sheet["xiaohong"]).note == ""


def test_the_stale_htmx_save_answers_with_the_sheet_and_the_message(
        client_for, staff, manager, centre_a, sheet):
    page = day_url(centre_a, sheet["group"])
    carer_version = version_in(client_for(staff).get(page), "version")
    client_for(manager).post(page, sheet_data(sheet, carer_version, xiaoming=ILL))
    response = client_for(staff).post(page, sheet_data(sheet, carer_version),
                                      headers={"HX-Request": "true"})
    assert response.status_code == 422 and "HX-Redirect" not in response
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="sheet"') and "张园长 saved this" in body
    assert Attendance.objects.get(child=sheet["xiaoming"]).status == "absent"


def test_saving_again_after_reading_the_message_goes_through(client_for, staff, manager,
                                                             centre_a, sheet):
    page = day_url(centre_a, sheet["group"])
    carer_version = version_in(client_for(staff).get(page), "version")
    client_for(manager).post(page, sheet_data(sheet, carer_version, xiaoming=ILL))
    refused = client_for(staff).post(page, sheet_data(sheet, carer_version))
    again = client_for(staff).post(page, sheet_data(sheet, version_in(refused, "version")))
    assert again.status_code == 302
    assert Attendance.objects.get(child=sheet["xiaoming"]).status == "present"


def test_only_changed_rows_are_marked_and_staff_changes_are_named(manager, centre_a, sheet):
    group, ming, hong = sheet["group"], sheet["xiaoming"], sheet["xiaohong"]
    rows = [{"child_id": ming.pk, "status": "present", "morning_check": "normal"},
            {"child_id": hong.pk, "status": "present", "morning_check": "normal"}]
    day = save_class_day(group, TODAY, by=manager, staff_ids=[], rows=rows, version=0)
    first = day.version
    day = save_class_day(group, TODAY, by=manager, staff_ids=[sheet["carer"].pk],
                         rows=[rows[0] | ILL, rows[1]], version=first)
    assert day.changes_since(first) == ["小明", "staff on duty"]
    assert Attendance.objects.get(child=hong).changed_in == first
    with pytest.raises(Stale):
        save_class_day(group, TODAY, by=manager, staff_ids=[], rows=rows, version=first)
    assert Attendance.objects.get(child=ming).status == "absent"


def test_the_same_sheet_saved_again_changes_no_row(manager, centre_a, sheet):
    rows = [{"child_id": sheet["xiaoming"].pk, "status": "present"}]
    day = save_class_day(sheet["group"], TODAY, by=manager, staff_ids=[], rows=rows, version=0)
    again = save_class_day(sheet["group"], TODAY, by=manager, staff_ids=[], rows=rows,
                           version=day.version)
    assert again.version == day.version + 1
    assert again.changes_since(day.version) == []


# --- a child's and a guardian's details -------------------------------------------------------


@pytest.fixture
def child(centre_a):
    group = ClassGroupFactory(centre=centre_a, name="托小一班")
    return enrolled_child(group, name="阳光宝宝", allergies="", health_notes="")


def edit_data(form: str, **values) -> dict:
    return {f"{form}-{name}": value for name, value in values.items()}


def test_a_stale_child_edit_is_refused_and_overwrites_nothing(client_for, staff, manager,
                                                              child):
    page = child.get_absolute_url()
    edit = reverse("supervision:child-edit", args=[child.centre_id, child.pk])
    staff_version = version_in(client_for(staff).get(page), "edit-version")
    common = {"sex": "female", "birth_date": child.birth_date.isoformat(), "id_number": ""}
    saved = client_for(manager).post(edit, edit_data(
        "edit", version=staff_version, name="阳光小宝", allergies="芒果过敏", **common))
    assert saved.status_code == 302

    refused = client_for(staff).post(edit, edit_data(
        "edit", version=staff_version, name="阳光宝宝", allergies="",
        health_notes="早产两周", **common))
    assert refused.status_code == 422
    form = refused.context["forms"]["edit"]
    message = form.non_field_errors()[0]
    assert message.startswith("张园长 saved this child at 28 November 2026 10:00, after you opened "
                              "it. Changed since: name、allergies and dietary needs.")
    assert "早产两周" in refused.content.decode()  # the staff's typing is kept
    child.refresh_from_db()
    assert (child.name, child.allergies, child.health_notes) == ("阳光小宝", "芒果过敏", "")
    assert form["version"].value() == str(child.version)


def test_a_stale_guardian_edit_is_refused_and_overwrites_nothing(client_for, staff, manager,
                                                                 child):
    guardian = child.guardians.get()
    page = child.get_absolute_url()
    edit = reverse("supervision:guardian-edit", args=[child.centre_id, child.pk, guardian.pk])
    form_name = f"guardian-{guardian.pk}"
    stale = version_in(client_for(staff).get(page), f"{form_name}-version")
    assert client_for(manager).post(edit, edit_data(
        form_name, version=stale, name="阳光妈妈", relation="mother", mobile="13600001111",
        id_number="")).status_code == 302
    refused = client_for(staff).post(edit, edit_data(
        form_name, version=stale, name="阳光奶奶", relation="grandparent", mobile="",
        id_number=""))
    assert refused.status_code == 422
    message = refused.context["forms"]["guardian_edit"].non_field_errors()[0]
    assert "张园长 saved this guardian at 28 November 2026 10:00" in message
    assert "Changed since: name、mobile number." in message
    assert "阳光奶奶" in refused.content.decode()
    guardian.refresh_from_db()
    assert (guardian.name, guardian.relation, guardian.mobile) == (
        "阳光妈妈", "mother", "13600001111")


def test_services_refuse_a_stale_version_and_leave_callers_without_one_alone(manager, child):
    child = update_child(child, by=manager, data={"name": "一"}, version=child.version)
    assert child.version == 2 and child.updated_by == manager
    with pytest.raises(Stale) as refused:
        update_child(child, by=manager, data={"name": "二"}, version=1)
    assert refused.value.changes == ["name"]
    assert Child.objects.get(pk=child.pk).name == "一"
    update_child(child, by=manager, data={"name": "三"})  # demo data, imports: not checked
    guardian = child.guardians.get()
    update_guardian(guardian, by=manager, data={"name": "甲"}, version=1)
    with pytest.raises(Stale):
        update_guardian(guardian, by=manager, data={"name": "乙"}, version=1)
    assert Guardian.objects.get(pk=guardian.pk).name == "甲"
