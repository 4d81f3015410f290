from django.db import migrations


def create_filings(apps, schema_editor):
    Centre = apps.get_model("registry", "Centre")
    Filing = apps.get_model("registry", "Filing")
    for centre in Centre.objects.filter(filing__isnull=True):
        Filing.objects.create(centre=centre, status="draft")


class Migration(migrations.Migration):
    """Every centre has exactly one filing, from the day it is registered (a draft)."""

    dependencies = [("registry", "0002_centre_details_staff_classes_filing")]

    operations = [migrations.RunPython(create_filings, migrations.RunPython.noop)]
