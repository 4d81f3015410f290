"""The complaint service: intake (by a regulator or, later, a parent), the SLA deadline,
assignment within the scope, answer, close, link to an inspection."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.models import AuditEvent, Notification
from supervision.models import Complaint, Inspection
from supervision.services import complaints as svc
from tests.factories import RegulatorFactory

from .inspection_utils import fire_checklist, plan

pytestmark = pytest.mark.django_db
CS = Complaint.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")


def receive(centre, by, **kwargs):
    data = {"channel": Complaint.Channel.HOTLINE, "category": Complaint.Category.SAFETY,
            "summary": "午睡无人看护", "details": "家长反映午睡时间教室内没有保育人员。",
            "complainant_name": "周女士", "complainant_phone": "13912345678"} | kwargs
    return svc.receive_complaint(centre=centre, by=by, **data)


def test_due_date_from_the_day_received(centre_a, district_regulator):
    with time_machine.travel(datetime(2026, 11, 30, 23, 30, tzinfo=SHANGHAI), tick=False):
        complaint = receive(centre_a, district_regulator)
    assert complaint.due_on == date(2026, 11, 30) + timedelta(days=15)
    assert complaint.status == CS.RECEIVED and complaint.created_by == district_regulator
    assert AuditEvent.objects.filter(verb="complaint_received",
                                     target_id=str(complaint.pk)).exists()


def test_sla_days_are_a_setting(settings, centre_a, district_regulator):
    settings.COMPLAINT_SLA_DAYS = 7
    assert receive(centre_a, district_regulator).due_on == (
        timezone.localdate() + timedelta(days=7))


def test_parent_portal_intake_uses_the_same_service(centre_a, parent, district_regulator,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = svc.receive_complaint(
            centre=centre_a, channel=Complaint.Channel.PORTAL, category=Complaint.Category.FEES,
            summary="多收费用", details="多收了一个月的餐费。", by=parent)
    assert complaint.parent == parent and complaint.created_by == parent
    assert Notification.objects.filter(recipient=district_regulator).exists()


def test_intake_refusals(centre_a, centre_b, district_regulator, manager):
    with pytest.raises(NotPermitted):
        receive(centre_b, district_regulator)           # outside the scope
    with pytest.raises(NotPermitted):
        svc.receive_complaint(centre=centre_a, channel="phone", category="fees", summary="x",
                              details="y", by=manager)   # not a parent, not a regulator
    with pytest.raises(svc.ComplaintError):
        receive(centre_a, district_regulator, summary=" ")
    with pytest.raises(svc.ComplaintError):
        receive(centre_a, district_regulator, category="gossip")
    assert not Complaint.objects.exists()


def test_workflow(centre_a, district_regulator, city_regulator, parent,
                  django_capture_on_commit_callbacks):
    complaint = svc.receive_complaint(
        centre=centre_a, channel="portal", category="service", summary="午睡无人看护",
        details="详情", by=parent)
    with django_capture_on_commit_callbacks(execute=True):
        svc.assign_complaint(complaint=complaint, by=city_regulator,
                             assignee=district_regulator, priority="urgent")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.assignee, complaint.priority) == (
        CS.ASSIGNED, district_regulator, "urgent")
    assert Notification.objects.filter(recipient=district_regulator,
                                       title__contains="午睡无人看护").exists()
    inspection = svc.link_inspection(complaint=complaint, by=district_regulator,
                                     planned_on=timezone.localdate(),
                                     checklists=[fire_checklist()])
    assert inspection.kind == Inspection.Kind.COMPLAINT
    with django_capture_on_commit_callbacks(execute=True):
        svc.answer_complaint(complaint=complaint, by=district_regulator,
                             outcome="已核实并责令整改", upheld=True)
    complaint.refresh_from_db()
    assert complaint.status == CS.ANSWERED and complaint.upheld and complaint.answered_at
    assert complaint.inspection == inspection
    assert Notification.objects.filter(recipient=parent).exists()
    svc.close_complaint(complaint=complaint, by=district_regulator)
    complaint.refresh_from_db()
    assert complaint.status == CS.CLOSED and complaint.closed_at
    with pytest.raises(svc.ComplaintError):
        svc.answer_complaint(complaint=complaint, by=district_regulator, outcome="x",
                             upheld=False)


def test_assignee_must_be_responsible_for_the_centre(centre_a, district_regulator,
                                                     other_regulator):
    complaint = receive(centre_a, district_regulator)
    with pytest.raises(svc.ComplaintError):
        svc.assign_complaint(complaint=complaint, by=district_regulator,
                             assignee=other_regulator)
    assessor = RegulatorFactory(region_code="510502")
    assessor.scopes.update(role="assessor")
    with pytest.raises(svc.ComplaintError):
        svc.assign_complaint(complaint=complaint, by=district_regulator, assignee=assessor)
    with pytest.raises(NotPermitted):
        svc.assign_complaint(complaint=complaint, by=other_regulator,
                             assignee=district_regulator)


def test_link_to_an_existing_inspection_of_the_same_centre(centre_a, centre_b,
                                                           district_regulator, other_regulator):
    complaint = receive(centre_a, district_regulator)
    own = plan(centre_a, district_regulator)
    other = plan(centre_b, other_regulator)
    with pytest.raises(svc.ComplaintError):
        svc.link_inspection(complaint=complaint, by=district_regulator, inspection=other)
    assert svc.link_inspection(complaint=complaint, by=district_regulator,
                               inspection=own) == own


def test_close_only_after_answer(centre_a, district_regulator):
    complaint = receive(centre_a, district_regulator)
    with pytest.raises(svc.ComplaintError):
        svc.close_complaint(complaint=complaint, by=district_regulator)


def test_complaints_are_not_visible_to_centres_nor_to_other_parents(
        centre_a, district_regulator, manager, parent, other_regulator):
    complaint = receive(centre_a, district_regulator)
    own = svc.receive_complaint(centre=centre_a, channel="portal", category="fees",
                                summary="多收费用", details="详情", by=parent)
    assert set(Complaint.objects.visible_to(district_regulator)) == {complaint, own}
    assert not Complaint.objects.visible_to(manager).exists()
    assert list(Complaint.objects.visible_to(parent)) == [own]
    assert not Complaint.objects.visible_to(other_regulator).exists()


def test_overdue(centre_a, district_regulator):
    complaint = receive(centre_a, district_regulator)
    assert not complaint.is_overdue()
    assert complaint.is_overdue(complaint.due_on + timedelta(days=1))
