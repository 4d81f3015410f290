"""Centres marked inclusive before the bureau recognised the status (the centre ticked it
itself) keep it, with a decision that says so: the bureau sees it in the status's history and
revokes or confirms it (docs/rules/filing.md#inclusive-recognition)."""

from django.db import migrations

BASIS = ("Declared by the centre itself before the district bureau recognised inclusive "
         "status; not reviewed by the bureau.")


def record(apps, schema_editor):
    Centre = apps.get_model("registry", "Centre")
    InclusiveDecision = apps.get_model("registry", "InclusiveDecision")
    InclusiveDecision.objects.bulk_create(
        InclusiveDecision(centre=centre, action="recognised",
                          effective_on=centre.created_at.date(), basis=BASIS,
                          decided_at=centre.created_at)
        for centre in Centre.objects.filter(is_inclusive=True))


def forget(apps, schema_editor):
    InclusiveDecision = apps.get_model("registry", "InclusiveDecision")
    InclusiveDecision.objects.filter(decided_by__isnull=True, basis=BASIS).delete()


class Migration(migrations.Migration):
    dependencies = [("registry", "0010_inclusive_decision")]

    operations = [migrations.RunPython(record, forget)]
