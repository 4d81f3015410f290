"""Writes to a centre's own data, from the centre's side: registration, the profile, fees,
classes, staff, training records, accounts and photos.

Every function takes keyword arguments with an explicit actor (``by``), runs in one
transaction, refuses an actor without the right (``NotPermitted``: 403) and records an
AuditEvent. Profile and class changes are only possible while the filing can still be changed
by the centre (draft, or returned for correction); afterwards they go through a change filing
(变更备案), and ``CentreDataLocked`` is raised.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError, NotPermitted
from luhuituo.core.models import User
from luhuituo.core.uploads import check_upload
from luhuituo.core.validators import normalise_mobile
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require, require_version

from . import class_checks, staff_checks
from .models import (
    Centre,
    CentreMembership,
    CentrePhoto,
    ClassGroup,
    FeeSchedule,
    Filing,
    InsurancePolicy,
    Staff,
    StaffTrainingRecord,
)
from .rules import require_centre_manager
from .signals import pricing_changed

EDITABLE_FILING_STATUSES = Filing.EDITABLE_STATUSES

# Not the inclusive (普惠) status: the district bureau recognises it (registry.inclusive).
PROFILE_FIELDS = (
    "name", "region", "legal_form", "uscc", "kind", "address", "latitude", "longitude",
    "service_forms", "approved_places", "opens_at", "closes_at", "opening_days",
    "provides_meals", "tenure", "lease_start", "lease_end", "indoor_area_m2", "outdoor_area_m2",
    "contact_name", "contact_phone", "legal_representative", "principal_name",
)


class CentreDataLocked(NotPermitted):
    """The filing has been submitted: the centre's registered data is frozen."""

    def __init__(self):
        super().__init__(_("The filing has been submitted, so these details can no longer be "
                           "changed here. Changes now go through a change filing (变更备案)."))


def centre_data_editable(centre: Centre) -> bool:
    """True while the centre may change its profile and classes itself (draft or returned)."""
    filing = getattr(centre, "filing", None)
    return filing is None or filing.status in EDITABLE_FILING_STATUSES


def lease_too_short(centre: Centre) -> bool:
    """A lease with both dates that is shorter than MIN_LEASE_YEARS: allowed in the profile,
    but it blocks the filing (设置标准 Art 11)."""
    return bool(centre.tenure == Centre.Tenure.LEASED and centre.lease_start
                and centre.lease_end and centre.lease_end > centre.lease_start
                and not centre.lease_is_long_enough())


def _require_editable(centre: Centre) -> None:
    """Lock the filing row so a submission cannot slip in between the check and the write."""
    filing = Filing.objects.select_for_update().filter(centre=centre).first()
    if filing is not None and filing.status not in EDITABLE_FILING_STATUSES:
        raise CentreDataLocked


# --- the centre itself -------------------------------------------------------------------------


@transaction.atomic
def register_centre(*, by: User, request=None, **fields) -> Centre:
    """Create a centre with its draft filing, and make ``by`` its manager."""
    require(by.is_authenticated and by.is_centre_account,
            _("Only centre accounts can register a centre."))
    centre = Centre.objects.create(**fields)
    Filing.objects.create(centre=centre, status=Filing.Status.DRAFT)
    CentreMembership.objects.create(user=by, centre=centre, role=CentreMembership.Role.MANAGER)
    audit(Verb.CENTRE_REGISTERED, actor=by, target=centre, request=request,
          region=centre.region.name, legal_form=centre.legal_form)
    return centre


@transaction.atomic
def save_centre_profile(*, centre: Centre, by: User, data: dict, version: int | None = None,
                        request=None) -> list[str]:
    """Write the profile fields in ``data`` to the centre; returns the names that changed.
    ``version``: the one the form was opened on; saving over a newer one is refused
    (``Stale``: who saved it, when, and which fields changed since)."""
    require_centre_manager(by, centre)
    _require_editable(centre)
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    centre = lock(centre, "region")
    require_version(centre, version)
    changed = [name for name, value in data.items() if getattr(centre, name) != value]
    for name in changed:
        setattr(centre, name, data[name])
    if changed:
        centre.updated_by = by
        centre.save(update_fields=changed)
        audit(Verb.CENTRE_PROFILE_UPDATED, actor=by, target=centre, request=request,
              fields=changed)
    return changed


# --- fees --------------------------------------------------------------------------------------


@transaction.atomic
def add_fee_schedule(*, centre: Centre, by: User, data: dict, request=None) -> FeeSchedule:
    """A new version of the fees from a date. Earlier versions are kept, never edited."""
    require_centre_manager(by, centre)
    schedule = FeeSchedule.objects.create(centre=centre, **data)
    audit(Verb.FEE_SCHEDULE_ADDED, actor=by, target=schedule, request=request,
          effective_from=schedule.effective_from)
    pricing_changed.send(sender=Centre, centre=centre)
    return schedule


# --- liability insurance -------------------------------------------------------------------------


@transaction.atomic
def add_insurance_policy(*, centre: Centre, by: User, data: dict, uploaded=None,
                         request=None) -> InsurancePolicy:
    """Record a liability insurance policy (WS/T 821 9.7.1), with its scanned copy if given.
    Policies are never edited: a renewal is a new policy. Raises DomainError, beside the field,
    for a file that is not a PDF, JPG or PNG by content and for a policy number already
    recorded; nothing is saved then."""
    require_centre_manager(by, centre)
    try:
        checked = check_upload(uploaded) if uploaded is not None else None
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="file") from None
    lock(centre)
    if InsurancePolicy.objects.filter(centre=centre, policy_no=data["policy_no"]).exists():
        raise DomainError(_("This policy is already recorded."), field="policy_no")
    policy = InsurancePolicy(centre=centre, recorded_by=by, **data)
    if checked is not None:
        policy.original_name = uploaded.name[:200]
        policy.content_type = checked.content_type
        policy.file.save(uploaded.name, checked.file, save=False)
    policy.save()
    audit(Verb.INSURANCE_POLICY_ADDED, actor=by, target=centre, request=request,
          policy=policy.pk, insurer=policy.insurer, policy_no=policy.policy_no,
          cover_from=policy.cover_from, cover_to=policy.cover_to)
    return policy


# --- classes -----------------------------------------------------------------------------------


class ClassChangeRefused(DomainError):
    """The change contradicts the class's placements (``registry.class_checks``)."""


@transaction.atomic
def save_class(*, class_group: ClassGroup, by: User, request=None) -> ClassGroup:
    """Create or update a class (already validated, with its centre set). A change to an
    existing class is checked again by the apps' class checks (``registry.class_checks``)
    with the class's row locked, so a child placed after the form was validated is seen."""
    require_centre_manager(by, class_group.centre)
    _require_editable(class_group.centre)
    created = class_group.pk is None
    if not created:
        before = ClassGroup.objects.select_for_update().get(pk=class_group.pk)
        refused = class_checks.problems(before, class_group)
        if refused:
            raise ClassChangeRefused(" ".join(str(p.message) for p in refused),
                                     field=refused[0].field)
    class_group.save()
    audit(Verb.CLASS_CREATED if created else "class_updated", actor=by, target=class_group,
          request=request, class_type=class_group.class_type, capacity=class_group.capacity)
    return class_group


@transaction.atomic
def delete_class(*, class_group: ClassGroup, by: User, request=None) -> None:
    require_centre_manager(by, class_group.centre)
    _require_editable(class_group.centre)
    audit(Verb.CLASS_DELETED, actor=by, target=class_group, request=request,
          class_type=class_group.class_type, capacity=class_group.capacity)
    class_group.delete()


# --- staff -------------------------------------------------------------------------------------


@transaction.atomic
def save_staff(*, staff: Staff, by: User, request=None) -> Staff:
    """Create or update a staff record (already validated, with its centre set). The
    employment status follows the leaving date. The ID number never goes into the audit.
    Other apps' checks (``registry.staff_checks``, e.g. the ban list) run on the saved record:
    their warnings are on ``staff.warnings`` for the caller to show; they refuse nothing."""
    require_centre_manager(by, staff.centre)
    created = staff.pk is None
    staff.employment_status = (Staff.Employment.LEFT if staff.left_on
                               else Staff.Employment.ACTIVE)
    staff.save()
    audit(Verb.STAFF_CREATED if created else "staff_updated", actor=by, target=staff,
          request=request, role=staff.role, employment_status=staff.employment_status)
    staff.warnings = staff_checks.warnings(staff, created=created)
    return staff


@transaction.atomic
def add_training_record(*, staff: Staff, by: User, data: dict,
                        request=None) -> StaffTrainingRecord:
    require_centre_manager(by, staff.centre)
    record = StaffTrainingRecord.objects.create(staff=staff, **data)
    audit(Verb.TRAINING_RECORD_ADDED, actor=by, target=staff, request=request,
          course=record.course, hours=record.hours, completed_on=record.completed_on)
    return record


# --- accounts ----------------------------------------------------------------------------------


class MembershipError(DomainError):
    """An account change that is not possible, with the reason for the user."""


@transaction.atomic
def invite_member(*, centre: Centre, by: User, user: User, role: str,
                  request=None) -> CentreMembership:
    """Give an existing centre account access to the centre (again, if it was deactivated)."""
    require_centre_manager(by, centre)
    if not user.is_centre_account or not user.is_active:
        raise MembershipError(_("Only active centre accounts can be added to a centre."),
                              field="account")
    membership = CentreMembership.objects.select_for_update().filter(
        user=user, centre=centre).first()
    if membership is not None and membership.is_active:
        raise MembershipError(_("%(name)s already has access to this centre.") % {
            "name": user.get_full_name()}, field="account")
    if membership is None:
        membership = CentreMembership.objects.create(user=user, centre=centre, role=role)
    else:
        membership.role, membership.is_active = role, True
        membership.save(update_fields=["role", "is_active"])
    audit(Verb.MEMBER_INVITED, actor=by, target=membership, request=request,
          user=user.username, role=role)
    return membership


@transaction.atomic
def deactivate_member(*, membership: CentreMembership, by: User,
                      request=None) -> CentreMembership:
    """Take an account's access to the centre away. Nobody deactivates themselves, so a
    centre always keeps the manager who is acting."""
    require_centre_manager(by, membership.centre)
    if membership.user_id == by.pk:
        raise MembershipError(_("You cannot remove your own access."))
    if membership.is_active:
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        audit(Verb.MEMBER_DEACTIVATED, actor=by, target=membership, request=request,
              user=membership.user.username, role=membership.role)
    return membership


# --- photos ------------------------------------------------------------------------------------

MAX_CENTRE_PHOTOS = 12
PHOTO_TYPES = ("jpg", "png")


@transaction.atomic
def add_centre_photo(*, centre: Centre, by: User, uploaded, caption: str = "",
                     request=None) -> CentrePhoto:
    """Store one photo of the centre under a random name. Photos are disclosure, not filing
    material, so the filing's status does not matter. Raises ValidationError, with the reason
    for the user, for a file that is not a JPG or PNG image (by content), is empty or too big,
    or when the centre already has MAX_CENTRE_PHOTOS photos; nothing is saved then."""
    require_centre_manager(by, centre)
    checked = check_upload(uploaded, allowed=PHOTO_TYPES)
    # Lock the centre row so two uploads at once cannot both take the last place.
    Centre.objects.select_for_update().filter(pk=centre.pk).first()
    if CentrePhoto.objects.filter(centre=centre).count() >= MAX_CENTRE_PHOTOS:
        raise ValidationError(
            _("A centre can show at most %(n)d photos: delete one before adding another."),
            code="too_many", params={"n": MAX_CENTRE_PHOTOS},
        )
    photo = CentrePhoto(centre=centre, original_name=uploaded.name[:200],
                        content_type=checked.content_type, size=checked.size,
                        caption=caption.strip(), uploaded_by=by)
    photo.image.save(uploaded.name, checked.file, save=False)
    photo.save()
    audit(Verb.CENTRE_PHOTO_ADDED, actor=by, target=centre, request=request, photo=photo.pk,
          file=photo.original_name, caption=photo.caption)
    return photo


@transaction.atomic
def delete_centre_photo(*, photo: CentrePhoto, by: User, request=None) -> None:
    """Delete the photo; its file leaves storage once the deletion is committed."""
    require_centre_manager(by, photo.centre)
    storage, name = photo.image.storage, photo.image.name
    audit(Verb.CENTRE_PHOTO_DELETED, actor=by, target=photo.centre, request=request,
          photo=photo.pk, file=photo.original_name, caption=photo.caption)
    photo.delete()
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def create_staff_account(*, centre: Centre, by: User, name: str, mobile: str, role: str,
                         request=None) -> tuple[User, str]:
    """A new centre account for someone who has none yet, with access to this centre. It has
    no password: the returned one-time link (valid ACCOUNT_SETUP_DAYS) lets the person set
    their own; the manager passes it on."""
    from luhuituo.core.tokens import account_setup_path

    require_centre_manager(by, centre)
    mobile = normalise_mobile(mobile)
    if User.objects.filter(Q(mobile=mobile) | Q(username=mobile)).exists():
        raise MembershipError(_("An account with this mobile number already exists: add it "
                                "by its mobile number instead."), field="mobile")
    user = User(username=mobile, mobile=mobile, name=name.strip(),
                account_type=User.AccountType.CENTRE)
    user.set_unusable_password()
    user.save()
    membership = CentreMembership.objects.create(user=user, centre=centre, role=role)
    audit(Verb.MEMBER_ACCOUNT_CREATED, actor=by, target=membership, request=request,
          user=user.username, role=role)
    return user, account_setup_path(user)


def setup_link_for(*, membership: CentreMembership, by: User) -> str:
    """A fresh one-time link for a member who has not set a password yet."""
    from luhuituo.core.tokens import account_setup_path

    require_centre_manager(by, membership.centre)
    if membership.user.has_usable_password():
        raise MembershipError(_("%(name)s has already set a password.") % {
            "name": membership.user.get_full_name()})
    return account_setup_path(membership.user)
