"""Staff on duty through ``DutyAssignment``: a carer counts in one class a day.

The rows of the old many-to-many table are copied; where a staff member was on duty in
several classes on one day, only the first row recorded counts towards the ratio (the others
are kept, with ``counts`` false), so the new constraint holds for the data already there."""

import django.db.models.deletion
from django.db import migrations, models

COPY = """
INSERT INTO supervision_dutyassignment (class_day_id, staff_id, date, counts)
SELECT old.classday_id, old.staff_id, day.date,
       ROW_NUMBER() OVER (PARTITION BY old.staff_id, day.date ORDER BY old.id) = 1
FROM supervision_classday_staff_on_duty old
JOIN supervision_classday day ON day.id = old.classday_id
"""
# Backwards: the old table is made again (empty) by reversing RemoveField, then filled.
COPY_BACK = """
INSERT INTO supervision_classday_staff_on_duty (classday_id, staff_id)
SELECT class_day_id, staff_id FROM supervision_dutyassignment ORDER BY id
"""


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0008_centre_version"),
        ("supervision", "0005_random_draws"),
    ]

    operations = [
        migrations.CreateModel(
            name="DutyAssignment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("date", models.DateField(verbose_name="date")),
                ("counts", models.BooleanField(default=True,
                                               verbose_name="counts towards the ratio")),
                ("class_day", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="duty",
                    to="supervision.classday", verbose_name="class day")),
                ("staff", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="duty",
                    to="registry.staff", verbose_name="staff member")),
            ],
            options={
                "verbose_name": "duty assignment",
                "verbose_name_plural": "duty assignments",
                "ordering": ["class_day", "staff"],
                "constraints": [
                    models.UniqueConstraint(fields=("class_day", "staff"),
                                            name="supervision_one_duty_per_class_day"),
                    models.UniqueConstraint(condition=models.Q(("counts", True)),
                                            fields=("staff", "date"),
                                            name="supervision_carer_in_one_class_a_day"),
                ],
            },
        ),
        migrations.RunSQL(COPY, COPY_BACK),
        migrations.RemoveField(model_name="classday", name="staff_on_duty"),
        migrations.AddField(
            model_name="classday",
            name="staff_on_duty",
            field=models.ManyToManyField(blank=True, related_name="duty_days",
                                         through="supervision.DutyAssignment",
                                         to="registry.staff", verbose_name="staff on duty"),
        ),
    ]
