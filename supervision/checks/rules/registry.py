"""Rules on the registry's records — staff (76号令 Art 12, 14; 设置标准 Art 18; WS/T 821 5.1.6),
premises and certificates (管理规范 Art 4; 设置标准 Art 11), insurance (WS/T 821 9.7.1), fees
(管理规范 Art 15) and filings (备案办法 Art 8, 9) — not to be confused with
``supervision.checks.registry``, the registry of rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.certificates import expiry
from registry.checks import (
    criminal_check_due,
    criminal_check_problem,
    fire_certificate_expiry,
    health_cert_invalid,
    latest_fire_certificates,
)
from registry.models import (
    Centre,
    FeeSchedule,
    Filing,
    FilingMaterial,
    InsurancePolicy,
    MaterialKind,
    Staff,
    StaffTrainingRecord,
)

from ...models import FILED_STATUSES, Attendance, Child
from ..registry import Hit, register
from .common import S, _date, _today, operating_centres, supervised_centres


def _active_staff(today):
    """Active staff of the centres the rules watch: filed, or recording children whatever the
    filing state (``supervised_centres``)."""
    return Staff.objects.active().filter(centre__in=supervised_centres(today))


@register("A12", S.RED, gettext_lazy("Staff on duty without a valid health certificate"),
          "76号令 Art 14; 管理规范 Art 28", schedule="morning")
def health_cert_on_duty(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    on_duty = _active_staff(today).filter(duty_days__date=today).filter(
        health_cert_invalid(today)).distinct()
    for person in on_duty:
        if person.health_cert_valid_until:
            text = _("%(name)s is on duty today; the health certificate expired on %(date)s.") % {
                "name": person.name, "date": _date(person.health_cert_valid_until)}
        else:
            text = _("%(name)s is on duty today with no health certificate recorded.") % {
                "name": person.name}
        yield Hit(person.centre_id, person, text)


@register("A13", S.BLUE, gettext_lazy("Staff health certificate expiring soon"),
          "76号令 Art 14", schedule="daily")
def health_cert_expiring(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    soon = _active_staff(today).filter(
        health_cert_valid_until__gte=today,
        health_cert_valid_until__lte=today + timedelta(days=settings.HEALTH_CERT_WARN_DAYS))
    for person in soon:
        yield Hit(person.centre_id, person, _(
            "%(name)s's health certificate expires on %(date)s.") % {
            "name": person.name, "date": _date(person.health_cert_valid_until)})


@register("A14", S.ORANGE, gettext_lazy("Criminal-record check missing or out of date"),
          "WS/T 821 5.1.6", schedule="daily")
def criminal_check(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    texts = {
        "record": _("%(name)s: the criminal-record check found a record."),
        "missing": _("%(name)s: no criminal-record check recorded."),
        "stale": _("%(name)s: the last criminal-record check was on %(date)s, more than "
                   "%(months)d months ago."),
    }
    for person in _active_staff(today).filter(criminal_check_due(today)):
        problem = criminal_check_problem(person, today)
        text = texts[problem]
        severity = S.RED if problem == "record" else None
        yield Hit(person.centre_id, person, text % {
            "name": person.name, "date": _date(person.criminal_check_date)
            if person.criminal_check_date else "", "months": settings.CRIMINAL_CHECK_MAX_MONTHS},
            severity=severity)


@register("A16", S.YELLOW, gettext_lazy("Key staff lack qualifications"),
          "设置标准 Art 18; WS/T 821 5.2.1", schedule="weekly")
def staff_qualifications(now: datetime) -> Iterator[Hit]:
    """The principal: a college degree or higher, PRINCIPAL_MIN_EXPERIENCE_YEARS in related
    work and PRINCIPAL_TRAINING_HOURS of the post training; a security guard: a 保安员证; a
    health-care staff member: the maternal and child health institution's training. One
    query."""
    today = _today(now)
    role, kind = Staff.Role, StaffTrainingRecord.Kind
    key_staff = _active_staff(today).filter(role__in=[role.PRINCIPAL, role.GUARD, role.HEALTH])
    staff = key_staff.annotate(
        post_hours=Coalesce(Sum("training_records__hours",
                                filter=Q(training_records__kind=kind.PRINCIPAL_POST)),
                            Decimal(0)),
        health_training=Exists(StaffTrainingRecord.objects.filter(
            staff=OuterRef("pk"), kind=kind.HEALTH_CARE)),
    ).order_by("centre_id", "role", "id")
    years, hours = settings.PRINCIPAL_MIN_EXPERIENCE_YEARS, settings.PRINCIPAL_TRAINING_HOURS
    experienced_by = today - relativedelta(years=years)
    for person in staff:
        missing = []
        if person.role == role.PRINCIPAL:
            if person.degree not in Staff.COLLEGE_OR_HIGHER:
                missing.append(_("a college degree (大专) or higher"))
            if person.experience_since is None or person.experience_since > experienced_by:
                missing.append(_("%(years)d years in related work") % {"years": years})
            if person.post_hours < hours:
                missing.append(_("%(hours)d hours of the principal's post training (%(done)s "
                                 "recorded)") % {"hours": hours,
                                                 "done": f"{person.post_hours.normalize():f}"})
        elif person.role == role.GUARD:
            if not person.guard_licence_no.strip():
                missing.append(_("a security guard certificate (保安员证)"))
        elif not person.health_training:
            missing.append(_("health-care training by a maternal and child health "
                             "institution"))
        if missing:
            yield Hit(person.centre_id, person, _("%(name)s (%(role)s) lacks %(missing)s.") % {
                "name": person.name, "role": person.get_role_display(),
                "missing": "、".join(missing)})


@register("A17", S.ORANGE, gettext_lazy("Not enough health-care staff"),
          "76号令 Art 12", schedule="daily")
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


@register("A18", S.RED, gettext_lazy("Fire-safety certificate expired or missing"),
          "管理规范 Art 4; WS/T 821 4.1.4", schedule="daily")
def fire_certificate(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    centre_ids = list(operating_centres().values_list("pk", flat=True))
    latest = latest_fire_certificates(centre_ids)
    for centre_id in centre_ids:
        material = latest.get(centre_id)
        if material is None:
            yield Hit(centre_id, Centre(pk=centre_id), _(
                "No fire-safety inspection certificate on file."))
            continue
        expires = fire_certificate_expiry(material)
        if expires < today:
            yield Hit(centre_id, Centre(pk=centre_id), _(
                "The fire-safety certificate expired on %(date)s.") % {"date": _date(expires)})
        elif expires <= today + timedelta(days=settings.FIRE_CERT_WARN_DAYS):
            yield Hit(centre_id, Centre(pk=centre_id), _(
                "The fire-safety certificate expires on %(date)s.") % {"date": _date(expires)},
                severity=S.YELLOW)


@register("A19", S.RED, gettext_lazy("Food business licence expired or missing"),
          "管理规范 Art 4", schedule="daily")
def food_licence(now: datetime) -> Iterator[Hit]:
    """A centre that provides meals needs a food business licence in force: the latest upload
    the bureau did not return (a renewal replaces it, registry.certificates). Two queries."""
    today = _today(now)
    centres = operating_centres().filter(provides_meals=True)
    latest: dict[int, FilingMaterial] = {}
    for material in (FilingMaterial.objects
                     .filter(kind=MaterialKind.FOOD_LICENCE, staff__isnull=True,
                             filing__centre__in=centres)
                     .exclude(verdict=FilingMaterial.Verdict.RETURNED)
                     .select_related("filing").order_by("uploaded_at", "id")):
        latest[material.filing.centre_id] = material
    for centre_id in centres.values_list("pk", flat=True):
        material = latest.get(centre_id)
        if material is None:
            yield Hit(centre_id, Centre(pk=centre_id), _(
                "The centre provides meals and no food business licence is on file."))
            continue
        expires, _estimated = expiry(material)
        if expires < today:
            yield Hit(centre_id, Centre(pk=centre_id), _(
                "The centre provides meals and its food business licence expired on "
                "%(date)s.") % {"date": _date(expires)})


@register("A20", S.YELLOW, gettext_lazy("Lease ending soon"),
          "设置标准 Art 11", schedule="daily")
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


@register("A25", S.ORANGE, gettext_lazy("Liability insurance lapsed"),
          "WS/T 821 9.7.1", schedule="daily")
def liability_insurance(now: datetime) -> Iterator[Hit]:
    """No liability insurance policy covers today. One query."""
    today = _today(now)
    policies = InsurancePolicy.objects.filter(centre=OuterRef("pk"))
    centres = operating_centres().annotate(
        insured=Exists(policies.in_force_on(today)),
        last_cover=Subquery(policies.filter(cover_from__lte=today)
                            .order_by("-cover_to").values("cover_to")[:1]),
    ).filter(insured=False)
    for centre in centres:
        if centre.last_cover:
            text = _("The liability insurance lapsed on %(date)s; no policy covers today.") % {
                "date": _date(centre.last_cover)}
        else:
            text = _("No liability insurance policy in force is recorded.")
        yield Hit(centre.pk, centre, text)


@register("A28", S.YELLOW, gettext_lazy("Fee disclosure missing or out of date"),
          "管理规范 Art 15; WS/T 821 10.4", schedule="weekly")
def fee_disclosure(now: datetime) -> Iterator[Hit]:
    """No fee schedule in force, or none published for FEE_DISCLOSURE_MAX_AGE_DAYS. One
    query."""
    today = _today(now)
    days = settings.FEE_DISCLOSURE_MAX_AGE_DAYS
    # Published before this instant = published on a day more than ``days`` days ago.
    cutoff = timezone.make_aware(datetime.combine(today - timedelta(days=days), time.min))
    centres = operating_centres().annotate(
        in_force=Exists(FeeSchedule.objects.filter(centre=OuterRef("pk"),
                                                   effective_from__lte=today)),
        published=Max("fee_schedules__created_at"),
    ).filter(Q(in_force=False) | Q(published__lt=cutoff))
    for centre in centres:
        if not centre.in_force:
            text = _("No fee schedule in force is published.")
        else:
            text = _("The fees were last published on %(date)s, more than %(days)d days ago: "
                     "confirm or update them.") % {
                "date": _date(timezone.localdate(centre.published)), "days": days}
        yield Hit(centre.pk, centre, text)


@register("A36", S.RED, gettext_lazy("Operating without a valid filing"),
          "备案办法 Art 8", schedule="daily")
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


@register("A37", S.ORANGE, gettext_lazy("Filing receipt overdue"),
          "备案办法 Art 9", for_regulator=True, schedule="daily")
def receipt_overdue(now: datetime) -> Iterator[Hit]:
    for filing in Filing.objects.filter(status=Filing.Status.SUBMITTED, receipt_due__lt=now
                                        ).select_related("centre"):
        yield Hit(filing.centre_id, filing, _(
            "%(centre)s: the filing receipt was due on %(date)s.") % {
            "centre": filing.centre.name, "date": _date(timezone.localdate(filing.receipt_due))})


@register("A38", S.ORANGE, gettext_lazy("Verification outcome overdue"),
          "备案办法 Art 9", for_regulator=True, schedule="daily")
def notice_overdue(now: datetime) -> Iterator[Hit]:
    filings = Filing.objects.filter(
        status__in=[Filing.Status.FILED, Filing.Status.UNDER_VERIFICATION], notice_due__lt=now,
    ).select_related("centre")
    for filing in filings:
        yield Hit(filing.centre_id, filing, _(
            "%(centre)s: verification was to be concluded (any non-conformity notified) by "
            "%(date)s.") % {"centre": filing.centre.name,
                            "date": _date(timezone.localdate(filing.notice_due))})
