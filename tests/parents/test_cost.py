"""The cost estimate's arithmetic (parents.services.cost): the fee and meals less the subsidies
a family qualifies for, never below zero; which programmes apply (per child under three; per
inclusive place only at an inclusive centre; the centre's district and city, this year); bad
inputs; and the SubsidyProgramme model's rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from luhuituo.core.models import SubsidyProgramme
from parents.forms.profile import CompareForm, CostForm
from parents.services.cost import estimate, programmes_by_centre, qualifies
from parents.services.profiles import haversine_m
from tests.factories import CentreFactory, region

PER_CHILD = SubsidyProgramme.Kind.PER_CHILD
INCLUSIVE = SubsidyProgramme.Kind.PER_INCLUSIVE_PLACE


def programme(kind=PER_CHILD, amount="300", name="育儿补贴") -> SubsidyProgramme:
    """An unsaved programme: the arithmetic needs no database."""
    return SubsidyProgramme(name=name, kind=kind, amount=Decimal(amount), year=2026,
                            source="演示")


def test_fee_and_meals_less_the_subsidies_that_apply():
    e = estimate(fee=Decimal("1500"), meal_fee=Decimal("300"),
                 programmes=[programme(), programme(INCLUSIVE, "200", "普惠")],
                 under_three=True, inclusive=True)
    assert (e.gross, e.subsidies, e.net) == (Decimal("1800.00"), Decimal("500.00"),
                                            Decimal("1300.00"))
    assert [d.programme.name for d in e.deductions] == ["育儿补贴", "普惠"]
    assert not e.capped and e.not_applicable == []


def test_an_inclusive_place_subsidy_only_at_an_inclusive_centre():
    e = estimate(fee=1000, programmes=[programme(INCLUSIVE, "200")], under_three=True,
                 inclusive=False)
    assert e.net == Decimal("1000.00")
    assert [p.kind for p in e.not_applicable] == [INCLUSIVE]


def test_a_per_child_subsidy_only_for_a_child_under_three():
    assert estimate(fee=1000, programmes=[programme()], under_three=False,
                    inclusive=True).net == Decimal("1000.00")
    assert estimate(fee=1000, programmes=[programme()], under_three=True,
                    inclusive=True).net == Decimal("700.00")
    assert not qualifies(programme(kind="unknown"), under_three=True, inclusive=True)


def test_never_below_zero():
    e = estimate(fee=Decimal("250.50"), programmes=[programme("per_child", "300")],
                 under_three=True, inclusive=False)
    assert e.net == Decimal("0.00") and e.capped


def test_pennies_are_kept_exactly():
    e = estimate(fee=Decimal("1099.99"), meal_fee=Decimal("0.01"),
                 programmes=[programme(amount="0.33")], under_three=True, inclusive=False)
    assert e.net == Decimal("1099.67")


def test_no_published_fee_gives_no_estimate():
    e = estimate(fee=None, meal_fee=Decimal("300"), programmes=[programme()],
                 under_three=True, inclusive=True)
    assert not e.available and e.deductions == [] and e.net == Decimal("0.00")


@pytest.mark.parametrize("fee, meals, amount", [(-1, None, "300"), (100, -5, "300"),
                                                (100, None, "-10")])
def test_negative_figures_are_refused(fee, meals, amount):
    with pytest.raises(ValueError):
        estimate(fee=fee, meal_fee=meals, programmes=[programme(amount=amount)],
                 under_three=True, inclusive=True)


@pytest.mark.parametrize("query, valid", [
    ({"class_type": "infant", "under_three": "yes"}, True),
    ({"class_type": "mixed"}, True),
    ({"class_type": "", "under_three": "yes"}, False),
    ({"class_type": "nursery"}, False),
    ({"class_type": "infant", "under_three": "\x00"}, False),
    ({"class_type": "9" * 10_000}, False),
])
def test_the_cost_form(query, valid):
    form = CostForm.from_query(query)
    assert form.is_bound and form.is_valid() is valid


def test_the_cost_form_is_unbound_without_a_class():
    assert not CostForm.from_query({"under_three": "no"}).is_bound


def test_the_compare_form_keeps_good_ids_once_and_counts_bad_ones():
    from django.http import QueryDict

    form = CompareForm(QueryDict("c=3&c=x&c=3&c=0&c=1&c=" + "9" * 30 + "&lat=28.9&lng=0"))
    assert form.ids() == [3, 1]
    assert form.dropped == 3
    assert form.point() == (28.9, 0.0)
    assert CompareForm(QueryDict("lat=91&lng=105")).point() is None


def test_haversine():
    assert haversine_m(28.87, 105.44, 28.87, 105.44) == 0
    # one degree of latitude is about 111.2 km
    assert 111_000 < haversine_m(28, 105, 29, 105) < 111_400
    assert haversine_m(0, 179.9, 0, -179.9) < 23_000  # across the antimeridian


# --- the programmes in the database ---------------------------------------------------------


@pytest.mark.django_db
def test_programmes_of_the_centres_district_and_city_for_the_year():
    jy, nx = CentreFactory(region=region("510502")), CentreFactory(region=region("510503"))
    city = SubsidyProgramme.objects.create(region=region("510500"), year=2026, name="市补贴",
                                           kind=PER_CHILD, amount=300, source="市文件")
    district = SubsidyProgramme.objects.create(region=region("510502"), year=2026,
                                               name="区补贴", kind=INCLUSIVE, amount=200,
                                               source="区文件")
    SubsidyProgramme.objects.create(region=region("510502"), year=2025, name="旧补贴",
                                    kind=PER_CHILD, amount=100, source="旧文件")
    found = programmes_by_centre([jy, nx], 2026)
    assert found == {jy.pk: [city, district], nx.pk: [city]}
    assert programmes_by_centre([], 2026) == {}


@pytest.mark.django_db
def test_a_programme_needs_a_positive_amount_and_a_unique_name():
    bad = SubsidyProgramme(region=region("510500"), year=1999, name="x", kind=PER_CHILD,
                           amount=Decimal("0"), source="")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert {"year", "amount", "source"} <= set(error.value.message_dict)
    SubsidyProgramme.objects.create(region=region("510500"), year=2026, name="x",
                                    kind=PER_CHILD, amount=1, source="s")
    with pytest.raises(IntegrityError), transaction.atomic():
        SubsidyProgramme.objects.create(region=region("510500"), year=2026, name="x",
                                        kind=INCLUSIVE, amount=2, source="s")


@pytest.mark.django_db
def test_the_demo_programmes_are_labelled_and_added_once():
    from luhuituo.demo.subsidy_data import seed_subsidies

    assert seed_subsidies() == 2
    assert seed_subsidies() == 0
    programmes = SubsidyProgramme.objects.all()
    assert programmes.count() == 2
    assert all("演示数据" in p.source and not p.verified for p in programmes)


@pytest.mark.django_db
def test_support_staff_enter_programmes_in_the_admin(client):
    from django.urls import reverse

    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    add = reverse("admin:core_subsidyprogramme_add")
    assert client.get(add).status_code == 200
    data = {"region": region("510500").pk, "year": 2026, "name": "育儿补贴",
            "kind": PER_CHILD, "amount": "300", "eligibility": "", "source": "泸州市文件"}
    assert client.post(add, {**data, "amount": "-1"}).status_code == 200  # refused
    assert not SubsidyProgramme.objects.exists()
    assert client.post(add, data).status_code == 302
    assert SubsidyProgramme.objects.get().amount == Decimal("300")
    assert client.get(reverse("admin:core_subsidyprogramme_changelist")).status_code == 200
