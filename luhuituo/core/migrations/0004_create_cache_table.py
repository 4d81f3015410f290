from django.db import migrations

# The database cache used when REDIS_URL is unset (embedded mode). Harmless when Redis is used.
CREATE = """
CREATE TABLE IF NOT EXISTS luhuituo_cache (
    cache_key varchar(255) NOT NULL PRIMARY KEY,
    value text NOT NULL,
    expires timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS luhuituo_cache_expires ON luhuituo_cache (expires);
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0003_seed_luzhou_regions")]

    operations = [migrations.RunSQL(CREATE, "DROP TABLE IF EXISTS luhuituo_cache;")]
