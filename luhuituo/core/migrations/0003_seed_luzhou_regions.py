from django.db import migrations

# 7th census, 2020-11-01 (docs/rules/inclusive-childcare.md#luzhou-geography)
CITY = ("510500", "泸州市", 4_254_149, 2020)

# District populations are editable data (admin → regions): the per-county census counts were
# not found in a verifiable source, so they start empty rather than guessed.
DISTRICTS = [
    ("510502", "江阳区", "district"),
    ("510503", "纳溪区", "district"),
    ("510504", "龙马潭区", "district"),
    ("510521", "泸县", "county"),
    ("510522", "合江县", "county"),
    ("510524", "叙永县", "county"),
    ("510525", "古蔺县", "county"),
]


def seed(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    code, name, population, year = CITY
    city, _ = Region.objects.update_or_create(
        code=code,
        defaults={"name": name, "level": "city", "population": population,
                  "population_year": year},
    )
    for code, name, level in DISTRICTS:
        Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": city}
        )


def unseed(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    Region.objects.filter(code__in=[c for c, _, _ in DISTRICTS]).delete()
    Region.objects.filter(code=CITY[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_enable_geo_extensions")]

    operations = [migrations.RunPython(seed, unseed)]
