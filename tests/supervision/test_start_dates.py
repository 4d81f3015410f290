"""Placement start dates (docs/rules/operating-rules.md#enrolment): bounded by
ENROLMENT_START_MAX_PAST_DAYS and ENROLMENT_START_MAX_AHEAD_DAYS; the age rule is checked on the
start date and again today; a placement that has not started holds no place today, while the
class must still have room on the day it starts.

"Today" is 2026-11-28."""

import datetime as dt

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import translation

from supervision.checks.rules.children import class_size
from supervision.models import Child, Enrolment
from supervision.services.children import (
    ChildError,
    children_figures,
    enrol_child,
    move_class,
    readmit_child,
    withdraw_child,
)
from tests.factories import ClassGroupFactory
from tests.factories.supervision import enrolled_child

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def born(months: int) -> dt.date:
    return TODAY - relativedelta(months=months)


def enrol(centre, actor, group, *, birth, started_on, name="小明"):
    return enrol_child(
        centre, by=actor, child_data={"name": name, "sex": "male", "birth_date": birth},
        guardian_data={"name": "王妈妈", "relation": "mother", "mobile": "13912345678"},
        consent_method="paper", photo_consent=False, class_group=group,
        started_on=started_on, service_form="full_day", different_child=True)


def test_a_start_date_a_year_back_is_refused(manager, centre_a):
    """46 months old today, "started" in 2025 when the child was 34 months: refused."""
    group = ClassGroupFactory(centre=centre_a, class_type="toddler_large", capacity=20)
    with pytest.raises(ChildError) as caught:
        enrol(centre_a, manager, group, birth=born(46), started_on=dt.date(2025, 12, 1))
    assert caught.value.field == "started_on"
    assert "30 days" in str(caught.value)
    assert not Child.objects.exists()


def test_the_age_rule_holds_today_too(manager, centre_a, settings):
    """Within the allowed past, a start date on which the child fitted does not excuse the
    child's age today."""
    settings.ENROLMENT_START_MAX_PAST_DAYS = 400
    group = ClassGroupFactory(centre=centre_a, class_type="toddler_large", capacity=20)
    with pytest.raises(ChildError) as caught:
        enrol(centre_a, manager, group, birth=born(46), started_on=dt.date(2025, 12, 1))
    assert caught.value.field == "class_group"
    assert "46 months old today" in str(caught.value)
    younger = ClassGroupFactory(centre=centre_a, class_type="toddler_small", capacity=15)
    with pytest.raises(ChildError, match="25 months old today"):
        enrol(centre_a, manager, younger, birth=born(25), started_on=TODAY - dt.timedelta(60))
    assert not Child.objects.exists()


def test_a_start_date_seven_months_ahead_is_refused(manager, centre_a):
    group = ClassGroupFactory(centre=centre_a, class_type="infant", capacity=10)
    with pytest.raises(ChildError) as caught:
        enrol(centre_a, manager, group, birth=born(1), started_on=TODAY + relativedelta(months=7))
    assert caught.value.field == "started_on"
    assert "90 days" in str(caught.value)


def test_the_enrolment_form_shows_the_bound_beside_the_start_date(client_for, manager,
                                                                   centre_a):
    group = ClassGroupFactory(centre=centre_a, class_type="toddler_large", capacity=20)
    data = {"name": "小明", "sex": "male", "birth_date": born(30).isoformat(),
            "guardian_name": "王妈妈", "guardian_relation": "mother",
            "guardian_mobile": "13912345678", "consent": "on", "consent_method": "paper",
            "class_group": group.pk, "started_on": "2025-12-01", "service_form": "full_day"}
    response = client_for(manager).post(
        reverse("supervision:child-create", args=[centre_a.pk]), data)
    assert response.status_code == 422
    form = response.context["form"]
    assert list(form.errors) == ["started_on"]
    assert form["name"].value() == "小明"


def test_a_move_or_readmission_date_is_bounded_too(manager, centre_a):
    group = ClassGroupFactory(centre=centre_a, class_type="toddler_small", capacity=15)
    other = ClassGroupFactory(centre=centre_a, class_type="toddler_small", capacity=15)
    child = enrolled_child(group, birth_date=born(18), started_on=TODAY - dt.timedelta(400))
    with pytest.raises(ChildError) as caught:
        move_class(child, by=manager, class_group=other, on=TODAY - dt.timedelta(200))
    assert caught.value.field == "on"
    withdraw_child(child, by=manager, on=TODAY, reason="搬家")
    child.refresh_from_db()
    with pytest.raises(ChildError) as caught:
        readmit_child(child, by=manager, class_group=other, on=TODAY + dt.timedelta(200))
    assert caught.value.field == "on"


def test_a_future_placement_holds_no_place_today(manager, centre_a):
    group = ClassGroupFactory(centre=centre_a, class_type="toddler_small", capacity=2)
    enrolled_child(group, birth_date=born(18))
    enrol(centre_a, manager, group, birth=born(16), started_on=TODAY + dt.timedelta(30),
          name="下月来")
    assert children_figures(centre_a)["enrolled"] == 1
    assert children_figures(centre_a, TODAY + dt.timedelta(30))["enrolled"] == 2


def test_the_class_must_have_room_on_the_day_a_future_placement_starts(manager, centre_a):
    """Capacity 2: one child now, one from next month. A child from today would make three
    next month: refused. A child leaving before then frees the place."""
    group = ClassGroupFactory(centre=centre_a, class_type="toddler_small", capacity=2)
    now = enrolled_child(group, birth_date=born(18))
    enrol(centre_a, manager, group, birth=born(16), started_on=TODAY + dt.timedelta(30),
          name="下月来")
    with pytest.raises(ChildError, match="full"):
        enrol(centre_a, manager, group, birth=born(17), started_on=TODAY, name="今天来")
    withdraw_child(now, by=manager, on=TODAY, reason="搬家")
    enrol(centre_a, manager, group, birth=born(17), started_on=TODAY, name="今天来")


def test_a2_counts_only_placements_that_have_started(centre_a):
    group = ClassGroupFactory(centre=centre_a, class_type="infant", capacity=10)
    for _n in range(10):
        enrolled_child(group, birth_date=born(8))
    later = enrolled_child(group, birth_date=born(8), started_on=TODAY + dt.timedelta(20))
    from registry.models import Filing
    from tests.factories.registry import filing_for

    filing_for(centre_a, Filing.Status.VERIFIED)
    assert list(class_size(NOW)) == []
    Enrolment.objects.filter(child=later).update(started_on=TODAY)
    assert len(list(class_size(NOW))) == 1


@pytest.mark.parametrize(("days", "message"), [(-45, "30 days before today"),
                                               (120, "90 days ahead")])
def test_move_and_readmission_forms_bound_the_date_beside_it(centre_a, days, message):
    from supervision.forms.children import MoveClassForm, ReadmitForm

    group = ClassGroupFactory(centre=centre_a, class_type="toddler_small", capacity=15)
    other = ClassGroupFactory(centre=centre_a, class_type="toddler_small", capacity=15)
    child = enrolled_child(group, birth_date=born(18))
    day = (TODAY + dt.timedelta(days=days)).isoformat()
    for form_class in (MoveClassForm, ReadmitForm):
        prefix = form_class.prefix
        form = form_class({f"{prefix}-class_group": other.pk, f"{prefix}-on": day,
                           f"{prefix}-service_form": "full_day"}, child=child)
        assert not form.is_valid()
        assert list(form.errors) == ["on"] and message in form.errors["on"][0]
