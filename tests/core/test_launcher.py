"""The process supervisor behind make run / make serve leaves no process behind; gunicorn's
control socket belongs to the instance."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

from luhuituo import launcher
from luhuituo.launcher import Supervisor

# A child that forks a grandchild, as gunicorn and Celery do; both print their pids.
FORKING_CHILD = [sys.executable, "-c", (
    "import subprocess, sys, time\n"
    "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
    "print(g.pid, flush=True)\n"
    "time.sleep(300)\n"
)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def start_forking(supervisor: Supervisor, name: str) -> tuple[int, int]:
    proc = subprocess.Popen(FORKING_CHILD, stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    supervisor.children[name] = proc
    grandchild = int(proc.stdout.readline())
    return proc.pid, grandchild


def test_stop_all_leaves_no_child_or_grandchild():
    supervisor = Supervisor()
    pids = [*start_forking(supervisor, "web"), *start_forking(supervisor, "worker")]
    assert all(alive(pid) for pid in pids)
    supervisor.stop_all(timeout=5)
    time.sleep(0.2)
    assert not any(alive(pid) for pid in pids)


def test_one_child_dying_stops_the_others_with_an_error_code():
    supervisor = Supervisor()
    pids = start_forking(supervisor, "web")
    supervisor.start("worker", [sys.executable, "-c", "import sys; sys.exit(3)"])
    assert supervisor.wait() == 3
    time.sleep(0.2)
    assert not any(alive(pid) for pid in pids)


def test_sigterm_to_the_launcher_stops_everything():
    supervisor = Supervisor()
    pids = start_forking(supervisor, "web")
    threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGTERM)).start()
    previous = signal.getsignal(signal.SIGTERM)
    assert supervisor.wait() == 0
    assert signal.getsignal(signal.SIGTERM) is previous
    time.sleep(0.2)
    assert not any(alive(pid) for pid in pids)


def test_gunicorns_control_socket_is_under_the_instances_var_dir(monkeypatch, tmp_path):
    monkeypatch.setattr(launcher, "VAR_DIR", tmp_path / "var")
    command = launcher.gunicorn_command("127.0.0.1:8000")
    assert command[command.index("--control-socket") + 1] == str(tmp_path / "var" / "gunicorn.ctl")


def test_gunicorn_creates_its_control_socket_there(tmp_path):
    """The installed gunicorn knows --control-socket (25.1 and later) and puts it in var/."""
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-c", (
        "import sys; from luhuituo import launcher; "
        f"print(' '.join(launcher.gunicorn_command('127.0.0.1:{port}')))")]
    env = {**os.environ, "LUHUITUO_VAR_DIR": str(var_dir), "WEB_WORKERS": "1"}
    argv = subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                          cwd=launcher.BASE_DIR).stdout.split()
    web = subprocess.Popen(argv, env=env, cwd=launcher.BASE_DIR, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    control = var_dir / "gunicorn.ctl"
    try:
        deadline = time.monotonic() + 30
        while not control.is_socket() and web.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert control.is_socket(), web.stderr.read() if web.poll() is not None else "no socket"
    finally:
        web.terminate()
        try:
            web.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait()
