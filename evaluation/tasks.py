"""Thin Celery tasks of the evaluation app: the daily credit scan
(``evaluation.services.credit.scan``), run once per tick of its beat entry through
``luhuituo.core.periodic.run_periodic`` (a missed tick is caught up by the sweeper). The scan is
idempotent anyway. Keep the task name: beat and queued messages refer to it."""

from celery import shared_task

from luhuituo.core.periodic import entry_name, run_periodic

from .services import credit


@shared_task
def scan_credit() -> dict:
    return run_periodic(entry_name("evaluation.tasks.scan_credit", {}), credit.scan)
