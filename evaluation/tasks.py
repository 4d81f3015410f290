"""Thin Celery tasks of the evaluation app, each run once per tick of its beat entry through
``luhuituo.core.periodic.run_periodic`` (a missed tick is caught up by the sweeper):

- the daily credit scan (``evaluation.services.credit.scan``);
- the daily scan of the triggers of downgrade reviews (``evaluation.services.ratings.
  scan_triggers``: serious incidents and low credit grades of rated centres).

Both scans are idempotent anyway. Keep the task names: beat and queued messages refer to them."""

from celery import shared_task

from luhuituo.core.periodic import entry_name, run_periodic

from .services import credit, ratings


@shared_task
def scan_credit() -> dict:
    return run_periodic(entry_name("evaluation.tasks.scan_credit", {}), credit.scan)


@shared_task
def scan_ratings() -> dict:
    return run_periodic(entry_name("evaluation.tasks.scan_ratings", {}),
                        lambda: {"opened": ratings.scan_triggers()})
