import factory
from django.conf import settings

from luhuituo.core.models import Region, RegulatorScope, User
from registry.models import Centre, CentreMembership

PASSWORD = "Test-password-2026"


def region(code: str) -> Region:
    """The seeded regions (migration 0003): 510500 city, 510502 江阳区, 510503 纳溪区, …"""
    return Region.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    account_type = User.AccountType.PARENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RegulatorFactory(UserFactory):
    account_type = User.AccountType.REGULATOR

    @factory.post_generation
    def region_code(obj, create, extracted, **kwargs):
        if create:
            RegulatorScope.objects.create(user=obj, region=region(extracted or "510502"))


class CentreUserFactory(UserFactory):
    account_type = User.AccountType.CENTRE


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


__all__ = ["PASSWORD", "settings"]


# --- registry: a centre's own data ----------------------------------------------------------------

import datetime as _dt  # noqa: E402

from stdnum.cn import ric as _ric  # noqa: E402

from registry.models import (  # noqa: E402
    ClassGroup,
    FeeSchedule,
    Filing,
    Staff,
    StaffTrainingRecord,
)


def id_number(n: int = 1, *, region_code: str = "510502", born: str = "19900101") -> str:
    """A valid resident ID number (with its check digit), different for each ``n``."""
    first17 = f"{region_code}{born}{n % 1000:03d}"
    return first17 + _ric.calc_check_digit(first17 + "0")


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
