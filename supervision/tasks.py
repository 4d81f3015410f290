"""Thin Celery tasks: the scheduled checks and the escalation of unacknowledged alerts.

Each run holds a lock (the cache: Redis in production) so two workers never evaluate the same
group at once; the checks are idempotent anyway, the lock only saves work. The task names
(``supervision.tasks.run_checks``, ``supervision.tasks.escalate_alerts``) are what Celery beat
and queued messages refer to: keep them.
"""

from celery import shared_task
from django.core.cache import cache

from .checks import engine, registry

LOCK_TTL = 15 * 60


@shared_task
def run_checks(*, schedule: str | None = None, rules: list[str] | None = None) -> dict:
    """Run the rules of one schedule group (``registry.rules_for_schedule``), or the given rules.
    A scheduled group holds a lock; a run for given rules (after a save) never waits for one,
    so the latest data is always looked at."""
    if rules:
        return {r.rule: [r.created, r.seen_again, r.resolved] for r in engine.run_rules(rules)}
    codes = registry.rules_for_schedule(schedule or "daily")
    lock = f"luhuituo:checks:{schedule or 'daily'}"
    if not cache.add(lock, "1", timeout=LOCK_TTL):
        return {"skipped": "another run holds the lock"}
    try:
        return {r.rule: [r.created, r.seen_again, r.resolved] for r in engine.run_rules(codes)}
    finally:
        cache.delete(lock)


@shared_task
def escalate_alerts() -> int:
    return engine.escalate()
