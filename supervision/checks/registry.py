"""The rule registry: which alert rules exist, what each is, and when it runs.

A rule is a function that takes the current time and yields a ``Hit`` per subject that breaks
the rule now; ``register`` records it with its code, severity, title, legal basis and schedule
group. The engine (``supervision.checks.engine``) looks rules up here and turns their hits into
alerts. This module imports no models, so anything — the inbox's template filter and forms,
other apps — can read it without an import cycle.

Rules of any app
----------------
An installed app adds rules without touching supervision: it registers them in its own
``checks`` module (or, when ``checks`` is a package like supervision's, in ``checks.rules``)::

    # evaluation/checks.py
    from supervision.checks.registry import Hit, register

    @register("A15", "orange", gettext_lazy("…"), "评估办法 Art 9", schedule="daily")
    def overdue_evaluation(now):
        ...

``autodiscover`` imports those modules of every installed app. ``SupervisionConfig.ready()``
calls it, so every process — web, Celery worker and beat, ``manage.py`` — has every rule before
it serves a request, runs a task or a command, whatever the order of INSTALLED_APPS (every
app's models are loaded before any ``ready()`` runs, so a rule module may import them). Doing it
at start-up rather than on first use makes a broken rule module fail loudly when the process
starts, and spares the lookups any "have the rules been loaded yet?" state. Importing a module
twice registers nothing twice (Python imports it once); two different functions claiming one
code is a configuration error. Other apps' ``checks`` modules that are Django system checks
(django.contrib.auth, axes …) are imported too, which is harmless: those apps import them
themselves at start-up.

Schedule groups
---------------
A rule names its group (``quarter_hourly``, ``hourly``, ``morning``, ``daily``, ``monthly``: the
Celery beat entries in settings). ``settings.CHECK_SCHEDULES`` (code → group) overrides it per
deployment; ``rules_for_schedule`` lists the rules of a group for the beat task.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from django.db.models import Model


@dataclass
class Hit:
    """One subject breaking a rule now."""

    centre_id: int
    subject: Model
    message: str
    severity: str | None = None  # the rule's own severity unless given


@dataclass
class Rule:
    code: str
    severity: str
    title: str
    basis: str
    func: Callable[[datetime], Iterable[Hit]]
    for_regulator: bool = False
    schedule: str = "daily"


_RULES: dict[str, Rule] = {}


def register(code: str, severity: str, title, basis: str, *, schedule: str = "daily",
             for_regulator: bool = False):
    """Decorator: ``func`` is the rule ``code``. ``severity`` is one of the four colours
    (``supervision.models.Severity``); ``title`` is shown in the inboxes (lazy translation);
    ``basis`` names the legal text; ``schedule`` the group it runs in; ``for_regulator`` marks
    the rules about the bureau's own deadlines, which centre accounts do not see."""

    def decorator(func):
        existing = _RULES.get(code)
        if existing is not None and _qualname(existing.func) != _qualname(func):
            raise ImproperlyConfigured(
                f"Alert rule {code} is registered twice: by {_qualname(existing.func)} and by "
                f"{_qualname(func)}.")
        _RULES[code] = Rule(code, severity, title, basis, func, for_regulator, schedule)
        return func

    return decorator


def _qualname(func) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def _order(code: str) -> tuple:
    """A1, A2, … A10 in numeric order."""
    prefix, number = re.fullmatch(r"(\D*)(\d*)", code).groups()
    return prefix, int(number) if number else 0, code


def all_rules() -> list[Rule]:
    """Every registered rule, in code order (A1, A2, … A38)."""
    return [_RULES[code] for code in sorted(_RULES, key=_order)]


def get(code: str) -> Rule | None:
    return _RULES.get(code)


def rule_title(code: str) -> str:
    """The rule's title, or its code when no rule of that code is registered (an alert of a
    rule since removed)."""
    rule = _RULES.get(code)
    return str(rule.title) if rule is not None else code


def schedule_of(code: str) -> str | None:
    """The group the rule runs in: ``settings.CHECK_SCHEDULES`` when it names the rule, else the
    rule's own; None for an unknown code."""
    if code in settings.CHECK_SCHEDULES:
        return settings.CHECK_SCHEDULES[code]
    rule = _RULES.get(code)
    return rule.schedule if rule is not None else None


def rules_for_schedule(schedule: str) -> list[str]:
    """Codes of the rules run by the beat entry of ``schedule``: those
    ``settings.CHECK_SCHEDULES`` assigns to it (in its order), then the registered rules it does
    not mention whose own group is ``schedule``."""
    configured = settings.CHECK_SCHEDULES
    codes = [code for code, when in configured.items() if when == schedule]
    codes += [rule.code for rule in all_rules()
              if rule.code not in configured and rule.schedule == schedule]
    return codes


def autodiscover() -> None:
    """Import every installed app's ``checks`` module, and ``checks.rules`` where ``checks`` is
    a package, so their ``@register`` decorators run (see the module docstring)."""
    autodiscover_modules("checks", "checks.rules")
