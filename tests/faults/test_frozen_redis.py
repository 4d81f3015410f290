"""A hung Redis must not stall the site (docs/operations.md#timeouts).

Each test starts its own throwaway ``redis-server`` on a free port, points a cache or a Celery
app at it with the options of the settings, freezes it with SIGSTOP and measures how long a call
takes. Every call runs in a thread joined with a time limit, so a regression fails the test
instead of hanging the run, and the server is always resumed and killed. ``-m faults`` runs
these tests alone."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest
import redis
from django.core.cache.backends.redis import RedisCache
from django.test import Client, override_settings

from luhuituo.celery import app as celery_app
from luhuituo.core import jobs
from luhuituo.core.models import Job
from luhuituo.core.tasks import heartbeat
from tests.factories import StaffFactory

from .conftest import celery_app_at

pytestmark = pytest.mark.faults


@dataclass
class RedisServer:
    process: subprocess.Popen
    url: str

    @contextlib.contextmanager
    def frozen(self):
        """The server stops answering (SIGSTOP) but its port stays open, as a hung host's does."""
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_server():
    executable = shutil.which("redis-server")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but redis-server is not installed: the fault tests must run.")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = RedisServer(process, f"redis://127.0.0.1:{port}/0")
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(server.url, socket_timeout=1).ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("the throwaway redis-server did not start")
                time.sleep(0.05)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)
        process.kill()
        process.wait(timeout=10)


class Hung(BaseException):
    """Raised by the alarm of ``timed``: a BaseException, so no ``except Exception`` under test
    swallows it."""


def timed(call, *, give_up_after: int = 20):
    """(seconds, result or the exception raised) of call(). An alarm interrupts a call that
    hangs, so the test fails after give_up_after seconds instead of hanging the run."""

    def alarm(signum, frame):
        raise Hung(f"still waiting after {give_up_after} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(give_up_after)
    start = time.monotonic()
    try:
        try:
            result = call()
        except Exception as exc:
            result = exc
        return time.monotonic() - start, result
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_cache_call_to_a_frozen_redis_gives_up_within_two_seconds(redis_server, settings):
    cache = RedisCache(redis_server.url, {"OPTIONS": settings.REDIS_CACHE_OPTIONS})
    cache.set("key", "value")  # a pooled connection exists, as in a running site
    with redis_server.frozen():
        seconds_get, result_get = timed(lambda: cache.get("key"))
        seconds_set, result_set = timed(lambda: cache.set("key", "other"))
    assert isinstance(result_get, redis.exceptions.TimeoutError)
    assert isinstance(result_set, redis.exceptions.TimeoutError)
    assert seconds_get < 2 and seconds_set < 2, (seconds_get, seconds_set)
    assert cache.get("key") == "value"  # and it works again once Redis answers


@pytest.mark.django_db
def test_waking_a_worker_gives_up_on_a_frozen_broker_within_three_seconds(
        redis_server, settings, caplog, django_capture_on_commit_callbacks):
    with celery_app_at(redis_server.url, settings):
        # Sent once while Redis answers, so a pooled broker connection exists.
        with django_capture_on_commit_callbacks(execute=True):
            jobs.enqueue("luhuituo.core.tasks.heartbeat")
        assert redis.Redis.from_url(redis_server.url).llen("celery") == 1
        with redis_server.frozen():
            with django_capture_on_commit_callbacks() as callbacks:
                job = jobs.enqueue("luhuituo.core.tasks.heartbeat")
            assert len(callbacks) == 1
            seconds, result = timed(callbacks[0])
    assert result is False  # the broker error is logged, never raised
    assert f"could not wake a worker for job {job.pk}" in caplog.text
    assert Job.objects.get(pk=job.pk).sent_at is None  # the sweeper will send it
    # A dead pooled connection is retried once (≈ 1 s), then reconnecting (≈ 1 s) and sending
    # again (≈ 1 s) time out: about 3 s in all.
    assert seconds < 4, seconds


@pytest.mark.django_db
def test_pages_that_do_not_need_redis_do_not_wait_for_it(redis_server, settings, manager,
                                                          centre_a):
    """Sessions, the login lockout and CSRF do not touch the cache: with the cache and the
    broker frozen (and a long Redis timeout, so that any wait for it would show), the login
    page and a list page answer at their ordinary speed."""
    StaffFactory(centre=centre_a)
    slow_options = {"socket_connect_timeout": 5, "socket_timeout": 5}
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": redis_server.url, "OPTIONS": slow_options}}
    anonymous, member = Client(), Client()
    pages = [(anonymous, "/login/"), (member, f"/centre/{centre_a.pk}/staff/")]
    with override_settings(CACHES=caches), celery_app_at(redis_server.url, settings):
        member.force_login(manager, backend="luhuituo.core.auth.UsernameOrMobileBackend")
        for client, url in pages:  # warm up: templates compiled, connections open
            assert client.get(url).status_code == 200
        with redis_server.frozen():
            for client, url in pages:
                seconds, response = timed(lambda client=client, url=url: client.get(url))
                assert response.status_code == 200
                assert seconds < 2, (url, seconds)


@pytest.mark.django_db
def test_healthz_answers_503_within_two_seconds_when_the_broker_is_frozen(
        redis_server, settings, client):
    heartbeat()
    conf = celery_app.conf
    original = conf.broker_url, conf.broker_transport_options
    conf.broker_url, conf.broker_transport_options = (redis_server.url,
                                                      settings.REDIS_TRANSPORT_OPTIONS)
    try:
        assert client.get("/healthz/").status_code == 200
        with redis_server.frozen():
            seconds, response = timed(lambda: client.get("/healthz/"))
    finally:
        conf.broker_url, conf.broker_transport_options = original
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
    assert response.json()["database"]["ok"] is True
    assert seconds < 2, seconds
