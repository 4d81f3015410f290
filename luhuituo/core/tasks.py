"""Thin periodic tasks of the platform core."""

from celery import shared_task
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

HEARTBEAT_KEY = "luhuituo:worker-heartbeat"


@shared_task
def heartbeat() -> str:
    """Beat → worker round trip: leaves the time it ran where /healthz/ can read it."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")
