"""Killed workers, a broker down at a tick, two beats: nothing stalls, nothing is lost, nothing
doubles (issue "Reliability"). Real Celery processes and a Redis of the test's own."""

import datetime as dt
import subprocess
import time

import psycopg
import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from luhuituo.core.models import Job, PeriodicRun
from registry.models import Filing
from supervision.models import Alert
from tests.dburl import database_url
from tests.factories import CentreFactory

from .conftest import wait_for

pytestmark = [pytest.mark.faults,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DAILY = "supervision-checks-daily"


@pytest.fixture
def centre_due_a_drill():
    """Filed 400 days ago with no drill since: rule A22 (daily group) fires for it."""
    centre = CentreFactory(name="故障测试托育园", filing=Filing.Status.VERIFIED)
    Filing.objects.filter(centre=centre).update(filed_at=timezone.now() - dt.timedelta(400))
    return centre


def _sql(query: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _waiting_on_the_alert_table() -> bool:
    return bool(_sql(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND query ILIKE %s", ["%supervision_alert%"]))


def _no_duplicate_alerts() -> None:
    duplicates = _sql("SELECT rule, centre_id, count(*) FROM supervision_alert "
                      "WHERE status <> 'resolved' GROUP BY rule, centre_id, subject_type_id, "
                      "subject_id HAVING count(*) > 1")
    assert duplicates == []


@pytest.fixture
def alert_table_lock():
    """A transaction holding the alert table so the checks block on their first write: the
    moment to kill the process running them."""
    conn = psycopg.connect(database_url())
    conn.execute("LOCK TABLE supervision_alert IN SHARE ROW EXCLUSIVE MODE")
    yield conn
    conn.close()


def _send_daily_tick(redis_url: str) -> None:
    """What beat sends at 06:30."""
    app = Celery(broker=redis_url)
    app.send_task("supervision.tasks.run_checks", kwargs={"schedule": "daily"})
    app.close()


def test_a_killed_pool_process_is_retried_and_the_run_completes(
        redis_server, processes, centre_due_a_drill, alert_table_lock):
    worker = processes.worker()
    _send_daily_tick(redis_server.url)
    wait_for(_waiting_on_the_alert_table, timeout=60, what="the checks reaching the alerts")
    children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True,
                              text=True).stdout.split()
    assert children, processes.all_logs()
    subprocess.run(["kill", "-9", *children], check=True)
    alert_table_lock.rollback()  # the database is free again

    def completed():
        run = PeriodicRun.objects.filter(name=DAILY).first()
        return run is not None and run.last_completed_at is not None
    wait_for(completed, timeout=60, what=f"the daily run completing{processes.all_logs()}")
    assert Alert.objects.filter(rule="A22", centre=centre_due_a_drill).count() == 1
    _no_duplicate_alerts()
    assert "WorkerLostError" in processes.log("worker")


def test_a_killed_worker_is_caught_up_by_the_sweeper_when_a_worker_is_back(
        redis_server, processes, centre_due_a_drill, alert_table_lock):
    processes.worker()
    _send_daily_tick(redis_server.url)
    wait_for(_waiting_on_the_alert_table, timeout=60, what="the checks reaching the alerts")
    processes.kill("worker")  # the whole worker: its message stays unacknowledged in Redis
    alert_table_lock.rollback()
    # The run's advisory lock died with the worker's connection: nothing blocks the next run.
    wait_for(lambda: not _sql("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = "
                              "(SELECT oid FROM pg_database WHERE datname = current_database())"),
             timeout=10, what="the killed worker's lock going")
    assert not Alert.objects.filter(rule="A22").exists()

    processes.worker("worker2")
    processes.beat(SWEEP_EVERY_SECONDS="2")
    wait_for(lambda: Job.objects.filter(task="luhuituo.core.periodic.run_entry",
                                        kwargs={"name": DAILY}, status=Job.Status.DONE).exists(),
             timeout=60, what=f"the caught-up daily run{processes.all_logs()}")
    assert Alert.objects.filter(rule="A22", centre=centre_due_a_drill).count() == 1
    _no_duplicate_alerts()


def test_a_tick_missed_while_the_broker_was_down_runs_when_it_is_back(
        redis_server, processes, centre_due_a_drill):
    # The daily run last completed yesterday; today's 06:30 tick found the broker down.
    yesterday = timezone.now() - dt.timedelta(hours=25)
    PeriodicRun.objects.create(name=DAILY, last_completed_at=yesterday)
    redis_server.stop()
    processes.worker()
    processes.beat(SWEEP_EVERY_SECONDS="2")
    time.sleep(4)  # both keep trying to reach the broker
    assert not Alert.objects.filter(rule="A22").exists()
    redis_server.start()
    wait_for(lambda: PeriodicRun.objects.get(name=DAILY).last_completed_at > yesterday,
             timeout=60, what=f"the missed daily run{processes.all_logs()}")
    assert Alert.objects.filter(rule="A22", centre=centre_due_a_drill).count() == 1
    _no_duplicate_alerts()


def _sends(log: str, entry: str = "supervision-checks-hourly") -> int:
    return log.count(f"Sending due task {entry} ")


def test_two_beats_send_each_entry_once_and_the_second_takes_over(redis_server, processes):
    processes.beat("beat1", CHECK_EVERY_SECONDS="2")
    wait_for(lambda: _sends(processes.log("beat1")), timeout=30, what="beat1 sending")
    processes.beat("beat2", CHECK_EVERY_SECONDS="2")
    time.sleep(12)
    first, second = _sends(processes.log("beat1")), _sends(processes.log("beat2"))
    assert first >= 4 and second == 0, processes.all_logs()

    processes.kill("beat1")
    wait_for(lambda: _sends(processes.log("beat2")), timeout=30,
             what=f"beat2 taking over{processes.all_logs()}")
