from unittest import mock

import pytest
from django.db.utils import OperationalError

from luhuituo.celery import app as celery_app
from luhuituo.core.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_healthy(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["broker"]["ok"] is True


def test_reports_the_last_worker_heartbeat(client):
    ran_at = heartbeat()
    assert client.get("/healthz/").json()["last_worker_heartbeat"] == ran_at


def test_503_when_the_broker_is_unreachable(client, settings):
    original = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz/")
    finally:
        celery_app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
    assert response.json()["database"]["ok"] is True


def test_503_when_the_database_is_unreachable(client):
    with mock.patch("luhuituo.core.views.database_status",
                    side_effect=lambda conn: {"ok": False, "error": "OperationalError"}):
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_database_status_catches_a_failing_connection():
    from luhuituo.core.health import database_status

    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("connection refused")
    assert database_status(broken) == {"ok": False, "error": "OperationalError"}
