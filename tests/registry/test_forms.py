"""The centre-side forms on their own: the class-size cap, the map bounds, ID numbers typed
loosely, and fees."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from luhuituo.core.crypto import blind_index
from registry.forms import (
    CentreCreateForm,
    CentreProfileForm,
    ClassGroupForm,
    FeeScheduleForm,
    StaffForm,
)
from registry.models import ClassType
from tests.factories import StaffFactory, id_number, region

pytestmark = pytest.mark.django_db
FIXTURES_OK = hypothesis_settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FIXTURES_OK
@given(class_type=st.sampled_from(ClassType.values), capacity=st.integers(1, 40))
def test_a_class_is_valid_exactly_up_to_its_types_maximum(centre_a, class_type, capacity):
    form = ClassGroupForm({"name": "班", "class_type": class_type, "capacity": capacity},
                          centre=centre_a)
    assert form.is_valid() == (capacity <= settings.CLASS_TYPES[class_type]["max_size"])
    if not form.is_valid():
        assert list(form.errors) == ["capacity"]


def profile(**values) -> dict:
    return {"name": "江阳区阳光托育中心", "region": region("510502").pk} | values


@FIXTURES_OK
@given(lat=st.decimals(Decimal("20"), Decimal("35"), places=6),
       lng=st.decimals(Decimal("100"), Decimal("112"), places=6))
def test_a_map_point_must_be_in_luzhou(centre_a, lat, lng):
    form = CentreProfileForm(profile(latitude=str(lat), longitude=str(lng)), instance=centre_a)
    (lat_min, lat_max), (lng_min, lng_max) = settings.CITY_BOUNDS["lat"], \
        settings.CITY_BOUNDS["lng"]
    inside_lat = Decimal(str(lat_min)) <= lat <= Decimal(str(lat_max))
    inside_lng = Decimal(str(lng_min)) <= lng <= Decimal(str(lng_max))
    assert ("latitude" in form.errors) == (not inside_lat)
    assert ("longitude" in form.errors) == (not inside_lng)


def test_both_coordinates_or_neither(centre_a):
    assert CentreProfileForm(profile(), instance=centre_a).is_valid()
    form = CentreProfileForm(profile(latitude="28.87"), instance=centre_a)
    assert list(form.errors) == ["longitude"]


@pytest.mark.parametrize(("start", "end", "errors"), [
    ("2024-01-01", "2030-01-01", []),
    ("2024-01-01", "2024-01-01", ["lease_end"]),
    ("", "2030-01-01", ["lease_start"]),
    ("2024-01-01", "", ["lease_end"]),
])
def test_a_lease_needs_both_dates_in_order(centre_a, start, end, errors):
    form = CentreProfileForm(profile(tenure="leased", lease_start=start, lease_end=end),
                             instance=centre_a)
    form.is_valid()
    assert sorted(form.errors) == errors


def test_a_lease_under_the_minimum_is_valid_but_flagged(centre_a):
    form = CentreProfileForm(profile(tenure="leased", lease_start="2025-01-01",
                                     lease_end="2027-12-31"), instance=centre_a)
    assert form.is_valid() and form.lease_too_short
    form = CentreProfileForm(profile(tenure="leased", lease_start="2025-01-01",
                                     lease_end="2028-01-01"), instance=centre_a)
    assert form.is_valid() and not form.lease_too_short


def test_the_city_itself_is_not_a_district(db):
    form = CentreCreateForm({"name": "x", "region": region("510500").pk,
                             "legal_form": "enterprise"})
    assert list(form.errors) == ["region"]


@FIXTURES_OK
@given(n=st.integers(1, 999), spaces=st.lists(st.integers(0, 17), max_size=4),
       lower=st.booleans())
def test_an_id_number_typed_loosely_is_the_same_number(centre_a, n, spaces, lower):
    number = id_number(n, born="19851231")
    typed = number.lower() if lower else number
    for position in sorted(set(spaces), reverse=True):
        typed = typed[:position] + " " + typed[position:]
    form = StaffForm({"name": "李", "role": "carer", "id_number": typed}, centre=centre_a)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == number
    assert blind_index(typed, "ric") == blind_index(number, "ric")


def test_the_stored_id_number_never_goes_back_to_the_browser(centre_a):
    person = StaffFactory(centre=centre_a, id_number=id_number(77))
    form = StaffForm(instance=person, centre=centre_a)
    html = str(form["id_number"])
    assert person.id_number not in html and 'value=' not in html
    assert person.id_number[:6] + "********" + person.id_number[-4:] in html


@pytest.mark.parametrize(("data", "errors"), [
    ({"toddler_small_fee": "1200"}, []),
    ({}, ["__all__"]),
    ({"toddler_small_fee": "1200", "prepayment_months": "12"}, []),
    ({"toddler_small_fee": "1200", "prepayment_months": "13"}, ["prepayment_months"]),
    ({"toddler_small_fee": "-1"}, ["toddler_small_fee"]),
])
def test_fee_schedule_rules(data, errors):
    form = FeeScheduleForm({"effective_from": dt.date(2026, 12, 1), "prepayment_months": "1"}
                           | data)
    form.is_valid()
    assert sorted(form.errors) == errors


@pytest.mark.parametrize("typed, shown", [
    ("春雨路342号", "泸州市江阳区春雨路342号"),
    ("江阳区春雨路342号", "泸州市江阳区春雨路342号"),
    ("泸州市江阳区春雨路342号", "泸州市江阳区春雨路342号"),
])
def test_full_address_adds_city_and_district_once(db, typed, shown):
    from tests.factories import CentreFactory

    assert CentreFactory(address=typed).full_address == shown
