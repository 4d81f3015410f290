from django.db import migrations

# The nearby search (parents.services.search) orders centres by
# ``luhuituo_ll_to_earth(latitude::float8, longitude::float8) <-> luhuituo_ll_to_earth(lat, lng)``:
# a KNN scan of this GiST index (cube's ``<->`` is index-ordered). The expression must stay
# exactly the search's, or the planner cannot use the index.
#
# Why a wrapper of earthdistance's ll_to_earth: that function calls cube() and earth() without
# naming their schema, and a restore of a pg_dump runs with an empty search_path, so an index on
# ll_to_earth itself fails to rebuild ("function cube(...) does not exist") and the restore
# stops. The wrapper fixes its own search_path.
INDEX = "registry_centre_earth_gist"
FUNCTION = "luhuituo_ll_to_earth"


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_enable_geo_extensions"),
        ("registry", "0012_inclusive_application"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE EXTENSION IF NOT EXISTS cube",
                "CREATE EXTENSION IF NOT EXISTS earthdistance",
                f"CREATE OR REPLACE FUNCTION {FUNCTION}(lat float8, lng float8) RETURNS earth "
                "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = public "
                "AS $$ SELECT ll_to_earth(lat, lng) $$",
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_centre USING gist "
                f"({FUNCTION}(latitude::float8, longitude::float8))",
            ],
            reverse_sql=[f"DROP INDEX IF EXISTS {INDEX}",
                         f"DROP FUNCTION IF EXISTS {FUNCTION}(float8, float8)"],
        ),
    ]
