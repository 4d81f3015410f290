"""Thin Celery tasks: the scheduled checks and the escalation of unacknowledged alerts.

Each run holds a lock (the cache: Redis in production) so two workers never evaluate the same
group at once; the checks are idempotent anyway, the lock only saves work.
"""

from celery import shared_task
from django.core.cache import cache

from . import checks

LOCK_TTL = 15 * 60


@shared_task
def run_checks(*, schedule: str | None = None, rules: list[str] | None = None) -> dict:
    """Run the rules of one schedule group (settings.CHECK_SCHEDULES), or the given rules.
    A scheduled group holds a lock; a run for given rules (after a save) never waits for one,
    so the latest data is always looked at."""
    if rules:
        return {r.rule: [r.created, r.seen_again, r.resolved] for r in checks.run_rules(rules)}
    codes = checks.rules_for_schedule(schedule or "daily")
    lock = f"luhuituo:checks:{schedule or 'daily'}"
    if not cache.add(lock, "1", timeout=LOCK_TTL):
        return {"skipped": "another run holds the lock"}
    try:
        return {r.rule: [r.created, r.seen_again, r.resolved] for r in checks.run_rules(codes)}
    finally:
        cache.delete(lock)


@shared_task
def escalate_alerts() -> int:
    return checks.escalate()
