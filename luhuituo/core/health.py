"""The checks behind /healthz/: the database answers, the Celery broker answers, and a worker
ran beat's heartbeat task recently. Each gives ``{"ok": bool, …}`` with a short ``reason`` when
not ok, and each is bounded by the services' timeouts (docs/operations.md#timeouts).

With Redis the broker check opens a connection to it; in embedded development mode (the
filesystem broker) it checks that the queue folder can be written. The heartbeat is the same in
both modes: the worker of ``make run`` / ``make serve`` stores it in the database."""

from pathlib import Path

from django.conf import settings
from django.utils import timezone


def database_status(connection) -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "reason": f"unreachable ({exc.__class__.__name__})"}
    return {"ok": True}


def broker_status() -> dict:
    from luhuituo.celery import app

    url = app.conf.broker_url or ""
    if url.startswith("filesystem"):
        options = app.conf.broker_transport_options or {}
        folder = Path(options.get("data_folder_out", ""))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".healthz"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            return {"ok": False, "transport": "filesystem",
                    "reason": f"queue folder not writable ({exc.__class__.__name__})"}
        return {"ok": True, "transport": "filesystem"}
    try:
        # One attempt, bounded by the transport's connect and socket timeouts.
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0)
            transport = conn.transport_cls
    except Exception as exc:
        return {"ok": False, "reason": f"unreachable ({exc.__class__.__name__})"}
    return {"ok": True, "transport": str(transport)}


def heartbeat_status() -> dict:
    """Whether a worker ran the heartbeat task (luhuituo.core.tasks.heartbeat) within the last
    HEALTH_HEARTBEAT_MAX_AGE_SECONDS."""
    from .models import Heartbeat

    try:
        beat_at = (Heartbeat.objects.filter(name=Heartbeat.WORKER)
                   .values_list("beat_at", flat=True).first())
    except Exception as exc:
        return {"ok": False, "reason": f"not readable ({exc.__class__.__name__})"}
    if beat_at is None:
        return {"ok": False, "reason": "no worker heartbeat yet"}
    age = int((timezone.now() - beat_at).total_seconds())
    limit = settings.HEALTH_HEARTBEAT_MAX_AGE_SECONDS
    status = {"ok": age <= limit, "last": beat_at.isoformat(), "age_seconds": age}
    if not status["ok"]:
        status["reason"] = f"last worker heartbeat {age} s ago (limit {limit} s)"
    return status
