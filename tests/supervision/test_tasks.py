"""The Celery tasks run the checks (eagerly here; the worker test runs them for real)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from luhuituo.core import jobs
from luhuituo.core import tasks as core_tasks
from luhuituo.core.locks import lock_key
from luhuituo.core.models import Job, PeriodicRun
from registry.models import Filing
from supervision import tasks
from supervision.models import Alert
from tests.factories import CentreFactory, ClassGroupFactory
from tests.factories.supervision import enrolled_child

pytestmark = pytest.mark.django_db


def test_a_schedule_group_runs_once_per_tick_and_one_run_at_a_time(other_connection):
    result = tasks.run_checks(schedule="hourly")
    assert set(result) == {"A1", "A8", "A9"}
    assert PeriodicRun.objects.get(name="supervision-checks-hourly").last_completed_at
    # The same tick again (a redelivered message, a catch-up that crossed the beat's): no work.
    assert tasks.run_checks(schedule="hourly") == {"skipped": "this tick has been run"}

    PeriodicRun.objects.filter(name="supervision-checks-hourly").update(
        last_completed_at=timezone.now() - timedelta(hours=2))
    other_connection.execute("SELECT pg_advisory_lock(%s)",
                             [lock_key("periodic:supervision-checks-hourly")])
    assert tasks.run_checks(schedule="hourly") == {"skipped": "another run holds the lock"}
    other_connection.execute("SELECT pg_advisory_unlock_all()")  # that worker died
    assert set(tasks.run_checks(schedule="hourly")) == {"A1", "A8", "A9"}


def test_a_run_for_given_rules_neither_locks_nor_counts_as_a_tick():
    assert set(tasks.run_checks(rules=["A1"])) == {"A1"}
    assert not PeriodicRun.objects.exists()


def test_saving_attendance_queues_the_ratio_check(django_capture_on_commit_callbacks):
    from supervision.services import daily

    centre = CentreFactory(filing=Filing.Status.VERIFIED)
    group = ClassGroupFactory(centre=centre)
    children = [enrolled_child(group) for _ in range(6)]
    from tests.factories import CentreUserFactory, MembershipFactory

    user = CentreUserFactory()
    MembershipFactory(user=user, centre=centre)
    with django_capture_on_commit_callbacks(execute=False):
        daily.save_class_day(group, daily.timezone.localdate(), by=user, staff_ids=[],
                             rows=[{"child_id": c.pk, "status": "present"} for c in children])
    job = Job.objects.get()
    assert (job.task, job.kwargs, job.status) == (
        "supervision.checks.engine.run_rules", {"codes": ["A1", "A8", "A9"]}, Job.Status.QUEUED)
    assert jobs.run(job.pk) == Job.Status.DONE
    assert Alert.objects.filter(rule="A1", centre=centre).exists()


def test_a_broker_failure_does_not_break_saving(monkeypatch, django_capture_on_commit_callbacks):
    from supervision.services import daily

    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(core_tasks.run_job, "apply_async", broken)
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
    assert Job.objects.get().status == Job.Status.QUEUED  # the sweeper will send it


def test_escalate_task():
    assert tasks.escalate_alerts() == 0
