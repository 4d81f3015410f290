"""Every network call has a time limit (docs/operations.md#timeouts): PostgreSQL statements of
web processes, the mail server. Redis and the broker are in test_faults.py."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail

from tests.dburl import database_url

BASE_DIR = Path(__file__).resolve().parents[2]


def run_in_a_new_process(code: str, **env: str) -> str:
    """Run code in a fresh Python with the project's settings; what it prints."""
    environment = {**os.environ, "DATABASE_URL": database_url(), "LUHUITUO_DEV": "1"}
    environment.pop("LUHUITUO_WEB", None)
    environment.update(env)
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip()


SHOW = ("from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW statement_timeout')\n"
        "    print(cursor.fetchone()[0])\n")
AS_WEB = "import luhuituo.wsgi\n"  # what gunicorn loads
AS_COMMAND = "import django\ndjango.setup()\n"  # a worker, beat or manage.py command


@pytest.mark.django_db
def test_web_processes_get_the_statement_timeout_and_other_processes_do_not():
    assert run_in_a_new_process(AS_WEB + SHOW) == "30s"
    assert run_in_a_new_process(AS_COMMAND + SHOW) == "0"
    assert run_in_a_new_process(AS_COMMAND + SHOW, DB_TASK_STATEMENT_TIMEOUT_MS="600000") == "10min"


@pytest.mark.django_db
def test_a_web_statement_running_too_long_is_cancelled():
    code = AS_WEB + (
        "import time\n"
        "from django.db import connection, OperationalError\n"
        "connection.ensure_connection()\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('SELECT pg_sleep(5)')\n"
        "    print('finished')\n"
        "except OperationalError as exc:\n"
        "    print(type(exc.__cause__).__name__, time.monotonic() - start)\n")
    error, seconds = run_in_a_new_process(code, DB_STATEMENT_TIMEOUT_MS="200").split()
    assert error == "QueryCanceled"
    assert float(seconds) < 2


def test_sending_mail_to_a_server_that_never_answers_gives_up(settings):
    from luhuituo import settings as project_settings

    assert 0 < project_settings.EMAIL_TIMEOUT <= 30
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_TIMEOUT = 1
    with socket.socket() as hung:  # accepts connections (the backlog) but never says hello
        hung.bind(("127.0.0.1", 0))
        hung.listen(1)
        settings.EMAIL_HOST, settings.EMAIL_PORT = hung.getsockname()
        start = time.monotonic()
        with pytest.raises(OSError, match="timed out"):
            mail.send_mail("subject", "body", "from@example.com", ["to@example.com"])
    assert time.monotonic() - start < 3
