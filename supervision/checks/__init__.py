"""Scheduled checks (预警规则, docs/rules/alert-rules.md): one function per rule, thresholds from
settings.

- ``registry``: the rules — code, severity, title, legal basis, schedule group, function — and
  their discovery in every installed app (imports no models).
- ``rules``: supervision's own rules, one module per area (children, daily, safety,
  rectification, complaints, and the registry app's staff, premises and filings).
- ``engine``: runs rules into alerts (idempotent, resolving what cleared), escalates
  unacknowledged orange alerts, notifies red ones.

Run them with ``manage.py run_checks [--rule A1]`` or through Celery beat (``supervision.tasks``).
"""
