"""Fault injection: the tests here start their own Redis, Celery worker and beat processes, and
stop, kill and restart them while the platform works (issue "Reliability").

They share the test database with the processes they start (``transaction=True``) and use a
Redis server of their own on a free port, so freezing or killing it disturbs nothing else. Each
wait is bounded. Run them alone with ``make test PYTEST_ARGS="-m faults"``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery, current_app
from django.conf import settings
from django.db import connection

from tests.dburl import database_url

CELERY = [sys.executable, "-m", "celery", "-A", "luhuituo"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.5, what: str = "it"):
    """``predicate()``'s first truthy value within ``timeout`` seconds, else fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"{what} did not happen within {timeout:.0f} s")


class RedisServer:
    """A throwaway redis-server: start, stop (kill), freeze (SIGSTOP), thaw, restart."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, timeout=10, interval=0.1, what="redis-server starting")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


class PostgresServer:
    """A throwaway PostgreSQL cluster of Debian's binaries, run as the postgres user (initdb
    refuses root), on a free port: start, restart, stop."""

    def __init__(self):
        import glob
        import tempfile

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found or not shutil.which("runuser"):
            if os.environ.get("CI") == "true":
                pytest.fail("CI=true but PostgreSQL's server binaries are missing")
            pytest.skip("PostgreSQL's server binaries are not installed")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        # Not under pytest's tmp_path: the postgres user cannot enter root's private folder.
        self.directory = Path(tempfile.mkdtemp(prefix="luhuituo-pg-"))
        self.directory.chmod(0o755)
        shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/luhuituo"

    def _run(self, *argv: str, timeout: float = 120) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / argv[0]), *argv[1:]],
                       check=True, capture_output=True, timeout=timeout)

    def _ctl(self, action: str, *extra: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-l", str(self.directory / "log"),
                  "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c full_page_writes=off", action, *extra)

    def start(self) -> None:
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                      "-E", "UTF8", "--no-sync")
        self._ctl("start")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def copy_database(self, source_url: str) -> None:
        """The test database (schema and the rows migrations put there) as ``luhuituo``. Needs
        a pg_dump as new as the test database's server (not so with the embedded server of
        `make test` without DATABASE_URL, which is newer than Debian's: skipped there)."""
        server = connection.pg_version // 10000
        client = int(subprocess.run([str(self.bin / "pg_dump"), "--version"],
                                    capture_output=True, text=True, check=True)
                     .stdout.split()[-1].split(".")[0])
        if client < server:
            pytest.skip(f"pg_dump {client} cannot copy a PostgreSQL {server} database")
        admin = self.url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", "CREATE DATABASE luhuituo"], check=True,
                       capture_output=True, timeout=60)
        dump = subprocess.run([str(self.bin / "pg_dump"), "--no-owner", "--no-privileges",
                               source_url],
                              check=True, capture_output=True, timeout=120)
        subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", self.url], input=dump.stdout,
                       check=True, capture_output=True, timeout=120)


class Processes:
    """Celery workers and beats of this test, each in its own process group with a log."""

    def __init__(self, directory: Path, env: dict[str, str]):
        self.directory = directory
        self.env = env
        self.started: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}

    def _start(self, name: str, argv: list[str], **env) -> subprocess.Popen:
        log = self.directory / f"{name}.log"
        self.logs[name] = log
        with open(log, "ab") as out:
            process = subprocess.Popen(argv, env={**self.env, **env}, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.started[name] = process
        return process

    def worker(self, name: str = "worker", **env) -> subprocess.Popen:
        return self._start(name, [*CELERY, "worker", "--pool=prefork", "--concurrency=1",
                                  "--loglevel=INFO", "--without-mingle", "--without-gossip",
                                  "-n", f"{name}@%h"], **env)

    def beat(self, name: str = "beat", **env) -> subprocess.Popen:
        return self._start(name, [*CELERY, "beat", "--loglevel=INFO",
                                  "--schedule", str(self.directory / f"{name}-schedule")],
                           **env)

    def web(self, port: int, name: str = "web", **env) -> subprocess.Popen:
        """gunicorn as ``make serve`` runs it (gthread), on 127.0.0.1:``port``."""
        process = self._start(name, [sys.executable, "-m", "gunicorn", "luhuituo.wsgi:application",
                                     "--worker-class", "gthread", "--workers", "1",
                                     "--threads", "4", "--bind", f"127.0.0.1:{port}",
                                     "--timeout", "60"], **env)
        wait_for(lambda: _answers_http(port), timeout=60, interval=0.2,
                 what="gunicorn starting")
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group: no clean shutdown, nothing acknowledged."""
        process = self.started.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace") if name in self.logs else ""

    def all_logs(self) -> str:
        return "".join(f"\n--- {name} ---\n{self.log(name)[-3000:]}" for name in self.logs)

    def stop_all(self) -> None:
        for name in list(self.started):
            self.kill(name)


@contextlib.contextmanager
def celery_app_at(url: str, settings):
    """A Celery app configured like luhuituo.celery's (the CELERY_ settings) but with its broker
    at url and the Redis transport options, made the current app for the duration."""
    app = Celery("faults", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(broker_url=url, task_always_eager=False,
                    broker_transport_options=settings.REDIS_TRANSPORT_OPTIONS)
    previous = current_app._get_current_object()
    app.set_current()
    try:
        yield app
    finally:
        previous.set_current()
        app.close()


def _answers_http(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_server():
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def processes(tmp_path, redis_server):
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": redis_server.url,
           "LUHUITUO_DEV": "1", "LUHUITUO_VAR_DIR": str(tmp_path),
           "SECRET_KEY": settings.SECRET_KEY,
           "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
           "CELERY_TASK_ALWAYS_EAGER": "0", "BEAT_LEADER_RETRY_SECONDS": "1"}
    started = Processes(tmp_path, env)
    yield started
    started.stop_all()
    connection.close()
