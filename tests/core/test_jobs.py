"""Durable background jobs (luhuituo.core.jobs): a row first, the broker only wakes a worker;
nothing is lost when the broker is down or a worker dies, nothing runs twice at once."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from luhuituo.core import jobs, tasks
from luhuituo.core.locks import advisory_lock, held, lock_key
from luhuituo.core.models import Job

pytestmark = pytest.mark.django_db

CALLS: list[dict] = []


def record(**kwargs) -> None:
    """A job body for these tests."""
    CALLS.append(kwargs)


def explode(**kwargs) -> None:
    raise RuntimeError("database went away")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


@pytest.fixture
def sent(monkeypatch):
    """The messages sent to the broker (no worker: nothing runs until the test says so)."""
    messages = []
    monkeypatch.setattr(tasks.run_job, "apply_async",
                        lambda args=None, kwargs=None, **options: messages.append(kwargs))
    return messages


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_job, "apply_async", refuse)


def test_a_job_is_a_row_of_its_transaction_and_wakes_a_worker_after_the_commit(
        sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.enqueue("tests.core.test_jobs.record", centre=7)
        assert sent == []  # not before the commit
    assert sent == [{"job_id": job.pk}]
    job.refresh_from_db()
    assert (job.status, job.kwargs) == (Job.Status.QUEUED, {"centre": 7})
    assert job.sent_at is not None
    assert jobs.run(job.pk) == Job.Status.DONE
    assert CALLS == [{"centre": 7}]


def test_a_rolled_back_change_leaves_no_job(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError), \
            transaction.atomic():
            jobs.enqueue("tests.core.test_jobs.record")
            raise ValueError
    assert not Job.objects.exists() and sent == []


def test_with_the_broker_down_the_job_waits_and_the_sweeper_sends_it(
        monkeypatch, broker_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.enqueue("tests.core.test_jobs.record", n=1)  # no error for the caller
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.sent_at is None

    messages = []
    monkeypatch.setattr(tasks.run_job, "apply_async",
                        lambda args=None, kwargs=None, **options: messages.append(kwargs))
    assert jobs.sweep()["sent"] == 1
    assert messages == [{"job_id": job.pk}]
    tasks.run_job(**messages[0])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and CALLS == [{"n": 1}]


def test_a_job_sent_recently_is_not_sent_again_but_one_sent_long_ago_is(sent, settings):
    job = Job.objects.create(task="tests.core.test_jobs.record", sent_at=timezone.now())
    assert jobs.sweep()["sent"] == 0
    Job.objects.filter(pk=job.pk).update(
        sent_at=timezone.now() - timedelta(seconds=settings.JOB_RESEND_AFTER_SECONDS + 1))
    assert jobs.sweep()["sent"] == 1 and sent == [{"job_id": job.pk}]


def test_a_failing_job_is_retried_later_then_given_up(settings, sent):
    settings.JOB_MAX_ATTEMPTS = 2
    job = Job.objects.create(task="tests.core.test_jobs.explode")
    assert jobs.run(job.pk) == Job.Status.RETRYING
    job.refresh_from_db()
    assert job.attempts == 1 and "database went away" in job.last_error
    assert job.run_after > timezone.now() + timedelta(seconds=settings.JOB_RETRY_SECONDS - 5)
    assert jobs.run(job.pk) == "not yet"
    assert jobs.sweep()["sent"] == 0  # not due yet

    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    assert jobs.sweep()["sent"] == 1
    assert jobs.run(job.pk) == Job.Status.FAILED
    job.refresh_from_db()
    assert job.attempts == 2 and job.finished_at is not None


def test_a_job_runs_once_at_a_time_and_once_in_all(other_connection):
    job = Job.objects.create(task="tests.core.test_jobs.record")
    other_connection.execute("SELECT pg_advisory_lock(%s)", [lock_key(f"job:{job.pk}")])
    assert jobs.run(job.pk) == "running elsewhere"
    other_connection.execute("SELECT pg_advisory_unlock_all()")
    assert jobs.run(job.pk) == Job.Status.DONE
    assert jobs.run(job.pk) == "nothing to do"  # a duplicate message
    assert len(CALLS) == 1


def test_a_running_job_whose_worker_died_is_sent_again(sent, other_connection):
    """"Running" with nobody holding its lock: the worker was killed (its connection, and the
    lock with it, is gone). Running with the lock held: leave it alone."""
    dead = Job.objects.create(task="tests.core.test_jobs.record", status=Job.Status.RUNNING,
                              attempts=1, started_at=timezone.now())
    alive = Job.objects.create(task="tests.core.test_jobs.record", status=Job.Status.RUNNING,
                               attempts=1, started_at=timezone.now())
    other_connection.execute("SELECT pg_advisory_lock(%s)", [lock_key(f"job:{alive.pk}")])
    result = jobs.sweep()
    assert result["abandoned"] == 1 and sent == [{"job_id": dead.pk}]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Job.Status.RETRYING and alive.status == Job.Status.RUNNING
    assert jobs.run(dead.pk) == Job.Status.DONE


def test_a_job_that_kills_its_worker_every_time_is_given_up(settings):
    settings.JOB_MAX_ATTEMPTS = 3
    job = Job.objects.create(task="tests.core.test_jobs.record", status=Job.Status.RETRYING,
                             attempts=3)
    assert jobs.run(job.pk) == Job.Status.FAILED and CALLS == []


def test_coalesced_jobs_share_a_waiting_row(sent):
    first = jobs.enqueue("tests.core.test_jobs.record", coalesce=True, codes=["A1"])
    assert jobs.enqueue("tests.core.test_jobs.record", coalesce=True, codes=["A1"]) == first
    assert jobs.enqueue("tests.core.test_jobs.record", coalesce=True, codes=["A9"]) != first
    jobs.run(first.pk)
    assert jobs.enqueue("tests.core.test_jobs.record", coalesce=True, codes=["A1"]) != first


def test_finished_jobs_are_forgotten_after_the_keeping_period(settings):
    old = timezone.now() - timedelta(days=settings.JOB_KEEP_DAYS + 1)
    Job.objects.create(task="x", status=Job.Status.DONE, finished_at=old)
    recent = Job.objects.create(task="x", status=Job.Status.DONE, finished_at=timezone.now())
    assert jobs.sweep()["forgotten"] == 1
    assert list(Job.objects.all()) == [recent]


def test_advisory_locks_are_seen_only_while_held(other_connection):
    with advisory_lock("periodic:test") as taken:
        assert taken and held(["periodic:test", "periodic:other"]) == {"periodic:test"}
        other = other_connection.execute("SELECT pg_try_advisory_lock(%s)",
                                         [lock_key("periodic:test")]).fetchone()[0]
        assert other is False
    assert held(["periodic:test"]) == set()
