"""One beat, whatever is started: Celery beat's scheduler, sending only while it leads.

The leader is the beat process holding a PostgreSQL advisory lock on a connection of its own.
A second beat started by mistake (a second ``make serve``, a container scaled to two) finds the
lock taken and sends nothing; when the leader dies its connection goes and the lock with it,
and the waiting beat takes over within ``BEAT_LEADER_RETRY_SECONDS``. If the leader loses its
connection (the database restarted) it stops sending until it holds the lock again.
"""

from __future__ import annotations

import contextlib
import logging

import psycopg
from celery.beat import PersistentScheduler
from django.conf import settings

from .locks import lock_key

logger = logging.getLogger(__name__)

LOCK_NAME = "celery-beat-leader"


def _connect() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or None, port=db["PORT"] or None, dbname=db["NAME"],
        user=db["USER"] or None, password=db["PASSWORD"] or None,
        connect_timeout=3, autocommit=True, application_name="luhuituo-beat")


class LeaderScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self._connection: psycopg.Connection | None = None
        self.leading = False
        super().__init__(*args, **kwargs)

    def _still_leading(self) -> bool:
        """Whether this beat holds the leader lock, taking it if it is free."""
        try:
            if self._connection is None or self._connection.closed:
                self._connection, self.leading = _connect(), False
            if self.leading:
                self._connection.execute("SELECT 1")  # the lock lives as long as this does
                return True
            taken = self._connection.execute("SELECT pg_try_advisory_lock(%s)",
                                             [lock_key(LOCK_NAME)]).fetchone()[0]
        except psycopg.Error as exc:
            if self.leading:
                logger.warning("beat lost its database connection, stops sending: %s", exc)
            self._drop()
            return False
        if taken:
            logger.info("beat holds the leader lock and sends the schedule")
            self.leading = True
        return taken

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(psycopg.Error):
                self._connection.close()
        self._connection, self.leading = None, False

    def tick(self, *args, **kwargs):
        if not self._still_leading():
            return settings.BEAT_LEADER_RETRY_SECONDS
        return super().tick(*args, **kwargs)

    def close(self):
        self._drop()
        super().close()
