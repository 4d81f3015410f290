"""The database drops every connection (a restart, a failover) under ten concurrent clients:
at most the requests in flight fail, then every request succeeds, nothing restarted."""

import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from .conftest import free_port

pytestmark = [pytest.mark.faults,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLIENTS = 10


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (http://127…)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def test_requests_succeed_again_right_after_the_database_dropped_every_connection(processes):
    port = free_port()
    processes.web(port)
    url = f"http://127.0.0.1:{port}/centres/"  # the public list: it reads the database
    results: list[tuple[float, int]] = []
    stop = threading.Event()

    def client():
        while not stop.is_set():
            status = _get(url)
            results.append((time.monotonic(), status))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    with connection.cursor() as cursor:  # every other session of this database goes
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        dropped = cursor.fetchone()[0]
    dropped_at = time.monotonic()
    time.sleep(4)
    stop.set()
    for thread in threads:
        thread.join(timeout=20)

    assert dropped >= 1
    before = [status for at, status in results if at < dropped_at]
    after = [status for at, status in results if at > dropped_at + 1]
    failed_around = [status for at, status in results
                     if dropped_at <= at <= dropped_at + 1 and status != 200]
    assert before and set(before) == {200}, processes.all_logs()
    assert len(after) > CLIENTS and set(after) == {200}, processes.all_logs()
    assert len(failed_around) <= CLIENTS  # at most what was in flight
