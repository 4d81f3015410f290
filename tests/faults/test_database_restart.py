"""PostgreSQL restarts under ten concurrent clients: at most the requests in flight fail, then
every request sent after the server is back succeeds, nothing of ours restarted."""

import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.dburl import database_url

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


def test_requests_succeed_again_right_after_postgresql_restarted(postgres_server, processes):
    postgres_server.copy_database(database_url())
    port = free_port()
    processes.web(port, DATABASE_URL=postgres_server.url)
    url = f"http://127.0.0.1:{port}/centres/"  # the public list: it reads the database
    results: list[tuple[float, int]] = []  # (when the request was sent, its status)
    stop = threading.Event()

    def client():
        while not stop.is_set():
            started = time.monotonic()
            results.append((started, _get(url)))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    restart_began = time.monotonic()
    postgres_server.restart()  # "fast": every session is cut, the server comes back
    restarted = time.monotonic()
    time.sleep(4)
    stop.set()
    for thread in threads:
        thread.join(timeout=20)

    before = [status for at, status in results if at < restart_began - 1]
    during = [status for at, status in results if restart_began - 1 <= at <= restarted]
    after = [status for at, status in results if at > restarted]
    assert before and set(before) == {200}, processes.all_logs()
    assert len(after) > CLIENTS and set(after) == {200}, (during, processes.all_logs())
