"""Scheduled checks (预警规则, DOMAIN §8): one function per rule, thresholds from settings.

A rule function takes the current time and yields a ``Hit`` per subject that breaks the rule
now. ``run_rule`` turns the hits into alerts: a new open alert per (rule, subject) — the
database refuses a second one — or ``last_seen`` moved on for an alert already open, and the
rule's open alerts whose subject no longer breaks it are resolved. Running a rule twice changes
nothing but ``last_seen``. ``escalate`` turns unacknowledged orange alerts red after
``ALERT_ESCALATE_HOURS``. Red alerts notify the centre's managers and the district's regulators.

Run them with ``manage.py run_checks [--rule A1]`` or through Celery beat (``supervision.tasks``).
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.masking import mask_name
from luhuituo.core.models import Notification
from luhuituo.core.workdays import is_working_day
from registry.models import Centre, ClassGroup, Filing, FilingMaterial, MaterialKind, Staff

from .models import (
    FILED_STATUSES,
    Alert,
    Attendance,
    Child,
    ClassDay,
    Complaint,
    Enrolment,
    Hazard,
    HealthCheck,
    Incident,
    RectificationOrder,
    Severity,
    VaccinationCheck,
    age_in_months,
)

log = logging.getLogger(__name__)

S = Severity


@dataclass
class Hit:
    """One subject breaking a rule now."""

    centre_id: int
    subject: models.Model
    message: str
    severity: str | None = None  # the rule's own severity unless given


@dataclass
class Rule:
    code: str
    severity: str
    title: str
    basis: str
    func: Callable[[datetime], Iterable[Hit]]
    for_regulator: bool = False


@dataclass
class RunResult:
    rule: str
    created: int = 0
    seen_again: int = 0
    resolved: int = 0
    new_red: list[int] = field(default_factory=list)


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, title, basis: str, *, for_regulator: bool = False):
    def register(func):
        RULES[code] = Rule(code, severity, title, basis, func, for_regulator)
        return func

    return register


def rule_title(code: str) -> str:
    return str(RULES[code].title) if code in RULES else code


# --- Helpers ------------------------------------------------------------------------------------


def _today(now: datetime) -> date:
    return timezone.localdate(now)


def operating_centres():
    """Centres whose filing allows them to operate (备案办法 Art 8)."""
    return Centre.objects.filter(filing__status__in=FILED_STATUSES)


def _open_subject_ids(code: str, model) -> list[int]:
    ct = ContentType.objects.get_for_model(model)
    return list(Alert.objects.open().filter(rule=code, subject_type=ct)
                .values_list("subject_id", flat=True))


def _enrolled_children():
    """Children with an open placement in a class at an operating centre, with the class."""
    return (Enrolment.objects.filter(
        ended_on__isnull=True, child__status=Child.Status.ENROLLED,
        class_group__centre__in=operating_centres(),
    ).select_related("child", "class_group"))


def _child(child: Child) -> str:
    """A child in an alert: masked name (alerts reach regulators, who see names of children
    only for a stated purpose, DOMAIN §7); the centre opens the record from the alert."""
    return mask_name(child.name)


def _date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- Ratios and class sizes (设置标准 Art 19/20) -----


@rule("A1", S.RED, gettext_lazy("Too few carers on duty for the children present"),
      "设置标准 Art 20")
def carers_on_duty(now: datetime) -> Iterator[Hit]:
    """Today's class days (and any class day with an open A1 alert): carers on duty below
    ceil(children present / ratio)."""
    today = _today(now)
    roles = settings.RATIO_CARER_ROLES
    days = (ClassDay.objects
            .filter(Q(date=today) | Q(pk__in=_open_subject_ids("A1", ClassDay)))
            .select_related("class_group")
            .annotate(
                present=Count("attendance", distinct=True, filter=Q(attendance__status__in=[
                    Attendance.Status.PRESENT, Attendance.Status.LEFT_EARLY])),
                carers=Count("staff_on_duty", distinct=True,
                             filter=Q(staff_on_duty__role__in=roles)),
            ))
    for day in days:
        needed = day.class_group.carers_needed(day.present)
        if day.carers < needed:
            yield Hit(day.class_group.centre_id, day, _(
                "%(class)s on %(date)s: %(children)d children present, %(carers)d carers on "
                "duty, at least %(needed)d needed (1:%(ratio)d)."
            ) % {"class": day.class_group.name, "date": _date(day.date), "children": day.present,
                 "carers": day.carers, "needed": needed, "ratio": day.class_group.ratio})


@rule("A2", S.ORANGE, gettext_lazy("Class larger than its class type allows"), "设置标准 Art 19")
def class_size(now: datetime) -> Iterator[Hit]:
    classes = (ClassGroup.objects.filter(centre__in=operating_centres())
               .annotate(enrolled=Count("enrolments", filter=Q(
                   enrolments__ended_on__isnull=True,
                   enrolments__child__status=Child.Status.ENROLLED))))
    for group in classes:
        if group.enrolled > group.max_size:
            yield Hit(group.centre_id, group, _(
                "%(class)s has %(n)d children enrolled; a %(type)s has at most %(max)d."
            ) % {"class": group.name, "n": group.enrolled, "type": group.get_class_type_display(),
                 "max": group.max_size})


# --- Children's ages and health checks (Art 11, 19) -------------------------------------------


@rule("A3", S.YELLOW, gettext_lazy("Child's age does not fit the class"), "设置标准 Art 19")
def age_fits_class(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    tolerance = settings.CLASS_AGE_TOLERANCE_MONTHS
    for enrolment in _enrolled_children():
        child, group = enrolment.child, enrolment.class_group
        months = age_in_months(child.birth_date, today)
        rules = group.rules
        if group.class_type == "mixed" and months < rules["min_months"]:
            yield Hit(group.centre_id, child, _(
                "%(child)s is %(months)d months old, in the mixed-age class %(class)s, which "
                "takes children of 18 months and over."
            ) % {"child": _child(child), "months": months, "class": group.name})
        elif group.class_type != "mixed" and (
                months < rules["min_months"] - tolerance
                or months > rules["max_months"] + tolerance):
            yield Hit(group.centre_id, child, _(
                "%(child)s is %(months)d months old, in %(class)s (%(min)d–%(max)d months)."
            ) % {"child": _child(child), "months": months, "class": group.name,
                 "min": rules["min_months"], "max": rules["max_months"]})


@rule("A4", S.YELLOW, gettext_lazy("Child outside the under-3 age range"), "托育机构设置标准")
def under_three(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    limit = 36 + settings.AGED_OUT_GRACE_MONTHS
    for enrolment in _enrolled_children():
        child = enrolment.child
        months = age_in_months(child.birth_date, today)
        if months > limit:
            yield Hit(enrolment.class_group.centre_id, child, _(
                "%(child)s is %(months)d months old, past 36 months and the %(grace)d-month "
                "grace period."
            ) % {"child": _child(child), "months": months, "grace": settings.AGED_OUT_GRACE_MONTHS})
        elif months < 6 and not settings.ALLOW_UNDER_SIX_MONTHS:
            yield Hit(enrolment.class_group.centre_id, child, _(
                "%(child)s is %(months)d months old; no class type takes children under 6 "
                "months.") % {"child": _child(child), "months": months})


@rule("A5", S.ORANGE, gettext_lazy("Child without an entry health check or vaccination check"),
      "管理规范 Art 11; 76号令 Art 15, 18")
def entry_checks(now: datetime) -> Iterator[Hit]:
    passed = HealthCheck.objects.filter(
        child=OuterRef("child"), kind__in=[HealthCheck.Kind.ENTRY, HealthCheck.Kind.RETURN],
        result=HealthCheck.Result.PASSED)
    vaccination = VaccinationCheck.objects.filter(child=OuterRef("child"), certificate_seen=True)
    enrolments = _enrolled_children().annotate(
        has_check=Exists(passed), has_vaccination=Exists(vaccination)
    ).filter(Q(has_check=False) | Q(has_vaccination=False))
    for enrolment in enrolments:
        missing = []
        if not enrolment.has_check:
            missing.append(_("a passed entry health check"))
        if not enrolment.has_vaccination:
            missing.append(_("a vaccination-certificate check"))
        yield Hit(enrolment.class_group.centre_id, enrolment.child, _(
            "%(child)s attends without %(missing)s."
        ) % {"child": _child(enrolment.child), "missing": _(" and ").join(missing)})


@rule("A6", S.ORANGE, gettext_lazy("Child back after 3 months away without a new health check"),
      "管理规范 Art 11")
def return_check(now: datetime) -> Iterator[Hit]:
    months = settings.RETURN_HEALTH_CHECK_MONTHS
    previous_end = Enrolment.objects.filter(
        child=OuterRef("child"), ended_on__isnull=False, ended_on__lte=OuterRef("started_on"),
    ).order_by("-ended_on").values("ended_on")[:1]
    enrolments = _enrolled_children().annotate(previous_end=models.Subquery(previous_end)).filter(
        previous_end__isnull=False)
    candidates = [e for e in enrolments
                  if e.previous_end + relativedelta(months=months) <= e.started_on]
    if not candidates:
        return
    checks = defaultdict(list)
    for check in HealthCheck.objects.filter(
            child__in=[e.child_id for e in candidates], result=HealthCheck.Result.PASSED):
        checks[check.child_id].append(check.checked_on)
    for enrolment in candidates:
        if not any(day > enrolment.previous_end for day in checks[enrolment.child_id]):
            yield Hit(enrolment.class_group.centre_id, enrolment.child, _(
                "%(child)s came back on %(back)s after leaving on %(left)s, without a new "
                "health check."
            ) % {"child": _child(enrolment.child), "back": _date(enrolment.started_on),
                 "left": _date(enrolment.previous_end)})


# --- Daily health checks and disease (Art 24; epidemic reporting) --------------------------------


def _morning_deadline() -> time:
    hours, minutes = settings.MORNING_CHECK_DEADLINE.split(":")
    return time(int(hours), int(minutes))


def _previous_open_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


@rule("A7", S.YELLOW, gettext_lazy("Morning check not recorded"), "管理规范 Art 24")
def morning_check(now: datetime) -> Iterator[Hit]:
    """The latest open day whose deadline has passed: classes with children enrolled and no
    morning check recorded by the deadline. Two open days in a row → orange."""
    local = timezone.localtime(now)
    day = local.date()
    if not (is_working_day(day) and local.time() >= _morning_deadline()):
        day = _previous_open_day(day)
    before = _previous_open_day(day)

    def checked(on: date) -> set[int]:
        deadline = timezone.make_aware(datetime.combine(on, _morning_deadline()))
        return set(ClassDay.objects.filter(date=on, morning_check_at__lte=deadline)
                   .values_list("class_group_id", flat=True))

    done_today, done_before = checked(day), checked(before)
    classes = (ClassGroup.objects.filter(centre__in=operating_centres())
               .filter(Exists(Enrolment.objects.filter(
                   class_group=OuterRef("pk"), started_on__lte=day, ended_on__isnull=True))))
    for group in classes:
        if group.pk in done_today:
            continue
        twice = group.pk not in done_before
        yield Hit(group.centre_id, group, _(
            "%(class)s: no morning check recorded by %(time)s on %(date)s%(again)s."
        ) % {"class": group.name, "time": settings.MORNING_CHECK_DEADLINE, "date": _date(day),
             "again": _(", nor on the open day before") if twice else ""},
            severity=S.ORANGE if twice else None)


@rule("A9", S.RED, gettext_lazy("Possible infectious-disease cluster"),
      "学校和托幼机构传染病疫情报告工作规范")
def disease_cluster(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    window = settings.CLUSTER_WINDOW_DAYS
    cases = (Attendance.objects
             .filter(class_day__date__gt=today - timedelta(days=window),
                     class_day__date__lte=today)
             .exclude(symptom_group="")
             .values("class_day__class_group", "class_day__class_group__centre",
                     "class_day__class_group__name", "symptom_group", "class_day__date")
             .annotate(n=Count("child", distinct=True)))
    per_class: dict[int, dict] = {}
    for row in cases:
        key = row["class_day__class_group"]
        entry = per_class.setdefault(key, {"centre": row["class_day__class_group__centre"],
                                           "name": row["class_day__class_group__name"],
                                           "by_day": Counter(), "total": Counter()})
        entry["by_day"][(row["symptom_group"], row["class_day__date"])] += row["n"]
        entry["total"][row["symptom_group"]] += row["n"]
    groups = dict(Attendance._meta.get_field("symptom_group").choices)
    flagged = {}
    for class_id, entry in per_class.items():
        for symptom, total in entry["total"].items():
            one_day = max(n for (s, _d), n in entry["by_day"].items() if s == symptom)
            if (one_day >= settings.CLUSTER_CASES_ONE_DAY
                    or total >= settings.CLUSTER_CASES_WINDOW):
                flagged[class_id] = (entry, symptom, one_day, total)
                break
    for group in ClassGroup.objects.filter(pk__in=flagged):
        entry, symptom, one_day, total = flagged[group.pk]
        yield Hit(group.centre_id, group, _(
            "%(class)s: %(symptom)s in %(total)d children within %(days)d days (%(max)d on one "
            "day). Report to the CDC and health bureau within 24 hours."
        ) % {"class": group.name, "symptom": groups.get(symptom, symptom), "total": total,
             "days": window, "max": one_day})
    for incident in Incident.objects.filter(
            notifiable_disease=True, reported_to_authority_at__isnull=True,
            status__in=[Incident.Status.REPORTED, Incident.Status.GUARDIAN_NOTIFIED]):
        yield Hit(incident.centre_id, incident, _(
            "A notifiable infectious disease was recorded on %(date)s and has not been reported "
            "to the authority.") % {"date": _date(timezone.localdate(incident.occurred_at))})


@rule("A10", S.RED, gettext_lazy("Suspected abuse or violence against a child"),
      "管理规范 Art 25, 35; 未成年人保护法 Art 11")
def suspected_abuse(now: datetime) -> Iterator[Hit]:
    """Every open report of suspected abuse stays a red alert until the incident is closed;
    the message prompts the report to the police the law requires."""
    for incident in Incident.objects.filter(kind=Incident.Kind.ABUSE).exclude(
            status=Incident.Status.CLOSED):
        reported = incident.reported_to_authority_at is not None
        yield Hit(incident.centre_id, incident, _(
            "Suspected abuse or violence reported on %(date)s. %(next)s") % {
            "date": _date(timezone.localdate(incident.occurred_at)),
            "next": _("Reported to the authority; follow the investigation.") if reported
            else _("Report it to the police (公安机关) immediately, as the law requires, and "
                   "to the district health bureau.")})


@rule("A11", S.RED, gettext_lazy("Serious incident not reported in time"), "local practice")
def serious_incident(now: datetime) -> Iterator[Hit]:
    limit = now - timedelta(hours=settings.SERIOUS_INCIDENT_REPORT_HOURS)
    incidents = Incident.objects.filter(
        Q(severity=Incident.Severity.SERIOUS)
        | Q(kind__in=[Incident.Kind.MISSING, Incident.Kind.ABUSE]),
        reported_to_authority_at__isnull=True, occurred_at__lte=limit,
    ).exclude(status=Incident.Status.CLOSED)
    for incident in incidents:
        yield Hit(incident.centre_id, incident, _(
            "%(kind)s at %(time)s: not reported to the health bureau within %(hours)d hours."
        ) % {"kind": incident.get_kind_display(),
             "time": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%d %H:%M"),
             "hours": settings.SERIOUS_INCIDENT_REPORT_HOURS})


# --- Staff (76号令 Art 14; WS/T 821 5.1.6) --------------------------------------------------------


def _active_staff():
    return Staff.objects.active().filter(centre__in=operating_centres())


@rule("A12", S.RED, gettext_lazy("Staff on duty without a valid health certificate"),
      "76号令 Art 14; 管理规范 Art 28")
def health_cert_on_duty(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    on_duty = _active_staff().filter(duty_days__date=today).filter(
        Q(health_cert_valid_until__isnull=True) | Q(health_cert_valid_until__lt=today)
    ).distinct()
    for person in on_duty:
        if person.health_cert_valid_until:
            text = _("%(name)s is on duty today; the health certificate expired on %(date)s.") % {
                "name": person.name, "date": _date(person.health_cert_valid_until)}
        else:
            text = _("%(name)s is on duty today with no health certificate recorded.") % {
                "name": person.name}
        yield Hit(person.centre_id, person, text)


@rule("A13", S.BLUE, gettext_lazy("Staff health certificate expiring soon"), "76号令 Art 14")
def health_cert_expiring(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    soon = _active_staff().filter(
        health_cert_valid_until__gte=today,
        health_cert_valid_until__lte=today + timedelta(days=settings.HEALTH_CERT_WARN_DAYS))
    for person in soon:
        yield Hit(person.centre_id, person, _(
            "%(name)s's health certificate expires on %(date)s.") % {
            "name": person.name, "date": _date(person.health_cert_valid_until)})


@rule("A14", S.ORANGE, gettext_lazy("Criminal-record check missing or out of date"),
      "WS/T 821 5.1.6")
def criminal_check(now: datetime) -> Iterator[Hit]:
    oldest = _today(now) - relativedelta(months=settings.CRIMINAL_CHECK_MAX_MONTHS)
    staff = _active_staff().filter(
        Q(criminal_check_date__isnull=True) | Q(criminal_check_date__lt=oldest)
        | Q(criminal_check_result=Staff.CriminalCheck.RECORD))
    for person in staff:
        if person.criminal_check_result == Staff.CriminalCheck.RECORD:
            text = _("%(name)s: the criminal-record check found a record.")
            severity = S.RED
        elif person.criminal_check_date is None:
            text = _("%(name)s: no criminal-record check recorded.")
            severity = None
        else:
            text = _("%(name)s: the last criminal-record check was on %(date)s, more than "
                     "%(months)d months ago.")
            severity = None
        yield Hit(person.centre_id, person, text % {
            "name": person.name, "date": _date(person.criminal_check_date)
            if person.criminal_check_date else "", "months": settings.CRIMINAL_CHECK_MAX_MONTHS},
            severity=severity)


@rule("A17", S.ORANGE, gettext_lazy("Not enough health-care staff"), "76号令 Art 12")
def health_staff(now: datetime) -> Iterator[Hit]:
    active = Staff.objects.active().filter(centre=OuterRef("pk"), role=Staff.Role.HEALTH)
    centres = operating_centres().annotate(
        enrolled=Count("children", filter=Q(children__status=Child.Status.ENROLLED),
                       distinct=True),
        has_health=Exists(active),
        has_full_time=Exists(active.filter(is_full_time=True)),
    ).filter(Q(has_health=False) | Q(has_full_time=False,
                                     enrolled__gte=settings.FULL_TIME_HEALTH_STAFF_FROM))
    for centre in centres:
        if not centre.has_health:
            text = _("No health-care staff member is employed.")
        else:
            text = _("%(n)d children enrolled and no full-time health-care staff member "
                     "(required from %(from)d).") % {
                "n": centre.enrolled, "from": settings.FULL_TIME_HEALTH_STAFF_FROM}
        yield Hit(centre.pk, centre, text)


# --- Premises and safety (Art 4, 31; 设置标准 Art 11) --------------------------------------------


@rule("A18", S.RED, gettext_lazy("Fire-safety certificate expired or missing"),
      "管理规范 Art 4; WS/T 821 4.1.4")
def fire_certificate(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    latest: dict[int, FilingMaterial] = {}
    for material in (FilingMaterial.objects
                     .filter(kind=MaterialKind.FIRE_SAFETY,
                             filing__centre__in=operating_centres())
                     .exclude(verdict=FilingMaterial.Verdict.RETURNED)
                     .select_related("filing").order_by("uploaded_at", "id")):
        latest[material.filing.centre_id] = material
    for centre_id in operating_centres().values_list("pk", flat=True):
        material = latest.get(centre_id)
        if material is None:
            yield Hit(centre_id, Centre(pk=centre_id), _(
                "No fire-safety inspection certificate on file."))
            continue
        issued = timezone.localdate(material.uploaded_at)
        expires = material.valid_until or issued + relativedelta(
            months=settings.FIRE_CERT_VALID_MONTHS)
        if expires < today:
            yield Hit(centre_id, Centre(pk=centre_id), _(
                "The fire-safety certificate expired on %(date)s.") % {"date": _date(expires)})
        elif expires <= today + timedelta(days=settings.FIRE_CERT_WARN_DAYS):
            yield Hit(centre_id, Centre(pk=centre_id), _(
                "The fire-safety certificate expires on %(date)s.") % {"date": _date(expires)},
                severity=S.YELLOW)


@rule("A20", S.YELLOW, gettext_lazy("Lease ending soon"), "设置标准 Art 11")
def lease_ending(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    centres = operating_centres().filter(
        tenure=Centre.Tenure.LEASED, lease_end__isnull=False,
        lease_end__lte=today + timedelta(days=settings.LEASE_WARN_DAYS))
    for centre in centres:
        if centre.lease_end < today:
            yield Hit(centre.pk, centre, _("The lease ended on %(date)s.") % {
                "date": _date(centre.lease_end)}, severity=S.ORANGE)
        else:
            yield Hit(centre.pk, centre, _("The lease ends on %(date)s.") % {
                "date": _date(centre.lease_end)})


def _since_filed_or(centres, days: int, today: date):
    """Centres whose latest record (annotated as ``latest``) — or, with none, their filing —
    is more than ``days`` old."""
    cutoff = today - timedelta(days=days)
    return centres.filter(
        Q(latest__lt=cutoff) | Q(latest__isnull=True, filing__filed_at__date__lt=cutoff)
    ).select_related("filing")


@rule("A22", S.YELLOW, gettext_lazy("No emergency drill within the interval"),
      "管理规范 Art 31; WS/T 821 9.5.2")
def drills(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    days = settings.DRILL_INTERVAL_DAYS
    centres = _since_filed_or(
        operating_centres().annotate(latest=Max("drills__held_on")), days, today)
    for centre in centres:
        if centre.latest:
            text = _("The last emergency drill was on %(date)s, more than %(days)d days ago.")
        else:
            text = _("No emergency drill recorded in the %(days)d days since filing.")
        yield Hit(centre.pk, centre, text % {"date": _date(centre.latest) if centre.latest
                                             else "", "days": days})


@rule("A31", S.YELLOW, gettext_lazy("Children's information not reported"), "管理规范 Art 12")
def children_report(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    days = settings.KID_REPORT_INTERVAL_DAYS
    centres = _since_filed_or(
        operating_centres().annotate(latest=Max("children_reports__submitted_at__date")),
        days, today)
    for centre in centres:
        if centre.latest:
            text = _("Children's information was last reported on %(date)s, more than "
                     "%(days)d days ago.")
        else:
            text = _("Children's information has not been reported in the %(days)d days since "
                     "filing.")
        yield Hit(centre.pk, centre, text % {"date": _date(centre.latest) if centre.latest
                                             else "", "days": days})


@rule("A34", S.ORANGE, gettext_lazy("Hazard or rectification order past its deadline"),
      "supervision")
def overdue_fixes(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    for hazard in Hazard.objects.filter(status=Hazard.Status.OPEN, deadline__lt=today):
        yield Hit(hazard.centre_id, hazard, _(
            "Hazard at %(where)s was to be fixed by %(date)s.") % {
            "where": hazard.location, "date": _date(hazard.deadline)})
    for order in RectificationOrder.objects.overdue(today):
        yield Hit(order.centre_id, order, _(
            "Rectification order %(number)s was due on %(date)s and has not been answered.") % {
            "number": order.number, "date": _date(order.deadline)})


@rule("A35", S.YELLOW, gettext_lazy("Complaint not answered in time"), "proposal",
      for_regulator=True)
def complaint_sla(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    overdue = Complaint.objects.filter(
        status__in=[Complaint.Status.RECEIVED, Complaint.Status.ASSIGNED], due_on__lt=today)
    for complaint in overdue:
        yield Hit(complaint.centre_id, complaint, _(
            "Complaint “%(summary)s” was to be answered by %(date)s.") % {
            "summary": complaint.summary, "date": _date(complaint.due_on)})


@rule("A36", S.RED, gettext_lazy("Operating without a valid filing"), "备案办法 Art 8")
def operating_unfiled(now: datetime) -> Iterator[Hit]:
    since = _today(now) - timedelta(days=settings.UNFILED_OPERATION_LOOKBACK_DAYS)
    centres = (Centre.objects.exclude(filing__status__in=FILED_STATUSES)
               .filter(Exists(Attendance.objects.filter(
                   class_day__class_group__centre=OuterRef("pk"), class_day__date__gte=since,
                   status__in=[Attendance.Status.PRESENT, Attendance.Status.LEFT_EARLY])))
               .select_related("filing"))
    for centre in centres:
        status = centre.filing.get_status_display() if hasattr(centre, "filing") else _(
            "not filed")
        yield Hit(centre.pk, centre, _(
            "Children are attending while the filing is “%(status)s”.") % {"status": status})


# --- The bureau's own deadlines (备案办法 Art 9) -----


@rule("A37", S.ORANGE, gettext_lazy("Filing receipt overdue"), "备案办法 Art 9",
      for_regulator=True)
def receipt_overdue(now: datetime) -> Iterator[Hit]:
    for filing in Filing.objects.filter(status=Filing.Status.SUBMITTED, receipt_due__lt=now
                                        ).select_related("centre"):
        yield Hit(filing.centre_id, filing, _(
            "%(centre)s: the filing receipt was due on %(date)s.") % {
            "centre": filing.centre.name, "date": _date(timezone.localdate(filing.receipt_due))})


@rule("A38", S.ORANGE, gettext_lazy("Verification outcome overdue"), "备案办法 Art 9",
      for_regulator=True)
def notice_overdue(now: datetime) -> Iterator[Hit]:
    filings = Filing.objects.filter(
        status__in=[Filing.Status.FILED, Filing.Status.UNDER_VERIFICATION], notice_due__lt=now,
    ).select_related("centre")
    for filing in filings:
        yield Hit(filing.centre_id, filing, _(
            "%(centre)s: verification was to be concluded (any non-conformity notified) by "
            "%(date)s.") % {"centre": filing.centre.name,
                            "date": _date(timezone.localdate(filing.notice_due))})


# --- Running ----------------------------------------------------------------------------------


def _subject_repr(subject: models.Model) -> str:
    if isinstance(subject, Centre) and not subject.name:
        return str(subject.pk)
    if isinstance(subject, Child):
        return _child(subject)
    return str(subject)[:200]


def run_rule(code: str, now: datetime | None = None) -> RunResult:
    """Evaluate one rule and bring its alerts in line with what it finds."""
    now = now or timezone.now()
    spec = RULES[code]
    result = RunResult(code)
    with translation.override(settings.LANGUAGE_CODE):
        hits = list(spec.func(now))
    with transaction.atomic():
        open_alerts = {
            (a.subject_type_id, a.subject_id): a
            for a in Alert.objects.open().filter(rule=code).select_for_update()
        }
        seen: set[tuple[int, int]] = set()
        to_update, to_create = [], []
        for hit in hits:
            ct = ContentType.objects.get_for_model(hit.subject)
            key = (ct.pk, hit.subject.pk)
            if key in seen:
                continue
            seen.add(key)
            severity = hit.severity or spec.severity
            alert = open_alerts.get(key)
            if alert is not None:
                alert.last_seen = now
                alert.message = hit.message
                if not alert.escalated_at and alert.severity != severity:
                    alert.severity = severity
                    if severity == S.RED:
                        result.new_red.append(alert.pk)
                to_update.append(alert)
            else:
                to_create.append(Alert(
                    rule=code, severity=severity, initial_severity=severity,
                    centre_id=hit.centre_id, subject_type=ct, subject_id=hit.subject.pk,
                    subject_repr=_subject_repr(hit.subject), message=hit.message,
                    for_regulator=spec.for_regulator, first_seen=now, last_seen=now))
        Alert.objects.bulk_update(to_update, ["last_seen", "message", "severity"])
        # ON CONFLICT DO NOTHING: should another run have opened the same alert meanwhile, the
        # partial unique index keeps it at one.
        created = Alert.objects.bulk_create(to_create, ignore_conflicts=True)
        result.created = len(created)
        result.seen_again = len(to_update)
        cleared = [a.pk for key, a in open_alerts.items() if key not in seen]
        result.resolved = Alert.objects.filter(pk__in=cleared).update(
            status=Alert.Status.RESOLVED, resolved_at=now,
            note=models.functions.Concat(
                models.F("note"), models.Value(_auto_resolved_note(now)),
                output_field=models.TextField()))
        if created:
            reds = Alert.objects.filter(
                rule=code, first_seen=now, severity=S.RED,
                status=Alert.Status.OPEN).values_list("pk", flat=True)
            result.new_red.extend(reds)
        if result.new_red:
            ids = list(result.new_red)
            transaction.on_commit(lambda: notify_red(ids))
    return result


def _auto_resolved_note(now: datetime) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return "\n" + _("Condition cleared; resolved by the check at %(time)s.") % {
            "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")}


def run_rules(codes: Iterable[str] | None = None, now: datetime | None = None) -> list[RunResult]:
    now = now or timezone.now()
    results = []
    for code in codes or RULES:
        if code not in RULES:
            raise KeyError(code)
        results.append(run_rule(code, now))
    return results


def escalate(now: datetime | None = None) -> int:
    """Orange alerts nobody acknowledged within ALERT_ESCALATE_HOURS become red (DOMAIN §8)."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.ALERT_ESCALATE_HOURS)
    with transaction.atomic():
        ids = list(Alert.objects.select_for_update().filter(
            status=Alert.Status.OPEN, severity=S.ORANGE, first_seen__lte=cutoff,
        ).values_list("pk", flat=True))
        Alert.objects.filter(pk__in=ids).update(severity=S.RED, escalated_at=now)
        if ids:
            transaction.on_commit(lambda: notify_red(ids, escalated=True))
    return len(ids)


def notify_red(alert_ids: list[int], *, escalated: bool = False) -> None:
    """Red alerts: in-app to the centre's managers (unless about the bureau's deadlines) and
    the district's regulators. (SMS needs a gateway contract: not wired yet.)"""
    from luhuituo.core.audit import notify
    from registry.rules import centre_managers, responsible_regulators

    alerts = Alert.objects.filter(pk__in=alert_ids).select_related("centre__region")
    for alert in alerts:
        with translation.override(settings.LANGUAGE_CODE):
            title = (_("Red alert (escalated): %(rule)s") if escalated
                     else _("Red alert: %(rule)s")) % {"rule": rule_title(alert.rule)}
            title = f"{title} · {alert.centre.name}"
        recipients = list(responsible_regulators(alert.centre))
        if not alert.for_regulator:
            recipients += centre_managers(alert.centre)
        for user in {u.pk: u for u in recipients}.values():
            notify(user, title, body=alert.message, url=reverse(
                "supervision:alert-detail", args=[alert.pk]), level=Notification.Level.DANGER)


def rules_for_schedule(schedule: str) -> list[str]:
    return [code for code, when in settings.CHECK_SCHEDULES.items() if when == schedule]


__all__ = ["RULES", "Hit", "Rule", "escalate", "rule_title", "run_rule", "run_rules"]
