"""Rules on the registry's records — staff (76号令 Art 12, 14; WS/T 821 5.1.6), premises (管理规范
Art 4; 设置标准 Art 11) and filings (备案办法 Art 8, 9) — not to be confused with
``supervision.checks.registry``, the registry of rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Centre, Filing, FilingMaterial, MaterialKind, Staff

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
    oldest = _today(now) - relativedelta(months=settings.CRIMINAL_CHECK_MAX_MONTHS)
    staff = _active_staff(_today(now)).filter(
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
