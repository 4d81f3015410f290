from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """cube + earthdistance: the nearby-centre search orders by distance on a GiST index."""

    dependencies = [("core", "0001_initial")]

    operations = [CreateExtension("cube"), CreateExtension("earthdistance")]
