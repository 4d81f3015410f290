"""Rules on children (设置标准 Art 19; 管理规范 Art 11, 12; 76号令 Art 15, 18): class sizes,
ages that fit the class and the under-3 range, entry and return health checks, the periodic
report of enrolled children."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, models
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import ClassGroup

from ...models import (
    Attendance,
    Child,
    Enrolment,
    HealthCheck,
    VaccinationCheck,
    age_in_months,
    age_outside_class,
)
from ..registry import Hit, register
from .common import (
    S,
    _child,
    _date,
    _since_filed_or,
    _today,
    operating_centres,
    supervised_centres,
)


def _enrolled_children(today: date):
    """Children with an open placement that has started, in a class of a centre that records
    children (``supervised_centres``), with the class. A placement that starts later is not
    in the class yet."""
    return (Enrolment.objects.filter(
        ended_on__isnull=True, started_on__lte=today, child__status=Child.Status.ENROLLED,
        class_group__centre__in=supervised_centres(today),
    ).select_related("child", "class_group"))


@register("A2", S.ORANGE, gettext_lazy("Class larger than its class type allows"),
          "设置标准 Art 19", schedule="daily")
def class_size(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    classes = (ClassGroup.objects.filter(centre__in=supervised_centres(today))
               .annotate(enrolled=Count("enrolments", filter=Q(
                   enrolments__started_on__lte=today,
                   enrolments__child__status=Child.Status.ENROLLED) & (
                   Q(enrolments__ended_on__isnull=True) | Q(enrolments__ended_on__gt=today)))))
    for group in classes:
        if group.enrolled > group.max_size:
            yield Hit(group.centre_id, group, _(
                "%(class)s has %(n)d children enrolled; a %(type)s has at most %(max)d."
            ) % {"class": group.name, "n": group.enrolled, "type": group.get_class_type_display(),
                 "max": group.max_size})


@register("A3", S.YELLOW, gettext_lazy("Child's age does not fit the class"),
          "设置标准 Art 19", schedule="daily")
def age_fits_class(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    for enrolment in _enrolled_children(today):
        child, group = enrolment.child, enrolment.class_group
        months = age_in_months(child.birth_date, today)
        rules = group.rules
        if not age_outside_class(months, group):
            continue
        if group.class_type == "mixed":
            yield Hit(group.centre_id, child, _(
                "%(child)s is %(months)d months old, in the mixed-age class %(class)s, which "
                "takes children of 18 months and over."
            ) % {"child": _child(child), "months": months, "class": group.name})
        else:
            yield Hit(group.centre_id, child, _(
                "%(child)s is %(months)d months old, in %(class)s (%(min)d–%(max)d months)."
            ) % {"child": _child(child), "months": months, "class": group.name,
                 "min": rules["min_months"], "max": rules["max_months"]})


@register("A4", S.YELLOW, gettext_lazy("Child outside the under-3 age range"),
          "托育机构设置标准", schedule="daily")
def under_three(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    limit = 36 + settings.AGED_OUT_GRACE_MONTHS
    for enrolment in _enrolled_children(today):
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


@register("A5", S.ORANGE, gettext_lazy("Child without an entry health check or vaccination check"),
          "管理规范 Art 11; 76号令 Art 15, 18", schedule="daily")
def entry_checks(now: datetime) -> Iterator[Hit]:
    passed = HealthCheck.objects.filter(
        child=OuterRef("child"), kind__in=[HealthCheck.Kind.ENTRY, HealthCheck.Kind.RETURN],
        result=HealthCheck.Result.PASSED)
    vaccination = VaccinationCheck.objects.filter(child=OuterRef("child"), certificate_seen=True)
    enrolments = _enrolled_children(_today(now)).annotate(
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


def return_gaps_query(today: date) -> tuple[str, list]:
    """SQL (and its parameters) for the children who came back after an absence of
    RETURN_HEALTH_CHECK_MONTHS or more within their current placement, with no passed health
    check since they were last there: (enrolment id, last day before the gap, day back).

    One pass: ``LAG()`` gives each day attended the day attended before it, over the last
    RETURN_CHECK_LOOKBACK_MONTHS only (read through the partial index on attendance
    (child, date) of the days attended); the latest long gap per child whose two days both fall
    in the child's open placement counts."""
    since = today - relativedelta(months=settings.RETURN_CHECK_LOOKBACK_MONTHS)
    attending = [Attendance.Status.PRESENT, Attendance.Status.LEFT_EARLY]
    sql = """
        WITH attended AS (
            SELECT a.child_id, a.date,
                   LAG(a.date) OVER (PARTITION BY a.child_id ORDER BY a.date) AS previous
            FROM supervision_attendance a
            WHERE a.status IN (%s, %s) AND a.date >= %s AND a.date <= %s
        ), gaps AS (
            SELECT DISTINCT ON (child_id) child_id, previous, date AS back
            FROM attended
            WHERE previous IS NOT NULL AND date >= previous + make_interval(months => %s)
            ORDER BY child_id, date DESC
        )
        SELECT e.id, gaps.previous, gaps.back
        FROM gaps
        JOIN supervision_enrolment e
          ON e.child_id = gaps.child_id AND e.ended_on IS NULL AND e.started_on <= gaps.previous
        WHERE NOT EXISTS (
            SELECT 1 FROM supervision_healthcheck h
            WHERE h.child_id = gaps.child_id AND h.result = %s AND h.checked_on > gaps.previous)
    """
    return sql, [*attending, since, today, settings.RETURN_HEALTH_CHECK_MONTHS,
                 HealthCheck.Result.PASSED]


@register("A6", S.ORANGE, gettext_lazy("Child back after 3 months away without a new health check"),
          "管理规范 Art 11", schedule="daily")
def return_check(now: datetime) -> Iterator[Hit]:
    """A child back after RETURN_HEALTH_CHECK_MONTHS or more away without a passed health check
    since leaving: away between two placements (withdrawn, then readmitted), or away within one
    placement (still enrolled, not attending, then attending again: ``return_gaps_query``)."""
    today = _today(now)
    months = settings.RETURN_HEALTH_CHECK_MONTHS
    previous_end = Enrolment.objects.filter(
        child=OuterRef("child"), ended_on__isnull=False, ended_on__lte=OuterRef("started_on"),
    ).order_by("-ended_on").values("ended_on")[:1]
    enrolments = _enrolled_children(today).annotate(
        previous_end=models.Subquery(previous_end)).filter(previous_end__isnull=False)
    candidates = [e for e in enrolments
                  if e.previous_end + relativedelta(months=months) <= e.started_on]
    flagged = set()
    if candidates:
        checks = defaultdict(list)
        for check in HealthCheck.objects.filter(
                child__in=[e.child_id for e in candidates], result=HealthCheck.Result.PASSED):
            checks[check.child_id].append(check.checked_on)
        for enrolment in candidates:
            if not any(day > enrolment.previous_end for day in checks[enrolment.child_id]):
                flagged.add(enrolment.child_id)
                yield Hit(enrolment.class_group.centre_id, enrolment.child, _(
                    "%(child)s came back on %(back)s after leaving on %(left)s, without a new "
                    "health check."
                ) % {"child": _child(enrolment.child), "back": _date(enrolment.started_on),
                     "left": _date(enrolment.previous_end)})
    sql, params = return_gaps_query(today)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        gaps = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    if not gaps:
        return
    for enrolment in _enrolled_children(today).filter(pk__in=gaps).order_by("pk"):
        if enrolment.child_id in flagged:
            continue
        last, back = gaps[enrolment.pk]
        yield Hit(enrolment.class_group.centre_id, enrolment.child, _(
            "%(child)s came back on %(back)s after not attending since %(left)s, without a new "
            "health check.") % {"child": _child(enrolment.child), "back": _date(back),
                                "left": _date(last)})


@register("A31", S.YELLOW, gettext_lazy("Children's information not reported"),
          "管理规范 Art 12", schedule="daily")
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
