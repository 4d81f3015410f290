"""A working version (version 2) of WS/T 821—2023 that assessments can use now
(docs/rules/quality-assessment.md#the-working-version).

Version 1 holds only what is known and cannot be activated: no indicator's maximum score is
known. Version 2 copies it and fills the gaps with placeholders of ours, all unverified:

- each of the 15 known clauses is worth 10 points;
- the rest of each dimension's points is one indicator "本章其余条款" (code <chapter>.99),
  scored as the sum of the standard's own assessment form (appendix A) for that chapter;
- the six known clauses that restate a legal duty (fire-safety certificate, staff health
  certificates, no-criminal-record certificates, vaccination check at entry, alarm and camera
  coverage, liability insurance) are the veto items we assume; the standard has 16.

Version 2 is active. The support administrator replaces it with a verified version (copy,
correct, activate) once appendix A is to hand; assessments keep the version they used.
"""

from django.db import migrations

CODE = "WS/T 821-2023"
KNOWN_CLAUSE_POINTS = 10
ASSUMED_VETOES = {"4.1.4", "5.1.5", "5.1.6", "7.2.1", "9.4.3", "9.7.1"}
REST_CODE = "99"
REST_TEXT = "本章其余条款（按标准附录A评估表本章各条评分后填写合计）"
REST_HINT = "附录A评估表本章逐条评分记录"

SOURCE = (
    "工作版本：在第1版（仅含已知内容）基础上补入占位分值，以便开展评估。已知条款各按10分、"
    "各章其余条款合并为一项（<章>.99）按附录A评估表合计评分；一票否决项暂按6项法定义务条款"
    "（4.1.4、5.1.5、5.1.6、7.2.1、9.4.3、9.7.1）设置，标准原有16项。以上均未核实，"
    "取得标准附录A后由运维管理员复制新版本、更正并启用。"
)


def load(apps, schema_editor):
    Framework = apps.get_model("evaluation", "Framework")
    Dimension = apps.get_model("evaluation", "Dimension")
    Indicator = apps.get_model("evaluation", "Indicator")
    GradeBand = apps.get_model("evaluation", "GradeBand")
    first = Framework.objects.filter(code=CODE, version=1).first()
    if first is None or Framework.objects.filter(code=CODE, version=2).exists():
        return
    if Framework.objects.filter(code=CODE, is_active=True).exists():
        return  # a verified version was activated already: leave it
    working = Framework.objects.create(
        code=CODE, title=first.title, version=2, total_points=first.total_points,
        veto_cap_stars=first.veto_cap_stars, source=SOURCE, is_active=True)
    for dimension in Dimension.objects.filter(framework=first).order_by("order"):
        copy = Dimension.objects.create(
            framework=working, order=dimension.order, code=dimension.code, name=dimension.name,
            points=dimension.points, verified=False)
        known = list(Indicator.objects.filter(dimension=dimension).order_by("order", "code"))
        rows = [Indicator(dimension=copy, order=i.order, code=i.code, text=i.text,
                          evidence_hint=i.evidence_hint, max_score=KNOWN_CLAUSE_POINTS,
                          is_veto=i.code in ASSUMED_VETOES, verified=False) for i in known]
        rest = dimension.points - KNOWN_CLAUSE_POINTS * len(known)
        rows.append(Indicator(dimension=copy, order=len(known) + 1,
                              code=f"{dimension.code}.{REST_CODE}", text=REST_TEXT,
                              evidence_hint=REST_HINT, max_score=rest, is_veto=False,
                              verified=False))
        Indicator.objects.bulk_create(rows)
    GradeBand.objects.bulk_create([
        GradeBand(framework=working, grade=b.grade, min_total=b.min_total,
                  max_total=b.max_total, stars=b.stars, verified=False)
        for b in GradeBand.objects.filter(framework=first)])


def unload(apps, schema_editor):
    """Delete version 2 row by row, children first (the ORM's cascade cannot follow the
    historical models here). Refused by the database while assessments use it."""
    Framework = apps.get_model("evaluation", "Framework")
    ids = list(Framework.objects.filter(code=CODE, version=2).values_list("pk", flat=True))
    apps.get_model("evaluation", "Indicator").objects.filter(
        dimension__framework_id__in=ids)._raw_delete(schema_editor.connection.alias)
    for name in ("Dimension", "GradeBand"):
        apps.get_model("evaluation", name).objects.filter(
            framework_id__in=ids)._raw_delete(schema_editor.connection.alias)
    Framework.objects.filter(pk__in=ids)._raw_delete(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0007_assessments_and_ratings")]
    operations = [migrations.RunPython(load, unload)]
