"""Rules on safety records (管理规范 Art 25, 31, 35; 未成年人保护法 Art 11; WS/T 821 9.3.1, 9.3.2,
9.5.2): suspected abuse, serious incidents not reported in time, emergency drills, the monthly
safety inspections."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.dates import moment

from ...models import Incident, SafetyCheck
from ..registry import Hit, register
from .common import S, _date, _since_filed_or, _today, operating_centres


@register("A10", S.RED, gettext_lazy("Suspected abuse or violence against a child"),
          "管理规范 Art 25, 35; 未成年人保护法 Art 11", schedule="quarter_hourly")
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


@register("A11", S.RED, gettext_lazy("Serious incident not reported in time"),
          "local practice", schedule="quarter_hourly")
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
             "time": moment(incident.occurred_at),
             "hours": settings.SERIOUS_INCIDENT_REPORT_HOURS})


@register("A22", S.YELLOW, gettext_lazy("No emergency drill within the interval"),
          "管理规范 Art 31; WS/T 821 9.5.2", schedule="daily")
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


@register("A23", S.YELLOW, gettext_lazy("No monthly safety inspection"),
          "WS/T 821 9.3.1, 9.3.2", schedule="monthly")
def monthly_safety_checks(now: datetime) -> Iterator[Hit]:
    """For the previous calendar month: a facility inspection and a fire-equipment inspection
    (SafetyCheck, one of each kind). A centre filed during that month or later is not asked for
    it. One query."""
    month_end = _today(now).replace(day=1) - timedelta(days=1)
    month_start = month_end.replace(day=1)
    checks = SafetyCheck.objects.filter(centre=OuterRef("pk"),
                                        checked_on__range=(month_start, month_end))
    kinds = SafetyCheck.Kind
    centres = operating_centres().exclude(filing__filed_at__date__gte=month_start).annotate(
        facility=Exists(checks.filter(kind=kinds.FACILITY)),
        fire_equipment=Exists(checks.filter(kind=kinds.FIRE_EQUIPMENT)),
    ).filter(Q(facility=False) | Q(fire_equipment=False))
    month = f"{month_start.year}年{month_start.month}月"
    for centre in centres:
        missing = [str(kind.label) for kind in kinds if not getattr(centre, kind)]
        yield Hit(centre.pk, centre, _(
            "No inspection recorded for %(month)s: %(kinds)s.") % {
            "month": month, "kinds": "、".join(missing)})
