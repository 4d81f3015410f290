"""Thin periodic tasks of the platform core, and the one task that runs durable jobs
(luhuituo.core.jobs)."""

from celery import shared_task
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from . import jobs, periodic

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


# Acknowledged only when it has run, and given back to the broker when the process running it
# is killed, so another worker takes it: a job is never lost with its worker.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_job(*, job_id: int) -> str:
    return jobs.run(job_id)


@shared_task
def sweep() -> dict:
    """Every minute: send again the jobs that wait or were abandoned, and catch up the
    scheduled runs that missed their tick."""
    return {**jobs.sweep(), "caught_up": periodic.catch_up()}
