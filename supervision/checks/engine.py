"""The engine of the scheduled checks (预警规则, docs/rules/alert-rules.md): it runs the rules of
the registry (``supervision.checks.registry``) and keeps the alerts in line with what they find.

``run_rule`` turns a rule's hits into alerts: a new open alert per (rule, subject) — the
database refuses a second one — or ``last_seen`` moved on for an alert already open, and the
rule's open alerts whose subject no longer breaks it are resolved. Running a rule twice changes
nothing but ``last_seen``. ``escalate`` turns unacknowledged orange alerts red after
``ALERT_ESCALATE_HOURS``. Red alerts notify the centre's managers and the district's regulators.

Run them with ``manage.py run_checks [--rule A1]`` or through Celery beat (``supervision.tasks``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from luhuituo.core.dates import moment
from luhuituo.core.models import Notification
from registry.models import Centre

from ..models import Alert, Child, Severity
from .registry import all_rules, get, rule_title
from .rules.common import _child

S = Severity


@dataclass
class RunResult:
    rule: str
    created: int = 0
    seen_again: int = 0
    resolved: int = 0
    new_red: list[int] = field(default_factory=list)


def _subject_repr(subject: models.Model) -> str:
    if isinstance(subject, Centre) and not subject.name:
        return str(subject.pk)
    if isinstance(subject, Child):
        return _child(subject)
    return str(subject)[:200]


def run_rule(code: str, now: datetime | None = None) -> RunResult:
    """Evaluate one rule and bring its alerts in line with what it finds."""
    now = now or timezone.now()
    spec = get(code)
    if spec is None:
        raise KeyError(code)
    result = RunResult(code)
    with translation.override(settings.LANGUAGE_CODE):
        hits = list(spec.func(now))
    with transaction.atomic():
        open_alerts = {
            (a.subject_type_id, a.subject_id): a
            for a in Alert.objects.open().filter(rule=code).select_for_update()
        }
        seen: set[tuple[int, int]] = set()
        to_update, to_create = [], []
        for hit in hits:
            ct = ContentType.objects.get_for_model(hit.subject)
            key = (ct.pk, hit.subject.pk)
            if key in seen:
                continue
            seen.add(key)
            severity = hit.severity or spec.severity
            alert = open_alerts.get(key)
            if alert is not None:
                alert.last_seen = now
                alert.message = hit.message
                if not alert.escalated_at and alert.severity != severity:
                    alert.severity = severity
                    if severity == S.RED:
                        result.new_red.append(alert.pk)
                to_update.append(alert)
            else:
                to_create.append(Alert(
                    rule=code, severity=severity, initial_severity=severity,
                    centre_id=hit.centre_id, subject_type=ct, subject_id=hit.subject.pk,
                    subject_repr=_subject_repr(hit.subject), message=hit.message,
                    for_regulator=spec.for_regulator, first_seen=now, last_seen=now))
        Alert.objects.bulk_update(to_update, ["last_seen", "message", "severity"])
        # ON CONFLICT DO NOTHING: should another run have opened the same alert meanwhile, the
        # partial unique index keeps it at one.
        created = Alert.objects.bulk_create(to_create, ignore_conflicts=True)
        result.created = len(created)
        result.seen_again = len(to_update)
        cleared = [a.pk for key, a in open_alerts.items() if key not in seen]
        result.resolved = Alert.objects.filter(pk__in=cleared).update(
            status=Alert.Status.RESOLVED, resolved_at=now,
            note=models.functions.Concat(
                models.F("note"), models.Value(_auto_resolved_note(now)),
                output_field=models.TextField()))
        if created:
            reds = Alert.objects.filter(
                rule=code, first_seen=now, severity=S.RED,
                status=Alert.Status.OPEN).values_list("pk", flat=True)
            result.new_red.extend(reds)
        if result.new_red:
            ids = list(result.new_red)
            transaction.on_commit(lambda: notify_red(ids))
    return result


def _auto_resolved_note(now: datetime) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return "\n" + _("Condition cleared; resolved by the check at %(time)s.") % {
            "time": moment(now)}


def run_rules(codes: Iterable[str] | None = None, now: datetime | None = None) -> list[RunResult]:
    now = now or timezone.now()
    results = []
    for code in codes or [rule.code for rule in all_rules()]:
        if get(code) is None:
            raise KeyError(code)
        results.append(run_rule(code, now))
    return results


def escalate(now: datetime | None = None) -> int:
    """Orange alerts nobody acknowledged within ALERT_ESCALATE_HOURS become red
    (docs/rules/alert-rules.md)."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.ALERT_ESCALATE_HOURS)
    with transaction.atomic():
        ids = list(Alert.objects.select_for_update().filter(
            status=Alert.Status.OPEN, severity=S.ORANGE, first_seen__lte=cutoff,
        ).values_list("pk", flat=True))
        Alert.objects.filter(pk__in=ids).update(severity=S.RED, escalated_at=now)
        if ids:
            transaction.on_commit(lambda: notify_red(ids, escalated=True))
    return len(ids)


def notify_red(alert_ids: list[int], *, escalated: bool = False) -> None:
    """Red alerts: in-app to the centre's managers (unless about the bureau's deadlines) and
    the district's regulators. (SMS needs a gateway contract: not wired yet.)"""
    from luhuituo.core.notify import notify
    from registry.rules import centre_managers, responsible_regulators

    alerts = Alert.objects.filter(pk__in=alert_ids).select_related("centre__region")
    for alert in alerts:
        with translation.override(settings.LANGUAGE_CODE):
            title = (_("Red alert (escalated): %(rule)s") if escalated
                     else _("Red alert: %(rule)s")) % {"rule": rule_title(alert.rule)}
            title = f"{title} · {alert.centre.name}"
        recipients = list(responsible_regulators(alert.centre))
        if not alert.for_regulator:
            recipients += centre_managers(alert.centre)
        for user in {u.pk: u for u in recipients}.values():
            notify(user, title, body=alert.message, url=reverse(
                "supervision:alert-detail", args=[alert.pk]), level=Notification.Level.DANGER)
