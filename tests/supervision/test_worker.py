"""A real Celery beat and worker, talking through the real Redis broker, run the scheduled
checks and raise an alert (issue 4: "a scheduled check creates an alert").

Beat runs every check group every 2 seconds (``CHECK_EVERY_SECONDS``); the worker runs the
tasks against this test's database. Skipped without ``REDIS_URL``, except under CI, where it
must run.
"""

import datetime as dt
import os
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.utils import timezone

from registry.models import Filing
from supervision.models import Alert
from tests.dburl import database_url
from tests.factories import CentreFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but REDIS_URL is not set: the worker test must run.")
        pytest.skip("REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis at {url} is not reachable")
    return url


def test_beat_and_worker_raise_an_alert_through_redis(tmp_path):
    redis_url = _redis_url()
    centre = CentreFactory(name="调度测试托育园", filing=Filing.Status.VERIFIED)
    # Filed 400 days ago and no drill since: rule A22 (daily group) must fire.
    Filing.objects.filter(centre=centre).update(filed_at=timezone.now() - dt.timedelta(400))

    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": redis_url,
           "CHECK_EVERY_SECONDS": "2", "LUHUITUO_VAR_DIR": str(tmp_path), "LUHUITUO_DEV": "1",
           "CELERY_TASK_ALWAYS_EAGER": "0"}
    celery = [sys.executable, "-m", "celery", "-A", "luhuituo"]
    logs = {name: open(tmp_path / f"{name}.log", "w+") for name in ("worker", "beat")}  # noqa: SIM115
    processes = [
        subprocess.Popen([*celery, "worker", "--pool=solo", "--loglevel=INFO",
                          "--without-mingle", "--without-gossip"],
                         env=env, stdout=logs["worker"], stderr=subprocess.STDOUT),
        subprocess.Popen([*celery, "beat", "--loglevel=INFO",
                          "--schedule", str(tmp_path / "beat-schedule")],
                         env=env, stdout=logs["beat"], stderr=subprocess.STDOUT),
    ]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if Alert.objects.filter(rule="A22", centre=centre).exists():
                break
            if any(p.poll() is not None for p in processes):
                break
            time.sleep(1)
        alert = Alert.objects.filter(rule="A22", centre=centre).first()
        if alert is None:
            output = ""
            for name, log in logs.items():
                log.seek(0)
                output += f"--- {name} ---\n{log.read()[-3000:]}\n"
            pytest.fail(f"no A22 alert from the worker within 90 s\n{output}")
        assert alert.status == Alert.Status.OPEN and alert.severity == "yellow"
        logs["beat"].seek(0)
        assert "supervision-checks-daily" in logs["beat"].read()  # sent by beat, on schedule
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()
        connection.close()
