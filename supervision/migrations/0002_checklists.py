"""Inspection checklists (fire, food, health, safety, operating order) as data, version 1.

Items follow 管理规范 / 设置标准 / WS/T 821 / 托育机构消防安全指南 as summarised in docs/rules/.
Edit or add versions in the support admin; inspections keep the version they used.
"""

from django.db import migrations

CHECKLISTS = [
    ("fire", "fire", "消防安全检查表", [
        ("消防验收合格或备案凭证、年度消防检查记录齐全有效", "管理规范第4条；WS/T 821 4.1.4"),
        ("明确专（兼）职消防安全管理人员", "管理规范第31条"),
        ("每日防火巡查记录完整", "61号令"),
        ("每月消防设施器材检查并记录", "WS/T 821 9.3.2"),
        ("疏散通道、安全出口畅通，未锁闭、未堆物", "托育机构消防安全指南"),
        ("灭火器、应急照明、疏散指示标志完好有效", "托育机构消防安全指南"),
        ("室内无电动车停放或充电", "托育机构消防安全指南"),
        ("无易燃可燃装饰材料", "托育机构消防安全指南"),
        ("每半年至少开展一次疏散演练", "WS/T 821 9.5.2"),
        ("工作人员会报警、会使用灭火器、会组织疏散", "托育机构消防安全指南"),
    ]),
    ("food", "food", "食品安全检查表", [
        ("提供餐食的持有效食品经营许可证", "管理规范第4条"),
        ("从业人员持有效健康证明", "76号令第14条"),
        ("每周公布带量食谱", "WS/T 821 7.3.1"),
        ("每餐次每样品种留样不少于125克，冷藏48小时以上", "餐饮服务食品安全操作规范"),
        ("食品及原料进货查验记录齐全", "食品安全法"),
        ("过敏婴幼儿有记录并提供替代食物", "WS/T 821 7.3.3"),
        ("餐（饮）具清洗消毒记录完整", "管理规范第27条"),
        ("膳食费专款专用，账目公开", "WS/T 821 10.4"),
    ]),
    ("health", "health", "卫生保健检查表", [
        ("婴幼儿入托前均完成健康检查并查验预防接种证", "管理规范第11条；76号令第15条"),
        ("每日晨午检及全日健康观察有记录", "管理规范第24条；WS/T 821 7.2.3"),
        ("缺勤婴幼儿有专人追踪并记录原因", "WS/T 821 7.4.3"),
        ("传染病疫情按规定及时报告并消毒", "76号令第16条"),
        ("设立隔离观察室（区）", "管理规范第27条"),
        ("日常清洁消毒记录完整", "管理规范第27条"),
        ("按规模配备卫生保健人员（150人以上有专职）", "76号令第12条"),
        ("工作人员上岗前及每年健康检查", "管理规范第28条"),
    ]),
    ("safety", "safety", "安全保卫检查表", [
        ("监控报警系统24小时设防，覆盖婴幼儿生活和活动区域", "管理规范第32条"),
        ("监控录像保存不少于90天", "管理规范第32条；WS/T 821 9.4.3"),
        ("严格执行婴幼儿接送制度", "管理规范"),
        ("制定自然灾害、传染病、食物中毒、踩踏、火灾、暴力等应急预案", "管理规范第31条"),
        ("每月对设施设备进行安全检查并记录", "WS/T 821 9.3.1"),
        ("防止窒息、跌落、烧烫伤、溺水、中毒、异物伤害的环境措施到位", "伤害预防指南"),
        ("投保托育机构责任类保险", "WS/T 821 9.7.1"),
        ("工作人员无违法犯罪记录，查询记录在案", "WS/T 821 5.1.6"),
    ]),
    ("order", "order", "规范运营检查表", [
        ("已在所在地县级卫生健康部门备案", "备案办法第8条"),
        ("备案事项变更已办理变更备案", "管理规范第6条"),
        ("班级规模不超过班型上限", "设置标准第19条"),
        ("保育人员与婴幼儿比例符合要求", "设置标准第20条"),
        ("与监护人签订托育服务协议", "管理规范"),
        ("收费项目和标准公示，与备案一致", "管理规范第15条"),
        ("预收费不超过规定期限", "地方规定"),
        ("定期报送在托婴幼儿信息", "管理规范第12条"),
        ("年度工作报告按时报送", "管理规范第38条"),
    ]),
]


def load(apps, schema_editor):
    Template = apps.get_model("supervision", "ChecklistTemplate")
    Item = apps.get_model("supervision", "ChecklistItem")
    for code, category, name, items in CHECKLISTS:
        template, _ = Template.objects.get_or_create(
            code=code, version=1, defaults={"category": category, "name": name})
        for number, (text, basis) in enumerate(items, start=1):
            Item.objects.get_or_create(template=template, number=number,
                                       defaults={"text": text, "basis": basis})


def unload(apps, schema_editor):
    apps.get_model("supervision", "ChecklistTemplate").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
