"""Daily records: a class's day — attendance, morning and midday checks, staff on duty. Safety
records (incidents, drills, monthly checks, hazards) are in ``supervision.services.safety``,
under the same rules and with the same ``RecordError``.

Every write here takes keyword arguments with an explicit actor (``by``), runs in one
transaction, refuses an actor who may not do it with ``NotPermitted`` (``registry.rules``: a
403 in views) and what the rules forbid with ``RecordError`` (a ``DomainError``: a message for
the user), records one AuditEvent, and notifies after the commit.

Edit window of a class's day: the day itself (``DAILY_RECORD_EDIT_DAYS = 0``); a centre
manager may also correct ``DAILY_RECORD_MANAGER_EDIT_DAYS`` earlier days (default 1, so a
mistake noticed the next morning can be fixed). Future days are never recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.dates import day as date_text
from luhuituo.core.dates import moment
from luhuituo.core.exceptions import DomainError
from luhuituo.core.jobs import enqueue
from luhuituo.core.models import Notification, User
from luhuituo.core.notify import send_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require_version
from registry.models import ClassGroup, Staff
from registry.rules import require_centre_member

from ..models import (
    Attendance,
    Child,
    ClassDay,
    DutyAssignment,
    Enrolment,
    Guardian,
    SymptomGroup,
)

A = Attendance


class RecordError(DomainError):
    """Refused: the reason for the user, and (for a class's day) the problems per child."""

    def __init__(self, message, *, field: str | None = None,
                 row_errors: dict[int, list[str]] | None = None):
        super().__init__(message, field=field)
        self.row_errors = row_errors or {}


def _not_future(value: date | datetime | None, message: str) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        if value > timezone.now():
            raise RecordError(message)
    elif value > timezone.localdate():
        raise RecordError(message)


# --- a class's day -----------------------------------------------------------------------------


def children_in_class(class_group: ClassGroup, day: date) -> QuerySet[Child]:
    """Children placed in the class on ``day``: a placement runs from ``started_on`` up to
    (not including) ``ended_on``, so a child moved to another class on a day counts in the new
    class only."""
    placements = Enrolment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day),
        class_group=class_group, started_on__lte=day,
    ).values("child_id")
    return Child.objects.filter(pk__in=placements, centre_id=class_group.centre_id)


def edit_refusal(day: date, *, is_manager: bool, today: date | None = None) -> str | None:
    """Why the day cannot be recorded or changed now, or None when it can."""
    today = today or timezone.localdate()
    if day > today:
        return _("A day that has not come yet cannot be recorded.")
    allowed = settings.DAILY_RECORD_EDIT_DAYS
    if is_manager:
        allowed = max(allowed, settings.DAILY_RECORD_MANAGER_EDIT_DAYS)
    if (today - day).days > allowed:
        if allowed == 0:
            return _("Daily records can be changed only on the day itself.")
        return _("Daily records can be changed for %(days)d day(s) afterwards, by the "
                 "centre's manager.") % {"days": allowed}
    return None


def is_carer(staff: Staff) -> bool:
    return staff.role in settings.RATIO_CARER_ROLES


def ratio_summary(class_group: ClassGroup, *, present: int, carers: int) -> dict:
    """Children present, carers on duty and carers needed (设置标准 Art 20: the ratio is a
    floor, more carers are always allowed)."""
    needed = class_group.carers_needed(present)
    return {"present": present, "carers": carers, "needed": needed, "ratio": class_group.ratio,
            "short": carers < needed}


ROW_FIELDS = ("status", "absence_reason", "symptom_group", "morning_check", "midday_check",
              "note")


def clean_row(row: Mapping) -> tuple[dict, dict[str, str]]:
    """One child's day, normalised, and what is wrong with it (field → message).

    An absent child has no checks; a reason for absence is kept only for an absent child; a
    symptom group needs an ill child (absent for illness) or an abnormal check."""
    data = {name: str(row.get(name) or "").strip() for name in ROW_FIELDS}
    errors: dict[str, str] = {}
    if data["status"] not in A.Status.values:
        errors["status"] = _("Choose present, absent or left early.")
    if data["status"] == A.Status.ABSENT:
        data["morning_check"] = data["midday_check"] = ""
        if not data["absence_reason"]:
            errors["absence_reason"] = _("Give the reason for the absence.")
    else:
        data["absence_reason"] = ""
    if data["absence_reason"] and data["absence_reason"] not in A.AbsenceReason.values:
        errors["absence_reason"] = _("Choose a valid reason for the absence.")
    for check in ("morning_check", "midday_check"):
        if data[check] not in A.Check.values:
            errors[check] = _("Choose a valid check result.")
    if data["symptom_group"]:
        if data["symptom_group"] not in SymptomGroup.values:
            errors["symptom_group"] = _("Choose a valid symptom group.")
        elif not (data["absence_reason"] == A.AbsenceReason.SICK
                  or A.Check.ABNORMAL in (data["morning_check"], data["midday_check"])):
            errors["symptom_group"] = _("Symptoms are recorded only for a child who is absent "
                                        "because of illness or whose check was abnormal.")
    if len(data["note"]) > A._meta.get_field("note").max_length:
        errors["note"] = _("The note is too long (at most 200 characters).")
    return data, errors


@transaction.atomic
def save_class_day(class_group: ClassGroup, day: date, *, by: User,
                   staff_ids: Iterable[int], rows: Iterable[Mapping],
                   version: int | None = None, request=None) -> ClassDay:
    """Record a class's day in one go: who was on duty and each child's attendance and checks.

    ``rows`` are dicts with ``child_id`` and the fields of ``ROW_FIELDS``. Only children placed
    in the class on that day; staff must be active staff of the class's centre. Saving again
    updates the same rows (an upsert on (class day, child)), never duplicates them; rows whose
    values did not change are left alone, and the changed ones remember the version in which
    they changed. ``version`` is the one the sheet was opened on (0: the day was not recorded
    yet): saving over a newer one is refused (``Stale``, which names the children whose rows
    changed since). The number of queries does not depend on the number of children. Children
    without a row are left as they were."""
    centre = class_group.centre
    # The role decides the edit window, so the membership itself is needed, not a yes or no.
    membership = require_centre_member(by, centre)
    refusal = edit_refusal(day, is_manager=membership.is_manager)
    if refusal:
        raise RecordError(refusal)

    enrolled = set(children_in_class(class_group, day).values_list("pk", flat=True))
    cleaned: dict[int, dict] = {}
    row_errors: dict[int, list[str]] = {}
    for row in rows:
        child_id = int(row["child_id"])
        data, field_errors = clean_row(row)
        errors = list(field_errors.values())
        if child_id not in enrolled:
            errors.insert(0, _("This child is not in the class on that day."))
        if child_id in cleaned:
            errors.insert(0, _("This child is listed twice."))
        if errors:
            row_errors[child_id] = errors
        cleaned[child_id] = data

    staff_ids = {int(pk) for pk in staff_ids}
    chosen = {s.pk: s for s in centre.staff.active().filter(pk__in=staff_ids)} \
        if staff_ids else {}
    valid_staff = set(chosen)
    if row_errors:
        raise RecordError(_("Please correct the errors below."), row_errors=row_errors)
    if staff_ids - valid_staff:
        raise RecordError(_("Staff on duty must be current staff of this centre."),
                          field="staff")
    carers = {pk for pk, person in chosen.items() if is_carer(person)}
    _refuse_carers_elsewhere(class_group, day, carers)

    class_day = ClassDay.objects.select_for_update().filter(
        class_group=class_group, date=day).first()
    if class_day is None:
        # Not recorded yet: the sheet was opened on "version 0". Two first saves at once: the
        # unique (class, day) constraint lets one through, and the other is told it is stale.
        if version:
            raise RecordError(_("This day's record no longer exists. Open the day again."))
        try:
            with transaction.atomic():
                class_day = ClassDay.objects.create(class_group=class_group, date=day,
                                                    updated_by=by)
        except IntegrityError:
            class_day = ClassDay.objects.select_for_update().get(class_group=class_group,
                                                                 date=day)
            require_version(class_day, version)
    else:
        require_version(class_day, version)
    now = timezone.now()
    morning = any(r["morning_check"] for r in cleaned.values())
    midday = any(r["midday_check"] for r in cleaned.values())
    # The first recording time is kept: the morning-check deadline (A7) is about when it was
    # first done, not when it was last corrected.
    if morning and class_day.morning_check_at is None:
        class_day.morning_check_at = now
    if midday and class_day.midday_check_at is None:
        class_day.midday_check_at = now
    class_day.updated_by = by
    saved = {a.child_id: a for a in class_day.attendance.all()}
    changed = [Attendance(class_day=class_day, child_id=child_id, date=day, **data)
               for child_id, data in cleaned.items()
               if child_id not in saved
               or any(getattr(saved[child_id], name) != data[name] for name in ROW_FIELDS)]
    turned_abnormal = _follow_abnormal_checks(changed, saved, now)
    duty = {d.staff_id: d for d in class_day.duty.all()}
    staff_changed = set(duty) != valid_staff
    if staff_changed:
        class_day.staff_changed_in = class_day.version + 1  # the version this save makes
    class_day.save()
    _write_duty(class_day, duty, valid_staff, carers)
    if changed:
        for row in changed:
            row.changed_in = class_day.version
        Attendance.objects.bulk_create(
            changed, update_conflicts=True, unique_fields=["class_day", "child"],
            update_fields=[*ROW_FIELDS, "changed_in", *TOLD_FIELDS],
        )
    counts = dict.fromkeys(A.Status.values, 0)
    for data in cleaned.values():
        counts[data["status"]] += 1
    audit(Verb.CLASS_DAY_SAVED, actor=by, target=class_day, request=request,
          date=day, version=class_day.version, children=len(cleaned), changed=len(changed),
          staff=sorted(valid_staff), abnormal=len(turned_abnormal),
          guardians_notified=sum(1 for row in turned_abnormal if row.guardian_told_at),
          **counts)
    # Rules A1 (ratio) and A9 (cluster) are "realtime on attendance" (docs/rules/alert-rules.md),
    # and a check corrected to normal ends A8's alert: the worker re-runs them as soon as the day
    # is saved, besides their hourly run. The job is a row saved with the day: a broker outage
    # delays it, never loses it or fails the save.
    enqueue("supervision.checks.engine.run_rules", codes=["A1", "A8", "A9"], coalesce=True)
    return class_day


# --- telling the guardian of an abnormal check (管理规范 Art 24; rule A8) ------------------------

CHECKS = ("morning_check", "midday_check")
TOLD_FIELDS = ("abnormal_at", "guardian_told_at", "guardian_told_via", "guardian_told_by")


def _follow_abnormal_checks(rows: list[Attendance], saved: Mapping[int, Attendance],
                            now: datetime) -> list[Attendance]:
    """Set the telling fields of the rows about to be saved, and tell the guardians with a
    linked account of each check that has just turned abnormal (one query, only when one
    did). Returns the rows whose check turned abnormal.

    A check that turns abnormal starts a new period (``abnormal_at``) that a guardian has not
    been told of; a row with no abnormal check left has none; any other row keeps what was
    recorded."""
    turned = []
    for row in rows:
        before = saved.get(row.child_id)
        if not row.abnormal:
            continue  # the fields' defaults: nothing abnormal, nothing to tell
        if any(getattr(row, check) == A.Check.ABNORMAL
               and (before is None or getattr(before, check) != A.Check.ABNORMAL)
               for check in CHECKS):
            row.abnormal_at = now
            turned.append(row)
        else:
            for name in TOLD_FIELDS:
                attname = A._meta.get_field(name).attname  # the user's id: no query
                setattr(row, attname, getattr(before, attname))
    if turned:
        _tell_linked_guardians(turned, now)
    return turned


def _tell_linked_guardians(rows: list[Attendance], now: datetime) -> None:
    """A notification to each parent account linked to a child of ``rows``; a row with one is
    told through the platform."""
    accounts: dict[int, list[User]] = {}
    for guardian in (Guardian.objects.filter(child_id__in=[r.child_id for r in rows],
                                             user__isnull=False, user__is_active=True)
                     .select_related("user", "child")):
        accounts.setdefault(guardian.child_id, []).append(guardian.user)
        for row in rows:
            if row.child_id == guardian.child_id:
                row.child = guardian.child  # its name, for the message: no query per row
    notifications = []
    for row in rows:
        users = accounts.get(row.child_id)
        if not users:
            continue
        row.guardian_told_at, row.guardian_told_via = now, A.ToldVia.PLATFORM
        title, body = abnormal_check_title(row), abnormal_check_body(row)
        url = reverse("supervision:my-child-detail", args=[row.child_id])
        notifications += [Notification(recipient=user, title=title, body=body, url=url,
                                       level=Notification.Level.WARNING) for user in users]
    send_later(notifications)


def abnormal_check_title(row: Attendance) -> str:
    checks = [str(A._meta.get_field(check).verbose_name) for check in CHECKS
              if getattr(row, check) == A.Check.ABNORMAL]
    return _("%(child)s: abnormal %(checks)s on %(date)s") % {
        "child": row.child.name, "checks": "、".join(checks), "date": date_text(row.date)}


def abnormal_check_body(row: Attendance) -> str:
    parts = []
    if row.symptom_group:
        parts.append(_("Symptoms: %(symptoms)s.") % {"symptoms": row.get_symptom_group_display()})
    if row.note:
        parts.append(_("The carer's note: %(note)s") % {"note": row.note})
    parts.append(_("The centre will keep you informed; call the centre if you have questions."))
    return " ".join(str(p) for p in parts)


@transaction.atomic
def record_guardian_told(attendance: Attendance, *, by: User, request=None) -> Attendance:
    """A carer told the guardian of the abnormal check by phone or in person: recorded with
    the time it is recorded. Refused when no check is abnormal or a guardian was told
    already."""
    require_centre_member(by, attendance.class_day.class_group.centre)
    attendance = lock(attendance, "class_day__class_group", "child")
    if not attendance.abnormal or attendance.abnormal_at is None:
        raise RecordError(_("No check of this child is abnormal on that day."))
    if attendance.guardian_told_at is not None:
        raise RecordError(_("Telling the guardian is already recorded (%(when)s).") % {
            "when": moment(attendance.guardian_told_at)})
    attendance.guardian_told_at = timezone.now()
    attendance.guardian_told_via = A.ToldVia.IN_PERSON
    attendance.guardian_told_by = by
    attendance.save(update_fields=["guardian_told_at", "guardian_told_via", "guardian_told_by"])
    audit(Verb.GUARDIAN_TOLD, actor=by, target=attendance.class_day, request=request,
          child=attendance.child_id, date=attendance.date)
    enqueue("supervision.checks.engine.run_rules", codes=["A8"], coalesce=True)
    return attendance


def _carers_elsewhere(class_group: ClassGroup, day: date, carers: Iterable[int]) -> str | None:
    """The message naming each of ``carers`` already on duty in another class on ``day``, or
    None."""
    taken = (DutyAssignment.objects
             .filter(date=day, staff_id__in=list(carers), counts=True)
             .exclude(class_day__class_group=class_group)
             .select_related("staff", "class_day__class_group")
             .order_by("staff__name", "staff_id"))
    sentences = [_("%(name)s is already on duty in %(class)s that day.") % {
        "name": d.staff.name, "class": d.class_day.class_group.name} for d in taken]
    if not sentences:
        return None
    sentences.append(_("A carer is on duty in one class at a time: untick them here, or "
                       "take them off the other class first."))
    return " ".join(str(s) for s in sentences)


def _refuse_carers_elsewhere(class_group: ClassGroup, day: date, carers: Iterable[int]) -> None:
    message = _carers_elsewhere(class_group, day, carers) if carers else None
    if message:
        raise RecordError(message, field="staff")


def _write_duty(class_day: ClassDay, duty: dict[int, DutyAssignment], staff: set[int],
                carers: set[int]) -> None:
    """Make the class day's duty rows those of ``staff`` (``carers`` counting towards the
    ratio). The database refuses a carer counted in two classes on one day: when another
    class took the carer after the check above (two sheets saved at the same instant), the
    save is refused with the same message."""
    gone = [d.pk for pk, d in duty.items() if pk not in staff]
    if gone:
        DutyAssignment.objects.filter(pk__in=gone).delete()
    recount = [d for pk, d in duty.items() if pk in staff and d.counts != (pk in carers)]
    added = [DutyAssignment(class_day=class_day, staff_id=pk, date=class_day.date,
                            counts=pk in carers) for pk in sorted(staff - set(duty))]
    if not (recount or added):
        return
    try:
        with transaction.atomic():
            for row in recount:
                row.counts = row.staff_id in carers
            if recount:
                DutyAssignment.objects.bulk_update(recount, ["counts"])
            DutyAssignment.objects.bulk_create(added)
    except IntegrityError:
        message = _carers_elsewhere(class_day.class_group, class_day.date, carers)
        raise RecordError(message or _("A carer is on duty in one class at a time."),
                          field="staff") from None


def class_day_ratio(class_day: ClassDay | None, class_group: ClassGroup) -> dict:
    """The saved day's ratio (two queries)."""
    if class_day is None:
        return ratio_summary(class_group, present=0, carers=0)
    present = class_day.attendance.filter(
        status__in=[A.Status.PRESENT, A.Status.LEFT_EARLY]).count()
    carers = class_day.duty.filter(counts=True,
                                   staff__role__in=settings.RATIO_CARER_ROLES).count()
    return ratio_summary(class_group, present=present, carers=carers)
