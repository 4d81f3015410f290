"""seed_demo's supervision data: children with consent, 30 days of records, alerts raised by the
checks, and nothing new on a second run."""

import pytest
from django.db.models import Count, Q

from luhuituo.core.models import User
from supervision.models import (
    Alert,
    Attendance,
    Child,
    ClassDay,
    Complaint,
    Drill,
    Enrolment,
    Guardian,
    GuardianConsent,
    Incident,
    Inspection,
    RectificationOrder,
)

from .seeding import seed

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {model._meta.label: model.objects.count() for model in (
        Child, Guardian, GuardianConsent, Enrolment, ClassDay, Attendance, Drill, Incident,
        Inspection, RectificationOrder, Complaint)} | {
        "open alerts": Alert.objects.open().count()}


def test_demo_children_records_and_alerts(demo_db):
    children = Child.objects.count()
    assert children > 100
    # Every child has a guardian's records consent, under the current rules' version.
    assert not Child.objects.exclude(consents__purpose="records").exists()
    assert Enrolment.objects.filter(ended_on__isnull=True).count() == children
    # Nobody is placed in a class whose band does not fit (A3 stays quiet).
    assert not Alert.objects.filter(rule__in=["A3", "A4"]).exists()
    # About 30 days of records, several classes a day.
    assert ClassDay.objects.values("date").distinct().count() >= 18
    assert Attendance.objects.count() > 10 * children
    # Abnormal checks carry their time; guardians were told of all but one a centre on the
    # latest day (rule A8 once its limit has passed).
    abnormal = Attendance.objects.filter(Q(morning_check="abnormal") | Q(midday_check="abnormal"))
    assert abnormal.exists() and not abnormal.filter(abnormal_at__isnull=True).exists()
    untold = abnormal.filter(guardian_told_at__isnull=True)
    assert untold.exists()
    assert untold.values("date").distinct().count() == 1
    # The parent persona is the guardian of a child at the demo centre.
    parent = User.objects.get(username="parent")
    assert Child.objects.visible_to(parent).filter(centre__name="江阳区示范托育中心").exists()
    # Inspections in every state, orders open, overdue, answered and closed; complaints.
    assert set(Inspection.objects.values_list("status", flat=True)) >= {
        "planned", "closed", "rectification_ordered"}
    assert set(RectificationOrder.objects.values_list("status", flat=True)) >= {
        "issued", "acknowledged", "submitted", "closed"}
    assert Complaint.objects.count() >= 5
    rules = set(Alert.objects.open().values_list("rule", flat=True))
    assert {"A1", "A9", "A11", "A34", "A35"} <= rules
    # One alert per rule and subject.
    assert not (Alert.objects.open().values("rule", "subject_type", "subject_id")
                .annotate(n=Count("id")).filter(n__gt=1).exists())


def test_second_run_adds_nothing(demo_db):
    first = snapshot()
    seed()
    assert snapshot() == first


def test_demo_random_draws_verify_and_publish_only_done_inspections(demo_db, client):
    from django.urls import reverse

    from luhuituo.core.models import User
    from supervision.models import RandomDraw
    from supervision.services import draws as draw_service

    draws = list(RandomDraw.objects.select_related("region").order_by("region__code", "id"))
    assert {d.region.code for d in draws} == {"510502", "510503"}
    city = User.objects.get(username="city")
    assert all(draw_service.verify_draw(draw=d, by=city).matches for d in draws)
    published = list(draw_service.published_results())
    assert {i.centre.region.code for i in published} == {"510502", "510503"}
    planned = Inspection.objects.filter(draw_pick__isnull=False, status="planned")
    assert planned.exists()
    body = client.get(reverse("supervision:public-random-results")).content.decode()
    assert all(i.centre.name in body for i in published)
    planned_only = {i.centre.name for i in planned} - {i.centre.name for i in published}
    assert not any(name in body for name in planned_only)
    # a declared conflict in each district, never drawn
    from supervision.models import InspectorConflict

    for conflict in InspectorConflict.objects.all():
        for draw in draws:
            for row in draw.result:
                if row["centre"] == conflict.centre_id:
                    assert conflict.inspector_id not in row["inspectors"]


def test_back_dated_visits_and_complaints_tell_one_timeline(demo_db):
    """Items 12 and 16: a visit's history is dated with the visit, a complaint's intake with its
    receipt; nothing the seed wrote lies in the future."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from luhuituo.core.models import AuditEvent

    now, local = timezone.now(), timezone.localdate

    def planned(inspection):
        """A random inspection was planned by its draw; the others on the day of the visit."""
        pick = getattr(inspection, "draw_pick", None)
        return local(pick.draw.drawn_at) if pick else inspection.planned_on

    past = Inspection.objects.filter(planned_on__lt=local())
    assert past.count() >= 5
    for model, objects, when in (
            (Inspection, past.select_related("draw_pick__draw"), planned),
            (Complaint, Complaint.objects.all(), lambda c: local(c.received_at))):
        kind = ContentType.objects.get_for_model(model)
        for obj in objects:
            first = AuditEvent.objects.filter(target_type=kind, target_id=str(obj.pk)).order_by(
                "created_at").first()
            assert local(first.created_at) == when(obj), obj
    assert not AuditEvent.objects.filter(created_at__gt=now).exists()
    assert not Alert.objects.filter(first_seen__gt=now).exists()
    assert not ClassDay.objects.filter(morning_check_at__gt=now).exists()
    assert not ClassDay.objects.filter(midday_check_at__gt=now).exists()
