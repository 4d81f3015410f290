"""Process launcher behind ``make run``, ``make test`` and ``make serve``.

    python -m luhuituo.launcher run     # dev: embedded services unless DATABASE_URL/REDIS_URL
    python -m luhuituo.launcher test [pytest args]
    python -m luhuituo.launcher serve   # production process set against DATABASE_URL/REDIS_URL

``run`` and ``serve`` start web, one Celery worker and exactly one Celery beat as children,
stop all of them on Ctrl-C (SIGINT) or SIGTERM, and then stop the embedded PostgreSQL if this
process started it. If any child dies, the others are stopped too and the exit code is non-zero.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LUHUITUO_VAR_DIR", BASE_DIR / "var"))
PYTHON = sys.executable
MANAGE = [PYTHON, str(BASE_DIR / "manage.py")]
CELERY = [PYTHON, "-m", "celery", "-A", "luhuituo"]
SEEDED_MARKER = VAR_DIR / ".demo-seeded"


def say(message: str) -> None:
    print(f"[luhuituo] {message}", flush=True)


def prepare_environment(*, dev: bool) -> bool:
    """Set the environment the children inherit. Returns True if an embedded PostgreSQL was
    started (or attached to) by this process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luhuituo.settings")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    if dev:
        os.environ.setdefault("LUHUITUO_DEV", "1")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("REDIS_URL"):
        for folder in ("queue", "control"):
            (VAR_DIR / "broker" / folder).mkdir(parents=True, exist_ok=True)
    if os.environ.get("DATABASE_URL"):
        return False
    if not dev:
        sys.exit("DATABASE_URL is required for 'serve' (see README, Production).")
    from luhuituo.embedded import embedded_database_url

    say(f"starting the embedded PostgreSQL in {VAR_DIR / 'pgdata'} …")
    os.environ["DATABASE_URL"] = embedded_database_url(VAR_DIR)
    return True


def release_embedded(started: bool) -> None:
    if started:
        from luhuituo.embedded import stop_server

        stop_server()
        say("embedded PostgreSQL stopped")


def manage(*args: str) -> None:
    subprocess.run([*MANAGE, *args], check=True, cwd=BASE_DIR)


class Supervisor:
    """Start named child processes, wait until one exits or we are told to stop, stop all."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = False

    def start(self, name: str, argv: list[str]) -> None:
        # Each child leads its own process group, so stopping it also stops what it forked
        # (gunicorn workers, Celery pool processes) and a terminal's Ctrl-C reaches only us.
        self.children[name] = subprocess.Popen(argv, cwd=BASE_DIR, start_new_session=True)

    def _signal(self, signum, frame) -> None:
        self.stopping = True

    def wait(self) -> int:
        previous = {
            sig: signal.signal(sig, self._signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        code = 0
        try:
            while not self.stopping:
                for name, proc in self.children.items():
                    if proc.poll() is not None:
                        say(f"{name} exited with code {proc.returncode}; stopping the others")
                        code = proc.returncode or 1
                        self.stopping = True
                        break
                time.sleep(0.5)
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return code

    def stop_all(self, timeout: float = 15) -> None:
        # SIGTERM to each child's main process only: gunicorn and Celery then stop their own
        # workers gracefully (a group-wide signal makes Celery report its pool as crashed).
        for proc in self.children.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout
        for name, proc in self.children.items():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop in time; killing it")
            # Whatever is left in the child's group (a stuck pool process) goes too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        say("all processes stopped")


def celery_commands() -> tuple[list[str], list[str]]:
    loglevel = os.environ.get("CELERY_LOG_LEVEL", "info")
    concurrency = os.environ.get("CELERY_CONCURRENCY", "2")
    worker = [*CELERY, "worker", "-l", loglevel, "--concurrency", concurrency,
              "--without-mingle", "--without-gossip"]
    beat = [*CELERY, "beat", "-l", loglevel,
            "-s", str(VAR_DIR / "celerybeat-schedule")]
    return worker, beat


def gunicorn_command(bind: str) -> list[str]:
    """The web process of ``serve``. Its control socket (``gunicornc``) lives in this instance's
    var/: gunicorn's default, ~/.gunicorn/gunicorn.ctl, is one per user, and a second instance
    started by the same user would take it over."""
    return [
        PYTHON, "-m", "gunicorn", "luhuituo.wsgi:application",
        "--worker-class", "gthread",
        "--workers", os.environ.get("WEB_WORKERS", "2"),
        "--threads", os.environ.get("WEB_THREADS", "4"),
        "--bind", bind,
        "--forwarded-allow-ips", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "--access-logfile", "-",
        "--timeout", "60",
        "--control-socket", str(VAR_DIR / "gunicorn.ctl"),
    ]


def run() -> int:
    started = prepare_environment(dev=True)
    try:
        say("applying migrations …")
        manage("migrate", "--noinput", "-v", "0")
        if SEEDED_MARKER.exists():
            manage("seed_demo", "--logins-only")
        else:
            say("first run: loading the demo data …")
            manage("seed_demo")
            SEEDED_MARKER.touch()
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        supervisor = Supervisor()
        supervisor.start("web", [*MANAGE, "runserver", f"{host}:{port}", "--noreload"])
        worker, beat = celery_commands()
        supervisor.start("worker", worker)
        supervisor.start("beat", beat)
        broker = "Redis" if os.environ.get("REDIS_URL") else f"files under {VAR_DIR / 'broker'}"
        say(f"泸惠托 is running at http://{host}:{port}/  (broker: {broker})")
        say("press Ctrl-C to stop web, worker, beat and the database")
        return supervisor.wait()
    finally:
        release_embedded(started)


def test(pytest_args: list[str]) -> int:
    started = prepare_environment(dev=True)
    # One pytest-xdist worker per CPU, each with its own test database (tests/conftest.py keeps
    # their Redis keys apart and tests/demo on one worker); the 15 slowest tests close every
    # run, so a test that grows slow is seen. PYTEST_ARGS come last and win: "-n 0" runs in
    # this process (--pdb does too), "--durations=0" lists every test.
    command = [PYTHON, "-m", "pytest", "-n", "auto", "--durations=15", *pytest_args]
    try:
        return subprocess.run(command, cwd=BASE_DIR).returncode
    finally:
        release_embedded(started)


def serve() -> int:
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY"):
        if not os.environ.get(name):
            sys.exit(f"{name} is required for 'serve' (see README, Production).")
    prepare_environment(dev=False)
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput", "-v", "0")
    bind = os.environ.get("BIND", "0.0.0.0:8000")
    supervisor = Supervisor()
    supervisor.start("web", gunicorn_command(bind))
    worker, beat = celery_commands()
    supervisor.start("worker", worker)
    supervisor.start("beat", beat)
    say(f"serving on {bind} with gunicorn (gthread), one worker and one beat")
    return supervisor.wait()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "serve"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run()
    if command == "test":
        return test(rest)
    return serve()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
