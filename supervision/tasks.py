"""Thin Celery tasks: the scheduled checks and the escalation of unacknowledged alerts.

A scheduled run goes through ``luhuituo.core.periodic.run_periodic``: one run at a time (an
advisory lock that dies with a killed worker), once per tick of its beat entry, its completion
recorded so a missed tick is caught up by the sweeper. The checks are idempotent anyway. The
task names (``supervision.tasks.run_checks``, ``supervision.tasks.escalate_alerts``) are what
Celery beat and queued messages refer to: keep them.
"""

from celery import shared_task

from luhuituo.core.periodic import entry_name, run_periodic

from .checks import engine, registry


def _summary(results) -> dict:
    return {r.rule: [r.created, r.seen_again, r.resolved] for r in results}


@shared_task
def run_checks(*, schedule: str | None = None, rules: list[str] | None = None) -> dict:
    """Run the rules of one schedule group (``registry.rules_for_schedule``), or the given rules
    (by hand: no lock, no record of the tick)."""
    if rules:
        return _summary(engine.run_rules(rules))
    group = schedule or "daily"
    codes = registry.rules_for_schedule(group)
    return run_periodic(entry_name("supervision.tasks.run_checks", {"schedule": group}),
                        lambda: _summary(engine.run_rules(codes)))


@shared_task
def escalate_alerts():
    return run_periodic(entry_name("supervision.tasks.escalate_alerts", {}), engine.escalate)
