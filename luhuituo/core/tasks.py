"""Thin periodic tasks of the platform core, and the one task that runs durable jobs
(luhuituo.core.jobs)."""

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from . import auth, calendar_years, jobs, periodic, submissions
from .models import Heartbeat


@shared_task
def heartbeat() -> str:
    """Beat → worker → database round trip: stores the time it ran in the database, where
    /healthz/ reads it (a worker that cannot reach the database leaves no fresh heartbeat)."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=Heartbeat.WORKER, defaults={"beat_at": now})
    return now.isoformat()


@shared_task
def clear_expired_sessions() -> None:
    """Expired sessions, and failed-login records past their keeping time."""
    call_command("clearsessions")
    auth.forget_old_failures()


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


@shared_task
def forget_old_submissions() -> int:
    return submissions.forget_old_submissions()


@shared_task
def remind_missing_calendar() -> int:
    """Daily: from November, remind the support administrators that next year's working-day
    calendar is missing (``calendar_years.remind_missing_next_year``)."""
    return periodic.run_periodic(
        periodic.entry_name("luhuituo.core.tasks.remind_missing_calendar", {}),
        calendar_years.remind_missing_next_year)
