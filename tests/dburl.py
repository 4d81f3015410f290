"""The test database as a URL, for the processes a test starts (worker, beat, gunicorn, a new
Python): over TCP, or over the embedded server's Unix socket (its folder percent-encoded in the
host part, as libpq and dj-database-url read it)."""

from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "postgres")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = quote(str(db["HOST"] or "127.0.0.1"), safe="")
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"
