"""Factories for the kernel's data: regions (seeded), users of every account type."""

import factory
from stdnum.cn import ric as _ric

from luhuituo.core.models import Region, RegulatorScope, User

PASSWORD = "Test-password-2026"


def id_number(n: int = 1, *, region_code: str = "510502", born: str = "19900101") -> str:
    """A valid resident ID number (with its check digit), different for each ``n``."""
    first17 = f"{region_code}{born}{n % 1000:03d}"
    return first17 + _ric.calc_check_digit(first17 + "0")


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


