"""Core: users, regions, regulator scopes, the audit trail, access logs and notifications."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property

import pgtrigger
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .fields import BlindIndexField, EncryptedTextField
from .validators import normalise_mobile, validate_id_number, validate_mobile
from .verbs import verb_choices


class RegionQuerySet(models.QuerySet):
    def districts(self) -> RegionQuerySet:
        """Districts and counties: every region but the city, in code order."""
        return self.exclude(level=Region.Level.CITY).order_by("code")

    def visible_to(self, user) -> RegionQuerySet:
        """The regions a regulator oversees; none for anyone else."""
        if not user.is_authenticated or not user.is_regulator:
            return self.none()
        return self.filter(id__in=user.scope_region_ids)


class Region(models.Model):
    """行政区划 — the city and its districts/counties, with resident population
    (docs/rules/inclusive-childcare.md#luzhou-geography)."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        COUNTY = "county", _("County")

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent region"),
    )
    population = models.PositiveIntegerField(
        _("resident population"), null=True, blank=True,
        help_text=_("Resident population (常住人口) used for places per 1,000 residents."),
    )
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    @property
    def is_city(self) -> bool:
        return self.level == self.Level.CITY


class DisposableIncomeQuerySet(models.QuerySet):
    def latest_by_region(self, kind: str, *, up_to_year: int | None = None,
                         year: int | None = None) -> dict[int, DisposableIncome]:
        """{region id: its figure of ``kind``}: of exactly ``year`` when given, else the most
        recent one up to ``up_to_year``. One query, whatever the number of regions."""
        rows = self.filter(kind=kind)
        if year is not None:
            rows = rows.filter(year=year)
        elif up_to_year is not None:
            rows = rows.filter(year__lte=up_to_year)
        latest: dict[int, DisposableIncome] = {}
        for row in rows.select_related("region").order_by("region_id", "-year"):
            latest.setdefault(row.region_id, row)
        return latest


class DisposableIncome(models.Model):
    """人均可支配收入 — a region's yearly per-capita disposable income, as data with its
    source: the base of the inclusive price cap (docs/rules/inclusive-childcare.md#inclusive-
    pricing) and, per kind of resident, of the dashboard's figures. Statistical bulletins give
    all residents, urban and rural residents separately; each is a row."""

    class Kind(models.TextChoices):
        ALL = "all", _("All residents")
        URBAN = "urban", _("Urban residents")
        RURAL = "rural", _("Rural residents")

    region = models.ForeignKey(Region, models.PROTECT, related_name="incomes",
                               verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    kind = models.CharField(_("residents"), max_length=10, choices=Kind.choices)
    annual_yuan = models.PositiveIntegerField(
        _("per-capita disposable income, yuan/year"), validators=[MinValueValidator(1)])
    source = models.TextField(
        _("source"), help_text=_("The publication (statistical bulletin, yearbook) and its "
                                 "address, so a reader can check the figure."))
    verified = models.BooleanField(
        _("verified"), default=False,
        help_text=_("Checked against the publication itself, not a copy of it."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = DisposableIncomeQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "-year", "kind"]
        verbose_name = _("per-capita disposable income")
        verbose_name_plural = _("per-capita disposable incomes")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "kind"], name="core_income_unique",
                violation_error_message=_("This region already has a figure for these "
                                          "residents and year.")),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year} {self.get_kind_display()} {self.annual_yuan}"

    @property
    def monthly_yuan(self):
        """A twelfth of the yearly figure."""
        return Decimal(self.annual_yuan) / 12


class SubsidyProgrammeQuerySet(models.QuerySet):
    def for_regions(self, region_ids, year: int) -> SubsidyProgrammeQuerySet:
        """The programmes of ``year`` in any of ``region_ids`` (a centre's district and city)."""
        return (self.filter(region_id__in=[r for r in region_ids if r], year=year)
                .select_related("region").order_by("region__code", "kind", "name", "id"))


class SubsidyProgramme(models.Model):
    """托育补贴 — a subsidy a region pays for childcare in a year, as data with its source: the
    parent portal's cost estimate deducts the ones a family qualifies for from a centre's fee.
    Regulators (through support staff) enter each year's programmes from the policy text."""

    class Kind(models.TextChoices):
        PER_CHILD = "per_child", _("Per child under 3, per month")
        PER_INCLUSIVE_PLACE = "inclusive_place", _("Per inclusive (普惠) place, per month")

    region = models.ForeignKey(Region, models.PROTECT, related_name="subsidy_programmes",
                               verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    name = models.CharField(_("programme"), max_length=100)
    kind = models.CharField(pgettext_lazy("subsidy", "kind"), max_length=20,
                            choices=Kind.choices)
    amount = models.DecimalField(
        _("amount, yuan/month"), max_digits=8, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))])
    eligibility = models.TextField(
        _("who qualifies"), blank=True,
        help_text=_("Conditions beyond the kind (residence, birth order…), as the policy "
                    "states them; the estimate shows them to the family."))
    source = models.TextField(
        _("source"), help_text=_("The policy document (issuer, number, date) and its address, "
                                 "so a reader can check the figure."))
    verified = models.BooleanField(
        _("verified"), default=False,
        help_text=_("Checked against the policy document itself, not a copy of it."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SubsidyProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "-year", "kind", "name"]
        verbose_name = _("subsidy programme")
        verbose_name_plural = _("subsidy programmes")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "name"], name="core_subsidy_unique",
                violation_error_message=_("This region already has a programme of this name "
                                          "for this year.")),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.year} {self.name}"


class User(AbstractUser):
    """A person who logs in: regulator, centre manager or staff, or parent
    (docs/architecture.md#who-uses-it).

    ``account_type`` says which part of the platform the account belongs to; what it may see
    is data too: ``RegulatorScope`` rows for regulators, ``registry.CentreMembership`` rows for
    centre accounts, ``supervision.Guardian`` rows for parents.
    """

    class AccountType(models.TextChoices):
        REGULATOR = "regulator", _("Regulator")
        CENTRE = "centre", _("Centre staff")
        PARENT = "parent", _("Parent")

    name = models.CharField(_("full name"), max_length=50, blank=True)
    mobile = models.CharField(
        _("mobile number"), max_length=11, unique=True, null=True, blank=True,
        validators=[validate_mobile],
        error_messages={"unique": _("An account with this mobile number already exists.")},
    )
    account_type = models.CharField(
        _("account type"), max_length=10, choices=AccountType.choices, default=AccountType.PARENT
    )
    id_number = EncryptedTextField(
        _("resident ID number"), blank=True, validators=[validate_id_number]
    )
    id_number_digest = BlindIndexField(source="id_number", purpose="ric")

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_digest"], condition=~Q(id_number_digest=""),
                name="core_user_unique_id_number",
                violation_error_message=_("An account with this ID number already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    def clean(self) -> None:
        super().clean()
        if self.mobile:
            self.mobile = normalise_mobile(self.mobile)
        if self.id_number:
            self.id_number = "".join(self.id_number.split()).upper()

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    @property
    def is_regulator(self) -> bool:
        return self.account_type == self.AccountType.REGULATOR

    @property
    def is_centre_account(self) -> bool:
        return self.account_type == self.AccountType.CENTRE

    @property
    def is_parent(self) -> bool:
        return self.account_type == self.AccountType.PARENT

    @property
    def has_idle_timeout(self) -> bool:
        """Regulators, centre staff and support staff are logged out when idle
        (docs/architecture.md#privacy-and-security)."""
        return not self.is_parent or self.is_staff

    @cached_property
    def regulator_scopes(self) -> list[RegulatorScope]:
        if not self.is_regulator:
            return []
        return list(self.scopes.select_related("region"))

    @cached_property
    def scope_region_ids(self) -> frozenset[int]:
        """Ids of every region this regulator oversees: a city scope covers its districts."""
        ids: set[int] = set()
        city_ids = [s.region_id for s in self.regulator_scopes if s.region.is_city]
        ids.update(s.region_id for s in self.regulator_scopes)
        if city_ids:
            ids.update(Region.objects.filter(parent_id__in=city_ids).values_list("id", flat=True))
        return frozenset(ids)

    @property
    def is_city_regulator(self) -> bool:
        return any(s.region.is_city for s in self.regulator_scopes)


class RegulatorScope(models.Model):
    """监管范围 — which region a regulator account oversees, and in which role."""

    class Role(models.TextChoices):
        REGULATOR = "regulator", _("Regulator")
        ASSESSOR = "assessor", _("Assessor / inspector")

    user = models.ForeignKey(
        User, models.CASCADE, related_name="scopes", verbose_name=_("user"),
        limit_choices_to={"account_type": User.AccountType.REGULATOR},
    )
    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("region"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.REGULATOR)

    class Meta:
        verbose_name = _("regulator scope")
        verbose_name_plural = _("regulator scopes")
        constraints = [
            models.UniqueConstraint(fields=["user", "region"], name="core_scope_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.region} · {self.get_role_display()}"


def _target_fields():
    return (
        models.ForeignKey(
            ContentType, models.PROTECT, null=True, blank=True, related_name="+",
            verbose_name=_("object type"),
        ),
        models.CharField(_("object id"), max_length=64, blank=True),
        models.CharField(_("object"), max_length=200, blank=True),
    )


@pgtrigger.register(
    pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class AuditEvent(models.Model):
    """审计日志 — one row per consequential action; append-only (a trigger refuses changes)."""

    actor = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    actor_repr = models.CharField(_("actor name"), max_length=150, blank=True)
    verb = models.CharField(_("action"), max_length=64, db_index=True, choices=verb_choices)
    target_type, target_id, target_repr = _target_fields()
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.verb} {self.target_repr}"

    @property
    def to_label(self) -> str:
        """For a status transition, the label of the status it moved its object to, in the
        reader's language ("" for other events). Codes never reach the page."""
        to = (self.details or {}).get("to")
        if not to or self.target_type_id is None:
            return ""
        model = ContentType.objects.get_for_id(self.target_type_id).model_class()
        status = getattr(model, "Status", None)
        try:
            return str(status(to).label)
        except (TypeError, ValueError):
            return ""


@pgtrigger.register(
    pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete)
)
class AccessLog(models.Model):
    """访问日志 — who read which sensitive record, when, from where and why (PIPL)."""

    user = models.ForeignKey(User, models.PROTECT, related_name="+", verbose_name=_("user"))
    target_type, target_id, target_repr = _target_fields()
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    path = models.CharField(_("page"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user_id} {self.target_repr}"


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """站内通知 — an in-app message to one user."""

    class Level(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        DANGER = "danger", _("Urgent")

    recipient = models.ForeignKey(
        User, models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.INFO)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["recipient", "created_at"], condition=Q(read_at__isnull=True),
                name="core_notif_unread_idx",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:notification-open", args=[self.pk])

    def mark_read(self) -> None:
        if self.read_at is None:
            self.read_at = timezone.now()
            self.save(update_fields=["read_at"])


class CalendarDay(models.Model):
    """工作日历 — a day that breaks the Monday–Friday rule, from the State Council's notice.

    Only exceptions are stored: a weekday off (法定节假日/休息日) or a weekend day worked
    (调休上班日). Every other day is a working day from Monday to Friday and a rest day at the
    weekend. ``luhuituo.core.workdays`` does the arithmetic; each year's rows are loaded from
    that year's 国务院办公厅关于…部分节假日安排的通知.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday or rest day")
        WORKDAY = "workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(pgettext_lazy("calendar day", "kind"), max_length=10,
                            choices=Kind.choices)
    name = models.CharField(
        _("name"), max_length=50, help_text=_("The holiday it belongs to, e.g. 春节 or 国庆节.")
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        constraints = [
            # A weekend holiday or a weekday "working day" would change nothing: refusing them
            # keeps the table a list of true exceptions, which is what an administrator checks
            # against the notice.
            models.CheckConstraint(
                condition=Q(kind="holiday", date__iso_week_day__lte=5)
                | Q(kind="workday", date__iso_week_day__gte=6),
                name="core_calendarday_is_exception",
                violation_error_message=_(
                    "Only exceptions are stored: a holiday must fall on a weekday and a make-up "
                    "working day on a Saturday or Sunday."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name} ({self.get_kind_display()})"


class CalendarYear(models.Model):
    """A year of the working-day calendar as entered from its State Council notice: the
    notice's number and who entered it. Its days are the ``CalendarDay`` rows of the year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    notice = models.CharField(
        _("notice number"), max_length=50,
        help_text=_("The State Council notice the days come from, e.g. 国办发明电〔2025〕7号."),
    )
    entered_by = models.ForeignKey(
        User, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("entered by"),
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")

    def __str__(self) -> str:
        return f"{self.year} · {self.notice}"


class Job(models.Model):
    """A piece of background work (luhuituo.core.jobs): written in the transaction that causes
    it, so a broker outage delays it and never loses it. The broker message only wakes a
    worker; the row says what to run and how it went."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        RETRYING = "retrying", _("Failed, will retry")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    task = models.CharField(_("task"), max_length=200,
                            help_text=_("Dotted path of the function to run."))
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    run_after = models.DateTimeField(_("not before"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent to a worker"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        indexes = [
            models.Index(fields=["run_after"], name="core_job_waiting",
                         condition=Q(status__in=["queued", "running", "retrying"])),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class PeriodicRun(models.Model):
    """When a scheduled entry (a name of CELERY_BEAT_SCHEDULE) last ran to the end
    (luhuituo.core.periodic): a tick that was missed is caught up from here."""

    name = models.CharField(_("schedule entry"), max_length=100, unique=True)
    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_completed_at = models.DateTimeField(_("last completed at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self) -> str:
        return self.name


class Versioned(models.Model):
    """A row people edit in forms, with a version that every save raises by one.

    A form carries the version it was rendered from; the service, having read the row under
    ``workflow.lock``, refuses to save over a newer one (``workflow.require_version``), with
    who saved it (``updated_by``, set by the service), when, and what changed since
    (``changes_since``, from the row's change history). Save it only as read under ``lock``:
    the version is raised from the value read."""

    # Left out of "what changed": bookkeeping. Fields the user never edits (editable=False,
    # such as the version and blind indexes) are left out too.
    NOT_COMPARED = ("updated_at", "updated_by", "created_at", "created_by")

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        User, models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("last saved by"),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version", "updated_at",
                                           "updated_by"}
        super().save(*args, **kwargs)

    def changes_since(self, version: int) -> list[str] | None:
        """Labels of the fields whose value now differs from the one they had in ``version``,
        read from the change history (pghistory); None when that version is not in it."""
        events = getattr(self, "events", None)
        then = events.filter(version=version).order_by("-pgh_id").first() if events else None
        if then is None:
            return None
        return [str(field.verbose_name) for field in self._meta.concrete_fields
                if field.editable and not field.primary_key
                and field.name not in self.NOT_COMPARED
                and getattr(then, field.attname) != getattr(self, field.attname)]


class Submission(models.Model):
    """一次性提交 — the one-time token of a create form, and where its first submission's
    result is, so that the same form sent again shows that result instead of making a second
    record (``luhuituo.core.submissions``). Written in the transaction that made the
    record; old rows are forgotten after SUBMISSION_KEEP_DAYS."""

    token = models.CharField(_("token"), max_length=64, unique=True)
    user = models.ForeignKey(User, models.CASCADE, related_name="+", verbose_name=_("user"))
    target_type = models.ForeignKey(
        ContentType, models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("object type"),
    )
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    url = models.CharField(_("result page"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user_id} {self.url}"


class Heartbeat(models.Model):
    """When a background process last did a round of work. Celery beat sends
    ``luhuituo.core.tasks.heartbeat`` every minute and the worker that runs it stores the time
    in the ``worker`` row; /healthz/ reads it. Stored in the database, so a worker that cannot
    reach the database leaves no fresh heartbeat."""

    WORKER = "worker"

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    beat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"
