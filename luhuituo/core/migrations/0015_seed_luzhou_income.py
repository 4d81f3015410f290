"""Luzhou's per-capita disposable income as found so far: reference data with its source, not
verified against the bulletin itself (docs/rules/inclusive-childcare.md#inclusive-pricing).
Support staff correct and add figures (each year's bulletin, districts, rural and all
residents) in the admin."""

from django.db import migrations

FIGURES = [
    # (region code, year, kind, yuan a year, source)
    ("510500", 2024, "urban", 47_748,
     "泸州市2024年国民经济和社会发展统计公报 (城镇居民人均可支配收入), as quoted by a statistics "
     "aggregator; not checked against the bulletin"),
]


def seed(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    DisposableIncome = apps.get_model("core", "DisposableIncome")
    for code, year, kind, yuan, source in FIGURES:
        region = Region.objects.filter(code=code).first()
        if region is not None:
            DisposableIncome.objects.get_or_create(
                region=region, year=year, kind=kind,
                defaults={"annual_yuan": yuan, "source": source, "verified": False})


def unseed(apps, schema_editor):
    DisposableIncome = apps.get_model("core", "DisposableIncome")
    for code, year, kind, _yuan, _source in FIGURES:
        DisposableIncome.objects.filter(region__code=code, year=year, kind=kind).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0014_disposable_income")]

    operations = [migrations.RunPython(seed, unseed)]
