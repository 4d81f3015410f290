from django.db import migrations

# The nearby search (parents.services.search) orders centres by
# ``ll_to_earth(latitude::float8, longitude::float8) <-> ll_to_earth(lat, lng)``: a KNN scan of
# this GiST index (cube's ``<->`` is index-ordered). The expression must stay exactly the
# search's, or the planner cannot use the index.
INDEX = "registry_centre_earth_gist"


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
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_centre USING gist "
                "(ll_to_earth(latitude::float8, longitude::float8))",
            ],
            reverse_sql=[f"DROP INDEX IF EXISTS {INDEX}"],
        ),
    ]
