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
    class Meta:
        model = Centre

    name = factory.Sequence(lambda n: f"测试托育中心{n}")
    region = factory.LazyFunction(lambda: region("510502"))


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CentreMembership

    user = factory.SubFactory(CentreUserFactory)
    centre = factory.SubFactory(CentreFactory)
    role = CentreMembership.Role.STAFF


__all__ = ["PASSWORD", "settings"]
