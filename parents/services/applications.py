"""Applications for a place (入托申请).

A parent adds a child who is not yet at any centre, consenting online to the child privacy
rules (``add_applicant_child``), and applies for a place at up to ``MAX_OPEN_APPLICATIONS``
publicly listed centres at a time (``apply``). The centre decides: ``accept`` enrols the child
through ``supervision.services.children.enrol_child`` — every rule of enrolment applies (age
and class, places, start date, duplicates) and a refusal leaves the application as it was —
with the parent as the primary guardian, linked to their account; ``waitlist`` puts it on the
centre's waiting list (the parent sees the position); ``decline`` needs a reason. Accepting
closes the child's open applications at other centres (``closed``: placed elsewhere), in the
same transaction, so their queues and waiting lists no longer count them. The parent is
notified of each decision and may ``withdraw`` an open application."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require, require_status, transition
from registry.models import Centre, ClassGroup
from registry.rules import require_centre_member
from supervision.models import Child, GuardianConsent
from supervision.services.children import enrol_child

from ..models import ApplicantChild, Application

MAX_OPEN_APPLICATIONS = 3
S = Application.Status


def _require_parent(user: User) -> None:
    require(user.is_authenticated and user.is_parent,
            _("Only a parent account can apply for a place."))


@transaction.atomic
def add_applicant_child(*, parent: User, data: dict, request=None) -> ApplicantChild:
    """A child to apply for, with the parent's consent to the child privacy rules (``data``
    has ``consent``: True)."""
    _require_parent(parent)
    if not parent.mobile:
        raise DomainError(_("Your account has no mobile number, which the centre needs to "
                            "contact you. Create a parent account with your mobile number."))
    if data.get("consent") is not True:
        raise DomainError(_("A child can be added only with your consent to the child privacy "
                            "rules."), field="consent")
    if data["birth_date"] > timezone.localdate():
        raise DomainError(_("The date of birth cannot be in the future."), field="birth_date")
    child = ApplicantChild.objects.create(
        parent=parent, name=data["name"].strip(), sex=data["sex"],
        birth_date=data["birth_date"], relation=data["relation"],
        consent_rules_version=settings.CHILD_PRIVACY_RULES_VERSION)
    audit(Verb.APPLICANT_CHILD_ADDED, actor=parent, target=child, request=request,
          rules_version=child.consent_rules_version)
    return child


@transaction.atomic
def apply(*, parent: User, child: ApplicantChild, centre: Centre, preferred_start: date,
          service_form: str, request=None) -> Application:
    """An application for ``child`` (the parent's own) at ``centre`` (listed publicly)."""
    _require_parent(parent)
    child = lock(child)
    require(child.parent_id == parent.pk, _("You can apply only for your own child."))
    if not Centre.objects.listed_publicly().filter(pk=centre.pk).exists():
        raise DomainError(_("Applications are taken only by verified centres."), field="centre")
    if service_form not in Centre.ServiceForm.values:
        raise DomainError(_("Choose a care form."), field="service_form")
    if preferred_start < timezone.localdate():
        raise DomainError(_("The preferred start date cannot be in the past."),
                          field="preferred_start")
    applications = child.applications.all()
    if applications.filter(status=S.ACCEPTED).exists():
        raise DomainError(_("This child has already been accepted by a centre."))
    open_ones = applications.open()
    if open_ones.filter(centre=centre).exists():
        raise DomainError(_("This child already has an open application at this centre."),
                          field="centre")
    if open_ones.count() >= MAX_OPEN_APPLICATIONS:
        raise DomainError(_("A child can have at most %(n)d open applications; withdraw one "
                            "first.") % {"n": MAX_OPEN_APPLICATIONS}, field="centre")
    try:
        with transaction.atomic():
            application = Application.objects.create(
                child=child, centre=centre, preferred_start=preferred_start,
                service_form=service_form)
    except IntegrityError:
        raise DomainError(_("This child already has an open application at this centre."),
                          field="centre") from None
    audit(Verb.APPLICATION_SUBMITTED, actor=parent, target=application, request=request,
          centre=centre.pk, child=child.pk)
    return application


def waiting_position(application: Application) -> int | None:
    """1 for the first on the centre's waiting list; None when not waiting."""
    if application.status != S.WAITLISTED:
        return None
    ahead = Application.objects.filter(
        Q(waitlisted_at__lt=application.waitlisted_at)
        | Q(waitlisted_at=application.waitlisted_at, pk__lt=application.pk),
        centre_id=application.centre_id, status=S.WAITLISTED).count()
    return ahead + 1


def _tell_parent(application: Application, title: str) -> None:
    notify_later([application.child.parent], title, url=reverse("parents:application-list"))


def _decidable(application: Application, by: User, action) -> Application:
    require_centre_member(by, application.centre)
    application = lock(application, "child__parent", "centre")
    require_status(application, *Application.OPEN, action=action)
    return application


@transaction.atomic
def accept(application: Application, *, by: User, class_group: ClassGroup, started_on: date,
           request=None) -> Child:
    """Enrol the child (every rule of ``enrol_child``) and accept the application; the parent
    becomes the child's primary guardian, linked to their account."""
    application = _decidable(application, by, _("accepted"))
    child_data, parent = application.child, application.child.parent
    if class_group.centre_id != application.centre_id:
        raise DomainError(_("Choose one of this centre's classes."), field="class_group")
    child = enrol_child(
        application.centre, by=by,
        child_data={"name": child_data.name, "sex": child_data.sex,
                    "birth_date": child_data.birth_date},
        guardian_data={"name": parent.get_full_name(), "relation": child_data.relation,
                       "mobile": parent.mobile or ""},
        consent_method=GuardianConsent.Method.ONLINE, photo_consent=False,
        class_group=class_group, started_on=started_on,
        service_form=application.service_form, request=request)
    guardian = lock(child.guardians.get(is_primary=True))
    guardian.user = parent
    guardian.save(update_fields=["user"])
    application.enrolled_child = child
    application.decided_at, application.decided_by = timezone.now(), by
    transition(application, S.ACCEPTED, by=by, verb=Verb.APPLICATION_ACCEPTED, request=request,
               update_fields=["enrolled_child", "decided_at", "decided_by"], child=child.pk)
    _close_others(application, by=by, request=request)
    _tell_parent(application, _("%(centre)s accepted your application for %(child)s") % {
        "centre": application.centre.name, "child": child_data.name})
    return child


def _close_others(accepted: Application, *, by: User, request=None) -> None:
    """The child is placed: their other open applications close (in the caller's
    transaction), each with its audit event."""
    others = (Application.objects.open().filter(child_id=accepted.child_id)
              .exclude(pk=accepted.pk).order_by("pk").select_for_update())
    for other in others:
        transition(other, S.CLOSED, by=by, verb=Verb.APPLICATION_CLOSED, request=request,
                   update_fields=[], accepted=accepted.pk, placed_at=accepted.centre_id)


@transaction.atomic
def waitlist(application: Application, *, by: User, request=None) -> Application:
    application = _decidable(application, by, _("put on the waiting list"))
    require_status(application, S.SUBMITTED, action=_("put on the waiting list"))
    application.waitlisted_at = timezone.now()
    transition(application, S.WAITLISTED, by=by, verb=Verb.APPLICATION_WAITLISTED,
               request=request, update_fields=["waitlisted_at"])
    _tell_parent(application, _("%(centre)s put your application for %(child)s on its waiting "
                                "list") % {"centre": application.centre.name,
                                           "child": application.child.name})
    return application


@transaction.atomic
def decline(application: Application, *, by: User, reason: str, request=None) -> Application:
    application = _decidable(application, by, _("declined"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for declining."), field="reason")
    application.decline_reason = reason[:300]
    application.decided_at, application.decided_by = timezone.now(), by
    transition(application, S.DECLINED, by=by, verb=Verb.APPLICATION_DECLINED, request=request,
               update_fields=["decline_reason", "decided_at", "decided_by"])
    _tell_parent(application, _("%(centre)s declined your application for %(child)s") % {
        "centre": application.centre.name, "child": application.child.name})
    return application


@transaction.atomic
def withdraw(application: Application, *, by: User, request=None) -> Application:
    application = lock(application, "child")
    require(application.child.parent_id == by.pk,
            _("Only the parent who applied can withdraw the application."))
    require_status(application, *Application.OPEN, action=_("withdrawn"))
    transition(application, S.WITHDRAWN, by=by, verb=Verb.APPLICATION_WITHDRAWN,
               request=request)
    return application
