"""Seed the working-day calendar (工作日历) with the exceptions of 2026.

2026: 国务院办公厅关于2026年部分节假日安排的通知 (published November 2025, gov.cn gongbao 2025
issue 12406). The rows below were GENERATED from two PyPI packages, ``chinesecalendar`` 1.11.0
and ``holidays`` 0.109 (China), which agreed on every day of 2026: 19 weekdays off and 6
weekend make-up working days. Both packages transcribe the notice; check these rows against the
notice itself before relying on them. The comment above each block restates the holiday
period as the packages give it, in the notice's wording.

2027 is not seeded: neither package has the 2027 notice yet. An administrator adds each new
year's days in admin → working-day calendar once the State Council publishes the notice
(usually November or December); until then ``luhuituo.core.workdays`` logs a warning and
counts Monday–Friday for that year.

Only exceptions are stored: a weekday off, or a Saturday/Sunday worked. Weekend days inside a
holiday period (e.g. 2026-10-03/04) are rest days anyway and are not listed.
"""

from datetime import date

from django.db import migrations

HOLIDAY, WORKDAY = "holiday", "workday"

DAYS_2026 = [
    # 一、元旦：1月1日至3日放假调休，1月4日（周日）上班。
    (date(2026, 1, 1), HOLIDAY, "元旦"),  # 周四
    (date(2026, 1, 2), HOLIDAY, "元旦"),  # 周五
    (date(2026, 1, 4), WORKDAY, "元旦"),  # 周日
    # 二、春节：2月15日至23日放假调休，2月14日（周六）、2月28日（周六）上班。
    (date(2026, 2, 14), WORKDAY, "春节"),  # 周六
    (date(2026, 2, 16), HOLIDAY, "春节"),  # 周一
    (date(2026, 2, 17), HOLIDAY, "春节"),  # 周二
    (date(2026, 2, 18), HOLIDAY, "春节"),  # 周三
    (date(2026, 2, 19), HOLIDAY, "春节"),  # 周四
    (date(2026, 2, 20), HOLIDAY, "春节"),  # 周五
    (date(2026, 2, 23), HOLIDAY, "春节"),  # 周一
    (date(2026, 2, 28), WORKDAY, "春节"),  # 周六
    # 三、清明节：4月4日至6日放假。
    (date(2026, 4, 6), HOLIDAY, "清明节"),  # 周一
    # 四、劳动节：5月1日至5日放假调休，5月9日（周六）上班。
    (date(2026, 5, 1), HOLIDAY, "劳动节"),  # 周五
    (date(2026, 5, 4), HOLIDAY, "劳动节"),  # 周一
    (date(2026, 5, 5), HOLIDAY, "劳动节"),  # 周二
    (date(2026, 5, 9), WORKDAY, "劳动节"),  # 周六
    # 五、端午节：6月19日至21日放假。
    (date(2026, 6, 19), HOLIDAY, "端午节"),  # 周五
    # 六、中秋节：9月25日至27日放假。
    (date(2026, 9, 25), HOLIDAY, "中秋节"),  # 周五
    # 七、国庆节：10月1日至7日放假调休，9月20日（周日）、10月10日（周六）上班。
    (date(2026, 9, 20), WORKDAY, "国庆节"),  # 周日
    (date(2026, 10, 1), HOLIDAY, "国庆节"),  # 周四
    (date(2026, 10, 2), HOLIDAY, "国庆节"),  # 周五
    (date(2026, 10, 5), HOLIDAY, "国庆节"),  # 周一
    (date(2026, 10, 6), HOLIDAY, "国庆节"),  # 周二
    (date(2026, 10, 7), HOLIDAY, "国庆节"),  # 周三
    (date(2026, 10, 10), WORKDAY, "国庆节"),  # 周六
]


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    for day, kind, name in DAYS_2026:
        CalendarDay.objects.update_or_create(date=day, defaults={"kind": kind, "name": name})


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarDay.objects.filter(date__in=[day for day, _, _ in DAYS_2026]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0005_calendar_day")]

    operations = [migrations.RunPython(seed, unseed)]
