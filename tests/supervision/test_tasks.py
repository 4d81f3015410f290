"""The Celery tasks run the checks (eagerly here; the worker test runs them for real)."""

import pytest
from django.core.cache import cache

from registry.models import Filing
from supervision import tasks
from supervision.models import Alert
from tests.factories import CentreFactory, ClassGroupFactory
from tests.factories.supervision import enrolled_child

pytestmark = pytest.mark.django_db


def test_a_schedule_group_runs_its_rules_and_holds_a_lock():
    result = tasks.run_checks(schedule="hourly")
    assert set(result) == {"A1", "A9"}
    cache.add("luhuituo:checks:hourly", "1", timeout=60)
    assert tasks.run_checks(schedule="hourly") == {"skipped": "another run holds the lock"}


def test_saving_attendance_queues_the_ratio_check(monkeypatch, django_capture_on_commit_callbacks):
    from supervision.services import daily

    centre = CentreFactory(filing=Filing.Status.VERIFIED)
    group = ClassGroupFactory(centre=centre)
    children = [enrolled_child(group) for _ in range(6)]
    queued = []
    monkeypatch.setattr(tasks.run_checks, "apply_async",
                        lambda args=None, kwargs=None, **options: queued.append(kwargs))
    from tests.factories import CentreUserFactory, MembershipFactory

    user = CentreUserFactory()
    MembershipFactory(user=user, centre=centre)
    with django_capture_on_commit_callbacks(execute=True):
        daily.save_class_day(group, daily.timezone.localdate(), by=user, staff_ids=[],
                             rows=[{"child_id": c.pk, "status": "present"} for c in children])
    assert queued == [{"rules": ["A1", "A9"]}]
    tasks.run_checks(**queued[0])
    assert Alert.objects.filter(rule="A1", centre=centre).exists()


def test_a_broker_failure_does_not_break_saving(monkeypatch, django_capture_on_commit_callbacks):
    from supervision.services import daily

    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.run_checks, "apply_async", broken)
    centre = CentreFactory(filing=Filing.Status.VERIFIED)
    group = ClassGroupFactory(centre=centre)
    child = enrolled_child(group)
    from tests.factories import CentreUserFactory, MembershipFactory

    user = CentreUserFactory()
    MembershipFactory(user=user, centre=centre)
    with django_capture_on_commit_callbacks(execute=True):
        record = daily.save_class_day(group, daily.timezone.localdate(), by=user,
                                      staff_ids=[], rows=[{"child_id": child.pk,
                                                           "status": "present"}])
    assert record.attendance.count() == 1


def test_escalate_task():
    assert tasks.escalate_alerts() == 0
