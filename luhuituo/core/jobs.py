"""Durable background work: a job is a row, the broker only wakes a worker.

A service that starts background work calls ``enqueue`` inside its transaction::

    enqueue("registry.imports.run_import", job_id=job.pk)

The ``Job`` row commits with the work that caused it (or not at all); after the commit a
message asks a worker to run it. When the broker is down, or a worker dies half-way, nothing is
lost: ``sweep`` (beat, every minute) sends again what is waiting or was abandoned, and a job
that raised is retried with a growing delay, up to ``JOB_MAX_ATTEMPTS``. A job runs under an
advisory lock named after it, so a job sent twice runs once, and "running" whose lock is free
means its worker is gone.

What a job runs is a plain function named by its dotted path, called with JSON keyword
arguments; it must be safe to run again after an interrupted run (the checks are; an import
resumes from its own state).
"""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from .locks import advisory_lock, held
from .models import Job

logger = logging.getLogger(__name__)

RUN_TASK = "luhuituo.core.tasks.run_job"


def _lock_name(job_id: int) -> str:
    return f"job:{job_id}"


def enqueue(task: str, *, coalesce: bool = False, **kwargs) -> Job:
    """Record the job ``task(**kwargs)`` in the current transaction and wake a worker once it
    commits. With ``coalesce``, a job for the same task and arguments that has not started yet
    serves instead (it will read the data as they are when it runs)."""
    if coalesce:
        waiting = (Job.objects.filter(task=task, kwargs=kwargs, status=Job.Status.QUEUED)
                   .order_by("pk").first())
        if waiting is not None:
            return waiting
    job = Job.objects.create(task=task, kwargs=kwargs)
    transaction.on_commit(lambda: wake(job.pk))
    return job


def celery_task(name: str):
    """The Celery task ``name`` of the current app, importing its module if no one has yet
    (the app's autodiscovery only runs in the worker)."""
    task = current_app.tasks.get(name)
    return task if task is not None else import_string(name)


def wake(job_id: int) -> bool:
    """Ask a worker to run the job. Never raises: with the broker down the job waits for the
    sweeper, and the person whose work started it has it saved already."""
    try:
        celery_task(RUN_TASK).apply_async(kwargs={"job_id": job_id})
    except Exception:
        logger.warning("could not wake a worker for job %s; the sweeper will", job_id,
                       exc_info=True)
        return False
    try:
        Job.objects.filter(pk=job_id, sent_at__isnull=True).update(sent_at=timezone.now())
    except Exception:
        logger.warning("could not mark job %s as sent", job_id, exc_info=True)
    return True


def run(job_id: int) -> str:
    """Run the job once, in this process (the worker's side). Returns what happened."""
    with advisory_lock(_lock_name(job_id)) as taken:
        if not taken:
            return "running elsewhere"
        job = Job.objects.filter(pk=job_id).first()
        if job is None or job.is_finished:
            return "nothing to do"
        if job.run_after > timezone.now():
            return "not yet"
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:  # it stopped its worker every time
            job.status, job.finished_at = Job.Status.FAILED, timezone.now()
            job.save(update_fields=["status", "finished_at"])
            return job.status
        job.status, job.started_at = Job.Status.RUNNING, timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "attempts"])
        try:
            import_string(job.task)(**job.kwargs)
        except Exception as exc:
            logger.exception("job %s (%s) failed, attempt %d", job.pk, job.task, job.attempts)
            _failed(job, exc)
            return job.status
        job.status, job.finished_at, job.last_error = Job.Status.DONE, timezone.now(), ""
        job.save(update_fields=["status", "finished_at", "last_error"])
        return job.status


def _failed(job: Job, exc: Exception) -> None:
    job.last_error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    if job.attempts >= settings.JOB_MAX_ATTEMPTS:
        job.status, job.finished_at = Job.Status.FAILED, timezone.now()
    else:
        delay = settings.JOB_RETRY_SECONDS * 2 ** (job.attempts - 1)
        job.status, job.run_after = Job.Status.RETRYING, timezone.now() + timedelta(seconds=delay)
        job.sent_at = None
    job.save(update_fields=["status", "finished_at", "run_after", "sent_at", "last_error"])


def sweep() -> dict[str, int]:
    """Send again what waits and was never sent (or not for a while), what is due for a retry,
    and what is "running" though no worker holds its lock any more (its worker died); forget
    finished jobs after ``JOB_KEEP_DAYS``."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_RESEND_AFTER_SECONDS)
    waiting = list(Job.objects.filter(
        Q(status__in=[Job.Status.QUEUED, Job.Status.RETRYING], run_after__lte=now)
        & (Q(sent_at__isnull=True) | Q(sent_at__lt=stale))).values_list("pk", flat=True))
    running = list(Job.objects.filter(status=Job.Status.RUNNING).values_list("pk", flat=True))
    alive = held(_lock_name(pk) for pk in running)
    abandoned = [pk for pk in running if _lock_name(pk) not in alive]
    if abandoned:
        Job.objects.filter(pk__in=abandoned, status=Job.Status.RUNNING).update(
            status=Job.Status.RETRYING, sent_at=None, last_error="the worker stopped")
    sent = sum(wake(pk) for pk in [*waiting, *abandoned])
    forgotten, _ = Job.objects.filter(
        status__in=[Job.Status.DONE, Job.Status.FAILED],
        finished_at__lt=now - timedelta(days=settings.JOB_KEEP_DAYS)).delete()
    return {"waiting": len(waiting), "abandoned": len(abandoned), "sent": sent,
            "forgotten": forgotten}
