"""Seed the working-day calendar with the exceptions of 2025, and record the notice of each
seeded year.

2025: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号 (published November
2024, the first notice under the revised 全国年节及纪念日放假办法 that added a day to 春节 and
to 劳动节). The rows restate the notice's seven items below, in its wording, in the same form
as 2026 (core.0006): only exceptions are stored, a weekday off or a Saturday/Sunday worked;
weekend days inside a holiday period are rest days anyway and are not listed. Each date's
weekday was checked when the rows were written (the comments), and the database refuses a
holiday on a weekend or a make-up day on a weekday (core_calendarday_is_exception).

2026's notice is 国办发明电〔2025〕7号 (its days are seeded by core.0006). Later years are
entered by the support administrator at /support/core/calendaryear/add/ with their notice's
number.
"""

from datetime import date

from django.db import migrations

HOLIDAY, WORKDAY = "holiday", "workday"

NOTICES = {2025: "国办发明电〔2024〕12号", 2026: "国办发明电〔2025〕7号"}

NATIONAL_DAY = "国庆节、中秋节"

DAYS_2025 = [
    # 一、元旦：1月1日（周三）放假1天，不调休。
    (date(2025, 1, 1), HOLIDAY, "元旦"),  # 周三
    # 二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
    #     1月26日（周日）、2月8日（周六）上班。
    (date(2025, 1, 26), WORKDAY, "春节"),  # 周日
    (date(2025, 1, 28), HOLIDAY, "春节"),  # 周二
    (date(2025, 1, 29), HOLIDAY, "春节"),  # 周三
    (date(2025, 1, 30), HOLIDAY, "春节"),  # 周四
    (date(2025, 1, 31), HOLIDAY, "春节"),  # 周五
    (date(2025, 2, 3), HOLIDAY, "春节"),  # 周一
    (date(2025, 2, 4), HOLIDAY, "春节"),  # 周二
    (date(2025, 2, 8), WORKDAY, "春节"),  # 周六
    # 三、清明节：4月4日（周五）至6日（周日）放假，共3天。
    (date(2025, 4, 4), HOLIDAY, "清明节"),  # 周五
    # 四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
    (date(2025, 4, 27), WORKDAY, "劳动节"),  # 周日
    (date(2025, 5, 1), HOLIDAY, "劳动节"),  # 周四
    (date(2025, 5, 2), HOLIDAY, "劳动节"),  # 周五
    (date(2025, 5, 5), HOLIDAY, "劳动节"),  # 周一
    # 五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
    (date(2025, 6, 2), HOLIDAY, "端午节"),  # 周一
    # 六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。
    #     9月28日（周日）、10月11日（周六）上班。
    (date(2025, 9, 28), WORKDAY, NATIONAL_DAY),  # 周日
    (date(2025, 10, 1), HOLIDAY, NATIONAL_DAY),  # 周三
    (date(2025, 10, 2), HOLIDAY, NATIONAL_DAY),  # 周四
    (date(2025, 10, 3), HOLIDAY, NATIONAL_DAY),  # 周五
    (date(2025, 10, 6), HOLIDAY, NATIONAL_DAY),  # 周一
    (date(2025, 10, 7), HOLIDAY, NATIONAL_DAY),  # 周二
    (date(2025, 10, 8), HOLIDAY, NATIONAL_DAY),  # 周三
    (date(2025, 10, 11), WORKDAY, NATIONAL_DAY),  # 周六
]


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    for day, kind, name in DAYS_2025:
        CalendarDay.objects.update_or_create(date=day, defaults={"kind": kind, "name": name})
    for year, notice in NOTICES.items():
        CalendarYear.objects.update_or_create(year=year, defaults={"notice": notice})


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarDay.objects.filter(date__in=[day for day, _, _ in DAYS_2025]).delete()
    CalendarYear.objects.filter(year__in=NOTICES).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0012_calendar_year")]

    operations = [migrations.RunPython(seed, unseed)]
