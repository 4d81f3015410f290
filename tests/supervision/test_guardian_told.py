"""Telling a guardian of an abnormal check (管理规范 Art 24; docs/rules/alert-rules.md#a8): a
guardian with a linked parent account is told through the platform when the day is saved; a
carer records a call or a word at the door; rule A8 raises an orange alert for a class day whose
guardians were not told within ``HEALTH_NOTIFY_HOURS`` and resolves it once they are. The
parent sees the child's day with the carer's note.

"Now" is Saturday 2026-11-28 10:00 in Luzhou."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.models import AuditEvent, Notification, User
from luhuituo.core.verbs import Verb
from registry.models import Staff
from supervision.checks import engine
from supervision.checks.registry import get as get_rule
from supervision.models import Alert, Attendance, ClassDay
from supervision.services.daily import RecordError, record_guardian_told, save_class_day
from tests.factories import ClassGroupFactory, StaffFactory, UserFactory
from tests.factories.supervision import enrolled_child
from tests.queries import count_queries

from ..rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, assert_role_matrix, redirect_to

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
TODAY = NOW.date()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.HEALTH_NOTIFY_HOURS = 2
    settings.LANGUAGE_CODE = "en"  # the pages are read in English here
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def klass(centre_a):
    return ClassGroupFactory(centre=centre_a, name="阳光托小一班", capacity=20)


@pytest.fixture
def carer(centre_a):
    return StaffFactory(centre=centre_a, role=Staff.Role.CARER, name="王阳光")


@pytest.fixture
def linked(klass, parent):
    """A child whose mother's guardian record is linked to the parent account."""
    return enrolled_child(klass, name="阳光宝宝", guardian__user=parent)


@pytest.fixture
def unlinked(klass):
    return enrolled_child(klass, name="月亮宝宝")


def row(child, morning="normal", midday="", symptom="", note="") -> dict:
    return {"child_id": child.pk, "status": "present", "morning_check": morning,
            "midday_check": midday, "symptom_group": symptom, "note": note}


def save(klass, by, carer, *rows, version=None):
    return save_class_day(klass, TODAY, by=by, staff_ids=[carer.pk], rows=rows, version=version)


def attendance(child) -> Attendance:
    return Attendance.objects.get(child=child, date=TODAY)


def run_a8(at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return engine.run_rule("A8")


def open_a8() -> list[Alert]:
    return list(Alert.objects.filter(rule="A8", status=Alert.Status.OPEN))


# --- telling through the platform ---------------------------------------------------------------


def test_a_linked_guardian_is_told_through_the_platform_when_the_day_is_saved(
        django_capture_on_commit_callbacks, klass, manager, carer, linked, parent):
    with django_capture_on_commit_callbacks(execute=True):
        save(klass, manager, carer,
             row(linked, morning="abnormal", symptom="fever", note="体温37.8℃，已联系家长"))
    a = attendance(linked)
    assert a.abnormal_at == NOW and a.guardian_told_at == NOW
    assert a.guardian_told_via == Attendance.ToldVia.PLATFORM
    [note] = Notification.objects.filter(recipient=parent)
    assert "阳光宝宝" in note.title and "morning check" in note.title.lower()
    assert "体温37.8℃" in note.body and "Fever" in note.body
    assert note.url == reverse("supervision:my-child-detail", args=[linked.pk])
    assert note.level == Notification.Level.WARNING
    event = AuditEvent.objects.get(verb=Verb.CLASS_DAY_SAVED)
    assert event.details["abnormal"] == 1 and event.details["guardians_notified"] == 1


def test_saving_again_tells_nobody_twice_and_keeps_the_telling(
        django_capture_on_commit_callbacks, klass, manager, carer, linked, parent):
    with django_capture_on_commit_callbacks(execute=True):
        day = save(klass, manager, carer, row(linked, morning="abnormal"))
    later = NOW + dt.timedelta(minutes=30)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        save(klass, manager, carer, row(linked, morning="abnormal", note="已好转"),
             version=day.version)
    a = attendance(linked)
    assert a.note == "已好转"
    assert (a.abnormal_at, a.guardian_told_at) == (NOW, NOW)
    assert Notification.objects.filter(recipient=parent).count() == 1


def test_a_midday_check_turning_abnormal_needs_telling_again(
        django_capture_on_commit_callbacks, klass, manager, carer, unlinked, linked, parent):
    day = save(klass, manager, carer, row(unlinked, morning="abnormal"),
               row(linked, morning="abnormal"))
    record_guardian_told(attendance(unlinked), by=manager)
    noon = NOW + dt.timedelta(hours=2)
    with time_machine.travel(noon, tick=False), django_capture_on_commit_callbacks(execute=True):
        save(klass, manager, carer, row(unlinked, morning="abnormal", midday="abnormal"),
             row(linked, morning="abnormal", midday="abnormal"),
             version=ClassDay.objects.get(pk=day.pk).version)
    a = attendance(unlinked)
    assert a.abnormal_at == noon and a.guardian_told_at is None  # a new period, not told
    b = attendance(linked)
    assert b.abnormal_at == noon and b.guardian_told_at == noon
    assert "midday check" in Notification.objects.filter(recipient=parent).latest("id").title


def test_an_inactive_parent_account_is_not_counted_as_told(klass, manager, carer, linked, parent):
    User.objects.filter(pk=parent.pk).update(is_active=False)
    save(klass, manager, carer, row(linked, morning="abnormal"))
    assert attendance(linked).guardian_told_at is None


def test_a_check_corrected_to_normal_needs_no_telling(klass, manager, carer, unlinked):
    day = save(klass, manager, carer, row(unlinked, morning="abnormal"))
    save(klass, manager, carer, row(unlinked, morning="normal"), version=day.version)
    a = attendance(unlinked)
    assert a.abnormal_at is None and a.guardian_told_at is None


# --- rule A8 -------------------------------------------------------------------------------------


def test_a8_waits_for_the_limit_then_alerts_the_class_day_with_masked_names(
        klass, manager, carer, unlinked, linked):
    save(klass, manager, carer, row(unlinked, morning="abnormal"), row(linked, morning="abnormal"))
    run_a8(NOW + dt.timedelta(hours=1, minutes=59))
    assert open_a8() == []
    run_a8(NOW + dt.timedelta(hours=2))
    [alert] = open_a8()
    assert alert.severity == "orange" and alert.centre_id == klass.centre_id
    assert alert.subject_type.model == "classday"
    assert "月*" in alert.message and "月亮宝宝" not in alert.message
    assert "阳光" not in alert.message.replace(klass.name, "")  # the linked one was told


def test_a8_resolves_once_the_carer_records_telling_the_guardian(
        client_for, klass, manager, staff, carer, unlinked):
    save(klass, manager, carer, row(unlinked, morning="abnormal"))
    later = NOW + dt.timedelta(hours=3)
    run_a8(later)
    assert len(open_a8()) == 1
    with time_machine.travel(later, tick=False):
        response = client_for(staff).post(
            reverse("supervision:guardian-told", args=[klass.centre_id, attendance(unlinked).pk]))
    assert response.status_code == 302 and response.url.endswith("#guardians-h")
    a = attendance(unlinked)
    assert a.guardian_told_at == later and a.guardian_told_by == staff
    assert a.guardian_told_via == Attendance.ToldVia.IN_PERSON
    assert AuditEvent.objects.filter(verb=Verb.GUARDIAN_TOLD).count() == 1
    run_a8(later + dt.timedelta(minutes=5))
    assert open_a8() == []


def test_a8_resolves_when_the_check_is_corrected(klass, manager, carer, unlinked):
    day = save(klass, manager, carer, row(unlinked, morning="abnormal"))
    run_a8(NOW + dt.timedelta(hours=3))
    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        save(klass, manager, carer, row(unlinked), version=day.version)
    run_a8(NOW + dt.timedelta(hours=3, minutes=5))
    assert open_a8() == []


def test_a8_reads_a_bounded_number_of_queries_whatever_the_number_of_days(centre_a, manager):
    def alerts_for(n: int) -> int:
        for i in range(n):
            group = ClassGroupFactory(centre=centre_a, name=f"班{n}-{i}", capacity=20)
            on_duty = StaffFactory(centre=centre_a, role=Staff.Role.CARER)
            save(group, manager, on_duty, row(enrolled_child(group), morning="abnormal"))
        with count_queries() as queries:
            hits = list(get_rule("A8").func(NOW + dt.timedelta(hours=3)))
        assert len(hits) == n
        ClassDay.objects.all().delete()
        return len(queries)

    assert alerts_for(1) == alerts_for(4)


# --- recording a telling: refusals ---------------------------------------------------------------


def test_recording_is_refused_without_an_abnormal_check(klass, manager, carer, unlinked):
    save(klass, manager, carer, row(unlinked))
    with pytest.raises(RecordError, match="No check of this child is abnormal"):
        record_guardian_told(attendance(unlinked), by=manager)


def test_recording_twice_is_refused_and_keeps_the_first(klass, manager, staff, carer, unlinked):
    save(klass, manager, carer, row(unlinked, morning="abnormal"))
    record_guardian_told(attendance(unlinked), by=staff)
    with pytest.raises(RecordError, match="already recorded"):
        record_guardian_told(attendance(unlinked), by=manager)
    assert attendance(unlinked).guardian_told_by == staff


def test_another_centres_staff_may_not_record_it(klass, manager, other_staff, carer, unlinked):
    save(klass, manager, carer, row(unlinked, morning="abnormal"))
    with pytest.raises(NotPermitted):
        record_guardian_told(attendance(unlinked), by=other_staff)
    assert attendance(unlinked).guardian_told_at is None


def test_a_refused_recording_says_why_on_the_class_day(client_for, klass, manager, carer,
                                                      unlinked):
    save(klass, manager, carer, row(unlinked))
    client = client_for(manager)
    response = client.post(reverse("supervision:guardian-told",
                                   args=[klass.centre_id, attendance(unlinked).pk]), follow=True)
    assert response.status_code == 200
    assert "No check of this child is abnormal" in response.content.decode()


def test_guardian_told_role_matrix(client_for, personas, klass, manager, carer, unlinked,
                                  centre_b):
    save(klass, manager, carer, row(unlinked, morning="abnormal"))
    other_class = ClassGroupFactory(centre=centre_b, name="星星班", capacity=10)
    other = enrolled_child(other_class, name="星星宝宝")
    other_carer = StaffFactory(centre=centre_b, role=Staff.Role.CARER)
    save_class_day(other_class, TODAY, by=personas["other_staff"], staff_ids=[other_carer.pk],
                   rows=[row(other, morning="abnormal")])
    url = reverse("supervision:guardian-told", args=[klass.centre_id, attendance(unlinked).pk])
    assert_role_matrix(
        client_for, personas, url, method="post",
        expect={"manager": redirect_to(), "staff": redirect_to(), "other_staff": NOT_FOUND,
                "city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
                "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN})
    # centre A's staff cannot reach centre B's row through centre A's address
    foreign = reverse("supervision:guardian-told", args=[klass.centre_id, attendance(other).pk])
    assert client_for(personas["manager"]).post(foreign).status_code == 404
    assert attendance(other).guardian_told_at is None
    assert client_for(personas["manager"]).get(url).status_code == 405


# --- the pages -----------------------------------------------------------------------------------


def test_the_class_day_lists_abnormal_checks_with_their_telling(client_for, klass, manager,
                                                                carer, unlinked, linked):
    save(klass, manager, carer, row(unlinked, morning="abnormal"), row(linked, morning="abnormal"))
    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        page = client_for(manager).get(reverse(
            "supervision:class-day", args=[klass.centre_id, klass.pk, TODAY.isoformat()]))
    html = page.content.decode()
    assert 'id="guardians-h"' in html
    assert "Guardian told through the platform at 10:00" in html
    assert "Not told within 2 hours" in html
    assert "Guardian of 月亮宝宝 told (phone or in person)" in html
    assert "Guardian of 阳光宝宝 told" not in html


def test_the_parent_sees_the_childs_day_with_the_carers_note(client_for, klass, manager, carer,
                                                            linked, parent):
    save(klass, manager, carer, row(linked, morning="abnormal", symptom="fever",
                                    note="午睡前体温37.8℃"))
    page = client_for(parent).get(reverse("supervision:my-child-detail", args=[linked.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Today at the centre" in html and "午睡前体温37.8℃" in html
    assert "A check was abnormal today" in html and "Fever" in html


def test_the_parent_page_says_when_today_is_not_recorded(client_for, klass, linked, parent):
    page = client_for(parent).get(reverse("supervision:my-child-detail", args=[linked.pk]))
    assert "The centre has not recorded today yet." in page.content.decode()


def test_another_parent_gets_neither_the_page_nor_the_notification(
        django_capture_on_commit_callbacks, client_for, klass, manager, carer, linked):
    stranger = UserFactory(username="parent2", account_type=User.AccountType.PARENT)
    with django_capture_on_commit_callbacks(execute=True):
        save(klass, manager, carer, row(linked, morning="abnormal"))
    assert not Notification.objects.filter(recipient=stranger).exists()
    page = client_for(stranger).get(reverse("supervision:my-child-detail", args=[linked.pk]))
    assert page.status_code == 404


def test_todays_classes_point_to_the_guardians_not_told(client_for, klass, manager, carer,
                                                       unlinked):
    save(klass, manager, carer, row(unlinked, morning="abnormal"))
    page = client_for(manager).get(reverse("supervision:daily-today", args=[klass.centre_id]))
    html = page.content.decode()
    assert "1 abnormal check: guardian not told" in html
    assert "#guardians-h" in html
