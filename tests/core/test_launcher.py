"""The process supervisor behind make run / make serve leaves no process behind."""

import os
import signal
import subprocess
import sys
import threading
import time

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
