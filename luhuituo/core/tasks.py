"""Thin periodic tasks of the platform core, and how services queue work after a commit."""

import logging
from importlib import import_module

from celery import current_app, shared_task
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

HEARTBEAT_KEY = "luhuituo:worker-heartbeat"

logger = logging.getLogger(__name__)


@shared_task
def heartbeat() -> str:
    """Beat → worker round trip: leaves the time it ran where /healthz/ can read it."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


@shared_task
def clear_expired_sessions() -> None:
    call_command("clearsessions")


def _registered(task_name: str):
    """The task object, importing its module if no one has yet (Celery's autodiscovery only
    runs in the worker)."""
    if task_name not in current_app.tasks:
        try:
            import_module(task_name.rsplit(".", 1)[0])
        except ImportError:
            return None
    return current_app.tasks.get(task_name)


def enqueue_on_commit(task_name: str, **kwargs) -> None:
    """Queue the Celery task ``task_name`` with keyword arguments once the current transaction
    commits. By name, so a service never imports its app's tasks module (no import cycle),
    and guarded: a broker that is down is logged, never turned into an error for the user
    whose work is already saved (what it should have started is recovered by the periodic
    run that watches for it)."""

    def send() -> None:
        try:
            task = _registered(task_name)  # honours eager mode (tests) where it is found
            if task is not None:
                task.apply_async(kwargs=kwargs)
            else:
                current_app.send_task(task_name, kwargs=kwargs)
        except Exception:
            logger.warning("could not queue %s(%r)", task_name, kwargs, exc_info=True)

    transaction.on_commit(send)
