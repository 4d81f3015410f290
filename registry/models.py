"""Registry (运营前): centres, their classes, staff and fees, and the filing with the district
health bureau (托育机构登记和备案办法, docs/rules/setup-standard.md, docs/rules/filing.md)."""

from __future__ import annotations

import math
from datetime import date

import pghistory
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luhuituo.core.dates import day
from luhuituo.core.fields import BlindIndexField, EncryptedTextField
from luhuituo.core.models import Versioned
from luhuituo.core.uploads import UploadPath
from luhuituo.core.validators import validate_id_number
from luhuituo.core.workdays import WorkingDayCalendar

from .validators import validate_phone, validate_uscc


class CentreQuerySet(models.QuerySet):
    def visible_to(self, user) -> CentreQuerySet:
        """Regulators see the centres in their regions; centre accounts their own centres."""
        if not user.is_authenticated:
            return self.none()
        if user.is_regulator:
            return self.filter(region_id__in=user.scope_region_ids)
        if user.is_centre_account:
            return self.filter(
                memberships__user=user, memberships__is_active=True
            ).distinct()
        return self.none()

    def listed_publicly(self) -> CentreQuerySet:
        """Centres whose filing has been verified (核实通过): the public list
        (docs/rules/filing.md#filing-workflow)."""
        return self.filter(filing__status=Filing.Status.VERIFIED)


@pghistory.track()
class Centre(Versioned):
    """托育机构 — a childcare centre for children under three. Its profile is edited with a
    version (``Versioned``: ``version``, ``updated_at``, ``updated_by``)."""

    class LegalForm(models.TextChoices):
        PUBLIC_INSTITUTION = "public_institution", _("Public institution")
        SOCIAL_SERVICE_ORG = "social_service_org", _("Social service organisation")
        ENTERPRISE = "enterprise", _("Enterprise")

    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Community-run")
        KINDERGARTEN_INTEGRATED = "kindergarten", _("Kindergarten-integrated")
        MEDICAL_INTEGRATED = "medical", _("Medical-care integrated")
        EMPLOYER = "employer", _("Employer-sponsored")
        OTHER = "other", _("Other")

    class ServiceForm(models.TextChoices):
        FULL_DAY = "full_day", _("Full-day")
        HALF_DAY = "half_day", _("Half-day")
        HOURLY = "hourly", _("Hourly")
        TEMPORARY = "temporary", _("Temporary")

    class Tenure(models.TextChoices):
        OWNED = "owned", _("Owned")
        LEASED = "leased", _("Leased")

    # Who registers the legal person (备案办法 Art 4).
    REGISTERING_AUTHORITY = {
        LegalForm.PUBLIC_INSTITUTION: _("Establishment office (机构编制部门)"),
        LegalForm.SOCIAL_SERVICE_ORG: _("Civil affairs department (民政部门)"),
        LegalForm.ENTERPRISE: _("Market regulation department (市场监督管理部门)"),
    }

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        "core.Region", models.PROTECT, related_name="centres", verbose_name=_("district/county"),
        limit_choices_to=~Q(level="city"),
    )
    legal_form = models.CharField(
        _("legal form"), max_length=20, choices=LegalForm.choices, blank=True
    )
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc],
        help_text=_("18 characters, on the business licence or registration certificate."),
    )
    kind = models.CharField(pgettext_lazy("centre", "kind"), max_length=20, choices=Kind.choices,
                            blank=True)
    is_inclusive = models.BooleanField(_("inclusive (普惠)"), default=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    service_forms = ArrayField(
        models.CharField(max_length=10, choices=ServiceForm.choices),
        verbose_name=_("service forms"), default=list, blank=True,
    )
    approved_places = models.PositiveIntegerField(_("approved places"), null=True, blank=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    opening_days = models.CharField(
        _("opening days"), max_length=50, blank=True,
        help_text=_("For example: Monday to Friday; Saturday mornings for hourly care."),
    )
    provides_meals = models.BooleanField(_("meals provided"), default=False)
    tenure = models.CharField(_("premises"), max_length=10, choices=Tenure.choices, blank=True)
    lease_start = models.DateField(_("lease starts"), null=True, blank=True)
    lease_end = models.DateField(_("lease ends"), null=True, blank=True)
    indoor_area_m2 = models.DecimalField(
        _("indoor area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    outdoor_area_m2 = models.DecimalField(
        _("outdoor area (m²)"), max_digits=8, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    principal_name = models.CharField(_("principal"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = CentreQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("centre")
        verbose_name_plural = _("centres")
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~Q(uscc=""), name="registry_centre_unique_uscc",
                violation_error_message=_("A centre with this credit code is already registered."),
            ),
            models.CheckConstraint(
                condition=Q(lease_start__isnull=True) | Q(lease_end__isnull=True)
                | Q(lease_end__gt=models.F("lease_start")),
                name="registry_centre_lease_order",
                violation_error_message=_("The lease must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def service_form_labels(self) -> list[str]:
        labels = dict(self.ServiceForm.choices)
        return [str(labels.get(form, form)) for form in self.service_forms]

    @property
    def registering_authority(self):
        return self.REGISTERING_AUTHORITY.get(self.legal_form, "")

    @property
    def full_address(self) -> str:
        """The address with the city and district in front, unless it already starts with
        them (addresses are typed both ways)."""
        address = self.address.strip()
        names = [r.name for r in (self.region.parent, self.region) if r is not None and r.name]
        for i, name in enumerate(names):
            if address.startswith(name):
                return "".join(names[:i]) + address
        return "".join(names) + address

    def lease_years(self) -> float | None:
        if self.tenure != self.Tenure.LEASED or not (self.lease_start and self.lease_end):
            return None
        delta = relativedelta(self.lease_end, self.lease_start)
        return delta.years + delta.months / 12 + delta.days / 365

    def lease_is_long_enough(self) -> bool:
        """Owned premises, or a lease of at least MIN_LEASE_YEARS (设置标准 Art 11)."""
        if self.tenure == self.Tenure.OWNED:
            return True
        if self.tenure != self.Tenure.LEASED or not (self.lease_start and self.lease_end):
            return False
        return self.lease_end >= self.lease_start + relativedelta(years=settings.MIN_LEASE_YEARS)

    def filing_blockers(self) -> list[str]:
        """What stops this centre from submitting its filing, in the user's language."""
        from django.utils.translation import gettext as _g

        problems = []
        required = {
            "legal_form": _g("legal form"), "uscc": _g("unified social credit code"),
            "kind": _g("kind"), "address": _g("address"), "latitude": _g("map location"),
            "approved_places": _g("approved places"), "tenure": _g("premises"),
            "contact_phone": _g("contact phone"), "legal_representative":
            _g("legal representative"), "principal_name": _g("principal"),
        }
        missing = [label for field, label in required.items() if getattr(self, field) in ("", None)]
        if not self.service_forms:
            missing.append(_g("service forms"))
        if missing:
            problems.append(_g("Fill in: %(fields)s.") % {"fields": "、".join(map(str, missing))})
        if self.tenure and not self.lease_is_long_enough():
            problems.append(_g(
                "A leased site needs a lease of at least %(years)d years (设置标准 Art 11)."
            ) % {"years": settings.MIN_LEASE_YEARS})
        if not self.classes.exists():
            problems.append(_g("Add at least one class."))
        if not self.staff.active().exists():
            problems.append(_g("Add the centre's staff."))
        return problems


class CentreMembershipQuerySet(models.QuerySet):
    def active(self) -> CentreMembershipQuerySet:
        return self.filter(is_active=True)

    def visible_to(self, user) -> CentreMembershipQuerySet:
        return self.filter(centre__in=Centre.objects.visible_to(user))


class CentreMembership(models.Model):
    """机构成员 — a centre account's place at one centre: manager (负责人) or staff."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        STAFF = "staff", _("Staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="centre_memberships",
        verbose_name=_("user"), limit_choices_to={"account_type": "centre"},
    )
    centre = models.ForeignKey(
        Centre, models.CASCADE, related_name="memberships", verbose_name=_("centre")
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("joined at"), default=timezone.now)

    objects = CentreMembershipQuerySet.as_manager()

    class Meta:
        ordering = ["centre__name", "role", "id"]
        verbose_name = _("centre membership")
        verbose_name_plural = _("centre memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "centre"], name="registry_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.centre} · {self.get_role_display()}"

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER


class ClassType(models.TextChoices):
    """班型 (设置标准 Art 19/20); age bands, sizes and ratios are in settings.CLASS_TYPES."""

    INFANT = "infant", _("Infant class (6–12 months)")
    TODDLER_SMALL = "toddler_small", _("Younger toddler class (12–24 months)")
    TODDLER_LARGE = "toddler_large", _("Older toddler class (24–36 months)")
    MIXED = "mixed", _("Mixed-age class (18 months and over)")


def class_rules(class_type: str) -> dict:
    return settings.CLASS_TYPES[class_type]


class ClassGroupQuerySet(models.QuerySet):
    def visible_to(self, user) -> ClassGroupQuerySet:
        return self.filter(centre__in=Centre.objects.visible_to(user))


@pghistory.track()
class ClassGroup(models.Model):
    """班级 — a class of children of one class type."""

    centre = models.ForeignKey(
        Centre, models.CASCADE, related_name="classes", verbose_name=_("centre")
    )
    name = models.CharField(_("class name"), max_length=50)
    class_type = models.CharField(_("class type"), max_length=20, choices=ClassType.choices)
    capacity = models.PositiveSmallIntegerField(
        _("places"), validators=[MinValueValidator(1)],
        help_text=_("At most the class type's maximum size."),
    )
    room = models.CharField(_("room"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ClassGroupQuerySet.as_manager()

    class Meta:
        ordering = ["centre", "class_type", "name"]
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [
            models.UniqueConstraint(fields=["centre", "name"], name="registry_class_unique_name",
                                    violation_error_message=_("This centre already has a class "
                                                              "with this name.")),
        ]

    def __str__(self) -> str:
        """'乳儿一班 · 乳儿班（6–12个月）'; a class named after its type reads as the type alone,
        '乳儿班（6–12个月）', never '乳儿班（乳儿班（6–12个月））'."""
        label = str(self.get_class_type_display())
        if not self.name or label.startswith(self.name):
            return label
        return f"{self.name} · {label}"

    @property
    def rules(self) -> dict:
        return class_rules(self.class_type)

    @property
    def max_size(self) -> int:
        return self.rules["max_size"]

    @property
    def ratio(self) -> int:
        return self.rules["ratio"]

    def carers_needed(self, children: int) -> int:
        """Carers for this many children: ceil(children / ratio) — the ratio is a floor."""
        return math.ceil(children / self.ratio) if children > 0 else 0

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.class_type and self.capacity and self.capacity > self.max_size:
            raise ValidationError({"capacity": _(
                "A %(type)s has at most %(max)d children (设置标准 Art 19)."
            ) % {"type": self.get_class_type_display(), "max": self.max_size}})


class StaffQuerySet(models.QuerySet):
    def active(self) -> StaffQuerySet:
        return self.filter(employment_status=Staff.Employment.ACTIVE)

    def visible_to(self, user) -> StaffQuerySet:
        return self.filter(centre__in=Centre.objects.visible_to(user))

    def employed_elsewhere(self) -> StaffQuerySet:
        """Active staff whose ID number is also active at another centre (blind index)."""
        shared = (
            Staff.objects.active().exclude(id_number_digest="")
            .values("id_number_digest")
            .annotate(centres=Count("centre", distinct=True))
            .filter(centres__gt=1)
            .values("id_number_digest")
        )
        return self.active().filter(id_number_digest__in=shared)


@pghistory.track()
class Staff(models.Model):
    """工作人员 — a person working at a centre, with the checks the rules require
    (docs/rules/setup-standard.md#staff)."""

    class Role(models.TextChoices):
        PRINCIPAL = "principal", _("Principal")
        CARER = "carer", _("Carer")
        HEALTH = "health", _("Health-care staff")
        GUARD = "guard", _("Security guard")
        COOK = "cook", _("Cook")
        OTHER = "other", _("Other")

    class Employment(models.TextChoices):
        ACTIVE = "active", _("Employed")
        LEFT = "left", _("Left")

    class CriminalCheck(models.TextChoices):
        CLEAR = "clear", _("No record")
        RECORD = "record", _("Record found")

    class Degree(models.TextChoices):
        """学历层次, lowest first (设置标准 Art 18: a principal needs 大专 or higher)."""

        SECONDARY = "secondary", _("Secondary school or lower")
        COLLEGE = "college", _("Junior college (大专)")
        BACHELOR = "bachelor", _("Bachelor's degree (本科)")
        POSTGRADUATE = "postgraduate", _("Postgraduate")

    # The degrees that meet the principal's requirement (大专 or higher).
    COLLEGE_OR_HIGHER = (Degree.COLLEGE, Degree.BACHELOR, Degree.POSTGRADUATE)

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="staff",
                               verbose_name=_("centre"))
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    id_number = EncryptedTextField(_("resident ID number"), validators=[validate_id_number])
    id_number_digest = BlindIndexField(source="id_number", purpose="ric")
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True,
                              validators=[validate_phone])
    is_full_time = models.BooleanField(_("full-time"), default=True)
    education = models.CharField(_("education"), max_length=50, blank=True)
    degree = models.CharField(_("education level"), max_length=15, choices=Degree.choices,
                              blank=True)
    experience_since = models.DateField(
        _("in related work since"), null=True, blank=True,
        help_text=_("For the principal: when the person began managing childcare, education "
                    "or health work (the 3 years are counted from this date)."))
    guard_licence_no = models.CharField(
        _("security guard certificate number"), max_length=30, blank=True,
        help_text=_("For a security guard: the number on the 保安员证 issued by the police."))
    qualification = models.CharField(
        _("qualification certificate"), max_length=100, blank=True,
        help_text=_("For example 保育师 or 育婴员 certificate, with its number."),
    )
    qualification_valid_until = models.DateField(_("qualification valid until"), null=True,
                                                 blank=True)
    health_cert_valid_until = models.DateField(_("health certificate valid until"), null=True,
                                               blank=True)
    criminal_check_date = models.DateField(_("criminal-record check date"), null=True,
                                           blank=True)
    criminal_check_result = models.CharField(_("criminal-record check result"), max_length=10,
                                             choices=CriminalCheck.choices, blank=True)
    employment_status = models.CharField(_("employment"), max_length=10,
                                         choices=Employment.choices, default=Employment.ACTIVE)
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                             related_name="staff_records", verbose_name=_("account"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = StaffQuerySet.as_manager()

    class Meta:
        ordering = ["centre", "role", "name", "id"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "id_number_digest"], name="registry_staff_unique_person",
                violation_error_message=_("This person is already on this centre's staff."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    def health_cert_valid_on(self, day: date) -> bool:
        return self.health_cert_valid_until is not None and self.health_cert_valid_until >= day

    @property
    def training_hours(self):
        return sum((r.hours for r in self.training_records.all()), start=0)


class StaffTrainingRecord(models.Model):
    """培训记录 — one course a staff member took. Its kind says whether it is one of the
    trainings a post requires (alert A16, docs/rules/alert-rules.md#a16)."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("Other training")
        PRINCIPAL_POST = "principal_post", _("Principal's post training (岗位培训)")
        HEALTH_CARE = "health_care", _(
            "Health-care training by a maternal and child health institution (妇幼保健机构)")

    staff = models.ForeignKey(Staff, models.CASCADE, related_name="training_records",
                              verbose_name=_("staff member"))
    kind = models.CharField(_("kind of training"), max_length=20, choices=Kind.choices,
                            default=Kind.GENERAL)
    course = models.CharField(_("course"), max_length=100)
    provider = models.CharField(_("provider"), max_length=100, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1,
                                validators=[MinValueValidator(0.5), MaxValueValidator(500)])
    completed_on = models.DateField(_("completed on"))
    certificate_no = models.CharField(_("certificate number"), max_length=50, blank=True)

    class Meta:
        ordering = ["-completed_on", "id"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self) -> str:
        return f"{self.course} {self.hours}"


@pghistory.track()
class FeeSchedule(models.Model):
    """收费标准 — monthly fees by class type, from a date
    (docs/rules/inclusive-childcare.md#inclusive-pricing)."""

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="fee_schedules",
                               verbose_name=_("centre"))
    effective_from = models.DateField(_("effective from"), default=date.today)
    infant_fee = models.DecimalField(_("infant class, yuan/month"), max_digits=8,
                                     decimal_places=2, null=True, blank=True,
                                     validators=[MinValueValidator(0)])
    toddler_small_fee = models.DecimalField(_("younger toddler class, yuan/month"), max_digits=8,
                                            decimal_places=2, null=True, blank=True,
                                            validators=[MinValueValidator(0)])
    toddler_large_fee = models.DecimalField(_("older toddler class, yuan/month"), max_digits=8,
                                            decimal_places=2, null=True, blank=True,
                                            validators=[MinValueValidator(0)])
    mixed_fee = models.DecimalField(_("mixed-age class, yuan/month"), max_digits=8,
                                    decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(0)])
    meal_fee = models.DecimalField(_("meal fee, yuan/month"), max_digits=8, decimal_places=2,
                                   null=True, blank=True, validators=[MinValueValidator(0)])
    other_fees = models.TextField(_("other fees"), blank=True)
    prepayment_months = models.PositiveSmallIntegerField(
        _("prepayment (months)"), default=1, validators=[MaxValueValidator(12)]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["centre", "-effective_from", "-id"]
        get_latest_by = "effective_from"
        verbose_name = _("fee schedule")
        verbose_name_plural = _("fee schedules")

    def __str__(self) -> str:
        return f"{self.centre} · {self.effective_from}"

    def fee_for(self, class_type: str):
        return getattr(self, f"{class_type}_fee")


class InclusiveDecisionQuerySet(models.QuerySet):
    def visible_to(self, user) -> InclusiveDecisionQuerySet:
        return self.filter(centre__in=Centre.objects.visible_to(user))


class InclusiveDecision(models.Model):
    """普惠认定 — the district bureau recognises a centre as inclusive, or revokes that, from a
    date and on a basis (docs/rules/filing.md#inclusive-recognition); the centre may apply
    first, and the bureau may decline the application. Every step is kept: together they are
    the status's history; ``Centre.is_inclusive`` follows the latest recognition or revocation
    (registry.inclusive, the only writer of both). ``decided_by``: who acted (the applicant
    for an application)."""

    class Action(models.TextChoices):
        APPLIED = "applied", _("Applied for by the centre")
        DECLINED = "declined", _("Application declined")
        RECOGNISED = "recognised", _("Recognised as inclusive")
        REVOKED = "revoked", _("Recognition revoked")

    # The decisions that set the status (the others are an application and its refusal).
    STATUS_ACTIONS = frozenset({Action.RECOGNISED, Action.REVOKED})

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="inclusive_decisions",
                               verbose_name=_("centre"))
    action = models.CharField(_("decision"), max_length=10, choices=Action.choices)
    effective_on = models.DateField(_("effective from"))
    basis = models.TextField(
        _("basis"), help_text=_("The decision document's number, or the reason."))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    objects = InclusiveDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at", "-id"]
        get_latest_by = ["decided_at", "id"]
        verbose_name = _("inclusive recognition decision")
        verbose_name_plural = _("inclusive recognition decisions")

    def __str__(self) -> str:
        return f"{self.centre} · {self.get_action_display()} · {self.effective_on}"


class FilingQuerySet(models.QuerySet):
    def visible_to(self, user) -> FilingQuerySet:
        return self.filter(centre__in=Centre.objects.visible_to(user))

    def with_due(self) -> FilingQuerySet:
        """Annotate ``due_at``: the legal deadline the bureau is working against now — the
        receipt for a submitted filing, the non-conformity notice for a filed one (备案办法
        Art 9); none otherwise."""
        S = Filing.Status
        return self.annotate(due_at=models.Case(
            models.When(status=S.SUBMITTED, then=models.F("receipt_due")),
            models.When(status__in=[S.FILED, S.UNDER_VERIFICATION], then=models.F("notice_due")),
            default=None, output_field=models.DateTimeField(),
        ))

    def awaiting_bureau(self) -> FilingQuerySet:
        """Filings on which the district bureau must act next."""
        S = Filing.Status
        return self.filter(status__in=[S.SUBMITTED, S.FILED, S.UNDER_VERIFICATION,
                                       S.RECTIFYING, S.TERMINATING])


@pghistory.track()
class Filing(models.Model):
    """备案 — a centre's filing with its district health bureau, through its whole life
    (docs/rules/filing.md#filing-workflow). Filing is not a licence: "filed" can later be found
    non-conforming."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")
        FILED = "filed", _("Filed")
        UNDER_VERIFICATION = "under_verification", _("Under verification")
        VERIFIED = "verified", _("Verified")
        NONCONFORMING = "nonconforming", _("Non-conforming")
        RECTIFYING = "rectifying", _("Rectifying")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATING = "terminating", _("Terminating")
        DEREGISTERED = "deregistered", _("Deregistered")

    # The statuses, grouped by what they allow; every app asks these, none lists its own.
    # The centre may still change its registered data itself (afterwards: change filing).
    EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.RETURNED})
    # Filed and operating: certificates are kept valid, changes go through a change filing,
    # the centre is supervised as a filed centre.
    OPERATING_STATUSES = frozenset({Status.FILED, Status.UNDER_VERIFICATION, Status.VERIFIED,
                                    Status.NONCONFORMING, Status.RECTIFYING})
    # The receipt is in effect (the public verification page says so).
    IN_EFFECT_STATUSES = frozenset({Status.FILED, Status.UNDER_VERIFICATION, Status.VERIFIED})
    # The centre may ask to end its service (管理规范 Art 7).
    TERMINABLE_STATUSES = frozenset({Status.SUBMITTED, Status.RETURNED, *OPERATING_STATUSES,
                                     Status.SUSPENDED})

    centre = models.OneToOneField(Centre, models.CASCADE, related_name="filing",
                                  verbose_name=_("centre"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT, db_index=True)
    filing_no = models.CharField(_("filing number"), max_length=20, unique=True, null=True,
                                 blank=True)
    commitment_signed_at = models.DateTimeField(_("commitment signed at"), null=True, blank=True)
    commitment_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("commitment signed by"),
    )
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    receipt_due = models.DateTimeField(_("receipt due"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    notice_due = models.DateTimeField(_("non-conformity notice due"), null=True, blank=True)
    verification_started_at = models.DateTimeField(_("verification started at"), null=True,
                                                   blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    nonconforming_at = models.DateTimeField(_("found non-conforming at"), null=True, blank=True)
    nonconformity_notice = models.TextField(_("non-conformity notice"), blank=True)
    rectification_submitted_at = models.DateTimeField(_("rectification submitted at"), null=True,
                                                      blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspension_reason = models.TextField(_("suspension reason"), blank=True)
    termination_requested_at = models.DateTimeField(_("termination requested at"), null=True,
                                                    blank=True)
    termination_reason = models.TextField(_("termination reason"), blank=True)
    children_settled = models.TextField(_("how the children were settled"), blank=True)
    staff_settled = models.TextField(_("how the staff were settled"), blank=True)
    fees_refunded = models.TextField(_("how prepaid fees were refunded"), blank=True)
    deregistered_at = models.DateTimeField(_("deregistered at"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("reviewer"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FilingQuerySet.as_manager()

    class Meta:
        verbose_name = _("filing")
        verbose_name_plural = _("filings")

    def __str__(self) -> str:
        # Language-neutral: it is stored as the audit trail's object name.
        return self.filing_no or str(self.centre)

    def get_absolute_url(self) -> str:
        return reverse("registry:filing-detail", args=[self.centre_id])

    @property
    def is_listed_publicly(self) -> bool:
        return self.status == self.Status.VERIFIED

    def due_clock(self) -> tuple[date, date] | None:
        """The Beijing days on which the bureau's current legal deadline started and ends (the
        receipt for a submitted filing, the non-conformity notice for a filed one, as
        ``with_due``); None when no deadline runs."""
        S = self.Status
        if self.status == S.SUBMITTED:
            start, due = self.submitted_at, self.receipt_due
        elif self.status in (S.FILED, S.UNDER_VERIFICATION):
            start, due = self.filed_at, self.notice_due
        else:
            return None
        if start is None or due is None:
            return None
        return timezone.localdate(start), timezone.localdate(due)

    def due_is_provisional(self, calendar: WorkingDayCalendar | None = None) -> bool:
        """Whether the current deadline runs into a year whose working-day calendar has not
        been entered: it was counted Monday to Friday and is only provisional (暂定)."""
        clock = self.due_clock()
        if clock is None:
            return False
        calendar = calendar or WorkingDayCalendar(*clock)
        return calendar.is_provisional(*clock)

    def current_materials(self) -> list[FilingMaterial]:
        """The latest upload of each required item (older versions stay as history)."""
        latest: dict[tuple, FilingMaterial] = {}
        for material in self.materials.order_by("uploaded_at", "id"):
            latest[(material.kind, material.staff_id)] = material
        return list(latest.values())


class FilingNumberSequence(models.Model):
    """The last filing number issued per district and year (region code + year + sequence)."""

    region = models.ForeignKey("core.Region", models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "year"],
                                               name="registry_filing_seq_unique")]

    def __str__(self) -> str:
        return f"{self.region_id}-{self.year}: {self.last}"


class MaterialKind(models.TextChoices):
    """备案材料 (备案办法 Art 8, 管理规范 Art 4; docs/rules/filing.md#materials-checklist)."""

    LICENCE = "licence", _("Business licence or legal-person certificate")
    PREMISES = "premises", _("Proof of premises")
    STAFF_CERTS = "staff_certs", _("Staff qualification and health certificates")
    HEALTH_EVALUATION = "health_evaluation", _("Health evaluation report (passed)")
    FIRE_SAFETY = "fire_safety", _("Fire-safety inspection certificate")
    FOOD_LICENCE = "food_licence", _("Food business licence")
    OTHER = "other", _("Other material")


class FilingMaterialQuerySet(models.QuerySet):
    def visible_to(self, user) -> FilingMaterialQuerySet:
        return self.filter(filing__centre__in=Centre.objects.visible_to(user))


class FilingMaterial(models.Model):
    """One uploaded filing material, with the regulator's verdict. A replacement is a new row."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Not reviewed")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Needs correction")

    filing = models.ForeignKey(Filing, models.CASCADE, related_name="materials",
                               verbose_name=_("filing"))
    kind = models.CharField(_("material"), max_length=30)
    staff = models.ForeignKey(Staff, models.CASCADE, null=True, blank=True,
                              related_name="materials", verbose_name=_("staff member"))
    change = models.ForeignKey("ChangeFiling", models.SET_NULL, null=True, blank=True,
                               related_name="materials", verbose_name=_("change filing"))
    file = models.FileField(_("file"), upload_to=UploadPath("materials"))
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    number = models.CharField(_("certificate number"), max_length=100, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices,
                               default=Verdict.PENDING)
    return_reason = models.TextField(_("what to correct"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                    blank=True, related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = FilingMaterialQuerySet.as_manager()

    class Meta:
        ordering = ["filing", "kind", "uploaded_at", "id"]
        verbose_name = _("filing material")
        verbose_name_plural = _("filing materials")

    def __str__(self) -> str:
        return f"{self.kind_label} · {self.original_name}"

    @property
    def kind_label(self) -> str:
        labels = dict(MaterialKind.choices) | dict(settings.EXTRA_FILING_MATERIALS)
        return str(labels.get(self.kind, self.kind))


def centre_material_kinds(centre: Centre) -> list[str]:
    """The checklist's materials of the centre itself (not per staff member), no query."""
    kinds: list[str] = [MaterialKind.LICENCE, MaterialKind.PREMISES,
                        MaterialKind.HEALTH_EVALUATION, MaterialKind.FIRE_SAFETY]
    if centre.provides_meals:
        kinds.append(MaterialKind.FOOD_LICENCE)
    kinds.extend(code for code, _label in settings.EXTRA_FILING_MATERIALS)
    return kinds


def required_material_kinds(centre: Centre) -> list[tuple[str, Staff | None]]:
    """The checklist for a centre: (kind, staff) pairs, one per active staff member for the
    staff certificates, the food licence only when meals are provided
    (docs/rules/filing.md#materials-checklist)."""
    items: list[tuple[str, Staff | None]] = [(k, None) for k in centre_material_kinds(centre)]
    items.extend((MaterialKind.STAFF_CERTS, s) for s in centre.staff.active().order_by("id"))
    return items


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImportJobQuerySet:
        """An import's report is its uploader's only: other regulators get 404."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(created_by=user)


class ImportJob(models.Model):
    """批量导入 — one Excel file of centres uploaded by a regulator, checked and imported by a
    Celery task (registry.imports), with its per-row error report."""

    class Mode(models.TextChoices):
        VALIDATE = "validate", _("Check only, import nothing")
        ALL = "all", _("Import all rows, only if no row has errors")
        VALID_ROWS = "valid_rows", _("Import the rows without errors, skip the others")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("uploaded by"))
    file = models.FileField(_("file"), upload_to=UploadPath("imports", suffix=".xlsx"))
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    # The report's messages are written in the uploader's language at the time.
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows checked"), default=0)
    imported = models.PositiveIntegerField(_("centres imported"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True,
                              help_text=_("A list of {row, column, message}."))
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    task = models.ForeignKey("core.Job", models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("background job"))

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.original_name or self.file.name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("registry:import-status", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class ChangeFilingQuerySet(models.QuerySet):
    def visible_to(self, user) -> ChangeFilingQuerySet:
        return self.filter(centre__in=Centre.objects.visible_to(user))

    def open(self) -> ChangeFilingQuerySet:
        return self.filter(status__in=[ChangeFiling.Status.SUBMITTED,
                                       ChangeFiling.Status.ACCEPTED])


@pghistory.track()
class ChangeFiling(models.Model):
    """变更备案 — a filed centre's change of filed details (管理规范 Art 6,
    docs/rules/filing.md#change-filing).

    The proposed values wait here until the bureau accepts them; only then are they applied
    to the centre. Changes of premises, capacity or legal form are verified again."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        ACCEPTED = "accepted", _("Accepted, to be verified")
        VERIFIED = "verified", _("Verified")
        NONCONFORMING = "nonconforming", _("Non-conforming")

    class Kind(models.TextChoices):
        NAME = "name", _("Name")
        PEOPLE = "people", _("Legal representative or principal")
        PREMISES = "premises", _("Address or premises")
        CAPACITY = "capacity", _("Capacity")
        SERVICE = "service", _("Service forms or hours")
        MEALS = "meals", _("Meal provision")
        LEGAL_FORM = "legal_form", _("Legal form")
        REGISTRATION = "registration", _("Registration number")
        OTHER = "other", _("Other details")

    # Which kind of change each editable centre field is, and which kinds are verified again.
    # The inclusive status is not a filed detail: the bureau recognises it (registry.inclusive).
    FIELD_KINDS = {
        "name": Kind.NAME, "legal_representative": Kind.PEOPLE, "principal_name": Kind.PEOPLE,
        "address": Kind.PREMISES, "latitude": Kind.PREMISES, "longitude": Kind.PREMISES,
        "tenure": Kind.PREMISES, "lease_start": Kind.PREMISES, "lease_end": Kind.PREMISES,
        "indoor_area_m2": Kind.PREMISES, "outdoor_area_m2": Kind.PREMISES,
        "approved_places": Kind.CAPACITY, "service_forms": Kind.SERVICE,
        "opens_at": Kind.SERVICE, "closes_at": Kind.SERVICE, "opening_days": Kind.SERVICE,
        "provides_meals": Kind.MEALS, "legal_form": Kind.LEGAL_FORM,
        "uscc": Kind.REGISTRATION, "kind": Kind.OTHER,
        "contact_name": Kind.OTHER, "contact_phone": Kind.OTHER,
    }
    REVERIFY = frozenset({Kind.PREMISES, Kind.CAPACITY, Kind.LEGAL_FORM, Kind.MEALS})

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="change_filings",
                               verbose_name=_("centre"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED)
    kinds = ArrayField(models.CharField(max_length=20, choices=Kind.choices),
                       verbose_name=_("what changes"), default=list)
    proposed = models.JSONField(_("proposed values"), default=dict)
    previous = models.JSONField(_("values before the change"), default=dict)
    reason = models.TextField(_("reason for the change"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("bureau's note"), blank=True)

    objects = ChangeFilingQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("change filing")
        verbose_name_plural = _("change filings")
        constraints = [
            models.UniqueConstraint(
                fields=["centre"], condition=Q(status__in=["submitted", "accepted"]),
                name="registry_one_open_change_per_centre",
                violation_error_message=_("This centre already has a change filing in "
                                          "progress."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre} · {day(self.submitted_at)}"

    @property
    def needs_verification(self) -> bool:
        return bool(self.REVERIFY.intersection(self.kinds))

    def kind_labels(self) -> list[str]:
        labels = dict(self.Kind.choices)
        return [str(labels.get(k, k)) for k in self.kinds]

    def rows(self) -> list[dict]:
        """(field label, before, after) for display, in the centre form's field order."""
        result = []
        for name in self.FIELD_KINDS:
            if name in self.proposed:
                field = Centre._meta.get_field(name)
                # Until accepted, "before" is what the centre's record says now.
                before = (self.previous[name] if name in self.previous
                          else getattr(self.centre, name))
                result.append({
                    "label": field.verbose_name,
                    "before": display_value(field, before),
                    "after": display_value(field, self.proposed[name]),
                })
        return result


def display_value(field, value) -> str:
    """A stored (JSON) value of a Centre field as a reader sees it."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        choices = dict(Centre.ServiceForm.choices)
        return "、".join(str(choices.get(v, v)) for v in value)
    return str(value)


class CentrePhotoQuerySet(models.QuerySet):
    def visible_to(self, user) -> CentrePhotoQuerySet:
        """The photos of the centres the user may see (members, regulators in scope)."""
        return self.filter(centre__in=Centre.objects.visible_to(user))

    def public(self) -> CentrePhotoQuerySet:
        """The photos of publicly listed (verified) centres: anyone may see them."""
        return self.filter(centre__in=Centre.objects.listed_publicly())


class CentrePhoto(models.Model):
    """机构照片 — a photo of a centre's premises. Disclosure, not filing material: the manager
    changes the photos whatever the filing's status; the public sees them once the centre is
    listed publicly."""

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="photos",
                               verbose_name=_("centre"))
    image = models.FileField(_("photo"), upload_to=UploadPath("photos"))
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size"))
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = CentrePhotoQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("centre photo")
        verbose_name_plural = _("centre photos")

    def __str__(self) -> str:
        return self.caption or self.original_name

    def get_absolute_url(self) -> str:
        return reverse("registry:photo-file", args=[self.pk])


class InsurancePolicyQuerySet(models.QuerySet):
    def visible_to(self, user) -> InsurancePolicyQuerySet:
        """The policies of the centres the user may see (members, regulators in scope)."""
        return self.filter(centre__in=Centre.objects.visible_to(user))

    def in_force_on(self, day: date) -> InsurancePolicyQuerySet:
        return self.filter(cover_from__lte=day, cover_to__gte=day)


@pghistory.track()
class InsurancePolicy(models.Model):
    """责任保险 — a liability insurance policy of the centre (WS/T 821 9.7.1; alert A25,
    docs/rules/alert-rules.md#a25). The manager records each policy as it is taken out; a
    renewal is a new policy, so the history stays."""

    centre = models.ForeignKey(Centre, models.CASCADE, related_name="insurance_policies",
                               verbose_name=_("centre"))
    insurer = models.CharField(_("insurer"), max_length=100)
    policy_no = models.CharField(_("policy number"), max_length=50)
    cover_from = models.DateField(_("cover from"))
    cover_to = models.DateField(_("cover to"))
    file = models.FileField(_("scanned policy"), upload_to=UploadPath("insurance"), blank=True)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = InsurancePolicyQuerySet.as_manager()

    class Meta:
        ordering = ["centre", "-cover_to", "-id"]
        verbose_name = _("liability insurance policy")
        verbose_name_plural = _("liability insurance policies")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "policy_no"], name="registry_insurance_unique_policy",
                violation_error_message=_("This policy is already recorded."),
            ),
            models.CheckConstraint(
                condition=Q(cover_to__gte=models.F("cover_from")),
                name="registry_insurance_cover_order",
                violation_error_message=_("The cover must end on or after the day it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_no}"

    def in_force_on(self, day: date) -> bool:
        return self.cover_from <= day <= self.cover_to
