"""The filing workflow (docs/rules/filing.md#filing-workflow): one function per transition.

Every function takes keyword arguments with an explicit actor (``by``), locks the filing row,
refuses an actor without the right with ``NotPermitted`` and an illegal transition with
``FilingError`` (a message for the user), records an AuditEvent, and notifies the other side
after the commit (``luhuituo.core.workflow`` / ``notify``).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import Notification, User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workdays import deadline
from luhuituo.core.workflow import lock, require_status, transition

from . import inclusive
from .certificates import OPERATING, renewable_kinds
from .checks import preflight
from .models import (
    Centre,
    Filing,
    FilingMaterial,
    FilingNumberSequence,
    required_material_kinds,
)
from .rules import centre_managers, require_centre_manager, require_decider, responsible_regulators

S = Filing.Status


class FilingError(DomainError):
    """A filing step that is not allowed now, with the reason for the user."""


def _label(status: str) -> str:
    return str(S(status).label)


def _review_url(filing: Filing) -> str:
    return reverse("registry:review", args=[filing.centre_id])


def _centre_url(filing: Filing) -> str:
    return reverse("registry:filing-detail", args=[filing.centre_id])


# --- checks ------------------------------------------------------------------------------------


def missing_materials(filing: Filing) -> list[str]:
    """Required materials with no upload, or whose latest upload was returned."""
    current = {(m.kind, m.staff_id): m for m in filing.current_materials()}
    problems = []
    for kind, staff in required_material_kinds(filing.centre):
        material = current.get((kind, staff.pk if staff else None))
        label = FilingMaterial(kind=kind).kind_label
        if staff is not None:
            label = f"{label}（{staff.name}）"
        if material is None:
            problems.append(_("Upload: %(material)s.") % {"material": label})
        elif material.verdict == FilingMaterial.Verdict.RETURNED:
            problems.append(_("Replace the returned material: %(material)s.") % {
                "material": label})
    return problems


def submission_blockers(filing: Filing) -> list[str]:
    return [*filing.centre.filing_blockers(), *missing_materials(filing)]


def next_filing_number(centre: Centre, year: int) -> str:
    """Region code + year + a sequence per district and year: 510502-2026-0001."""
    sequence, _created = FilingNumberSequence.objects.select_for_update().get_or_create(
        region_id=centre.region_id, year=year
    )
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{centre.region.code}-{year}-{sequence.last:04d}"


def recount_deadlines(*, year: int, **_signal) -> int:
    """Count again the running deadlines whose clock runs into ``year``, once its working-day
    calendar has been entered (they were counted Monday to Friday). Returns how many changed."""
    from datetime import datetime, time

    from luhuituo.core.workdays import CHINA_TZ

    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=CHINA_TZ)
    end = datetime.combine(date(year, 12, 31), time.max, tzinfo=CHINA_TZ)
    changed = 0
    clocks = [
        ([S.SUBMITTED], "submitted_at", "receipt_due", settings.FILING_RECEIPT_WORKING_DAYS),
        ([S.FILED, S.UNDER_VERIFICATION], "filed_at", "notice_due",
         settings.FILING_NOTICE_WORKING_DAYS),
    ]
    for statuses, started, due, days in clocks:
        filings = Filing.objects.select_for_update().filter(
            status__in=statuses, **{f"{started}__lte": end, f"{due}__gte": start})
        for filing in filings:
            new_due = deadline(getattr(filing, started), days)
            if new_due != getattr(filing, due):
                setattr(filing, due, new_due)
                filing.save(update_fields=[due])
                changed += 1
    return changed


# --- transitions: the centre's side -------------------------------------------------------------


@transaction.atomic
def submit_filing(*, filing: Filing, by: User, commitment: bool, request=None) -> Filing:
    """Draft or returned → submitted. The manager signs the commitment letter (备案承诺书);
    the 5-working-day receipt clock starts (备案办法 Art 9)."""
    filing = lock(filing, "centre__region")
    require_centre_manager(by, filing.centre)
    require_status(filing, S.DRAFT, S.RETURNED, error=FilingError, action=gettext_lazy("submitted"))
    if not commitment:
        raise FilingError(_("Read and sign the commitment letter before submitting."))
    blockers = submission_blockers(filing)
    if blockers:
        raise FilingError(" ".join([_("The filing is not complete yet."), *blockers]))
    now = timezone.now()
    resubmission = filing.status == S.RETURNED
    filing.commitment_signed_at = now
    filing.commitment_signed_by = by
    filing.submitted_at = now
    filing.first_submitted_at = filing.first_submitted_at or now
    filing.receipt_due = deadline(now, settings.FILING_RECEIPT_WORKING_DAYS)
    transition(filing, S.SUBMITTED, by=by, request=request,
                verb=Verb.FILING_RESUBMITTED if resubmission else Verb.FILING_SUBMITTED)
    title = (_("Filing resubmitted: %(centre)s") if resubmission
             else _("New filing: %(centre)s")) % {"centre": filing.centre.name}
    notify_later(responsible_regulators(filing.centre), title, url=_review_url(filing))
    return filing


@transaction.atomic
def submit_rectification(*, filing: Filing, by: User, note: str, request=None) -> Filing:
    """Non-conforming → rectifying: the centre reports what it has corrected."""
    filing = lock(filing, "centre__region")
    require_centre_manager(by, filing.centre)
    require_status(filing, S.NONCONFORMING, error=FilingError,
                   action=gettext_lazy("reported as rectified"))
    if not note.strip():
        raise FilingError(_("Describe what has been rectified."))
    filing.rectification_submitted_at = timezone.now()
    transition(filing, S.RECTIFYING, by=by, request=request, verb=Verb.FILING_RECTIFICATION,
                note=note)
    notify_later(responsible_regulators(filing.centre),
                  _("Rectification reported: %(centre)s") % {"centre": filing.centre.name},
                  url=_review_url(filing), body=note)
    return filing


@transaction.atomic
def request_termination(*, filing: Filing, by: User, reason: str, children_settled: str,
                        staff_settled: str, fees_refunded: str, request=None) -> Filing:
    """Any live filing → terminating (管理规范 Art 7): children, staff and prepaid fees must
    be settled first, and said how."""
    filing = lock(filing, "centre__region")
    require_centre_manager(by, filing.centre)
    require_status(filing, S.SUBMITTED, S.RETURNED, S.FILED, S.UNDER_VERIFICATION, S.VERIFIED,
                    S.NONCONFORMING, S.RECTIFYING, S.SUSPENDED,
                    error=FilingError, action=gettext_lazy("terminated"))
    if not all(text.strip() for text in (reason, children_settled, staff_settled, fees_refunded)):
        raise FilingError(_("Give the reason and say how the children, the staff and prepaid "
                            "fees were settled."))
    filing.termination_requested_at = timezone.now()
    filing.termination_reason = reason
    filing.children_settled = children_settled
    filing.staff_settled = staff_settled
    filing.fees_refunded = fees_refunded
    transition(filing, S.TERMINATING, by=by, request=request, verb=Verb.FILING_TERMINATION,
                reason=reason)
    notify_later(responsible_regulators(filing.centre),
                  _("Termination requested: %(centre)s") % {"centre": filing.centre.name},
                  url=_review_url(filing), body=reason, level=Notification.Level.WARNING)
    return filing


# --- transitions: the regulator's side ----------------------------------------------------------


@transaction.atomic
def return_filing(*, filing: Filing, by: User, reasons: dict[int, str], note: str = "",
                  request=None) -> Filing:
    """Submitted → returned for correction, with a reason per material (退回补正)."""
    filing = lock(filing, "centre__region")
    require_decider(by, filing.centre)
    require_status(filing, S.SUBMITTED, error=FilingError, action=gettext_lazy("returned"))
    reasons = {int(k): v.strip() for k, v in reasons.items() if v and v.strip()}
    if not reasons and not note.strip():
        raise FilingError(_("Say what must be corrected: a reason for at least one material, "
                            "or a general note."))
    current = {m.pk: m for m in filing.current_materials()}
    unknown = set(reasons) - set(current)
    if unknown:
        raise FilingError(_("A returned material is not part of this filing's current "
                            "materials."))
    now = timezone.now()
    for material_id, reason in reasons.items():
        material = current[material_id]
        material.verdict = FilingMaterial.Verdict.RETURNED
        material.return_reason = reason
        material.reviewed_by, material.reviewed_at = by, now
        material.save(update_fields=["verdict", "return_reason", "reviewed_by", "reviewed_at"])
    filing.returned_at = now
    filing.reviewer = by
    transition(filing, S.RETURNED, by=by, request=request, verb=Verb.FILING_RETURNED, note=note,
                reasons=[{"kind": current[k].kind,
                          "staff": current[k].staff.name if current[k].staff else "",
                          "reason": v} for k, v in reasons.items()])
    body = "\n".join([note, *(f"{current[k].kind_label}：{v}" for k, v in reasons.items())])
    notify_later(centre_managers(filing.centre),
                  _("Filing returned for correction: %(centre)s") % {
                      "centre": filing.centre.name},
                  url=_centre_url(filing), body=body.strip(), level=Notification.Level.WARNING)
    return filing


@transaction.atomic
def accept_filing(*, filing: Filing, by: User, findings_reason: str = "",
                  request=None) -> Filing:
    """Submitted → filed: the filing number is issued with the receipt (备案回执), and the
    15-working-day clock for a non-conformity notice starts.

    The pre-flight check (``registry.checks.preflight``) runs again here: with open findings
    the reviewer must give ``findings_reason``, which the audit event records with the
    findings."""
    filing = lock(filing, "centre__region")
    require_decider(by, filing.centre)
    require_status(filing, S.SUBMITTED, error=FilingError, action=gettext_lazy("accepted"))
    current = filing.current_materials()
    if any(m.verdict == FilingMaterial.Verdict.RETURNED for m in current):
        raise FilingError(_("Some materials are marked for correction: return the filing "
                            "instead, or accept those materials first."))
    missing = missing_materials(filing)
    if missing:
        raise FilingError(" ".join(missing))
    findings = preflight(filing)
    findings_reason = findings_reason.strip()
    if findings and not findings_reason:
        raise FilingError(_(
            "The platform's check found %(n)d open findings: confirm that you accept the "
            "filing despite them and give the reason.") % {"n": len(findings)},
            field="findings_reason")
    overridden = {"findings": [f.as_audit() for f in findings],
                  "findings_reason": findings_reason} if findings else {}
    now = timezone.now()
    FilingMaterial.objects.filter(
        pk__in=[m.pk for m in current if m.verdict == FilingMaterial.Verdict.PENDING]
    ).update(verdict=FilingMaterial.Verdict.ACCEPTED, reviewed_by=by, reviewed_at=now)
    filing.filing_no = filing.filing_no or next_filing_number(
        filing.centre, timezone.localdate(now).year)
    filing.filed_at = now
    filing.notice_due = deadline(now, settings.FILING_NOTICE_WORKING_DAYS)
    filing.reviewer = by
    transition(filing, S.FILED, by=by, request=request, verb=Verb.FILING_ACCEPTED,
                filing_no=filing.filing_no, **overridden)
    notify_later(centre_managers(filing.centre),
                  _("Filed: %(centre)s, filing number %(no)s") % {
                      "centre": filing.centre.name, "no": filing.filing_no},
                  url=_centre_url(filing))
    return filing


@transaction.atomic
def start_verification(*, filing: Filing, by: User, request=None) -> Filing:
    """Filed → under verification (情况核实: desk review and on-site visit)."""
    filing = lock(filing, "centre__region")
    require_decider(by, filing.centre)
    require_status(filing, S.FILED, error=FilingError,
                   action=gettext_lazy("put under verification"))
    filing.verification_started_at = timezone.now()
    transition(filing, S.UNDER_VERIFICATION, by=by, request=request,
                verb=Verb.FILING_VERIFICATION_STARTED)
    notify_later(centre_managers(filing.centre),
                  _("Verification started: %(centre)s") % {"centre": filing.centre.name},
                  url=_centre_url(filing))
    return filing


@transaction.atomic
def verify_filing(*, filing: Filing, by: User, note: str = "", request=None) -> Filing:
    """Under verification or rectifying → verified: the centre is listed publicly."""
    filing = lock(filing, "centre__region")
    require_decider(by, filing.centre)
    require_status(filing, S.UNDER_VERIFICATION, S.RECTIFYING,
                    error=FilingError, action=gettext_lazy("verified"))
    filing.verified_at = timezone.now()
    transition(filing, S.VERIFIED, by=by, request=request, verb=Verb.FILING_VERIFIED, note=note)
    notify_later(centre_managers(filing.centre),
                  _("Verified and listed publicly: %(centre)s") % {"centre": filing.centre.name},
                  url=_centre_url(filing))
    return filing


@transaction.atomic
def find_nonconforming(*, filing: Filing, by: User, notice: str, request=None) -> Filing:
    """Under verification or rectifying → non-conforming, with a notice that is also
    disclosed publicly (备案办法 Art 9)."""
    filing = lock(filing, "centre__region")
    require_decider(by, filing.centre)
    require_status(filing, S.UNDER_VERIFICATION, S.RECTIFYING,
                    error=FilingError, action=gettext_lazy("found non-conforming"))
    if not notice.strip():
        raise FilingError(_("Write the non-conformity notice: what does not meet the rules."))
    filing.nonconforming_at = timezone.now()
    filing.nonconformity_notice = notice
    transition(filing, S.NONCONFORMING, by=by, request=request, verb=Verb.FILING_NONCONFORMING,
                notice=notice)
    notify_later(centre_managers(filing.centre),
                  _("Non-conformity notice: %(centre)s") % {"centre": filing.centre.name},
                  url=_centre_url(filing), body=notice, level=Notification.Level.DANGER)
    return filing


@transaction.atomic
def suspend_filing(*, filing: Filing, by: User, reason: str, request=None) -> Filing:
    """Filed or verified → suspended (暂停/停业整顿, local practice)."""
    filing = lock(filing, "centre__region")
    require_decider(by, filing.centre)
    require_status(filing, S.FILED, S.VERIFIED, error=FilingError, action=gettext_lazy("suspended"))
    if not reason.strip():
        raise FilingError(_("Give the reason for the suspension."))
    filing.suspended_at = timezone.now()
    filing.suspension_reason = reason
    transition(filing, S.SUSPENDED, by=by, request=request, verb=Verb.FILING_SUSPENDED,
                reason=reason)
    notify_later(centre_managers(filing.centre),
                  _("Suspended: %(centre)s") % {"centre": filing.centre.name},
                  url=_centre_url(filing), body=reason, level=Notification.Level.DANGER)
    return filing


@transaction.atomic
def lift_suspension(*, filing: Filing, by: User, note: str = "", request=None) -> Filing:
    """Suspended → verified."""
    filing = lock(filing, "centre__region")
    require_decider(by, filing.centre)
    require_status(filing, S.SUSPENDED, error=FilingError, action=gettext_lazy("reinstated"))
    filing.verified_at = filing.verified_at or timezone.now()
    transition(filing, S.VERIFIED, by=by, request=request, verb=Verb.FILING_SUSPENSION_LIFTED,
                note=note)
    notify_later(centre_managers(filing.centre),
                  _("Suspension lifted: %(centre)s") % {"centre": filing.centre.name},
                  url=_centre_url(filing))
    return filing


@transaction.atomic
def deregister_filing(*, filing: Filing, by: User, note: str = "", request=None) -> Filing:
    """Terminating → deregistered (注销备案): terminal."""
    filing = lock(filing, "centre__region")
    require_decider(by, filing.centre)
    require_status(filing, S.TERMINATING, error=FilingError, action=gettext_lazy("deregistered"))
    filing.deregistered_at = timezone.now()
    transition(filing, S.DEREGISTERED, by=by, request=request, verb=Verb.FILING_DEREGISTERED,
                note=note)
    inclusive.end_with_filing(centre=filing.centre, by=by, request=request)
    notify_later(centre_managers(filing.centre),
                  _("Filing deregistered: %(centre)s") % {"centre": filing.centre.name},
                  url=_centre_url(filing))
    return filing


# --- materials -------------------------------------------------------------------------------


@transaction.atomic
def upload_material(*, filing: Filing, by: User, kind: str, uploaded, checked, staff=None,
                    issuer: str = "", number: str = "", valid_until=None,
                    request=None) -> FilingMaterial:
    """Add (or replace) one material while the centre may still change its filing."""
    filing = lock(filing, "centre__region")
    require_centre_manager(by, filing.centre)
    require_status(filing, S.DRAFT, S.RETURNED, error=FilingError, action=gettext_lazy("changed"))
    valid_kinds = {k for k, _s in required_material_kinds(filing.centre)} | {"other"}
    if kind not in valid_kinds:
        raise FilingError(_("This material is not part of this centre's checklist."))
    if staff is not None and staff.centre_id != filing.centre_id:
        raise FilingError(_("This staff member does not work at this centre."))
    material = FilingMaterial(
        filing=filing, kind=kind, staff=staff, original_name=uploaded.name[:200],
        content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
        issuer=issuer, number=number, valid_until=valid_until, uploaded_by=by,
    )
    material.file.save(uploaded.name, checked.file, save=False)
    material.save()
    audit(Verb.FILING_MATERIAL_UPLOADED, actor=by, target=filing, request=request,
          kind=material.kind, staff=staff.name if staff else "", file=material.original_name)
    return material


# --- certificates kept valid after filing (registry.certificates) -----------------------------


@transaction.atomic
def renew_certificate(*, filing: Filing, by: User, kind: str, uploaded, checked, issuer: str,
                      number: str, valid_until, request=None) -> FilingMaterial:
    """An operating centre uploads a renewed certificate (fire safety, food business licence,
    health evaluation): a new version of the material, pending the bureau's review — the
    previous one stays as history. ``checked`` comes from ``luhuituo.core.uploads.check_upload``
    (its file is what is stored)."""
    filing = lock(filing, "centre__region")
    require_centre_manager(by, filing.centre)
    if filing.status not in OPERATING:
        raise FilingError(_("Certificates can be renewed only while the centre is filed and "
                            "operating; this filing is “%(status)s”.") % {
                                "status": _label(filing.status)})
    if kind not in renewable_kinds(filing.centre):
        raise FilingError(_("This certificate cannot be renewed here."))
    if not (issuer or "").strip():
        raise FilingError(_("Say who issued the new certificate."))
    if valid_until is None:
        raise FilingError(_("Give the date until which the new certificate is valid."))
    if valid_until <= timezone.localdate():
        raise FilingError(_("The new certificate must still be valid after today."))
    previous = (filing.materials.filter(kind=kind, staff__isnull=True)
                .order_by("-uploaded_at", "-id").first())
    material = FilingMaterial(
        filing=filing, kind=kind, original_name=uploaded.name[:200],
        content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
        issuer=issuer.strip(), number=(number or "").strip(), valid_until=valid_until,
        uploaded_by=by,
    )
    material.file.save(uploaded.name, checked.file, save=False)
    material.save()
    audit(Verb.CERTIFICATE_RENEWED, actor=by, target=filing, request=request, kind=kind,
          file=material.original_name, material=material.pk, number=material.number,
          valid_until=valid_until.isoformat(),
          previous_valid_until=(previous.valid_until.isoformat()
                                if previous and previous.valid_until else ""))
    notify_later(responsible_regulators(filing.centre),
                  _("Certificate renewed: %(centre)s — %(material)s") % {
                      "centre": filing.centre.name, "material": material.kind_label},
                  url=reverse("registry:centre-detail", args=[filing.centre_id]),
                  body=_("Valid until %(date)s.") % {
                      "date": date_format(valid_until, "DATE_FORMAT")})
    return material


@transaction.atomic
def review_certificate(*, material: FilingMaterial, by: User, verdict: str, reason: str = "",
                       request=None) -> FilingMaterial:
    """The bureau accepts a renewed certificate or returns it with what to correct. Only the
    latest, not yet reviewed version of a renewable certificate, outside any change filing
    (those are decided with the change)."""
    filing = lock(material.filing, "centre__region")
    require_decider(by, filing.centre)
    require_status(filing, *OPERATING, error=FilingError, action=gettext_lazy("reviewed"))
    material = FilingMaterial.objects.select_for_update().get(pk=material.pk)
    if (material.kind not in settings.RENEWABLE_MATERIALS or material.staff_id
            or material.change_id):
        raise FilingError(_("This material is not a renewed certificate."))
    latest = (filing.materials.filter(kind=material.kind, staff__isnull=True)
              .order_by("-uploaded_at", "-id").values_list("pk", flat=True).first())
    if latest != material.pk:
        raise FilingError(_("A newer version of this certificate has been uploaded since."))
    if material.verdict != FilingMaterial.Verdict.PENDING:
        raise FilingError(_("This certificate has already been reviewed."))
    if verdict not in (FilingMaterial.Verdict.ACCEPTED, FilingMaterial.Verdict.RETURNED):
        raise FilingError(_("Accept the certificate or return it."))
    reason = (reason or "").strip()
    if verdict == FilingMaterial.Verdict.RETURNED and not reason:
        raise FilingError(_("Say what must be corrected."))
    material.verdict = verdict
    material.return_reason = reason if verdict == FilingMaterial.Verdict.RETURNED else ""
    material.reviewed_by, material.reviewed_at = by, timezone.now()
    material.save(update_fields=["verdict", "return_reason", "reviewed_by", "reviewed_at"])
    returned = verdict == FilingMaterial.Verdict.RETURNED
    audit(Verb.CERTIFICATE_RETURNED if returned else Verb.CERTIFICATE_ACCEPTED, actor=by,
          target=filing, request=request, kind=material.kind, file=material.original_name,
          material=material.pk, reason=material.return_reason)
    title = (_("Certificate returned: %(material)s") if returned
             else _("Certificate accepted: %(material)s")) % {"material": material.kind_label}
    notify_later(centre_managers(filing.centre), title, url=_centre_url(filing), body=reason,
                  level=Notification.Level.WARNING if returned else Notification.Level.INFO)
    return material


def filings_for_queue(user):
    """The regulator's queue: filings waiting for the bureau, overdue first."""
    waiting = Q(status=S.SUBMITTED) | Q(status=S.RECTIFYING) | Q(status=S.TERMINATING) | Q(
        status__in=[S.FILED, S.UNDER_VERIFICATION])
    return Filing.objects.visible_to(user).filter(waiting)
