"""Scheduled work that survives a missed tick and a killed worker.

A periodic task wraps its body in ``run_periodic``, which finds the task's entry in
``CELERY_BEAT_SCHEDULE`` and

- runs the body only while it holds the entry's advisory lock (two workers never run it at
  once; the lock dies with a killed worker, so the retry is not blocked);
- runs it only when a tick of the entry's schedule has passed since the last *completed*
  run, so a tick sent twice (a redelivered message, a catch-up) does the work once;
- records the run's start as the last completed run only when the body returns.

``catch_up`` (called by the sweeper every minute) queues, as a durable job, every entry of
``CATCH_UP_ENTRIES`` whose tick has passed without a completed run: a tick lost because the
broker or the database was down, or because the worker died, is made up within a minute of
their return, not at the next tick (tomorrow, for the daily checks).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from celery import current_app
from celery.schedules import maybe_schedule
from django.conf import settings
from django.utils import timezone

from . import jobs
from .locks import advisory_lock, held
from .models import Job, PeriodicRun

logger = logging.getLogger(__name__)

RUN_ENTRY = "luhuituo.core.periodic.run_entry"


def entry_name(task: str, kwargs: dict) -> str | None:
    """The name of the beat entry that sends ``task`` with ``kwargs``, if there is one."""
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        if entry["task"] == task and entry.get("kwargs", {}) == kwargs:
            return name
    return None


def _schedule(name: str):
    schedule = maybe_schedule(settings.CELERY_BEAT_SCHEDULE[name]["schedule"])
    schedule.app = current_app
    return schedule


def is_due(name: str, last_completed: datetime | None) -> bool:
    """Whether a tick of the entry has come since ``last_completed`` (always, if never)."""
    if last_completed is None:
        return True
    return _schedule(name).is_due(timezone.localtime(last_completed)).is_due


def _lock_name(name: str) -> str:
    return f"periodic:{name}"


def run_periodic(name: str | None, body: Callable[[], object]):
    """Run ``body`` for the beat entry ``name`` as the module docstring says; without an entry
    (a run asked for by hand), just run it."""
    if name is None:
        return body()
    with advisory_lock(_lock_name(name)) as taken:
        if not taken:
            return {"skipped": "another run holds the lock"}
        run, _ = PeriodicRun.objects.get_or_create(name=name)
        if not is_due(name, run.last_completed_at):
            return {"skipped": "this tick has been run"}
        started = timezone.now()
        run.last_started_at = started
        run.save(update_fields=["last_started_at"])
        try:
            result = body()
        except Exception as exc:
            run.last_error = repr(exc)[:2000]
            run.save(update_fields=["last_error"])
            raise
        run.last_completed_at, run.last_error = started, ""
        run.save(update_fields=["last_completed_at", "last_error"])
        return result


def run_entry(*, name: str) -> None:
    """A durable job's body: run the beat entry ``name``'s task here and now."""
    entry = settings.CELERY_BEAT_SCHEDULE[name]
    jobs.celery_task(entry["task"])(*entry.get("args", ()), **entry.get("kwargs", {}))


def catch_up() -> list[str]:
    """Queue every entry of ``CATCH_UP_ENTRIES`` that missed a tick (and is neither running
    nor queued already). Returns the names queued."""
    names = [n for n in settings.CATCH_UP_ENTRIES if n in settings.CELERY_BEAT_SCHEDULE]
    completed = dict(PeriodicRun.objects.filter(name__in=names)
                     .values_list("name", "last_completed_at"))
    locked = held(_lock_name(n) for n in names)
    running = {n for n in names if _lock_name(n) in locked}
    waiting = {job.kwargs.get("name") for job in Job.objects.filter(
        task=RUN_ENTRY, status__in=[Job.Status.QUEUED, Job.Status.RETRYING])}
    queued = []
    for name in names:
        if name in running or name in waiting or not is_due(name, completed.get(name)):
            continue
        jobs.enqueue(RUN_ENTRY, name=name)
        queued.append(name)
    if queued:
        logger.info("catching up missed ticks: %s", ", ".join(queued))
    return queued
