"""A class edit that contradicts the class's placements is refused (docs/rules/setup-standard.md
#class-types): fewer places than children placed, a class type whose ages exclude the children
in it, or a ratio the carers on duty no longer meet — with the children concerned named for the
centre's manager. The check is supervision's, plugged into registry's class-change hook.

"Today" is 2026-11-28."""

import datetime as dt

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import translation

from luhuituo.core.exceptions import DomainError
from registry.centres import save_class
from registry.models import ClassGroup, Staff
from tests.factories import ClassGroupFactory, StaffFactory
from tests.factories.supervision import class_day, enrolled_child

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC), tick=False), \
            translation.override("en"):
        yield


@pytest.fixture
def large(centre_a):
    """托大一班: 16 children of 24 to 35 months (the centre's filing is still a draft, so the
    manager edits its classes directly)."""
    group = ClassGroupFactory(centre=centre_a, name="托大一班", class_type="toddler_large",
                              capacity=20)
    for n in range(16):
        enrolled_child(group, name=f"托大{n:02d}",
                       birth_date=TODAY - relativedelta(months=24 + n % 12))
    return group


def edit(client, group, **data):
    values = {"name": group.name, "class_type": group.class_type, "capacity": group.capacity,
              "room": group.room} | data
    return client.post(reverse("registry:class-edit", args=[group.centre_id, group.pk]),
                       values)


def test_the_class_cannot_become_an_infant_class_of_10_under_its_children(client_for, manager,
                                                                          large):
    response = edit(client_for(manager), large, class_type="infant", capacity=10)
    assert response.status_code == 200  # shown again, not saved
    errors = response.context["form"].errors
    assert "16" in errors["capacity"][0]
    assert "托大00" in errors["class_type"][0] and "托大15" in errors["class_type"][0]
    large.refresh_from_db()
    assert (large.class_type, large.capacity) == ("toddler_large", 20)
    form = response.context["form"]
    assert form["class_type"].value() == "infant" and form["capacity"].value() == "10"


def test_fewer_places_than_children_is_refused_as_many_is_fine(client_for, manager, large):
    client = client_for(manager)
    response = edit(client, large, capacity=15)
    assert response.status_code == 200  # shown again, not saved
    assert list(response.context["form"].errors) == ["capacity"]
    assert edit(client, large, capacity=16, name="托大一班（新）").status_code == 302
    large.refresh_from_db()
    assert (large.capacity, large.name) == (16, "托大一班（新）")


def test_a_child_starting_later_still_needs_a_place(client_for, manager, centre_a):
    group = ClassGroupFactory(centre=centre_a, name="托小一班", class_type="toddler_small",
                              capacity=5)
    now = enrolled_child(group, birth_date=TODAY - relativedelta(months=15))
    later = enrolled_child(group, birth_date=TODAY - relativedelta(months=15),
                           started_on=TODAY + dt.timedelta(days=20))
    response = edit(client_for(manager), group, capacity=1)
    assert response.status_code == 200  # shown again, not saved
    error = response.context["form"].errors["capacity"][0]
    assert now.name in error and later.name in error


def test_a_ratio_the_carers_on_duty_no_longer_meet_is_refused(client_for, manager, centre_a):
    """14 children of 30 months present with 2 carers: enough at 1:7, not as a mixed-age
    class at 1:5."""
    group = ClassGroupFactory(centre=centre_a, name="托大二班", class_type="toddler_large",
                              capacity=16)
    kids = [enrolled_child(group, birth_date=TODAY - relativedelta(months=30))
            for _n in range(14)]
    carers = [StaffFactory(centre=centre_a, role=Staff.Role.CARER) for _n in range(2)]
    class_day(group, TODAY, present=kids, staff=carers)
    response = edit(client_for(manager), group, class_type="mixed")
    assert response.status_code == 200  # shown again, not saved
    [message] = response.context["form"].errors["class_type"]
    assert "14" in message and "3" in message
    StaffFactory(centre=centre_a, role=Staff.Role.CARER)
    group.days.get().duty.create(staff=Staff.objects.order_by("-pk").first(), date=TODAY)
    assert edit(client_for(manager), group, class_type="mixed").status_code == 302


def test_the_service_refuses_it_too(manager, large):
    """A form validated before a child was placed: the service checks again, under a lock."""
    large.class_type, large.capacity = "infant", 10
    with pytest.raises(DomainError):
        save_class(class_group=large, by=manager)
    assert ClassGroup.objects.get(pk=large.pk).class_type == "toddler_large"
