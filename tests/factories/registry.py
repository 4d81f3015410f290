"""Factories for the registry: centres (with their filing), memberships, classes, staff,
training records, fees."""

import datetime as _dt

import factory

from registry.models import (
    Centre,
    CentreMembership,
    ClassGroup,
    FeeSchedule,
    Filing,
    Staff,
    StaffTrainingRecord,
)

from .core import CentreUserFactory, id_number, region


class CentreFactory(factory.django.DjangoModelFactory):
    """A centre with its draft filing, as register_centre makes them; ``filing=<status>``
    sets another status."""

    class Meta:
        model = Centre
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试托育中心{n}")
    region = factory.LazyFunction(lambda: region("510502"))

    @factory.post_generation
    def filing(obj, create, extracted, **kwargs):
        if create:
            from registry.models import Filing

            Filing.objects.create(centre=obj, status=extracted or Filing.Status.DRAFT)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CentreMembership

    user = factory.SubFactory(CentreUserFactory)
    centre = factory.SubFactory(CentreFactory)
    role = CentreMembership.Role.STAFF


def filing_for(centre: Centre, status: str = Filing.Status.DRAFT) -> Filing:
    """The centre's filing, set to ``status`` (created if the centre has none)."""
    filing, _created = Filing.objects.get_or_create(centre=centre)
    if filing.status != status:
        filing.status = status
        filing.save(update_fields=["status"])
    centre.filing = filing
    return filing


class ClassGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassGroup

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"托小{n}班")
    class_type = "toddler_small"
    capacity = 12


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"员工{n}")
    role = Staff.Role.CARER
    id_number = factory.Sequence(lambda n: id_number(n + 1))
    health_cert_valid_until = factory.LazyFunction(
        lambda: _dt.date.today() + _dt.timedelta(days=300))  # noqa: DTZ011


class StaffTrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffTrainingRecord

    staff = factory.SubFactory(StaffFactory)
    course = "婴幼儿照护培训"
    hours = 8
    completed_on = _dt.date(2025, 6, 1)


class FeeScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeSchedule

    centre = factory.SubFactory(CentreFactory)
    effective_from = _dt.date(2025, 9, 1)
    toddler_small_fee = 1100
    meal_fee = 300
    prepayment_months = 1
