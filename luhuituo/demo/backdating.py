"""Back-dated demo actions leave one timeline.

The demo drives part of its data through the real services, which stamp what they write with
"now": audit events, the change history (pghistory events) and the notifications sent after the
commit. The demo's data then moves the records' own timestamps to the plan's moments (a filing
submitted on 2 November). ``Backdater.at(moment)`` around a service call notes what that call
wrote, and ``apply()`` moves it to the same moment, so the history, the receipt and the queue
tell one story (docs/rules/filing.md). Demo only: the audit trail is append-only everywhere
else, and its trigger is set aside here for these rows alone, inside the seed's transaction.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

import pgtrigger
from django.apps import apps
from django.db import connection, transaction
from django.db.models import F, Max

from luhuituo.core.models import Notification

# What services stamp with "now": the audit trail, and the change history of the records the
# demo back-dates (model label, the field holding the moment).
AUDIT = [("core.AuditEvent", "created_at")]
FILINGS = [*AUDIT, ("registry.FilingEvent", "pgh_created_at"),
           ("registry.CentreEvent", "pgh_created_at")]
FOLLOW_UP = [*AUDIT, *((f"supervision.{name}Event", "pgh_created_at") for name in (
    "Inspection", "Finding", "RectificationOrder", "Complaint"))]


def _last_pk(model) -> int:
    return model.objects.aggregate(last=Max("pk"))["last"] or 0


def _last_pks(models) -> list[int]:
    """The last primary key of each model, in one query (a block is noted many times)."""
    quote = connection.ops.quote_name
    parts = ", ".join(f"(SELECT MAX({quote(m._meta.pk.column)}) "  # noqa: S608 (quoted names)
                      f"FROM {quote(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parts}")
        return [last or 0 for last in cursor.fetchone()]


def _value(field: str, when: datetime | timedelta):
    """The new value of ``field``: the moment, or the field moved back by the interval."""
    return F(field) - when if isinstance(when, timedelta) else when


def _notifications_at(func, when: datetime | timedelta):
    """``func`` (an on-commit callback), its notifications dated ``when``."""

    def run():
        mark = _last_pk(Notification)
        func()
        Notification.objects.filter(pk__gt=mark).update(created_at=_value("created_at", when))

    return run


class Backdater:
    def __init__(self, stamped=FILINGS, *, contiguous: bool = False):
        """``contiguous``: nothing writes to the stamped tables between the blocks, so where
        one block ended is where the next begins (one query less per block)."""
        self.models = [(apps.get_model(label), field) for label, field in stamped]
        self.ranges: list[tuple[type, str, int, int, datetime | timedelta]] = []
        self.contiguous = contiguous
        self._ended: list[int] | None = None

    @contextmanager
    def at(self, moment: datetime | timedelta):
        """What the block writes through the services happened at ``moment`` (a datetime), or
        that long before it was written (a timedelta: a back-dated record moved as a whole)."""
        models = [model for model, _field in self.models]
        marks = self._ended or _last_pks(models)
        conn = transaction.get_connection()
        hooks = len(conn.run_on_commit)
        yield
        ended = _last_pks(models)
        self._ended = ended if self.contiguous else None
        for (model, field), mark, last in zip(self.models, marks, ended, strict=True):
            if last > mark:
                self.ranges.append((model, field, mark, last, moment))
        for i in range(hooks, len(conn.run_on_commit)):
            savepoints, func, robust = conn.run_on_commit[i]
            conn.run_on_commit[i] = (savepoints, _notifications_at(func, moment), robust)

    def apply(self) -> None:
        """Move what was noted to its moment."""
        moments: dict[tuple[type, str], list[tuple[int, int, datetime]]] = {}
        with pgtrigger.ignore("core.AuditEvent:append_only"):
            for model, field, after, last, moment in self.ranges:
                if isinstance(moment, datetime):
                    moments.setdefault((model, field), []).append((after, last, moment))
                else:
                    model.objects.filter(pk__gt=after, pk__lte=last).update(
                        **{field: _value(field, moment)})
            for (model, field), ranges in moments.items():
                _move_ranges(model, field, ranges)
        self.ranges = []


def _move_ranges(model, field: str, ranges: list[tuple[int, int, datetime]]) -> None:
    """Set ``field`` of the rows in each (after, last] primary-key range to its moment: one
    query per thousand ranges."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    column = quote(model._meta.get_field(field).column)
    with connection.cursor() as cursor:
        for start in range(0, len(ranges), 1000):
            batch = ranges[start:start + 1000]
            values = ", ".join(["(%s, %s, %s::timestamptz)"] * len(batch))
            cursor.execute(
                f"UPDATE {table} AS t SET {column} = v.moment FROM (VALUES {values}) "  # noqa: S608
                f"AS v(after, last, moment) WHERE t.{pk} > v.after AND t.{pk} <= v.last",
                [x for item in batch for x in item])

