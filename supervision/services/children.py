"""Children: enrolment with a guardian's consent, guardians, consents, health and vaccination
checks, class moves, withdrawal and readmission, and the 定期报送 snapshot
(docs/rules/setup-standard.md#class-types, docs/rules/operating-rules.md#enrolment,
docs/rules/data-protection.md; 管理规范 Art 11, 12).

Every write takes keyword arguments with an explicit actor (``by``), runs in one transaction,
refuses an actor who may not do it with ``NotPermitted`` (``registry.rules``: a 403 in views),
refuses what the rules forbid with a ``ChildError`` (a ``DomainError``) carrying a translated
message and the form field it belongs to, and records an AuditEvent.

Who may do what: the centre's managers and staff both enrol children, add guardians, record
consents and health and vaccination checks, move children between classes and readmit them
(staff do this every day); only managers withdraw a child or record that a guardian withdrew a
consent (withdrawing the records consent ends the child's placement).

Withdrawn records consent (PIPL Art 15/47): the guardian has taken back the basis on which the
centre keeps the child's records. ``withdraw_consent(purpose=records)`` therefore also ends the
open placement (the child is withdrawn, reason "consent withdrawn"), and from then on every write
about the child is refused with a ``ChildError`` until a new records consent is recorded
(``record_consent``). What is already recorded is kept, read-only, for the retention period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.audit import audit, client_ip
from luhuituo.core.crypto import blind_index
from luhuituo.core.dates import day
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import AccessLog, User
from luhuituo.core.validators import normalise_id_number, validate_id_number
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require_version, transition
from registry.models import Centre, ClassGroup, ClassType
from registry.rules import require_centre_manager, require_centre_member
from registry.validators import validate_phone

from ..models import (
    Child,
    ChildrenReport,
    Enrolment,
    Guardian,
    GuardianConsent,
    HealthCheck,
    VaccinationCheck,
    age_in_months,
)

Purpose = GuardianConsent.Purpose

# The dedicated child privacy rules (PIPL Art 31), in short, as the enrolment form shows them
# beside their version (settings.CHILD_PRIVACY_RULES_VERSION).
PRIVACY_RULES_SUMMARY = [
    _("What: the child's name, sex, date of birth, ID number (optional), allergies, health and "
      "vaccination checks, class and attendance, and the guardians' names and phone numbers."),
    _("Why: only to care for the child safely and to keep the records the health rules require "
      "(管理规范 Art 11, 12, 24)."),
    _("Who sees it: the centre's staff; the district health bureau sees totals, and a child's "
      "record only for a stated duty such as an incident or disease report, and every such "
      "read is logged."),
    _("Protection: ID numbers and health notes are stored encrypted and shown masked; the data "
      "stays in China."),
    _("Photos and videos need their own, separate consent."),
    _("The guardian may see, correct and withdraw consent at any time; after withdrawal the "
      "centre stops adding to the child's records."),
]

# Age bands of the 定期报送 figures and of the regulator's overview, in whole months.
AGE_BANDS = [
    ("0-5", 0, 6), ("6-11", 6, 12), ("12-17", 12, 18), ("18-23", 18, 24), ("24-35", 24, 36),
    ("36+", 36, None),
]


class ChildError(DomainError):
    """A rule refuses the change; ``message`` is for the user, ``field`` the form field it
    belongs to (None for the whole form)."""


class MissingCheck:
    """What a child lacks to attend (管理规范 Art 11; alerts A5, A6)."""

    ENTRY_CHECK = "entry_check"
    VACCINATION = "vaccination"
    RETURN_CHECK = "return_check"

    LABELS = {
        ENTRY_CHECK: _("No passed entry health check"),
        VACCINATION: _("Vaccination certificate not checked"),
        RETURN_CHECK: _("Back after 3 months or more: new health check missing"),
    }


@dataclass(frozen=True)
class Missing:
    code: str

    @property
    def label(self):
        return MissingCheck.LABELS[self.code]

    def __str__(self) -> str:
        return str(self.label)


# --- consent -------------------------------------------------------------------------------------


def has_records_consent(child: Child) -> bool:
    """An active (not withdrawn) consent for the child's records; uses a prefetch of
    ``consents`` when there is one."""
    return any(c.purpose == Purpose.RECORDS and c.withdrawn_at is None
               for c in child.consents.all())


def _require_records_consent(child: Child) -> None:
    if not has_records_consent(child):
        raise ChildError(_("The guardian has withdrawn consent to the child's records: nothing "
                           "more can be recorded about this child until a new consent is "
                           "recorded."))


# --- placement rules ------------------------------------------------------------------------------


def placement_problem(birth_date: date, class_group: ClassGroup, on: date, *,
                      is_today: bool = False) -> ChildError | None:
    """Why a child born on ``birth_date`` may not be placed in ``class_group`` on ``on`` (设置标准
    Art 19; docs/rules/setup-standard.md#class-types), or None. Bands are [min, max) months from
    settings.CLASS_TYPES. ``is_today``: ``on`` is today (the messages say so)."""
    if birth_date > on:
        return ChildError(_("The start date is before the child's date of birth."),
                          field="started_on")
    age = age_in_months(birth_date, on)
    rules = class_group.rules
    if age >= 36:
        message = (_("The child is %(age)d months old today: centres care for children under "
                     "36 months.") if is_today else
                   _("The child is %(age)d months old on the start date: centres care for "
                     "children under 36 months."))
        return ChildError(message % {"age": age}, field="class_group")
    if age < 6:
        if not settings.ALLOW_UNDER_SIX_MONTHS:
            message = (_("The child is %(age)d months old today: no class type takes children "
                         "under 6 months.") if is_today else
                       _("The child is %(age)d months old on the start date: no class type "
                         "takes children under 6 months."))
            return ChildError(message % {"age": age}, field="class_group")
        if class_group.class_type == ClassType.INFANT:
            return None
    if class_group.class_type == ClassType.MIXED and age < rules["min_months"]:
        message = (_("A mixed-age class takes only children of %(min)d months or more; the "
                     "child is %(age)d months old today.") if is_today else
                   _("A mixed-age class takes only children of %(min)d months or more; the "
                     "child is %(age)d months old on the start date."))
        return ChildError(message % {"min": rules["min_months"], "age": age},
                          field="class_group")
    if not rules["min_months"] <= age < rules["max_months"]:
        message = (_("The child is %(age)d months old today; %(type)s is for %(min)d to "
                     "%(max)d months.") if is_today else
                   _("The child is %(age)d months old on the start date; %(type)s is for "
                     "%(min)d to %(max)d months."))
        return ChildError(message % {
            "age": age, "type": class_group.get_class_type_display(),
            "min": rules["min_months"], "max": rules["max_months"]}, field="class_group")
    return None


def start_date_problem(on: date, *, field: str = "started_on",
                       today: date | None = None) -> ChildError | None:
    """A placement starts at most ENROLMENT_START_MAX_PAST_DAYS before today (a start recorded
    a little late) and at most ENROLMENT_START_MAX_AHEAD_DAYS after it (a place promised
    ahead); None when ``on`` is within those bounds."""
    today = today or timezone.localdate()
    past, ahead = settings.ENROLMENT_START_MAX_PAST_DAYS, settings.ENROLMENT_START_MAX_AHEAD_DAYS
    if on < today - timedelta(days=past):
        return ChildError(_("The start date can be at most %(days)d days before today: record "
                            "the placement from a recent date.") % {"days": past}, field=field)
    if on > today + timedelta(days=ahead):
        return ChildError(_("The start date can be at most %(days)d days ahead: enrol the child "
                            "nearer the time.") % {"days": ahead}, field=field)
    return None


def new_placement_problem(birth_date: date, class_group: ClassGroup, on: date, *,
                          field: str = "started_on",
                          today: date | None = None) -> ChildError | None:
    """Why a placement from ``on`` may not be made (enrolment, move, readmission), or None: the
    start date out of bounds (its error on ``field``), the child's age on the start date, and
    — for a start date already past — the child's age today, so a back-dated start cannot
    place a child who no longer fits. (A future placement holds no place before it starts:
    the age that matters then is the one on the start date.)"""
    today = today or timezone.localdate()
    problem = start_date_problem(on, field=field, today=today)
    if problem is None:
        problem = placement_problem(birth_date, class_group, on)
    if problem is None and on < today:
        problem = placement_problem(birth_date, class_group, today, is_today=True)
    if problem is not None and problem.field == "started_on":
        problem.field = field
    return problem


def class_places(class_group: ClassGroup) -> int:
    """The class's places: its capacity, never more than the class type's maximum size."""
    return min(class_group.capacity, class_group.max_size)


def placements_from(class_group: ClassGroup, day: date, *, moving: Child | None = None):
    """The class's placements still running on or after ``day`` (not ended by then), with
    their children."""
    placements = Enrolment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day), class_group=class_group,
    ).select_related("child")
    if moving is not None:
        placements = placements.exclude(child=moving)
    return placements


def peak_children(placements, start: date) -> int:
    """The most of ``placements`` running together on any day from ``start`` on: a placement
    counts from its start date up to (not including) its end."""
    placements = list(placements)
    days = {start} | {p.started_on for p in placements if p.started_on > start}
    return max((sum(1 for p in placements if p.started_on <= day
                    and (p.ended_on is None or p.ended_on > day)) for day in days), default=0)


def _check_placement(child_birth: date, class_group: ClassGroup, centre: Centre, on: date, *,
                     moving: Child | None = None, field: str = "started_on") -> ClassGroup:
    """Refuse a class of another centre, a start date out of bounds, a child of the wrong age
    and a class that would be full on any day from ``on`` (placements that start later count
    from their start). Locks the class so two enrolments cannot take its last place
    together."""
    if class_group.centre_id != centre.pk:
        raise ChildError(_("Choose one of this centre's classes."), field="class_group")
    class_group = lock(class_group)
    problem = new_placement_problem(child_birth, class_group, on, field=field)
    if problem:
        raise problem
    places = class_places(class_group)
    if peak_children(placements_from(class_group, on, moving=moving), on) >= places:
        raise ChildError(_("Class “%(name)s” is full (%(places)d places).") % {
            "name": class_group.name, "places": places}, field="class_group")
    return class_group


# --- enrolment ------------------------------------------------------------------------------------

CHILD_FIELDS = ("name", "sex", "birth_date", "id_number", "allergies", "health_notes")
GUARDIAN_FIELDS = ("name", "relation", "mobile", "id_number", "user")


class LikelyDuplicate(ChildError):
    """The centre already has a child who is probably this one (``likely_duplicate``):
    ``existing`` is that child. Enrol anyway only when told it is a different child."""

    def __init__(self, existing: Child, *, same_mobile: bool):
        details = {"name": existing.name, "date": day(existing.birth_date)}
        if same_mobile:
            message = _("%(name)s, born on %(date)s, is already registered at this centre, "
                        "with a guardian of the same mobile number.") % details
        else:
            message = _("%(name)s, born on %(date)s, is already registered at this centre "
                        "(no ID number was given to tell the two apart).") % details
        super().__init__(
            str(message) + " " + str(_("Open that child's record instead; if this really is "
                                       "a different child, tick “This is a different child” "
                                       "and enrol again.")), field="different_child")
        self.existing = existing


def likely_duplicate(centre: Centre, *, name: str, birth_date: date, id_number: str,
                     guardian_mobile: str) -> LikelyDuplicate | None:
    """A child of ``centre`` (enrolled or withdrawn) who is probably the one being enrolled:
    the same name and date of birth, and a guardian with the same mobile number — or, when no
    ID number is given, the same name and date of birth alone. (The same ID number is an
    exact match, refused on its own.)"""
    same = centre.children.filter(name=name.strip(), birth_date=birth_date).order_by("pk")
    mobile = (guardian_mobile or "").strip()
    match = same.filter(guardians__mobile=mobile).first() if mobile else None
    if match is not None:
        return LikelyDuplicate(match, same_mobile=True)
    if not id_number and (match := same.first()) is not None:
        return LikelyDuplicate(match, same_mobile=False)
    return None


@transaction.atomic
def enrol_child(centre: Centre, *, by: User, child_data: dict, guardian_data: dict,
                consent_method: str | None, photo_consent: bool, class_group: ClassGroup,
                started_on: date, service_form: str = Centre.ServiceForm.FULL_DAY,
                different_child: bool = False, request=None) -> Child:
    """Create the child with its primary guardian, the guardian's records consent (and a
    separate photo consent if given) and the placement — all or nothing. Refused without the
    records consent, and for a likely duplicate of a registered child (``LikelyDuplicate``)
    unless ``different_child`` says the user checked that it is another child. Enrolments at
    one centre take turns (the centre's row is locked), so two people enrolling the same
    child at once cannot both pass that check."""
    require_centre_member(by, centre)
    Centre.objects.select_for_update(no_key=True).filter(pk=centre.pk).first()
    if consent_method not in GuardianConsent.Method.values:
        raise ChildError(_("The guardian's consent to the child privacy rules must be recorded "
                           "before the child can be enrolled."), field="consent")
    if service_form not in Centre.ServiceForm.values:
        raise ChildError(_("Choose a service form."), field="service_form")
    child_data = {k: v for k, v in child_data.items() if k in CHILD_FIELDS}
    guardian_data = {k: v for k, v in guardian_data.items() if k in GUARDIAN_FIELDS}
    id_number = child_data.get("id_number") or ""
    if id_number and centre.children.filter(
            id_number_digest=blind_index(id_number, "ric")).exists():
        raise ChildError(_("This child is already registered at this centre."),
                         field="id_number")
    duplicate = likely_duplicate(centre, name=child_data["name"],
                                 birth_date=child_data["birth_date"], id_number=id_number,
                                 guardian_mobile=guardian_data.get("mobile", ""))
    if duplicate is not None and not different_child:
        raise duplicate
    class_group = _check_placement(child_data["birth_date"], class_group, centre, started_on)
    try:
        with transaction.atomic():
            child = Child.objects.create(centre=centre, created_by=by, **child_data)
    except IntegrityError:  # the same ID number, saved meanwhile by someone else
        raise ChildError(_("This child is already registered at this centre."),
                         field="id_number") from None
    guardian = Guardian.objects.create(child=child, is_primary=True, **guardian_data)
    consents = [GuardianConsent.objects.create(
        child=child, guardian=guardian, purpose=Purpose.RECORDS,
        rules_version=settings.CHILD_PRIVACY_RULES_VERSION, method=consent_method,
        recorded_by=by)]
    if photo_consent:
        consents.append(GuardianConsent.objects.create(
            child=child, guardian=guardian, purpose=Purpose.PHOTOS,
            rules_version=settings.CHILD_PRIVACY_RULES_VERSION, method=consent_method,
            recorded_by=by))
    enrolment = Enrolment.objects.create(child=child, class_group=class_group,
                                         started_on=started_on, service_form=service_form)
    audit(Verb.CHILD_ENROLLED, actor=by, target=child, request=request,
          centre=centre.pk, class_group=class_group.pk, started_on=started_on,
          enrolment=enrolment.pk, consents=[c.purpose for c in consents],
          rules_version=settings.CHILD_PRIVACY_RULES_VERSION, method=consent_method,
          **({"different_from": duplicate.existing.pk} if duplicate is not None else {}))
    return child


# --- guardians and consents -----------------------------------------------------------------------


@transaction.atomic
def add_guardian(child: Child, *, by: User, data: dict, request=None) -> Guardian:
    """Another guardian (the first one is made by ``enrol_child``)."""
    require_centre_member(by, child.centre)
    child = lock(child)
    _require_records_consent(child)
    data = {k: v for k, v in data.items() if k in GUARDIAN_FIELDS}
    guardian = Guardian.objects.create(child=child, **data)
    audit(Verb.GUARDIAN_ADDED, actor=by, target=guardian, request=request, child=child.pk,
          relation=guardian.relation)
    return guardian


@transaction.atomic
def record_consent(child: Child, *, by: User, guardian: Guardian, purpose: str,
                   method: str, request=None) -> GuardianConsent:
    """A guardian's consent for one purpose under the current version of the rules. An active
    consent for the same purpose is replaced (withdrawn and recorded anew)."""
    require_centre_member(by, child.centre)
    child = lock(child)
    if guardian.child_id != child.pk:
        raise ChildError(_("Choose one of this child's guardians."), field="guardian")
    if purpose not in Purpose.values:
        raise ChildError(_("Choose what the consent is for."), field="purpose")
    if method not in GuardianConsent.Method.values:
        raise ChildError(_("Choose how the consent was given."), field="method")
    if purpose != Purpose.RECORDS:
        _require_records_consent(child)
    now = timezone.now()
    child.consents.filter(purpose=purpose, withdrawn_at__isnull=True).update(withdrawn_at=now)
    consent = GuardianConsent.objects.create(
        child=child, guardian=guardian, purpose=purpose,
        rules_version=settings.CHILD_PRIVACY_RULES_VERSION, method=method, recorded_by=by,
        consented_at=now)
    audit(Verb.CONSENT_RECORDED, actor=by, target=child, request=request, purpose=purpose,
          method=method, guardian=guardian.pk, rules_version=consent.rules_version)
    return consent


@transaction.atomic
def withdraw_consent(consent: GuardianConsent, *, by: User, request=None) -> GuardianConsent:
    """The guardian withdrew this consent. For the records consent the child's placement ends
    today and nothing more may be recorded (see the module's docstring)."""
    child = lock(consent.child, "centre")
    require_centre_manager(by, child.centre)
    consent = lock(consent)
    if consent.withdrawn_at is not None:
        raise ChildError(_("This consent was already withdrawn."))
    consent.withdrawn_at = timezone.now()
    consent.save(update_fields=["withdrawn_at"])
    ended = None
    if consent.purpose == Purpose.RECORDS and not has_records_consent(child):
        # Other consents (photos, sharing) rest on the records consent: they go too.
        child.consents.filter(withdrawn_at__isnull=True).update(withdrawn_at=consent.withdrawn_at)
        if child.status == Child.Status.ENROLLED:
            ended = _end_placement(child, on=timezone.localdate(),
                                   reason=str(_("Guardian withdrew consent")), by=by)
    audit(Verb.CONSENT_WITHDRAWN, actor=by, target=child, request=request,
          purpose=consent.purpose, consent=consent.pk, enrolment_ended=ended)
    return consent


# --- corrections -------------------------------------------------------------------------------
#
# A typo in a child's or a guardian's details is corrected in place: pghistory keeps the old
# row, and the audit event names the fields that changed — never their values, which are
# sensitive. An empty ID number (or guardian mobile number) keeps the recorded one, since the
# forms never send the recorded number back to the browser.

CHILD_EDIT_FIELDS = ("name", "sex", "birth_date", "id_number", "allergies", "health_notes")
GUARDIAN_EDIT_FIELDS = ("name", "relation", "mobile", "id_number")


def _valid(validator, value: str, field: str) -> None:
    """Run a model-field validator; its message becomes a ``ChildError`` on ``field``."""
    try:
        validator(value)
    except ValidationError as error:
        raise ChildError(error.messages[0], field=field) from None


def _required_text(data: dict, field: str, message) -> None:
    if field in data:
        data[field] = (data[field] or "").strip()
        if not data[field]:
            raise ChildError(message, field=field)


def _changed(obj, data: dict) -> list[str]:
    return [name for name, value in data.items() if getattr(obj, name) != value]


@transaction.atomic
def update_child(child: Child, *, by: User, data: dict, version: int | None = None,
                 request=None) -> Child:
    """Correct the child's name, sex, date of birth, ID number, allergies or health notes
    (the same rules as at enrolment). A new date of birth must still fit the current class
    on the day the placement started. ``version``: the one the form was opened on; saving
    over a newer one is refused (``Stale``). Returns the child; nothing is saved or audited
    when nothing changed."""
    require_centre_member(by, child.centre)
    child = lock(child)
    require_version(child, version)
    _require_records_consent(child)
    data = {k: v for k, v in data.items() if k in CHILD_EDIT_FIELDS}
    _required_text(data, "name", _("Enter the child's name."))
    if "sex" in data and data["sex"] not in Child.Sex.values:
        raise ChildError(_("Choose the child's sex."), field="sex")
    for field in ("allergies", "health_notes"):
        if field in data:
            data[field] = (data[field] or "").strip()
    if "id_number" in data:
        number = normalise_id_number(data.pop("id_number") or "")
        if number and number != child.id_number:
            _valid(validate_id_number, number, "id_number")
            if child.centre.children.filter(
                    id_number_digest=blind_index(number, "ric")).exclude(pk=child.pk).exists():
                raise ChildError(_("Another child of this centre is registered with this ID "
                                   "number."), field="id_number")
            data["id_number"] = number
    birth_date = data.get("birth_date")
    if birth_date is not None and birth_date != child.birth_date:
        if birth_date > timezone.localdate():
            raise ChildError(_("The date of birth cannot be in the future."),
                             field="birth_date")
        current = _open_enrolment(child)
        if current is not None:
            problem = placement_problem(birth_date, current.class_group, current.started_on)
            if problem:
                raise ChildError(_("With this date of birth the child does not fit the "
                                   "current class: %(problem)s") % {"problem": problem.message},
                                 field="birth_date")
    changed = _changed(child, data)
    if not changed:
        return child
    for name in changed:
        setattr(child, name, data[name])
    child.updated_by = by
    update_fields = changed + (["id_number_digest"] if "id_number" in changed else [])
    try:
        with transaction.atomic():
            child.save(update_fields=update_fields)
    except IntegrityError:  # the same ID number, saved meanwhile for another child
        raise ChildError(_("Another child of this centre is registered with this ID number."),
                         field="id_number") from None
    audit(Verb.CHILD_UPDATED, actor=by, target=child, request=request, fields=changed)
    return child


@transaction.atomic
def update_guardian(guardian: Guardian, *, by: User, data: dict, version: int | None = None,
                    request=None) -> Guardian:
    """Correct a guardian's name, relation, mobile number or ID number. Empty mobile or ID
    number: keep the recorded one. ``version``: the one the form was opened on; saving over a
    newer one is refused (``Stale``). Returns the guardian; nothing is saved or audited when
    nothing changed."""
    require_centre_member(by, guardian.child.centre)
    child = lock(guardian.child)
    guardian = Guardian.objects.select_for_update().get(pk=guardian.pk, child=child)
    require_version(guardian, version)
    _require_records_consent(child)
    data = {k: v for k, v in data.items() if k in GUARDIAN_EDIT_FIELDS}
    _required_text(data, "name", _("Enter the guardian's name."))
    if "relation" in data and data["relation"] not in Guardian.Relation.values:
        raise ChildError(_("Choose the guardian's relation to the child."), field="relation")
    if "mobile" in data:
        mobile = (data.pop("mobile") or "").strip()
        if mobile and mobile != guardian.mobile:
            _valid(validate_phone, mobile, "mobile")
            data["mobile"] = mobile
    if "id_number" in data:
        number = normalise_id_number(data.pop("id_number") or "")
        if number and number != guardian.id_number:
            _valid(validate_id_number, number, "id_number")
            data["id_number"] = number
    changed = _changed(guardian, data)
    if not changed:
        return guardian
    for name in changed:
        setattr(guardian, name, data[name])
    guardian.updated_by = by
    guardian.save(update_fields=changed + (["id_number_digest"] if "id_number" in changed
                                           else []))
    audit(Verb.GUARDIAN_UPDATED, actor=by, target=guardian, request=request, child=child.pk,
          fields=changed)
    return guardian


# --- checks -----------------------------------------------------------------------------------


def _not_in_future(day: date, field: str = "checked_on") -> None:
    if day > timezone.localdate():
        raise ChildError(_("The date cannot be in the future."), field=field)


def record_health_check(child: Child, *, by: User, data: dict, request=None) -> HealthCheck:
    """An entry, return or periodic health check done at a medical institution."""
    return _record_check(child, HealthCheck, by=by, data=data, request=request,
                         fields=("kind", "checked_on", "institution", "result", "notes"),
                         verb=Verb.HEALTH_CHECK_RECORDED, logged=("kind", "checked_on", "result"))


def record_vaccination_check(child: Child, *, by: User, data: dict,
                             request=None) -> VaccinationCheck:
    """The centre saw the vaccination certificate (76号令 Art 15(6)); missing vaccinations are
    written down and the guardian urged to catch up."""
    return _record_check(child, VaccinationCheck, by=by, data=data, request=request,
                         fields=("checked_on", "certificate_seen", "up_to_date", "missing"),
                         verb=Verb.VACCINATION_CHECK_RECORDED,
                         logged=("checked_on", "up_to_date"))


@transaction.atomic
def _record_check(child: Child, model, *, by: User, data: dict, request, fields, verb, logged):
    """A check of the child, dated ``data["checked_on"]`` (not in the future, not before
    birth), under the records consent; the audit event carries the ``logged`` fields."""
    require_centre_member(by, child.centre)
    child = lock(child)
    _require_records_consent(child)
    _not_in_future(data["checked_on"])
    if data["checked_on"] < child.birth_date:
        raise ChildError(_("The check date is before the child's date of birth."),
                         field="checked_on")
    check = model.objects.create(child=child, recorded_by=by,
                                 **{k: data[k] for k in fields if k in data})
    audit(verb, actor=by, target=child, request=request,
          **{name: getattr(check, name) for name in logged})
    return check


# --- placements ---------------------------------------------------------------------------------


def _open_enrolment(child: Child) -> Enrolment | None:
    return Enrolment.objects.select_for_update().filter(
        child=child, ended_on__isnull=True).first()


def _end_placement(child: Child, *, on: date, reason: str, by: User) -> int | None:
    """End the open enrolment on ``on`` and mark the child withdrawn; the enrolment's id."""
    enrolment = _open_enrolment(child)
    if enrolment is not None:
        if on < enrolment.started_on:
            raise ChildError(_("The date is before the current placement started (%(date)s).")
                             % {"date": day(enrolment.started_on)}, field="on")
        enrolment.ended_on = on
        enrolment.end_reason = reason[:200]
        enrolment.save(update_fields=["ended_on", "end_reason"])
    child.status = Child.Status.WITHDRAWN
    child.withdrawn_on = on
    child.withdrawal_reason = reason[:200]
    child.updated_by = by
    child.save(update_fields=["status", "withdrawn_on", "withdrawal_reason"])
    return enrolment.pk if enrolment else None


@transaction.atomic
def move_class(child: Child, *, by: User, class_group: ClassGroup, on: date,
               service_form: str | None = None, request=None) -> Enrolment:
    """End the current placement on ``on`` and open one in ``class_group`` from ``on`` (the
    same age and size rules as an enrolment)."""
    require_centre_member(by, child.centre)
    child = lock(child)
    _require_records_consent(child)
    current = _open_enrolment(child)
    if child.status != Child.Status.ENROLLED or current is None:
        raise ChildError(_("Only an enrolled child can move class; readmit the child "
                         "instead."))
    if class_group.pk == current.class_group_id:
        raise ChildError(_("The child is already in this class."), field="class_group")
    if on < current.started_on:
        raise ChildError(_("The date is before the current placement started (%(date)s).")
                         % {"date": day(current.started_on)}, field="on")
    class_group = _check_placement(child.birth_date, class_group, child.centre, on,
                                   moving=child, field="on")
    current.ended_on = on
    current.end_reason = str(_("Moved to %(name)s") % {"name": class_group.name})[:200]
    current.save(update_fields=["ended_on", "end_reason"])
    enrolment = Enrolment.objects.create(
        child=child, class_group=class_group, started_on=on,
        service_form=service_form or current.service_form)
    audit(Verb.CHILD_MOVED, actor=by, target=child, request=request,
          from_class=current.class_group_id, to_class=class_group.pk, on=on)
    return enrolment


@transaction.atomic
def withdraw_child(child: Child, *, by: User, on: date, reason: str,
                   request=None) -> Child:
    """退托: the placement ends on ``on`` and the child is withdrawn."""
    require_centre_manager(by, child.centre)
    child = lock(child)
    if child.status == Child.Status.WITHDRAWN:
        raise ChildError(_("The child is already withdrawn."))
    if not reason.strip():
        raise ChildError(_("Give the reason for the withdrawal."), field="reason")
    _not_in_future(on, "on")
    enrolment = _end_placement(child, on=on, reason=reason.strip(), by=by)
    audit(Verb.CHILD_WITHDRAWN, actor=by, target=child, request=request, on=on,
          reason=reason.strip(), enrolment=enrolment)
    return child


def away_since(child: Child) -> date | None:
    """The day the child left: when withdrawn, else the end of the last placement."""
    if child.withdrawn_on:
        return child.withdrawn_on
    ends = [e.ended_on for e in child.enrolments.all() if e.ended_on]
    return max(ends) if ends else None


def return_check_needed(left_on: date | None, back_on: date) -> bool:
    """Away ``RETURN_HEALTH_CHECK_MONTHS`` months or more (管理规范 Art 11)."""
    return left_on is not None and age_in_months(left_on, back_on) >= \
        settings.RETURN_HEALTH_CHECK_MONTHS


def valid_return_check(checks, left_on: date, back_on: date) -> HealthCheck | None:
    """A passed return health check done after leaving, at most
    ``ENTRY_HEALTH_CHECK_VALID_MONTHS`` before ``back_on`` and not after it."""
    earliest = back_on - relativedelta(months=settings.ENTRY_HEALTH_CHECK_VALID_MONTHS)
    for check in checks:
        if (check.kind == HealthCheck.Kind.RETURN and check.result == HealthCheck.Result.PASSED
                and max(earliest, left_on) <= check.checked_on <= back_on):
            return check
    return None


@transaction.atomic
def readmit_child(child: Child, *, by: User, class_group: ClassGroup, on: date,
                  service_form: str = Centre.ServiceForm.FULL_DAY, request=None) -> Enrolment:
    """Take a withdrawn child back. Away ≥ RETURN_HEALTH_CHECK_MONTHS months → a passed return
    health check dated within ENTRY_HEALTH_CHECK_VALID_MONTHS before ``on`` is required."""
    require_centre_member(by, child.centre)
    child = lock(child)
    _require_records_consent(child)
    if child.status != Child.Status.WITHDRAWN or _open_enrolment(child) is not None:
        raise ChildError(_("The child is enrolled: move the child to another class instead."))
    problem = start_date_problem(on, field="on")
    if problem:
        raise problem
    left_on = away_since(child)
    if left_on is not None and on < left_on:
        raise ChildError(_("The return date is before the day the child left (%(date)s).")
                         % {"date": day(left_on)}, field="on")
    if return_check_needed(left_on, on) and valid_return_check(
            child.health_checks.all(), left_on, on) is None:
        raise ChildError(_(
            "The child has been away since %(date)s, %(months)d months or more: a new health "
            "check is needed before the child returns. Record a passed return health check "
            "done within %(valid)d months before the return date first.") % {
            "date": day(left_on), "months": settings.RETURN_HEALTH_CHECK_MONTHS,
            "valid": settings.ENTRY_HEALTH_CHECK_VALID_MONTHS}, field="on")
    if service_form not in Centre.ServiceForm.values:
        raise ChildError(_("Choose a service form."), field="service_form")
    class_group = _check_placement(child.birth_date, class_group, child.centre, on, field="on")
    enrolment = Enrolment.objects.create(child=child, class_group=class_group, started_on=on,
                                         service_form=service_form)
    child.withdrawn_on = None
    child.withdrawal_reason = ""
    child.updated_by = by
    transition(child, Child.Status.ENROLLED, by=by, verb=Verb.CHILD_READMITTED,
               request=request, update_fields=["withdrawn_on", "withdrawal_reason"],
               class_group=class_group.pk, on=on, away_since=left_on)
    return enrolment


# --- can the child attend? ------------------------------------------------------------------------

CHECKS_PREFETCH = (
    Prefetch("enrolments", queryset=Enrolment.objects.select_related("class_group")),
    "health_checks", "vaccination_checks",
)


def with_checks(children: QuerySet[Child]) -> QuerySet[Child]:
    """The prefetches ``child_can_attend`` and ``current_enrolment`` read: three queries for
    any number of children."""
    return children.prefetch_related(*CHECKS_PREFETCH)


def child_can_attend(child: Child, day: date | None = None) -> list[Missing]:
    """What the child lacks to attend on ``day`` (empty: nothing): a passed entry health check,
    a seen vaccination certificate, and after ≥ RETURN_HEALTH_CHECK_MONTHS away a passed return
    check. Reads only ``enrolments``, ``health_checks`` and ``vaccination_checks`` through
    ``.all()``, so with ``with_checks`` it makes no query."""
    day = day or timezone.localdate()
    missing = []
    checks = [c for c in child.health_checks.all() if c.checked_on <= day]
    if not any(c.kind == HealthCheck.Kind.ENTRY and c.result == HealthCheck.Result.PASSED
               for c in checks):
        missing.append(Missing(MissingCheck.ENTRY_CHECK))
    if not any(v.certificate_seen and v.checked_on <= day
               for v in child.vaccination_checks.all()):
        missing.append(Missing(MissingCheck.VACCINATION))
    enrolments = sorted(child.enrolments.all(), key=lambda e: (e.started_on, e.pk))
    current = next((e for e in reversed(enrolments) if e.started_on <= day
                    and (e.ended_on is None or e.ended_on >= day)), None)
    if current is not None:
        before = [e.ended_on for e in enrolments
                  if e.ended_on is not None and e.ended_on <= current.started_on
                  and e.pk != current.pk]
        left_on = max(before) if before else None
        if return_check_needed(left_on, current.started_on) and valid_return_check(
                checks, left_on, max(current.started_on, day)) is None:
            missing.append(Missing(MissingCheck.RETURN_CHECK))
    return missing


# --- figures (定期报送, regulator overview) ----------------------------------------------------


def age_band(months: int) -> str:
    for key, low, high in AGE_BANDS:
        if months >= low and (high is None or months < high):
            return key
    return AGE_BANDS[0][0]


def children_figures(centre: Centre, on: date | None = None) -> dict:
    """Enrolled children by class type and by age band on ``on`` (one query): placements
    running on that day (one that starts later holds no place yet)."""
    on = on or timezone.localdate()
    rows = Enrolment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=on), class_group__centre=centre,
        started_on__lte=on, child__status=Child.Status.ENROLLED,
    ).values_list("class_group__class_type", "child__birth_date")
    by_type = dict.fromkeys(ClassType.values, 0)
    by_age = {key: 0 for key, _low, _high in AGE_BANDS}
    for class_type, birth_date in rows:
        by_type[class_type] = by_type.get(class_type, 0) + 1
        by_age[age_band(age_in_months(birth_date, on))] += 1
    return {"on": on.isoformat(), "enrolled": sum(by_type.values()),
            "by_class_type": by_type, "by_age_band": by_age}


def next_report_due(centre: Centre, last: ChildrenReport | None = None) -> date:
    """When the next 定期报送 is due: the interval after the last one, or today if none."""
    if last is None:
        last = centre.children_reports.order_by("-submitted_at", "-id").first()
    if last is None:
        return timezone.localdate()
    return (timezone.localtime(last.submitted_at).date()
            + relativedelta(days=settings.KID_REPORT_INTERVAL_DAYS))


@transaction.atomic
def submit_children_report(centre: Centre, *, by: User, request=None) -> ChildrenReport:
    """定期报送 (管理规范 Art 12): the snapshot of the centre's enrolled children today."""
    require_centre_manager(by, centre)
    figures = children_figures(centre)
    report = ChildrenReport.objects.create(centre=centre, submitted_by=by,
                                           enrolled=figures["enrolled"], figures=figures)
    audit(Verb.CHILDREN_REPORT_SUBMITTED, actor=by, target=centre, request=request,
          report=report.pk, enrolled=report.enrolled)
    return report


# --- access log for lists -------------------------------------------------------------------------


def log_access_many(request, objects, reason: str) -> None:
    """``log_access`` for every object of a list, in one insert (a regulator's names list)."""
    objects = list(objects)
    if not objects:
        return
    content_type = ContentType.objects.get_for_model(objects[0], for_concrete_model=False)
    path, ip = request.get_full_path()[:300], client_ip(request)
    AccessLog.objects.bulk_create([
        AccessLog(user=request.user, reason=reason[:200], path=path, ip=ip,
                  target_type=content_type, target_id=str(obj.pk), target_repr=str(obj)[:200])
        for obj in objects
    ])
