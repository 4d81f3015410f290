"""Checks other apps make whenever a staff record is saved, anywhere in the city
(docs/architecture.md, "registry or hook").

Some knowledge about people belongs to a higher layer that registry may not import — the
evaluation app's staff ban list (从业禁止名单, docs/rules/ban-list.md). So ``save_staff`` asks
every check registered here about the record it has just saved, inside the same transaction,
and hands their warnings to the manager. A check refuses nothing (the law may allow the person
in some roles; the regulator decides): it returns the warnings for the person saving, and may
tell the regulator itself. Apps register from a ``staff_checks`` module of their own, found when
the registry app is ready::

    # evaluation/staff_checks.py
    from registry.staff_checks import register

    @register
    def ban_list(staff, created):
        yield _("…")

A check receives the saved ``Staff`` and whether it was just created, and yields messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .models import Staff

Check = Callable[[Staff, bool], Iterable[str]]
_checks: list[Check] = []


def register(check: Check) -> Check:
    """Decorator: run ``check`` after a staff record is saved (once, however often imported)."""
    if check not in _checks:
        _checks.append(check)
    return check


def warnings(staff: Staff, *, created: bool) -> list[str]:
    """Every registered check's warnings about the staff record just saved."""
    return [str(message) for check in _checks for message in check(staff, created)]
