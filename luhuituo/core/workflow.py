"""The plumbing every workflow service shares: lock the row, check its status, move it on.

A service function reads top to bottom::

    @transaction.atomic
    def accept_filing(*, filing, by, request=None):
        filing = lock(filing, "centre__region")
        require(can_decide(by, filing.centre), _("Only the district … can do this."))
        require_status(filing, S.SUBMITTED, action=_("accepted"))
        transition(filing, S.ACCEPTED, by=by, verb=Verb.FILING_ACCEPTED, request=request)

``lock`` must run inside ``transaction.atomic`` (two regulators deciding one filing, two tabs
editing one child: the second waits and then sees the first one's result). A form that edits
a row carries the version it was rendered from (``forms.VersionField``); after the lock,
``require_version(obj, version)`` refuses to save over a newer one, so the second of two
people editing the same record is told instead of silently overwriting the first.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from .audit import audit
from .exceptions import DomainError, NotPermitted, Stale

M = TypeVar("M", bound=models.Model)


def lock(obj: M, *related: str) -> M:
    """``obj`` read again from the database, its row locked until the transaction ends (only
    its own row: related rows joined by ``related`` are read, not locked)."""
    manager = type(obj)._base_manager
    return manager.select_for_update(of=("self",)).select_related(*related).get(pk=obj.pk)


def require_version(obj: models.Model, version: int | None) -> None:
    """Refuse (``Stale``) to save ``obj`` (a ``core.models.Versioned`` row, read under
    ``lock``) when it is no longer the version ``version`` the form was rendered from: the
    message says who saved it, when, and what changed since. ``None`` (a caller that is not a
    form: demo data, an import) is not checked."""
    if version is not None and obj.version != version:
        raise Stale(obj, since=version, changes=obj.changes_since(version))


def require(condition: bool, message) -> None:
    """``NotPermitted(message)`` unless ``condition``: the actor may not do this."""
    if not condition:
        raise NotPermitted(message)


def require_status(obj: models.Model, *allowed: str, action, error=DomainError,
                   field: str | None = None) -> None:
    """Refuse, with a message naming the object's current status, unless it is one of
    ``allowed``. ``action`` completes "… cannot be %(action)s" (e.g. _("accepted")); ``field``
    is the form field the message belongs to, if any."""
    if obj.status not in allowed:
        raise error(_("This %(thing)s is “%(status)s” and cannot be %(action)s.") % {
            "thing": obj._meta.verbose_name, "status": obj.get_status_display(),
            "action": action}, field=field)


def transition(obj: models.Model, to: str, *, by, verb: str, request=None,
               update_fields: list[str] | None = None, **details):
    """Move ``obj`` to status ``to``, save it and record the audit event (with the previous
    and the new status). Other fields set before the call are saved too (all of them, or
    ``update_fields`` plus the status)."""
    previous = obj.status
    obj.status = to
    if update_fields is None:
        obj.save()
    else:
        obj.save(update_fields=[*update_fields, "status"])
    return audit(verb, actor=by, target=obj, request=request,
                 **{"from": previous, "to": to}, **details)
