"""The inspection and rectification services: transitions, who may do them, numbering,
deadlines, the unannounced rule, audit and notifications."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.models import AuditEvent, Notification
from supervision.models import (
    ChecklistItem,
    Finding,
    Inspection,
    InspectionAnswer,
    RectificationOrder,
)
from supervision.services import inspections as svc
from supervision.services import rectification as rsvc
from tests.factories import CentreFactory, pdf_bytes, png_bytes, region
from tests.queries import count_queries

from .inspection_utils import evidence, fire_checklist, issued, ordered, plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The services' messages in English: the msgids these tests match."""
    with translation.override("en"):
        yield
IS = Inspection.Status
OS = RectificationOrder.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_full_workflow(centre_a, district_regulator, manager, staff,
                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inspection = plan(centre_a, district_regulator)
    assert inspection.status == IS.PLANNED
    assert Notification.objects.filter(recipient=manager).count() == 1
    svc.start_inspection(inspection=inspection, by=district_regulator)
    items = list(ChecklistItem.objects.filter(template=fire_checklist()).order_by("number"))
    created = svc.save_answers(
        inspection=inspection, by=district_regulator,
        answers={items[0].pk: ("pass", ""), items[4].pk: ("fail", "二楼通道堆放纸箱"),
                 items[6].pk: ("na", "")},
        findings={items[4].pk: Finding.Severity.MAJOR})
    assert [f.description for f in created] == ["二楼通道堆放纸箱"]
    # Saving again updates the answers and creates no second finding for the item.
    again = svc.save_answers(
        inspection=inspection, by=district_regulator,
        answers={items[4].pk: ("fail", "二楼通道堆放纸箱，已拍照")},
        findings={items[4].pk: Finding.Severity.MAJOR})
    assert again == []
    assert InspectionAnswer.objects.get(inspection=inspection, item=items[4]).note.endswith(
        "已拍照")
    svc.add_finding(inspection=inspection, by=district_regulator,
                    severity=Finding.Severity.CRITICAL, description="灭火器过期")
    svc.issue_findings(inspection=inspection, by=district_regulator, summary="两项问题")
    inspection.refresh_from_db()
    assert inspection.status == IS.FINDINGS_ISSUED and inspection.finished_at

    with time_machine.travel(datetime(2026, 11, 2, 9, tzinfo=SHANGHAI), tick=False):
        order = rsvc.issue_rectification_order(
            inspection=inspection, by=district_regulator, findings=inspection.findings.all(),
            requirements="清理通道，更换灭火器。")
    assert order.number == "ZG-510502-2026-0001"
    assert order.deadline == date(2026, 11, 2) + timedelta(days=3)   # critical → 3 days
    inspection.refresh_from_db()
    assert inspection.status == IS.RECTIFICATION_ORDERED

    rsvc.acknowledge_order(order=order, by=manager)
    with django_capture_on_commit_callbacks(execute=True):
        rsvc.submit_rectification(order=order, by=manager, response="已清理并更换",
                                  files=[evidence()])
    order.refresh_from_db()
    assert order.status == OS.SUBMITTED and order.evidence.count() == 1
    assert Notification.objects.filter(recipient=district_regulator,
                                       url__contains=f"/rectifications/{order.pk}/").exists()

    new_deadline = timezone.localdate() + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        rsvc.verify_order(order=order, by=district_regulator, close=False,
                          note="灭火器仍未更换", deadline=new_deadline)
    order.refresh_from_db()
    assert (order.status, order.reopened_count, order.deadline) == (
        OS.ACKNOWLEDGED, 1, new_deadline)
    assert Notification.objects.filter(recipient=manager, body="灭火器仍未更换").exists()

    rsvc.submit_rectification(order=order, by=manager, response="已全部更换",
                              files=[evidence("receipt.pdf", pdf_bytes("receipt"))])
    rsvc.verify_order(order=order, by=district_regulator, close=True, note="复查通过")
    order.refresh_from_db()
    inspection.refresh_from_db()
    assert order.status == OS.CLOSED and order.closed_at and order.verified_by == district_regulator
    assert order.evidence.count() == 2
    # The last open order verified: the inspection closes itself.
    assert inspection.status == IS.CLOSED
    verbs = list(AuditEvent.objects.filter(target_id=str(order.pk),
                                           target_type__model="rectificationorder")
                 .order_by("id").values_list("verb", flat=True))
    assert verbs == ["rectification_order_issued", "rectification_acknowledged",
                     "rectification_submitted", "rectification_reopened",
                     "rectification_submitted", "rectification_closed"]


def test_evidence_is_stored_as_check_upload_cleaned_it(centre_a, district_regulator, manager):
    """HTML appended to a photo of the evidence is not stored (core.uploads re-encodes it)."""
    html = b"<html><script>alert(1)</script></html>"
    order = ordered(centre_a, district_regulator)
    rsvc.submit_rectification(order=order, by=manager, response="已整改",
                              files=[evidence("现场.png", png_bytes() + html)])
    [stored] = order.evidence.all()
    with stored.file.open("rb") as file:
        content = file.read()
    assert html not in content and content.endswith(b"IEND\xaeB`\x82")
    assert stored.size == len(content)


def test_numbers_run_per_district_and_year(centre_a, centre_b, district_regulator,
                                           other_regulator):
    with time_machine.travel(datetime(2026, 12, 30, 9, tzinfo=SHANGHAI), tick=False):
        first = ordered(centre_a, district_regulator)
        second = ordered(centre_a, district_regulator)
        other = ordered(centre_b, other_regulator)
    with time_machine.travel(datetime(2027, 1, 4, 9, tzinfo=SHANGHAI), tick=False):
        next_year = ordered(centre_a, district_regulator)
    assert [first.number, second.number, other.number, next_year.number] == [
        "ZG-510502-2026-0001", "ZG-510502-2026-0002", "ZG-510503-2026-0001",
        "ZG-510502-2027-0001"]


def test_numbering_takes_a_district_lock(centre_a, district_regulator):
    with count_queries() as queries:
        ordered(centre_a, district_regulator)
    assert any("pg_advisory_xact_lock" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize(("severities", "days"), [
    (("minor",), 30), (("minor", "major"), 15), (("major", "critical", "minor"), 3), ((), 15),
])
def test_default_deadline_by_worst_finding(centre_a, district_regulator, severities, days):
    inspection = issued(centre_a, district_regulator, severities=severities)
    order = rsvc.issue_rectification_order(
        inspection=inspection, by=district_regulator, findings=inspection.findings.all(),
        requirements="整改")
    assert order.deadline == timezone.localdate() + timedelta(days=days)


def test_deadline_days_come_from_settings(settings, centre_a, district_regulator):
    settings.RECTIFICATION_DAYS = {"minor": 40, "major": 20, "critical": 5}
    order = ordered(centre_a, district_regulator, severities=("minor",))
    assert order.deadline == timezone.localdate() + timedelta(days=40)


def test_order_for_a_centre_without_inspection(centre_a, district_regulator):
    order = rsvc.issue_rectification_order(centre=centre_a, by=district_regulator,
                                           requirements="补充监控录像保存记录")
    assert order.inspection is None and order.number.startswith("ZG-510502-")
    assert order.deadline == timezone.localdate() + timedelta(days=15)


# --- refused transitions -----------------------------------------------------------------


def test_other_district_cannot_plan_or_act(centre_a, district_regulator, other_regulator,
                                           manager):
    with pytest.raises(NotPermitted):
        plan(centre_a, other_regulator)
    inspection = plan(centre_a, district_regulator)
    with pytest.raises(NotPermitted):
        svc.start_inspection(inspection=inspection, by=other_regulator)
    with pytest.raises(NotPermitted):
        svc.start_inspection(inspection=inspection, by=manager)
    order = ordered(centre_a, district_regulator)
    with pytest.raises(NotPermitted):
        rsvc.acknowledge_order(order=order, by=district_regulator)
    rsvc.submit_rectification(order=order, by=manager, response="已整改", files=[evidence()])
    with pytest.raises(NotPermitted):
        rsvc.verify_order(order=order, by=other_regulator, close=True)


def test_city_regulator_may_act_in_every_district(centre_a, city_regulator):
    order = ordered(centre_a, city_regulator)
    assert order.issued_by == city_regulator


def test_staff_cannot_acknowledge_or_answer(centre_a, district_regulator, staff):
    order = ordered(centre_a, district_regulator)
    with pytest.raises(NotPermitted):
        rsvc.acknowledge_order(order=order, by=staff)
    with pytest.raises(NotPermitted):
        rsvc.submit_rectification(order=order, by=staff, response="x", files=[evidence()])


def test_illegal_transitions_are_refused(centre_a, district_regulator, manager):
    inspection = plan(centre_a, district_regulator)
    with pytest.raises(svc.InspectionError):
        svc.issue_findings(inspection=inspection, by=district_regulator)
    with pytest.raises(svc.InspectionError):
        svc.add_finding(inspection=inspection, by=district_regulator, severity="minor",
                        description="x")
    with pytest.raises(svc.InspectionError):
        rsvc.issue_rectification_order(inspection=inspection, by=district_regulator,
                                       requirements="x")
    order = ordered(centre_a, district_regulator)
    with pytest.raises(svc.InspectionError):
        rsvc.verify_order(order=order, by=district_regulator, close=True)  # not answered yet
    rsvc.acknowledge_order(order=order, by=manager)
    with pytest.raises(svc.InspectionError):
        rsvc.acknowledge_order(order=order, by=manager)


def test_close_needs_orders_for_serious_findings(centre_a, district_regulator):
    serious = issued(centre_a, district_regulator, severities=("major",))
    with pytest.raises(svc.InspectionError, match="rectification order"):
        svc.close_inspection(inspection=serious, by=district_regulator)
    minor = issued(centre_a, district_regulator, severities=("minor",))
    svc.close_inspection(inspection=minor, by=district_regulator, note="当场整改")
    minor.refresh_from_db()
    assert minor.status == IS.CLOSED


def test_bad_input_to_services(centre_a, centre_b, district_regulator, other_regulator,
                               manager):
    with pytest.raises(svc.InspectionError):
        plan(centre_a, district_regulator, planned_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(svc.InspectionError):
        svc.plan_inspection(centre=centre_a, by=district_regulator, kind="routine",
                            planned_on=timezone.localdate(), checklists=[])
    inspection = plan(centre_a, district_regulator)
    svc.start_inspection(inspection=inspection, by=district_regulator)
    food_item = ChecklistItem.objects.filter(template__code="food").first()
    with pytest.raises(svc.InspectionError):  # not on this inspection's checklists
        svc.save_answers(inspection=inspection, by=district_regulator,
                         answers={food_item.pk: ("pass", "")})
    item = ChecklistItem.objects.filter(template=fire_checklist()).first()
    with pytest.raises(svc.InspectionError):  # a passed item cannot be a finding
        svc.save_answers(inspection=inspection, by=district_regulator,
                         answers={item.pk: ("pass", "")}, findings={item.pk: "major"})
    other = issued(centre_b, other_regulator)
    svc.issue_findings(inspection=inspection, by=district_regulator)
    with pytest.raises(svc.InspectionError):  # another centre's finding
        rsvc.issue_rectification_order(inspection=inspection, by=district_regulator,
                                       findings=other.findings.all(), requirements="x")
    with pytest.raises(svc.InspectionError):
        rsvc.issue_rectification_order(inspection=inspection, by=district_regulator,
                                       requirements="x",
                                       deadline=timezone.localdate() - timedelta(days=1))
    order = ordered(centre_a, district_regulator)
    with pytest.raises(svc.InspectionError):  # no evidence
        rsvc.submit_rectification(order=order, by=manager, response="已整改")
    with pytest.raises(svc.InspectionError):  # no answer
        rsvc.submit_rectification(order=order, by=manager, response=" ", files=[evidence()])
    rsvc.submit_rectification(order=order, by=manager, response="已整改", files=[evidence()])
    with pytest.raises(svc.InspectionError):  # re-opening needs a reason
        rsvc.verify_order(order=order, by=district_regulator, close=False, note="")
    assert RectificationOrder.objects.get(pk=order.pk).status == OS.SUBMITTED


# --- unannounced ------------------------------------------------------------------------------


def test_unannounced_inspection_is_hidden_until_it_starts(
        centre_a, district_regulator, manager, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        secret = plan(centre_a, district_regulator, kind=Inspection.Kind.UNANNOUNCED)
        announced = plan(centre_a, district_regulator)
    assert set(Inspection.objects.visible_to(manager)) == {announced}
    assert set(Inspection.objects.visible_to(staff)) == {announced}
    assert set(Inspection.objects.visible_to(district_regulator)) == {secret, announced}
    # Nobody at the centre was told about the unannounced visit.
    assert Notification.objects.filter(recipient=manager).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        svc.start_inspection(inspection=secret, by=district_regulator)
    assert set(Inspection.objects.visible_to(manager)) == {secret, announced}
    assert Notification.objects.filter(recipient=manager).count() == 2


def test_findings_are_released_when_issued(centre_a, district_regulator):
    inspection = plan(centre_a, district_regulator)
    assert not inspection.findings_released
    svc.start_inspection(inspection=inspection, by=district_regulator)
    inspection.refresh_from_db()
    assert not inspection.findings_released
    svc.issue_findings(inspection=inspection, by=district_regulator)
    inspection.refresh_from_db()
    assert inspection.findings_released


def test_risk_score_is_kept_with_the_plan(centre_a, district_regulator):
    from .inspection_utils import alert

    alert(centre_a, "red")
    inspection = plan(centre_a, district_regulator)
    assert inspection.risk_score == 10


def test_overdue_orders(centre_a, district_regulator):
    order = ordered(centre_a, district_regulator)
    later = order.deadline + timedelta(days=1)
    assert order.is_overdue(later)
    assert list(RectificationOrder.objects.overdue(later)) == [order]


def test_orders_list_puts_overdue_first(centre_a, district_regulator, manager):
    late = ordered(centre_a, district_regulator)
    RectificationOrder.objects.filter(pk=late.pk).update(
        deadline=timezone.localdate() - timedelta(days=1))
    waiting = ordered(centre_a, district_regulator)
    rsvc.submit_rectification(order=waiting, by=manager, response="已整改", files=[evidence()])
    fresh = ordered(centre_a, district_regulator)
    closed = ordered(centre_a, district_regulator)
    rsvc.submit_rectification(order=closed, by=manager, response="已整改", files=[evidence()])
    rsvc.verify_order(order=closed, by=district_regulator, close=True)
    assert list(rsvc.orders_for_list(district_regulator)) == [late, waiting, fresh, closed]


def test_other_centre_in_same_district_is_another_scope_for_centres(
        centre_a, district_regulator, manager):
    neighbour = CentreFactory(name="江阳区另一家托育", region=region("510502"))
    order = ordered(neighbour, district_regulator)
    assert order.number == f"ZG-510502-{timezone.localdate().year}-0001"
    assert not RectificationOrder.objects.visible_to(manager).filter(pk=order.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_orders_get_distinct_numbers(centre_a, district_regulator):
    """Several regulators issuing at once in one district: no duplicate, no gap."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def issue():
        try:
            barrier.wait(timeout=10)
            rsvc.issue_rectification_order(centre=centre_a, by=district_regulator,
                                           requirements="并发整改")
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    year = timezone.localdate().year
    assert sorted(RectificationOrder.objects.values_list("number", flat=True)) == [
        f"ZG-510502-{year}-{n:04d}" for n in range(1, 5)]
