"""A carer is on duty in one class at a time (docs/rules/alert-rules.md#a1): the same carers
ticked in two classes on one day are refused beside the field, naming the carer and the other
class; two classes saved at the same instant cannot both take the same carer; rule A1 counts
each carer once, also for records made before the rule (a carer in two classes counts for the
first class only).

"Now" is Saturday 2026-11-28 10:00 in Luzhou."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connections
from django.urls import reverse
from django.utils import translation

from registry.models import Staff
from supervision import models
from supervision.checks import engine
from supervision.checks.rules.daily import carers_on_duty
from supervision.models import Alert, ClassDay
from supervision.services.daily import RecordError, save_class_day
from tests.factories import ClassGroupFactory, StaffFactory
from tests.factories.supervision import class_day, enrolled_child

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
TODAY = NOW.date()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def infants(centre_a):
    return ClassGroupFactory(centre=centre_a, name="乳儿班", class_type="infant", capacity=6)


@pytest.fixture
def mixed(centre_a):
    return ClassGroupFactory(centre=centre_a, name="混龄班", class_type="mixed", capacity=10)


@pytest.fixture
def carers(centre_a):
    return [StaffFactory(centre=centre_a, role=Staff.Role.CARER, name=name)
            for name in ("王保育", "李保育")]


def rows(children) -> list[dict]:
    return [{"child_id": c.pk, "status": "present", "morning_check": "normal"}
            for c in children]


def birth(months: int) -> dt.date:
    return TODAY - dt.timedelta(days=int(months * 30.5))


def test_the_same_carers_in_a_second_class_that_day_are_refused(infants, mixed, carers,
                                                                 staff, manager):
    babies = [enrolled_child(infants, birth_date=birth(9)) for _ in range(6)]
    toddlers = [enrolled_child(mixed, birth_date=birth(26)) for _ in range(10)]
    ids = [c.pk for c in carers]
    save_class_day(infants, TODAY, by=staff, staff_ids=ids, rows=rows(babies))
    with pytest.raises(RecordError) as error:
        save_class_day(mixed, TODAY, by=staff, staff_ids=ids, rows=rows(toddlers))
    assert error.value.field == "staff"
    message = str(error.value.message)
    assert "王保育" in message and "李保育" in message and "乳儿班" in message
    assert not ClassDay.objects.filter(class_group=mixed).exists()
    # The other day, or a carer not on duty elsewhere, is fine.
    other = StaffFactory(centre=infants.centre, role=Staff.Role.CARER, name="赵保育")
    save_class_day(mixed, TODAY, by=staff, staff_ids=[other.pk], rows=rows(toddlers))
    save_class_day(mixed, TODAY - dt.timedelta(days=1), by=manager, staff_ids=ids, rows=[])


def test_re_saving_the_same_class_keeps_its_carers(infants, carers, staff):
    babies = [enrolled_child(infants, birth_date=birth(9)) for _ in range(3)]
    ids = [c.pk for c in carers]
    save_class_day(infants, TODAY, by=staff, staff_ids=ids, rows=rows(babies))
    day = save_class_day(infants, TODAY, by=staff, staff_ids=ids, rows=rows(babies))
    assert set(day.staff_on_duty.all()) == set(carers)
    # A carer taken off one class may go on duty in another.
    save_class_day(infants, TODAY, by=staff, staff_ids=[carers[0].pk], rows=rows(babies))
    save_class_day(ClassGroupFactory(centre=infants.centre), TODAY, by=staff,
                   staff_ids=[carers[1].pk], rows=[])


def test_health_care_staff_may_be_on_duty_in_several_classes(infants, mixed, staff):
    """The 保健人员 does the morning checks of every class: not a carer of the ratio."""
    nurse = StaffFactory(centre=infants.centre, role=Staff.Role.HEALTH, name="周保健")
    save_class_day(infants, TODAY, by=staff, staff_ids=[nurse.pk], rows=[])
    save_class_day(mixed, TODAY, by=staff, staff_ids=[nurse.pk], rows=[])
    assert models.DutyAssignment.objects.filter(staff=nurse).count() == 2


def test_the_sheet_shows_the_refusal_beside_the_staff_and_keeps_what_was_typed(
        client_for, infants, mixed, carers, staff, centre_a):
    baby = enrolled_child(infants, birth_date=birth(9))
    toddler = enrolled_child(mixed, birth_date=birth(26), name="混龄宝宝")
    save_class_day(infants, TODAY, by=staff, staff_ids=[carers[0].pk], rows=rows([baby]))
    p = f"c{toddler.pk}-"
    data = {p + "status": "absent", p + "absence_reason": "personal", p + "note": "回老家",
            "staff": [carers[0].pk, carers[1].pk], "version": "0"}
    url = reverse("supervision:class-day", args=[centre_a.pk, mixed.pk, TODAY.isoformat()])
    response = client_for(staff).post(url, data)
    assert response.status_code == 422
    sheet = response.context["sheet"]
    [message] = sheet.staff_form.errors["staff"]
    assert "王保育" in message and "乳儿班" in message and "李保育" not in message
    body = response.content.decode()
    assert "回老家" in body and 'value="personal" selected' in body
    assert not ClassDay.objects.filter(class_group=mixed).exists()


def test_a1_counts_a_carer_recorded_in_two_classes_once(infants, mixed, carers):
    """Records made before the rule: both classes list the same two carers. They count for
    the class that recorded them first; the second class has none and A1 fires for it."""
    babies = [enrolled_child(infants, birth_date=birth(9)) for _ in range(6)]
    toddlers = [enrolled_child(mixed, birth_date=birth(26)) for _ in range(10)]
    first = class_day(infants, TODAY, present=babies, staff=carers)
    second = class_day(mixed, TODAY, present=toddlers, staff=carers)
    engine.run_rule("A1", NOW)
    assert [a.subject_id for a in Alert.objects.open().filter(rule="A1")] == [second.pk]
    [hit] = carers_on_duty(NOW)
    assert hit.subject == second and first != second
    assert "10 children present, 0 carers on duty, at least 2 needed" in hit.message


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_classes_saved_at_the_same_instant_cannot_share_a_carer(centre_a, staff):
    one = ClassGroupFactory(centre=centre_a, name="托小一班", capacity=15)
    two = ClassGroupFactory(centre=centre_a, name="托小二班", capacity=15)
    carer = StaffFactory(centre=centre_a, role=Staff.Role.CARER, name="钱保育")
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def save(group):
        try:
            barrier.wait(timeout=10)
            save_class_day(group, TODAY, by=staff, staff_ids=[carer.pk], rows=[])
            outcomes.append("saved")
        except RecordError as error:
            outcomes.append(str(error.message))
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(group,)) for group in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(outcomes, key=len)[0] == "saved"
    assert outcomes.count("saved") == 1
    refusal = next(o for o in outcomes if o != "saved")
    assert "钱保育" in refusal
    assert models.DutyAssignment.objects.filter(staff=carer, date=TODAY).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_earlier_duplicates_counting_once(centre_a):
    """Before the rule a carer could be listed in two classes on one day: the migration keeps
    both rows and counts the first recorded, so the constraint holds for the data there."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    one = ClassGroupFactory(centre=centre_a, name="托小一班")
    two = ClassGroupFactory(centre=centre_a, name="托小二班")
    carer = StaffFactory(centre=centre_a, role=Staff.Role.CARER)
    nurse = StaffFactory(centre=centre_a, role=Staff.Role.HEALTH)
    executor = MigrationExecutor(connection)
    executor.migrate([("supervision", "0005_random_draws")])
    try:
        with connection.cursor() as cursor:
            days = []
            for group in (one, two):
                cursor.execute(
                    "INSERT INTO supervision_classday (class_group_id, date, morning_check_at, "
                    "midday_check_at, staff_changed_in, version, updated_at) "
                    "VALUES (%s, %s, NULL, NULL, 1, 1, now()) RETURNING id", [group.pk, TODAY])
                days.append(cursor.fetchone()[0])
            for day in days:
                for person in (carer, nurse):
                    cursor.execute("INSERT INTO supervision_classday_staff_on_duty "
                                   "(classday_id, staff_id) VALUES (%s, %s)", [day, person.pk])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    rows = models.DutyAssignment.objects.order_by("staff_id", "class_day_id")
    assert [(r.staff_id, r.class_day_id, r.date, r.counts) for r in rows] == [
        (carer.pk, days[0], TODAY, True), (carer.pk, days[1], TODAY, False),
        (nurse.pk, days[0], TODAY, True), (nurse.pk, days[1], TODAY, False)]
    assert set(ClassDay.objects.get(pk=days[1]).staff_on_duty.all()) == {carer, nurse}
