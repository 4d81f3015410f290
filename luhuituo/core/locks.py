"""Locks that die with their holder: PostgreSQL session-level advisory locks.

A lock in Redis with a time to live outlives a killed worker until it expires (the next runs
are skipped meanwhile); an advisory lock belongs to the database connection, and PostgreSQL
drops it the moment the process or its connection is gone::

    with advisory_lock("checks:daily") as taken:
        if not taken:
            return "another run holds the lock"
        ...
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connections


def lock_key(name: str) -> int:
    """The signed 64-bit key PostgreSQL knows the lock ``name`` by."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big",
                          signed=True)


@contextmanager
def advisory_lock(name: str, *, using: str = "default") -> Iterator[bool]:
    """Try to take the lock ``name`` without waiting; yield whether it was taken, and release
    it at the end of the block if it was."""
    connection = connections[using]
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        taken = cursor.fetchone()[0]
    try:
        yield taken
    finally:
        if taken:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def held(names: Iterable[str], *, using: str = "default") -> set[str]:
    """Those of ``names`` whose lock some connection holds now (one query)."""
    wanted = {lock_key(name): name for name in names}
    if not wanted:
        return set()
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT classid::bigint, objid::bigint FROM pg_locks "
                       "WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND database = "
                       "(SELECT oid FROM pg_database WHERE datname = current_database())")
        keys = {int.from_bytes(((high << 32) | low).to_bytes(8, "big"), "big", signed=True)
                for high, low in cursor.fetchall()}
    return {name for key, name in wanted.items() if key in keys}
