"""Supervision (运营中全程监管): children and their guardians, daily records, safety records,
inspections with rectification orders, complaints, and the alerts raised by the scheduled
checks (DOMAIN §2, §6, §7, §8, §9.5).

Children's data is sensitive (PIPL Art 28/31): a child exists only after a guardian's consent
is recorded (``supervision.children.enrol_child``), ID numbers are encrypted with a blind index,
every read of a child's record goes to the access log, and every model holding child, health or
incident data is tracked by pghistory.
"""

from __future__ import annotations

from datetime import date

import pghistory
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.fields import BlindIndexField, EncryptedTextField
from luhuituo.core.validators import validate_id_number
from registry.models import Centre, ClassGroup, Staff
from registry.validators import validate_phone


def age_in_months(birth_date: date, on: date) -> int:
    """Whole months from birth to ``on`` (a child born on 15 March is 2 months old on 15 May,
    still 1 month old on 14 May) — the convention of the 76号令 health records."""
    delta = relativedelta(on, birth_date)
    return delta.years * 12 + delta.months


def _centre_scope(user, field: str = "centre") -> Q | None:
    """Q for objects of the centres ``user`` may see, or None when they may see none."""
    if not user.is_authenticated:
        return None
    return Q(**{f"{field}__in": Centre.objects.visible_to(user)})


class CentreRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = _centre_scope(user)
        return self.filter(scope) if scope is not None and not user.is_parent else self.none()


# --- Children -----------------------------------------------------------------------------------


class ChildQuerySet(models.QuerySet):
    def visible_to(self, user) -> ChildQuerySet:
        """Centre accounts: their centres' children. Regulators: children of centres in their
        regions (reads need a stated reason and are logged). Parents: their own children."""
        if not user.is_authenticated:
            return self.none()
        if user.is_parent:
            return self.filter(guardians__user=user).distinct()
        return self.filter(_centre_scope(user))

    def enrolled(self) -> ChildQuerySet:
        return self.filter(status=Child.Status.ENROLLED)


@pghistory.track()
class Child(models.Model):
    """婴幼儿 — a child cared for by a centre. Created only with a guardian's consent."""

    class Sex(models.TextChoices):
        MALE = "male", _("Boy")
        FEMALE = "female", _("Girl")

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    centre = models.ForeignKey(Centre, models.PROTECT, related_name="children",
                               verbose_name=_("centre"))
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    id_number = EncryptedTextField(_("resident ID number"), blank=True,
                                   validators=[validate_id_number])
    id_number_digest = BlindIndexField(source="id_number", purpose="ric")
    allergies = EncryptedTextField(_("allergies and dietary needs"), blank=True)
    health_notes = EncryptedTextField(_("health notes"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.ENROLLED)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("created by"))

    objects = ChildQuerySet.as_manager()

    class Meta:
        ordering = ["centre", "name", "id"]
        verbose_name = _("child")
        verbose_name_plural = _("children")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "id_number_digest"],
                condition=~Q(id_number_digest=""),
                name="supervision_child_unique_person",
                violation_error_message=_("This child is already registered at this centre."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("supervision:child-detail", args=[self.centre_id, self.pk])

    def age_months(self, on: date | None = None) -> int:
        return age_in_months(self.birth_date, on or timezone.localdate())

    @property
    def current_enrolment(self) -> Enrolment | None:
        """The open placement, from a prefetch of ``enrolments`` when there is one."""
        for enrolment in self.enrolments.all():
            if enrolment.ended_on is None:
                return enrolment
        return None


class GuardianQuerySet(models.QuerySet):
    def visible_to(self, user) -> GuardianQuerySet:
        return self.filter(child__in=Child.objects.visible_to(user))


@pghistory.track()
class Guardian(models.Model):
    """监护人 — a parent or other guardian of a child; may be linked to a parent account."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER = "other", _("Other guardian")

    child = models.ForeignKey(Child, models.CASCADE, related_name="guardians",
                              verbose_name=_("child"))
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation to the child"), max_length=20,
                                choices=Relation.choices)
    mobile = models.CharField(_("mobile number"), max_length=20, validators=[validate_phone])
    id_number = EncryptedTextField(_("resident ID number"), blank=True,
                                   validators=[validate_id_number])
    id_number_digest = BlindIndexField(source="id_number", purpose="ric")
    is_primary = models.BooleanField(_("primary contact"), default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                             related_name="guardianships", verbose_name=_("parent account"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = GuardianQuerySet.as_manager()

    class Meta:
        ordering = ["child", "-is_primary", "id"]
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"


@pghistory.track()
class GuardianConsent(models.Model):
    """监护人同意 (PIPL Art 29/31): what was agreed, under which version of the child privacy
    rules, when and how. Photos and sharing need their own, separate consent."""

    class Purpose(models.TextChoices):
        RECORDS = "records", _("Childcare records (enrolment, attendance, health checks)")
        PHOTOS = "photos", _("Photos and video of the child")
        SHARING = "sharing", _("Sharing with parties other than the health bureau")

    class Method(models.TextChoices):
        PAPER = "paper", _("Signed paper form")
        IN_PERSON = "in_person", _("In person, confirmed by staff")
        ONLINE = "online", _("Online, by the guardian's own account")

    child = models.ForeignKey(Child, models.CASCADE, related_name="consents",
                              verbose_name=_("child"))
    guardian = models.ForeignKey(Guardian, models.CASCADE, related_name="consents",
                                 verbose_name=_("guardian"))
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    rules_version = models.CharField(_("version of the child privacy rules"), max_length=20)
    consented_at = models.DateTimeField(_("consented at"), default=timezone.now)
    method = models.CharField(_("how consent was given"), max_length=10, choices=Method.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        ordering = ["child", "purpose", "-consented_at"]
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")

    def __str__(self) -> str:
        return f"{self.child} · {self.get_purpose_display()}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


@pghistory.track()
class Enrolment(models.Model):
    """入托 — a child's placement in a class, from a day until a day (history of placements)."""

    child = models.ForeignKey(Child, models.CASCADE, related_name="enrolments",
                              verbose_name=_("child"))
    class_group = models.ForeignKey(ClassGroup, models.PROTECT, related_name="enrolments",
                                    verbose_name=_("class"))
    service_form = models.CharField(_("service form"), max_length=10,
                                    choices=Centre.ServiceForm.choices,
                                    default=Centre.ServiceForm.FULL_DAY)
    started_on = models.DateField(_("starts on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["child", "-started_on", "-id"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["child"], condition=Q(ended_on__isnull=True),
                                    name="supervision_one_open_enrolment"),
        ]

    def __str__(self) -> str:
        return f"{self.child} · {self.class_group}"


@pghistory.track()
class HealthCheck(models.Model):
    """入托体检 / 返园体检 — a health check at a medical institution (管理规范 Art 11)."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry health check")
        RETURN = "return", _("Health check after ≥ 3 months away")
        PERIODIC = "periodic", _("Periodic health check")

    class Result(models.TextChoices):
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Not passed")

    child = models.ForeignKey(Child, models.CASCADE, related_name="health_checks",
                              verbose_name=_("child"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    checked_on = models.DateField(_("checked on"))
    institution = models.CharField(_("medical institution"), max_length=100)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    notes = EncryptedTextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["child", "-checked_on", "-id"]
        verbose_name = _("health check")
        verbose_name_plural = _("health checks")

    def __str__(self) -> str:
        return f"{self.child} · {self.get_kind_display()} · {self.checked_on}"


@pghistory.track()
class VaccinationCheck(models.Model):
    """预防接种证查验 — the centre saw the vaccination certificate (76号令 Art 15(6))."""

    child = models.ForeignKey(Child, models.CASCADE, related_name="vaccination_checks",
                              verbose_name=_("child"))
    checked_on = models.DateField(_("checked on"))
    certificate_seen = models.BooleanField(_("vaccination certificate seen"), default=True)
    up_to_date = models.BooleanField(_("vaccinations up to date for the age"), default=True)
    missing = models.CharField(_("missing vaccinations"), max_length=200, blank=True,
                               help_text=_("The guardian is told and urged to catch up."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["child", "-checked_on", "-id"]
        verbose_name = _("vaccination check")
        verbose_name_plural = _("vaccination checks")

    def __str__(self) -> str:
        return f"{self.child} · {self.checked_on}"


class ChildrenReport(models.Model):
    """定期报送 (管理规范 Art 12): the centre sends the bureau a snapshot of its enrolled
    children — counts by class type and age — at least every ``KID_REPORT_INTERVAL_DAYS``."""

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="children_reports",
                               verbose_name=_("centre"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                     blank=True, related_name="+", verbose_name=_("submitted by"))
    enrolled = models.PositiveIntegerField(_("children enrolled"))
    figures = models.JSONField(_("figures"), default=dict, blank=True,
                               help_text=_("Children by class type and by age band."))

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("children report")
        verbose_name_plural = _("children reports")

    def __str__(self) -> str:
        return f"{self.centre} · {timezone.localtime(self.submitted_at):%Y-%m-%d}"


# --- Daily records ----------------------------------------------------------------------------


class ClassDayQuerySet(models.QuerySet):
    def visible_to(self, user) -> ClassDayQuerySet:
        scope = _centre_scope(user, "class_group__centre")
        return self.filter(scope) if scope is not None and not user.is_parent else self.none()


@pghistory.track()
class ClassDay(models.Model):
    """One class on one day: who was on duty, and (through ``attendance``) each child's day."""

    class_group = models.ForeignKey(ClassGroup, models.CASCADE, related_name="days",
                                    verbose_name=_("class"))
    date = models.DateField(_("date"))
    staff_on_duty = models.ManyToManyField(Staff, related_name="duty_days", blank=True,
                                           verbose_name=_("staff on duty"))
    morning_check_at = models.DateTimeField(_("morning check recorded at"), null=True,
                                            blank=True)
    midday_check_at = models.DateTimeField(_("midday check recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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
        return f"{self.class_group.name} · {self.date:%Y-%m-%d}"


class SymptomGroup(models.TextChoices):
    """Symptom groups of the 托幼 epidemic-reporting rules (DOMAIN §2.8)."""

    FEVER = "fever", _("Fever")
    RASH = "rash", _("Rash")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    VOMITING = "vomiting", _("Vomiting")
    JAUNDICE = "jaundice", _("Jaundice")
    RESPIRATORY = "respiratory", _("Cough or other respiratory symptoms")
    OTHER = "other", _("Other symptoms")


@pghistory.track()
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

    class_day = models.ForeignKey(ClassDay, models.CASCADE, related_name="attendance",
                                  verbose_name=_("class day"))
    child = models.ForeignKey(Child, models.CASCADE, related_name="attendance",
                              verbose_name=_("child"))
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

    class Meta:
        ordering = ["class_day", "child__name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["class_day", "child"],
                                    name="supervision_one_attendance_per_child_day"),
        ]

    def __str__(self) -> str:
        return f"{self.child} · {self.class_day.date:%Y-%m-%d} · {self.get_status_display()}"

    @property
    def attends(self) -> bool:
        return self.status in {self.Status.PRESENT, self.Status.LEFT_EARLY}


# --- Safety records -----------------------------------------------------------------------------


@pghistory.track()
class Incident(models.Model):
    """安全事件 — an injury, illness cluster, food-safety event, suspected abuse or missing child
    (DOMAIN §2.6, §2.8, §6.1). Timestamps feed alerts A9–A11."""

    class Kind(models.TextChoices):
        INJURY = "injury", _("Injury")
        INFECTIOUS = "infectious", _("Infectious disease")
        FOOD = "food", _("Food safety")
        ABUSE = "abuse", _("Suspected abuse or violence")
        MISSING = "missing", _("Missing child")
        OTHER = "other", _("Other")

    class InjuryType(models.TextChoices):
        SUFFOCATION = "suffocation", _("Suffocation")
        FALL = "fall", _("Fall")
        BURN_SCALD = "burn_scald", _("Burn or scald")
        DROWNING = "drowning", _("Drowning")
        POISONING = "poisoning", _("Poisoning")
        FOREIGN_BODY = "foreign_body", _("Foreign body")
        TRAFFIC = "traffic", _("Road traffic")
        OTHER = "other", _("Other injury")

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor (first aid at the centre)")
        MODERATE = "moderate", _("Moderate (seen by a doctor)")
        SERIOUS = "serious", _("Serious (hospitalisation, fracture, poisoning, death, missing)")

    class Status(models.TextChoices):
        REPORTED = "reported", _("Reported")
        GUARDIAN_NOTIFIED = "guardian_notified", _("Guardian notified")
        AUTHORITY_REPORTED = "authority_reported", _("Reported to the authority")
        INVESTIGATING = "investigating", _("Under investigation")
        CLOSED = "closed", _("Closed")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="incidents",
                               verbose_name=_("centre"))
    child = models.ForeignKey(Child, models.SET_NULL, null=True, blank=True,
                              related_name="incidents", verbose_name=_("child"))
    class_group = models.ForeignKey(ClassGroup, models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("class"))
    occurred_at = models.DateTimeField(_("happened at"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    injury_type = models.CharField(_("injury type"), max_length=12, choices=InjuryType.choices,
                                   blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    notifiable_disease = models.BooleanField(_("notifiable infectious disease"), default=False)
    description = models.TextField(_("what happened"))
    action_taken = models.TextField(_("action taken"), blank=True)
    guardian_notified_at = models.DateTimeField(_("guardian notified at"), null=True, blank=True)
    reported_to_authority_at = models.DateTimeField(_("reported to the authority at"),
                                                    null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.REPORTED)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("reported by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {timezone.localtime(self.occurred_at):%Y-%m-%d}"

    @property
    def must_report_to_authority(self) -> bool:
        return (self.severity == self.Severity.SERIOUS or self.kind in {
            self.Kind.ABUSE, self.Kind.MISSING, self.Kind.FOOD} or self.notifiable_disease)


@pghistory.track()
class Drill(models.Model):
    """应急演练 — an emergency drill (管理规范 Art 31; WS/T 821 9.5.2)."""

    class Kind(models.TextChoices):
        FIRE = "fire", _("Fire evacuation")
        EARTHQUAKE = "earthquake", _("Earthquake")
        INTRUDER = "intruder", _("Violent intruder")
        CROWD = "crowd", _("Crowd crush")
        FOOD = "food", _("Food poisoning")
        OTHER = "other", _("Other")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="drills",
                               verbose_name=_("centre"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    participants = models.PositiveIntegerField(_("participants"), default=0)
    note = models.TextField(_("what went well, what to improve"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("emergency drill")
        verbose_name_plural = _("emergency drills")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.held_on}"


@pghistory.track()
class SafetyCheck(models.Model):
    """每月检查 — the monthly facility and fire-equipment inspections (WS/T 821 9.3.1/9.3.2)."""

    class Kind(models.TextChoices):
        FACILITY = "facility", _("Facilities and equipment")
        FIRE_EQUIPMENT = "fire_equipment", _("Fire equipment")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="safety_checks",
                               verbose_name=_("centre"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    checked_on = models.DateField(_("checked on"))
    inspector_name = models.CharField(_("checked by"), max_length=50)
    all_in_order = models.BooleanField(_("everything in order"), default=True)
    note = models.TextField(_("problems found"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-checked_on", "-id"]
        verbose_name = _("monthly safety check")
        verbose_name_plural = _("monthly safety checks")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.checked_on}"


@pghistory.track()
class Hazard(models.Model):
    """安全隐患 — a hazard found at the centre, to be fixed by a deadline (alert A34)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FIXED = "fixed", _("Fixed")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="hazards",
                               verbose_name=_("centre"))
    found_on = models.DateField(_("found on"))
    location = models.CharField(_("where"), max_length=100)
    description = models.TextField(_("hazard"))
    deadline = models.DateField(_("fix by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    fixed_on = models.DateField(_("fixed on"), null=True, blank=True)
    fix_note = models.TextField(_("how it was fixed"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["status", "deadline", "-id"]
        verbose_name = _("hazard")
        verbose_name_plural = _("hazards")

    def __str__(self) -> str:
        return f"{self.location} · {self.description[:30]}"


# --- Inspections and rectification --------------------------------------------------------------


class ChecklistCategory(models.TextChoices):
    FIRE = "fire", _("Fire safety")
    FOOD = "food", _("Food safety")
    HEALTH = "health", _("Health care")
    SAFETY = "safety", _("Safety and security")
    ORDER = "order", _("Operating order")


class ChecklistTemplate(models.Model):
    """检查表 — a versioned inspection checklist; templates are data, loaded by a migration and
    editable in the support admin."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    category = models.CharField(_("category"), max_length=10, choices=ChecklistCategory.choices)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["category", "code", "-version"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"],
                                    name="supervision_checklist_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（v{self.version}）"


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, models.CASCADE, related_name="items",
                                 verbose_name=_("checklist"))
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("what to check"), max_length=300)
    basis = models.CharField(_("basis"), max_length=200, blank=True)

    class Meta:
        ordering = ["template", "number"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["template", "number"],
                                    name="supervision_checklist_item_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


@pghistory.track()
class Inspection(models.Model):
    """监督检查 — a regulator's visit: PLANNED → IN_PROGRESS → FINDINGS_ISSUED → CLOSED or
    RECTIFICATION_ORDERED (DOMAIN §9.5)."""

    class Kind(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        UNANNOUNCED = "unannounced", _("Unannounced (双随机)")
        FOLLOW_UP = "follow_up", _("Follow-up")
        COMPLAINT = "complaint", _("After a complaint")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        FINDINGS_ISSUED = "findings_issued", _("Findings issued")
        RECTIFICATION_ORDERED = "rectification_ordered", _("Rectification ordered")
        CLOSED = "closed", _("Closed")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="inspections",
                               verbose_name=_("centre"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    planned_on = models.DateField(_("planned for"))
    status = models.CharField(_("status"), max_length=25, choices=Status.choices,
                              default=Status.PLANNED)
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                             verbose_name=_("lead inspector"))
    inspectors = models.CharField(_("other inspectors"), max_length=200, blank=True)
    checklists = models.ManyToManyField(ChecklistTemplate, related_name="+", blank=True,
                                        verbose_name=_("checklists"))
    risk_score = models.PositiveIntegerField(_("risk score when planned"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("findings issued at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.centre.name} · {self.planned_on} · {self.get_kind_display()}"


class InspectionAnswer(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", _("Conforms")
        FAIL = "fail", _("Does not conform")
        NA = "na", _("Not applicable")

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="answers",
                                   verbose_name=_("inspection"))
    item = models.ForeignKey(ChecklistItem, models.PROTECT, related_name="+",
                             verbose_name=_("checklist item"))
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["inspection", "item__template", "item__number"]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"],
                                    name="supervision_one_answer_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_result_display()}"


@pghistory.track()
class Finding(models.Model):
    """检查发现 — a problem found on an inspection, with its severity."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("Minor")
        MAJOR = "major", _("Major")
        CRITICAL = "critical", _("Critical")

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="findings",
                                   verbose_name=_("inspection"))
    item = models.ForeignKey(ChecklistItem, models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("checklist item"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    description = models.TextField(_("finding"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["inspection", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return self.description[:50]


class RectificationOrderQuerySet(CentreRecordQuerySet):
    def open(self):
        return self.exclude(status=RectificationOrder.Status.CLOSED)

    def overdue(self, today: date | None = None):
        return self.filter(
            status__in=[RectificationOrder.Status.ISSUED, RectificationOrder.Status.ACKNOWLEDGED],
            deadline__lt=today or timezone.localdate(),
        )


@pghistory.track()
class RectificationOrder(models.Model):
    """整改通知书: ISSUED → ACKNOWLEDGED → SUBMITTED (centre's answer with evidence) → CLOSED
    (verified), or back to ACKNOWLEDGED when the regulator re-opens it. Past the deadline
    without an answer it is overdue (alert A34)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        SUBMITTED = "submitted", _("Rectification submitted")
        CLOSED = "closed", _("Verified and closed")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="rectification_orders",
                               verbose_name=_("centre"))
    inspection = models.ForeignKey(Inspection, models.SET_NULL, null=True, blank=True,
                                   related_name="orders", verbose_name=_("inspection"))
    findings = models.ManyToManyField(Finding, related_name="orders", blank=True,
                                      verbose_name=_("findings"))
    number = models.CharField(_("order number"), max_length=30, unique=True)
    requirements = models.TextField(_("what must be rectified"))
    deadline = models.DateField(_("rectify by"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.ISSUED)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                  verbose_name=_("issued by"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    response = models.TextField(_("centre's answer"), blank=True)
    submitted_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("verified by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    reopened_count = models.PositiveSmallIntegerField(_("times re-opened"), default=0)

    objects = RectificationOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")

    def __str__(self) -> str:
        return self.number

    def is_overdue(self, today: date | None = None) -> bool:
        return (self.status in {self.Status.ISSUED, self.Status.ACKNOWLEDGED}
                and self.deadline < (today or timezone.localdate()))


def evidence_upload_to(instance, filename: str) -> str:
    import secrets
    from pathlib import Path

    suffix = Path(filename).suffix.lower()[:8]
    return f"rectification/{instance.order.centre_id}/{secrets.token_hex(16)}{suffix}"


class RectificationEvidence(models.Model):
    """A file the centre attaches to its answer (photo of the fix, receipt, certificate)."""

    order = models.ForeignKey(RectificationOrder, models.CASCADE, related_name="evidence",
                              verbose_name=_("rectification order"))
    file = models.FileField(_("file"), upload_to=evidence_upload_to)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["order", "uploaded_at", "id"]
        verbose_name = _("rectification evidence")
        verbose_name_plural = _("rectification evidence")

    def __str__(self) -> str:
        return self.original_name


# --- Complaints -----------------------------------------------------------------------------


@pghistory.track()
class Complaint(models.Model):
    """投诉 — received by a regulator (phone, letter, 12345 hotline, visit) or, later, filed by
    a parent through the portal, through the same service (``supervision.complaints``)."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        HOTLINE = "hotline", _("12345 hotline")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("In person")
        PORTAL = "portal", _("Parent portal")

    class Category(models.TextChoices):
        SAFETY = "safety", _("Safety or abuse")
        HEALTH = "health", _("Health, hygiene or food")
        FEES = "fees", _("Fees")
        STAFF = "staff", _("Staff conduct")
        SERVICE = "service", _("Quality of care")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ASSIGNED = "assigned", _("Assigned")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        NORMAL = "normal", _("Normal")

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="complaints",
                               verbose_name=_("centre"))
    channel = models.CharField(_("received by"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices,
                                default=Priority.NORMAL)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    complainant_name = models.CharField(_("complainant"), max_length=50, blank=True)
    complainant_phone = EncryptedTextField(_("complainant's phone"), blank=True,
                                           validators=[validate_phone])
    parent = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                               related_name="complaints", verbose_name=_("parent account"))
    summary = models.CharField(_("summary"), max_length=200)
    details = models.TextField(_("details"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.RECEIVED)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="assigned_complaints",
                                 verbose_name=_("handled by"))
    due_on = models.DateField(_("answer due"))
    outcome = models.TextField(_("outcome"), blank=True)
    upheld = models.BooleanField(_("complaint upheld"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    inspection = models.ForeignKey(Inspection, models.SET_NULL, null=True, blank=True,
                                   related_name="complaints", verbose_name=_("inspection"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("recorded by"))

    objects = CentreRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return self.summary

    def is_overdue(self, today: date | None = None) -> bool:
        return (self.status in {self.Status.RECEIVED, self.Status.ASSIGNED}
                and self.due_on < (today or timezone.localdate()))


# --- Alerts ---------------------------------------------------------------------------------


class Severity(models.TextChoices):
    """The Chinese four-colour warning levels (DOMAIN §8)."""

    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    BLUE = "blue", _("Blue")


SEVERITY_RANK = {Severity.RED: 4, Severity.ORANGE: 3, Severity.YELLOW: 2, Severity.BLUE: 1}


class AlertQuerySet(models.QuerySet):
    def visible_to(self, user) -> AlertQuerySet:
        """Regulators: alerts of centres in their regions. Centre accounts: their centres'
        alerts, except the alerts about the bureau's own deadlines (A37, A38)."""
        if not user.is_authenticated or user.is_parent:
            return self.none()
        alerts = self.filter(centre__in=Centre.objects.visible_to(user))
        if user.is_centre_account:
            alerts = alerts.filter(for_regulator=False)
        return alerts

    def open(self) -> AlertQuerySet:
        return self.exclude(status=Alert.Status.RESOLVED)

    def by_severity(self) -> AlertQuerySet:
        rank = models.Case(*(models.When(severity=s, then=r) for s, r in SEVERITY_RANK.items()),
                           output_field=models.IntegerField())
        return self.alias(rank=rank).order_by("-rank", "-first_seen", "-id")


class Alert(models.Model):
    """预警 — raised by a scheduled check (``supervision.checks``); one open alert per rule
    and subject. Resolved by the check when the condition clears, or by a person."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    rule = models.CharField(_("rule"), max_length=4, db_index=True)
    severity = models.CharField(_("severity"), max_length=6, choices=Severity.choices)
    initial_severity = models.CharField(_("severity when raised"), max_length=6,
                                        choices=Severity.choices)
    centre = models.ForeignKey(Centre, models.CASCADE, related_name="alerts",
                               verbose_name=_("centre"))
    subject_type = models.ForeignKey(ContentType, models.CASCADE, related_name="+",
                                     verbose_name=_("subject type"))
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject_repr = models.CharField(_("subject"), max_length=200)
    message = models.TextField(_("message"))
    for_regulator = models.BooleanField(_("about the bureau's own deadlines"), default=False)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.OPEN)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                 blank=True, related_name="assigned_alerts",
                                 verbose_name=_("assigned to"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                        blank=True, related_name="+",
                                        verbose_name=_("acknowledged by"))
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("resolved by"))
    note = models.TextField(_("note"), blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-first_seen", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject_type", "subject_id"],
                condition=~Q(status="resolved"),
                name="supervision_one_open_alert_per_rule_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "severity"], name="supervision_alert_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.subject_repr}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:alert-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED

    @property
    def rule_title(self) -> str:
        from .checks import rule_title

        return rule_title(self.rule)


FILED_STATUSES = ("filed", "under_verification", "verified", "nonconforming", "rectifying")
"""Filing statuses under which a centre may operate (备案办法 Art 8: filed before operating)."""
