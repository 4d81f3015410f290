"""Factories for supervision data. ``ChildFactory`` creates the guardian and the guardian's
consent with the child, as ``supervision.services.children`` requires; ``enrolled_child`` also
places the child in a class."""

import datetime as _dt

import factory
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.utils import timezone

from supervision.models import (
    Alert,
    Attendance,
    Child,
    ClassDay,
    Complaint,
    DutyAssignment,
    Enrolment,
    Guardian,
    GuardianConsent,
    HealthCheck,
    Inspection,
    RectificationOrder,
    VaccinationCheck,
)

from .core import RegulatorFactory, id_number
from .registry import CentreFactory, ClassGroupFactory


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child
        skip_postgeneration_save = True

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"小朋友{n}")
    sex = Child.Sex.FEMALE
    # 18 months old today: fits a 托小班 (12–24 months) and a mixed class.
    birth_date = factory.LazyFunction(
        lambda: timezone.localdate() - relativedelta(months=18))
    id_number = factory.Sequence(lambda n: id_number(n + 500, born="20250301"))

    @factory.post_generation
    def guardian(obj, create, extracted, **kwargs):
        """A primary guardian with records consent (``guardian=False`` to skip)."""
        if not create or extracted is False:
            return
        guardian = Guardian.objects.create(
            child=obj, name=f"{obj.name}的妈妈", relation=Guardian.Relation.MOTHER,
            mobile="13912345678", is_primary=True, user=kwargs.get("user"))
        GuardianConsent.objects.create(
            child=obj, guardian=guardian, purpose=GuardianConsent.Purpose.RECORDS,
            rules_version=settings.CHILD_PRIVACY_RULES_VERSION,
            method=GuardianConsent.Method.PAPER)


def enrolled_child(class_group, *, started_on=None, checks=True, **kwargs) -> Child:
    """A child in ``class_group`` since ``started_on`` with (if ``checks``) a passed entry
    health check and a vaccination check."""
    child = ChildFactory(centre=class_group.centre, **kwargs)
    start = started_on or timezone.localdate() - _dt.timedelta(days=60)
    Enrolment.objects.create(child=child, class_group=class_group, started_on=start)
    if checks:
        HealthCheck.objects.create(child=child, kind=HealthCheck.Kind.ENTRY,
                                   checked_on=start - _dt.timedelta(days=10),
                                   institution="江阳区妇幼保健院",
                                   result=HealthCheck.Result.PASSED)
        VaccinationCheck.objects.create(child=child, checked_on=start)
    return child


def class_day(class_group, day=None, *, present=(), absent=(), staff=(), **kwargs) -> ClassDay:
    """A recorded day: ``present``/``absent`` children, ``staff`` on duty. A staff member
    already counted in another class that day is written as records made before the
    one-class rule were migrated: on duty here too, not counting towards the ratio."""
    record = ClassDay.objects.create(class_group=class_group,
                                     date=day or timezone.localdate(), **kwargs)
    counted = set(DutyAssignment.objects.filter(date=record.date, counts=True)
                  .values_list("staff_id", flat=True))
    DutyAssignment.objects.bulk_create(
        DutyAssignment(class_day=record, staff=person, date=record.date,
                       counts=person.pk not in counted) for person in staff)
    for child in present:
        Attendance.objects.create(class_day=record, child=child,
                                  status=Attendance.Status.PRESENT,
                                  morning_check=Attendance.Check.NORMAL)
    for child in absent:
        Attendance.objects.create(class_day=record, child=child, status=Attendance.Status.ABSENT,
                                  absence_reason=Attendance.AbsenceReason.PERSONAL)
    return record


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    centre = factory.SubFactory(CentreFactory)
    kind = Inspection.Kind.ROUTINE
    planned_on = factory.LazyFunction(timezone.localdate)
    lead = factory.SubFactory(RegulatorFactory)


class RectificationOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RectificationOrder

    centre = factory.SubFactory(CentreFactory)
    number = factory.Sequence(lambda n: f"ZG-TEST-{n:04d}")
    requirements = "疏散通道堆放杂物，立即清理。"
    deadline = factory.LazyFunction(lambda: timezone.localdate() + _dt.timedelta(days=15))
    issued_by = factory.SubFactory(RegulatorFactory)


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    centre = factory.SubFactory(CentreFactory)
    channel = Complaint.Channel.HOTLINE
    category = Complaint.Category.SERVICE
    summary = "午睡时无人看护"
    details = "家长反映午睡时间教室内没有保育人员。"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + _dt.timedelta(days=15))


__all__ = [
    "Alert", "ChildFactory", "ClassGroupFactory", "ComplaintFactory", "InspectionFactory",
    "RectificationOrderFactory", "class_day", "enrolled_child",
]
