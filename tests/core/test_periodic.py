"""Scheduled runs survive a missed tick, a redelivered message and a killed worker
(luhuituo.core.periodic), and only one beat sends the schedule (luhuituo.core.beat)."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab

from luhuituo.celery import app as celery_app
from luhuituo.core import jobs, periodic
from luhuituo.core.beat import LeaderScheduler
from luhuituo.core.locks import lock_key
from luhuituo.core.models import Job, PeriodicRun

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUNS: list[str] = []


def at(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def body() -> str:
    RUNS.append("ran")
    return "ran"


def broken() -> None:
    raise ConnectionError("the database is down")


@pytest.fixture(autouse=True)
def daily_entry(settings):
    RUNS.clear()
    settings.CELERY_BEAT_SCHEDULE = {
        **settings.CELERY_BEAT_SCHEDULE,
        "test-daily": {"task": "tests.core.test_periodic.task", "kwargs": {"group": "daily"},
                       "schedule": crontab(hour=6, minute=30)},
    }
    settings.CATCH_UP_ENTRIES = ["test-daily"]
    yield
    RUNS.clear()


def test_the_entry_is_found_by_its_task_and_arguments():
    assert periodic.entry_name("tests.core.test_periodic.task", {"group": "daily"}) == \
        "test-daily"
    assert periodic.entry_name("tests.core.test_periodic.task", {"group": "hourly"}) is None
    assert periodic.entry_name("supervision.tasks.run_checks", {"schedule": "daily"}) == \
        "supervision-checks-daily"


def test_a_tick_is_run_once_however_often_it_is_sent():
    with time_machine.travel(at(3, 6, 30), tick=False):
        assert periodic.run_periodic("test-daily", body) == "ran"
    with time_machine.travel(at(3, 6, 31), tick=False):
        assert periodic.run_periodic("test-daily", body) == {"skipped": "this tick has been run"}
    with time_machine.travel(at(4, 6, 31), tick=False):
        assert periodic.run_periodic("test-daily", body) == "ran"
    assert RUNS == ["ran", "ran"]
    run = PeriodicRun.objects.get(name="test-daily")
    assert run.last_completed_at == at(4, 6, 31)


def test_a_failed_run_is_not_counted_and_is_caught_up_by_the_sweeper(monkeypatch):
    with time_machine.travel(at(3, 6, 30), tick=False):
        periodic.run_periodic("test-daily", body)
    with time_machine.travel(at(4, 6, 30), tick=False), pytest.raises(ConnectionError):
        periodic.run_periodic("test-daily", broken)  # the 06:30 tick met a database outage
    run = PeriodicRun.objects.get(name="test-daily")
    assert run.last_completed_at == at(3, 6, 30) and "database is down" in run.last_error

    sent = []
    monkeypatch.setattr(jobs, "wake", sent.append)
    with time_machine.travel(at(4, 6, 31), tick=False):
        assert periodic.catch_up() == ["test-daily"]
        assert periodic.catch_up() == []  # already queued
    job = Job.objects.get()
    assert (job.task, job.kwargs) == (periodic.RUN_ENTRY, {"name": "test-daily"})


def test_a_missed_tick_is_caught_up_and_an_unmissed_one_is_not(monkeypatch):
    monkeypatch.setattr(jobs, "wake", lambda job_id: True)
    with time_machine.travel(at(3, 6, 30), tick=False):
        periodic.run_periodic("test-daily", body)
    with time_machine.travel(at(4, 6, 0), tick=False):
        assert periodic.catch_up() == []  # the next tick has not come
    with time_machine.travel(at(4, 9, 0), tick=False):  # beat's 06:30 message was lost
        assert periodic.catch_up() == ["test-daily"]


def test_a_run_in_progress_is_not_caught_up_nor_run_twice(monkeypatch, other_connection):
    monkeypatch.setattr(jobs, "wake", lambda job_id: True)
    other_connection.execute("SELECT pg_advisory_lock(%s)",
                             [lock_key("periodic:test-daily")])
    assert periodic.catch_up() == []
    assert periodic.run_periodic("test-daily", body) == {
        "skipped": "another run holds the lock"}
    other_connection.execute("SELECT pg_advisory_unlock_all()")  # that worker was killed
    assert periodic.run_periodic("test-daily", body) == "ran"


def test_the_caught_up_job_runs_the_entry_task(monkeypatch):
    calls = []
    monkeypatch.setattr("tests.core.test_periodic.task", lambda **kw: calls.append(kw),
                        raising=False)
    periodic.run_entry(name="test-daily")
    assert calls == [{"group": "daily"}]


# --- one beat ----------------------------------------------------------------------------------


def _scheduler(tmp_path, name: str) -> LeaderScheduler:
    return LeaderScheduler(app=celery_app, schedule_filename=str(tmp_path / name), lazy=True)


def test_only_one_beat_leads_and_the_other_takes_over_when_it_dies(tmp_path, settings,
                                                                   monkeypatch):
    first, second = _scheduler(tmp_path, "one"), _scheduler(tmp_path, "two")
    sent = []
    monkeypatch.setattr("celery.beat.PersistentScheduler.tick",
                        lambda self, *a, **kw: sent.append(self) or 1.0)
    try:
        assert first.tick() == 1.0 and first.leading
        assert second.tick() == settings.BEAT_LEADER_RETRY_SECONDS and not second.leading
        assert sent == [first]  # the second beat sent nothing
        first._drop()  # the first beat's process died; its server session ends a moment later
        deadline = time.monotonic() + 5
        while second.tick() != 1.0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert second.leading
        assert first.tick() == settings.BEAT_LEADER_RETRY_SECONDS  # it came back: it waits
        assert sent == [first, second]
    finally:
        first._drop()
        second._drop()
