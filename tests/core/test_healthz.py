"""/healthz/ tells the truth: 200 only when the database and the broker answer and a worker ran
beat's heartbeat recently; otherwise a JSON 503 within 2 s, with or without a session cookie.
(A frozen broker: tests/core/test_faults.py.)"""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.test import Client
from django.utils import timezone

from luhuituo.celery import app as celery_app
from luhuituo.core.health import database_status
from luhuituo.core.models import Heartbeat
from luhuituo.core.tasks import heartbeat

pytestmark = pytest.mark.django_db


def beat(seconds_ago: int) -> None:
    beat_at = timezone.now() - timedelta(seconds=seconds_ago)
    Heartbeat.objects.update_or_create(name=Heartbeat.WORKER, defaults={"beat_at": beat_at})


def test_healthy_with_a_fresh_heartbeat(client):
    ran_at = heartbeat()
    response = client.get("/healthz/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["broker"]["ok"] is True
    assert body["heartbeat"]["ok"] is True
    assert body["heartbeat"]["last"] == ran_at
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]


def test_503_without_any_worker_heartbeat(client):
    response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["heartbeat"] == {"ok": False, "reason": "no worker heartbeat yet"}
    assert body["database"]["ok"] is True and body["broker"]["ok"] is True


def test_503_when_the_heartbeat_is_older_than_the_setting(client, settings):
    settings.HEALTH_HEARTBEAT_MAX_AGE_SECONDS = 180
    beat(seconds_ago=170)
    assert client.get("/healthz/").status_code == 200
    beat(seconds_ago=190)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["heartbeat"]["ok"] is False
    assert "limit 180 s" in response.json()["heartbeat"]["reason"]


def test_the_heartbeat_needs_the_database():
    """A worker that cannot reach the database produces no fresh heartbeat."""
    beat(seconds_ago=600)
    with mock.patch.object(connection, "ensure_connection",
                           side_effect=OperationalError("connection refused")), \
            pytest.raises(OperationalError):
        heartbeat()
    assert Heartbeat.objects.get().beat_at < timezone.now() - timedelta(seconds=590)
    heartbeat()
    assert Heartbeat.objects.get().beat_at > timezone.now() - timedelta(seconds=10)


def test_503_within_two_seconds_when_the_broker_is_unreachable(client):
    heartbeat()
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        start = time.monotonic()
        response = client.get("/healthz/")
        seconds = time.monotonic() - start
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == {"ok": False, "reason": "unreachable (OperationalError)"}
    assert body["database"]["ok"] is True and body["heartbeat"]["ok"] is True
    assert seconds < 2


@pytest.mark.parametrize("logged_in", [False, True], ids=["no-cookie", "session-cookie"])
def test_json_503_when_the_database_is_unreachable(logged_in, manager):
    """Even with a session cookie, which the session and auth middleware would look up in the
    database before any view runs."""
    heartbeat()
    client = Client(raise_request_exception=False)
    if logged_in:
        client.force_login(manager, backend="luhuituo.core.auth.UsernameOrMobileBackend")
        assert client.cookies.get("sessionid")
    with mock.patch.object(connection, "ensure_connection",
                           side_effect=OperationalError("connection refused")):
        start = time.monotonic()
        response = client.get("/healthz/")
        seconds = time.monotonic() - start
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["database"] == {"ok": False, "reason": "unreachable (OperationalError)"}
    assert body["heartbeat"] == {"ok": False, "reason": "database unreachable"}
    assert seconds < 2


def test_the_host_header_is_still_checked():
    response = Client(raise_request_exception=False).get("/healthz/",
                                                         headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_only_get():
    heartbeat()
    assert Client().post("/healthz/").status_code == 405


def test_database_status_catches_a_failing_connection():
    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("connection refused")
    assert database_status(broken) == {"ok": False, "reason": "unreachable (OperationalError)"}
