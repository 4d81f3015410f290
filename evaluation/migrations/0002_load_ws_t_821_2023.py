"""WS/T 821—2023 《托育机构质量评估标准》 as data, version 1 (docs/rules/quality-assessment.md).

Loaded as far as it is known, and no further:

- the 7 dimensions (chapters 4–10) with their points, 1000 in all; names verified, points from a
  secondary source, so the dimensions are marked unverified;
- the 15 clauses known from a secondary source, in our own short wording, unverified, with no
  maximum score (not known) and no veto flag (which 16 indicators are the veto items is not
  known);
- the grade bands A/B/C/D at 900/750/600/0 points and their stars: placeholders of ours,
  unverified; a failed veto item caps the result at 1 star (grade D), an assumption.

The version is not active: it cannot be until every indicator has a maximum score adding up to
its dimension's points (Framework.problems). Complete it from the standard's appendix A in the
support admin, or in a new version (copy).
"""

from django.db import migrations

CODE = "WS/T 821-2023"

SOURCE = (
    "国卫通〔2023〕13号，2023-10-31发布，2024-04-01实施；推荐性卫生行业标准。"
    "维度名称已核实（人民日报2024-04-02）；维度分值与条款来自二手资料，条款文字为摘要，"
    "非标准原文；各指标分值、16项一票否决基础指标的具体条目、等级分数线及星级对应均未核实。"
)

# (chapter, name, points, [(clause, text, evidence hint)])
DIMENSIONS = [
    ("4", "办托条件", 100, [
        ("4.1.4", "消防安全检查合格证明在当年有效期内", "消防安全检查合格证明"),
    ]),
    ("5", "托育队伍", 140, [
        ("5.1.5", "全体工作人员持有效健康证明，至少每年查验一次", "工作人员健康证明及查验记录"),
        ("5.1.6", "工作人员持无犯罪记录证明", "无犯罪记录证明"),
        ("5.2.1", "机构负责人岗位培训不少于60学时", "负责人培训证明"),
    ]),
    ("6", "保育照护", 200, []),
    ("7", "卫生保健", 210, [
        ("7.2.1", "入托时查验预防接种证和入托健康检查表", "预防接种证查验记录、入托健康检查表"),
        ("7.2.3", "每日晨检、午检并全日健康观察，有记录", "晨午检及全日观察记录"),
        ("7.3.1", "食谱每周更换", "每周食谱"),
        ("7.3.3", "婴幼儿过敏有记录，避免过敏原并提供替代食物", "过敏登记、替代食谱"),
        ("7.4.3", "专人追踪缺勤婴幼儿", "缺勤追踪记录"),
    ]),
    ("8", "养育支持", 80, []),
    ("9", "安全保障", 200, [
        ("9.3.1", "每月对设施设备进行安全检查", "设施设备月度检查记录"),
        ("9.3.2", "每月对消防设施器材进行检查", "消防设施器材月度检查记录"),
        ("9.4.3", "设一键报警装置，监控全覆盖，录像保存不少于90天", "报警装置、监控点位、90天录像"),
        ("9.5.2", "定期开展应急演练", "演练计划与记录"),
        ("9.7.1", "投保至少一种责任类保险", "保险单"),
    ]),
    ("10", "机构管理", 70, [
        ("10.4", "收费项目和标准公示；膳食费专款专用", "收费公示、膳食费账目"),
    ]),
]

# (grade, from total (included), up to total (not included), stars)
BANDS = [("A", 900, None, 5), ("B", 750, 900, 4), ("C", 600, 750, 3), ("D", 0, 600, 1)]


def load(apps, schema_editor):
    Framework = apps.get_model("evaluation", "Framework")
    Dimension = apps.get_model("evaluation", "Dimension")
    Indicator = apps.get_model("evaluation", "Indicator")
    GradeBand = apps.get_model("evaluation", "GradeBand")
    framework, created = Framework.objects.get_or_create(
        code=CODE, version=1,
        defaults={"title": "托育机构质量评估标准", "total_points": 1000, "veto_cap_stars": 1,
                  "source": SOURCE})
    if not created:
        return
    for order, (chapter, name, points, clauses) in enumerate(DIMENSIONS, start=1):
        dimension = Dimension.objects.create(framework=framework, order=order, code=chapter,
                                             name=name, points=points, verified=False)
        Indicator.objects.bulk_create([
            Indicator(dimension=dimension, order=number, code=code, text=text,
                      evidence_hint=hint, max_score=None, is_veto=False, verified=False)
            for number, (code, text, hint) in enumerate(clauses, start=1)])
    GradeBand.objects.bulk_create([
        GradeBand(framework=framework, grade=grade, min_total=low, max_total=high, stars=stars,
                  verified=False)
        for grade, low, high, stars in BANDS])


def unload(apps, schema_editor):
    apps.get_model("evaluation", "Framework").objects.filter(code=CODE, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_framework")]
    operations = [migrations.RunPython(load, unload)]
