"""Daily records: one class on one day — staff on duty, each child's attendance
and the morning and midday health checks."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luhuituo.core.dates import day
from luhuituo.core.models import Versioned
from registry.models import ClassGroup, Staff

from .base import _centre_scope
from .children import Child


class ClassDayQuerySet(models.QuerySet):
    def visible_to(self, user) -> ClassDayQuerySet:
        scope = _centre_scope(user, "class_group__centre")
        return self.filter(scope) if scope is not None and not user.is_parent else self.none()


@pghistory.track()
class ClassDay(Versioned):
    """One class on one day: who was on duty, and (through ``attendance``) each child's day.

    The sheet is saved whole, with the version it was opened on (``Versioned``; 0 when the
    day was not recorded yet): saving over a newer version is refused. Each child's row keeps
    the version in which its values last changed (``Attendance.changed_in``), and the day the
    version in which its staff on duty last changed, so the refusal can say what changed."""

    class_group = models.ForeignKey(ClassGroup, models.CASCADE, related_name="days",
                                    verbose_name=_("class"))
    date = models.DateField(_("date"))
    staff_on_duty = models.ManyToManyField(Staff, through="DutyAssignment",
                                           related_name="duty_days", blank=True,
                                           verbose_name=_("staff on duty"))
    morning_check_at = models.DateTimeField(_("morning check recorded at"), null=True,
                                            blank=True)
    midday_check_at = models.DateTimeField(_("midday check recorded at"), null=True, blank=True)
    staff_changed_in = models.PositiveIntegerField(_("staff on duty changed in version"),
                                                   default=1, editable=False)

    objects = ClassDayQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "class_group"]
        verbose_name = _("class day")
        verbose_name_plural = _("class days")
        constraints = [
            models.UniqueConstraint(fields=["class_group", "date"],
                                    name="supervision_one_record_per_class_day"),
        ]

    def __str__(self) -> str:
        return f"{self.class_group.name} · {day(self.date)}"

    def changed_rows(self, version: int):
        """The attendance rows whose values changed after ``version``, with their child."""
        return (self.attendance.filter(changed_in__gt=version).select_related("child")
                .order_by("child__name", "child_id"))

    def changes_since(self, version: int) -> list[str]:
        """The children whose rows changed after ``version``, and the staff on duty if they
        changed."""
        changes = [row.child.name for row in self.changed_rows(version)]
        if self.staff_changed_in > version:
            changes.append(str(_("staff on duty")))
        return changes


class DutyAssignment(models.Model):
    """A staff member on duty in a class on a day (the rows of ``ClassDay.staff_on_duty``).

    A carer is on duty in one class at a time (docs/rules/alert-rules.md#a1): ``counts`` marks
    the assignment that counts towards the carer:child ratio, and the database allows one such
    row per staff member and day, so two classes saved at the same instant cannot both count
    the same carer. Staff who are not carers (the health-care staff doing every class's
    morning check) are written with ``counts`` false and may be on duty in several classes.
    Records made before the rule that listed a carer in two classes keep both rows; only the
    first recorded counts. ``date`` repeats the class day's date for that constraint."""

    class_day = models.ForeignKey(ClassDay, models.CASCADE, related_name="duty",
                                  verbose_name=_("class day"))
    staff = models.ForeignKey(Staff, models.CASCADE, related_name="duty",
                              verbose_name=_("staff member"))
    date = models.DateField(_("date"))
    counts = models.BooleanField(_("counts towards the ratio"), default=True)

    class Meta:
        ordering = ["class_day", "staff"]
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        constraints = [
            models.UniqueConstraint(fields=["class_day", "staff"],
                                    name="supervision_one_duty_per_class_day"),
            models.UniqueConstraint(fields=["staff", "date"], condition=models.Q(counts=True),
                                    name="supervision_carer_in_one_class_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.class_day}"


class SymptomGroup(models.TextChoices):
    """Symptom groups of the 托幼 epidemic-reporting rules
    (docs/rules/operating-rules.md#incident-reporting-deadlines)."""

    FEVER = "fever", _("Fever")
    RASH = "rash", _("Rash")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    VOMITING = "vomiting", _("Vomiting")
    JAUNDICE = "jaundice", _("Jaundice")
    RESPIRATORY = "respiratory", _("Cough or other respiratory symptoms")
    OTHER = "other", _("Other symptoms")


@pghistory.track(exclude=["date"])  # the class day's date, repeated for an index
class Attendance(models.Model):
    """A child's day in a class: present / absent (why) / left early, and the health checks."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        LEFT_EARLY = "left_early", _("Left early")

    class AbsenceReason(models.TextChoices):
        SICK = "sick", _("Ill")
        PERSONAL = "personal", _("Personal or family reasons")
        UNKNOWN = "unknown", _("Not known yet (follow up)")

    class Check(models.TextChoices):
        NOT_DONE = "", _("Not recorded")
        NORMAL = "normal", _("Normal")
        ABNORMAL = "abnormal", _("Abnormal")

    class ToldVia(models.TextChoices):
        PLATFORM = "platform", _("Platform notification")
        IN_PERSON = "in_person", _("Phone call or in person")

    class_day = models.ForeignKey(ClassDay, models.CASCADE, related_name="attendance",
                                  verbose_name=_("class day"))
    child = models.ForeignKey(Child, models.CASCADE, related_name="attendance",
                              verbose_name=_("child"))
    # The class day's date, repeated so a child's attendance can be read in date order from
    # an index (A6 looks for a long gap between two days attended).
    date = models.DateField(_("date"), editable=False)
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)
    absence_reason = models.CharField(_("reason for absence"), max_length=10,
                                      choices=AbsenceReason.choices, blank=True)
    symptom_group = models.CharField(_("symptoms"), max_length=12, choices=SymptomGroup.choices,
                                     blank=True)
    morning_check = models.CharField(_("morning check"), max_length=10, choices=Check.choices,
                                     blank=True)
    midday_check = models.CharField(_("midday check"), max_length=10, choices=Check.choices,
                                    blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    changed_in = models.PositiveIntegerField(_("changed in version"), default=1, editable=False)
    # Telling the guardian of an abnormal check (管理规范 Art 24; rule A8): when a check was
    # last found abnormal (a check that turns abnormal again later starts a new period), and
    # when and how a guardian was told. The platform tells a guardian with a linked account by
    # itself; a carer records a phone call or a word at the door.
    abnormal_at = models.DateTimeField(_("abnormal check recorded at"), null=True, blank=True,
                                       editable=False)
    guardian_told_at = models.DateTimeField(_("guardian told at"), null=True, blank=True,
                                            editable=False)
    guardian_told_via = models.CharField(_("how the guardian was told"), max_length=10, blank=True,
                                         choices=ToldVia.choices, editable=False)
    guardian_told_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                         blank=True, related_name="+", editable=False,
                                         verbose_name=_("guardian told by (staff)"))

    class Meta:
        ordering = ["class_day", "child__name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["class_day", "child"],
                                    name="supervision_one_attendance_per_child_day"),
        ]
        indexes = [
            # A6: each child's days attended, in date order (rules/children.py return_check).
            models.Index(fields=["child", "date"], name="supervision_attended_days",
                         condition=models.Q(status__in=["present", "left_early"])),
            # A8: abnormal checks whose guardian has not been told yet.
            models.Index(fields=["abnormal_at"], name="supervision_guardian_untold",
                         condition=models.Q(abnormal_at__isnull=False,
                                            guardian_told_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.child} · {day(self.class_day.date)} · {self.get_status_display()}"

    def save(self, *args, **kwargs):
        if self.date is None and self.class_day_id is not None:
            self.date = self.class_day.date
        super().save(*args, **kwargs)

    @property
    def attends(self) -> bool:
        return self.status in {self.Status.PRESENT, self.Status.LEFT_EARLY}

    @property
    def abnormal(self) -> bool:
        return self.Check.ABNORMAL in (self.morning_check, self.midday_check)

    @property
    def guardian_untold(self) -> bool:
        return self.abnormal_at is not None and self.guardian_told_at is None
