"""Checks other apps make before a class's type or size is changed (docs/architecture.md,
"registry or hook").

A class's placements belong to a higher layer (supervision's children), which registry may not
import. So the class edit asks every check registered here whether the change contradicts what
the app knows about the class — supervision's refuses fewer places than children placed, a
class type whose ages exclude the children in it, a ratio the carers on duty no longer meet.
Apps register from a ``class_checks`` module of their own, found when the registry app is
ready::

    # supervision/class_checks.py
    from registry.class_checks import Problem, register

    @register
    def placements_fit(before, after):
        yield Problem("capacity", _("…"))

A check receives the class as stored (``before``) and as it would be saved (``after``, same
primary key) and yields ``Problem``s; it runs for changes to existing classes only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import ClassGroup


@dataclass(frozen=True)
class Problem:
    """Why the change is refused: ``message`` for the user, on the form ``field`` (None: the
    whole form)."""

    field: str | None
    message: str


Check = Callable[[ClassGroup, ClassGroup], Iterable[Problem]]
_checks: list[Check] = []


def register(check: Check) -> Check:
    """Decorator: run ``check`` before a class is changed (once, however often imported)."""
    if check not in _checks:
        _checks.append(check)
    return check


def problems(before: ClassGroup, after: ClassGroup) -> list[Problem]:
    """Every registered check's problems with changing ``before`` into ``after``."""
    if before.pk is None:
        return []
    return [problem for check in _checks for problem in check(before, after)]
