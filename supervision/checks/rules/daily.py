"""Rules on the daily records (设置标准 Art 20; 管理规范 Art 24; epidemic reporting): carers on
duty for the children present, the morning check, clusters of symptoms."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.workdays import is_working_day
from registry.models import ClassGroup

from ...models import Attendance, ClassDay, Enrolment, Incident
from ..registry import Hit, register
from .common import S, _child, _date, _open_subject_ids, _today, operating_centres


@register("A1", S.RED, gettext_lazy("Too few carers on duty for the children present"),
          "设置标准 Art 20", schedule="hourly")
def carers_on_duty(now: datetime) -> Iterator[Hit]:
    """Today's class days (and any class day with an open A1 alert): carers on duty below
    ceil(children present / ratio). A carer counts in one class a day: the duty row that
    counts towards the ratio (``DutyAssignment.counts``; one per carer and day, enforced by
    the database — a carer recorded in two classes before that counts for the first)."""
    today = _today(now)
    roles = settings.RATIO_CARER_ROLES
    days = (ClassDay.objects
            .filter(Q(date=today) | Q(pk__in=_open_subject_ids("A1", ClassDay)))
            .select_related("class_group")
            .annotate(
                present=Count("attendance", distinct=True, filter=Q(attendance__status__in=[
                    Attendance.Status.PRESENT, Attendance.Status.LEFT_EARLY])),
                carers=Count("duty", distinct=True,
                             filter=Q(duty__counts=True, duty__staff__role__in=roles)),
            ))
    for day in days:
        needed = day.class_group.carers_needed(day.present)
        if day.carers < needed:
            yield Hit(day.class_group.centre_id, day, _(
                "%(class)s on %(date)s: %(children)d children present, %(carers)d carers on "
                "duty, at least %(needed)d needed (1:%(ratio)d)."
            ) % {"class": day.class_group.name, "date": _date(day.date), "children": day.present,
                 "carers": day.carers, "needed": needed, "ratio": day.class_group.ratio})


def _morning_deadline() -> time:
    hours, minutes = settings.MORNING_CHECK_DEADLINE.split(":")
    return time(int(hours), int(minutes))


def _previous_open_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


@register("A7", S.YELLOW, gettext_lazy("Morning check not recorded"),
          "管理规范 Art 24", schedule="morning")
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


@register("A8", S.ORANGE, gettext_lazy("Guardian not told of an abnormal check"),
          "管理规范 Art 24", schedule="hourly")
def guardian_not_told(now: datetime) -> Iterator[Hit]:
    """Class days with a child whose morning or midday check turned abnormal more than
    ``HEALTH_NOTIFY_HOURS`` ago and whose guardian has not been told (neither through the
    platform — a guardian with a linked account is told when the check is saved — nor by a
    call or a word the carer recorded). One alert per class day; it resolves once every
    guardian of that day has been told or the check was corrected. Reads the partial index of
    untold abnormal checks."""
    late = (Attendance.objects
            .filter(abnormal_at__isnull=False, guardian_told_at__isnull=True,
                    abnormal_at__lte=now - timedelta(hours=settings.HEALTH_NOTIFY_HOURS))
            .select_related("child", "class_day__class_group")
            .order_by("class_day_id", "child__name", "child_id"))
    per_day: dict[int, list[Attendance]] = {}
    for row in late:
        per_day.setdefault(row.class_day_id, []).append(row)
    for rows in per_day.values():
        class_day = rows[0].class_day
        yield Hit(class_day.class_group.centre_id, class_day, _(
            "%(class)s on %(date)s: the guardians of %(children)s have not been told of an "
            "abnormal check within %(hours)d hours."
        ) % {"class": class_day.class_group.name, "date": _date(class_day.date),
             "children": "、".join(_child(r.child) for r in rows),
             "hours": settings.HEALTH_NOTIFY_HOURS})


@register("A9", S.RED, gettext_lazy("Possible infectious-disease cluster"),
          "学校和托幼机构传染病疫情报告工作规范", schedule="hourly")
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
