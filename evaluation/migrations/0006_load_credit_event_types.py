"""The credit event types (docs/rules/credit-records.md) as reference data. Points and durations
are a proposal [UNVERIFIED]: the support administration edits them; ``verified`` stays off until
the bureau agrees them."""

from django.db import migrations

# code, name, points, months, source
TYPES = [
    ("finding-minor", "检查发现一般问题", -1, 12, "finding"),
    ("finding-major", "检查发现较重问题", -3, 24, "finding"),
    ("finding-critical", "检查发现严重问题", -10, 36, "finding"),
    ("rectification-overdue", "逾期未完成整改", -5, 24, "rectification"),
    ("complaint-upheld", "投诉经核查属实", -3, 12, "complaint"),
    ("incident-serious", "发生严重安全事件", -5, 24, "incident"),
    ("incident-late-report", "安全事件迟报、漏报", -10, 36, "incident"),
    ("unfiled-operation", "未备案擅自收托", -20, 36, "alert"),
    ("commendation", "监管部门通报表扬", 3, 12, "regulator"),
]


def load(apps, schema_editor):
    CreditEventType = apps.get_model("evaluation", "CreditEventType")
    for code, name, points, months, source in TYPES:
        CreditEventType.objects.update_or_create(code=code, defaults={
            "name": name, "points": points, "months": months, "source": source})


def unload(apps, schema_editor):
    apps.get_model("evaluation", "CreditEventType").objects.filter(
        code__in=[t[0] for t in TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0005_credit_records")]
    operations = [migrations.RunPython(load, unload)]
