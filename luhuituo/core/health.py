"""Reachability checks for /healthz/: the database and the Celery broker."""

from pathlib import Path


def database_status(connection) -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
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
            return {"ok": False, "transport": "filesystem", "error": exc.__class__.__name__}
        return {"ok": True, "transport": "filesystem"}
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True, "transport": str(transport)}


def last_heartbeat() -> str | None:
    """When a worker last ran the beat's heartbeat task (informational, not a health gate)."""
    from django.core.cache import cache

    from .tasks import HEARTBEAT_KEY

    try:
        return cache.get(HEARTBEAT_KEY)
    except Exception:
        return None
