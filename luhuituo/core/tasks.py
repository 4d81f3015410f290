"""Thin periodic tasks of the platform core, and how services queue work after a commit."""

import logging
from importlib import import_module

from celery import current_app, shared_task
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from .models import Heartbeat

logger = logging.getLogger(__name__)


@shared_task
def heartbeat() -> str:
    """Beat → worker → database round trip: stores the time it ran in the database, where
    /healthz/ reads it (a worker that cannot reach the database leaves no fresh heartbeat)."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=Heartbeat.WORKER, defaults={"beat_at": now})
    return now.isoformat()


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
