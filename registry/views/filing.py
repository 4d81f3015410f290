"""The centre's side of the filing: checklist and uploads, submission, rectification,
termination; the permission-checked material download and the receipt/notice PDFs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from luhuituo.core.audit import log_access
from luhuituo.core.exceptions import DomainError, domain_errors, submit
from luhuituo.core.pdf import pdf_response
from luhuituo.core.permissions import get_visible_or_404
from luhuituo.core.submissions import submit_once
from luhuituo.core.uploads import check_upload, file_response

from .. import receipts, services
from ..certificates import OPERATING, certificate_rows, renewable_kinds
from ..checks import preflight
from ..forms_filing import (
    CertificateRenewalForm,
    MaterialUploadForm,
    RectificationForm,
    SubmitForm,
    TerminationForm,
)
from ..history import filing_history
from ..models import Filing, FilingMaterial, required_material_kinds
from ..permissions import centre_member_required

S = Filing.Status
EDITABLE = Filing.EDITABLE_STATUSES
TERMINABLE = Filing.TERMINABLE_STATUSES
PREFLIGHT = EDITABLE | {Filing.Status.SUBMITTED}


def checklist(filing: Filing) -> list[dict]:
    """One row per required material with its latest upload (and that upload's verdict)."""
    current = {(m.kind, m.staff_id): m for m in filing.current_materials()}
    rows = []
    for kind, staff in required_material_kinds(filing.centre):
        material = current.get((kind, staff.pk if staff else None))
        rows.append({
            "kind": str(kind), "staff": staff, "material": material,
            "upload_key": f"{kind}-{staff.pk if staff else ''}",
            "label": FilingMaterial(kind=kind).kind_label,
            "done": material is not None
            and material.verdict != FilingMaterial.Verdict.RETURNED,
        })
    return rows


def render_filing(request, *, status=200, upload_form=None, upload_key=None,
                  termination_form=None, rectification_form=None, renewal_form=None,
                  renewal_kind=None):
    centre = request.centre
    filing = centre.filing
    rows = checklist(filing)
    operating = filing.status in OPERATING
    certificates = certificate_rows(filing) if operating else []
    context = {
        "centre": centre, "membership": request.membership, "filing": filing,
        "rows": rows, "done": sum(r["done"] for r in rows), "total": len(rows),
        "blockers": centre.filing_blockers() if filing.status in EDITABLE else [],
        "editable": filing.status in EDITABLE and request.membership.is_manager,
        "can_terminate": filing.status in TERMINABLE and request.membership.is_manager,
        "upload_form": upload_form, "upload_key": upload_key,
        "submit_form": SubmitForm(),
        "termination_form": termination_form or TerminationForm(),
        "rectification_form": rectification_form or RectificationForm(),
        "history": filing_history(filing),
        "due_provisional": filing.due_is_provisional(),
        # Before the bureau decides, the centre sees what the reviewer's check will flag.
        "findings": preflight(filing) if filing.status in PREFLIGHT else None,
        "verify_url": receipts.verification_url(filing, request) if filing.filing_no else "",
        "certificates": certificates,
        "can_renew": operating and request.membership.is_manager,
        "renewal_form": renewal_form, "renewal_kind": renewal_kind,
        # a renewal whose row is not on the page (not operating, unknown kind): errors on top
        "renewal_elsewhere": renewal_form is not None
        and renewal_kind not in {c["kind"] for c in certificates},
    }
    return render(request, "registry/centre/filing.html", context, status=status)


def _checked(uploaded):
    """``check_upload`` of an uploaded file; its refusal is an error on the form's file
    field."""
    try:
        return check_upload(uploaded)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="file") from None


@require_GET
@centre_member_required
def filing_detail(request: HttpRequest, centre_id: int) -> HttpResponse:
    return render_filing(request)


@require_POST
@centre_member_required(manager=True)
def material_upload(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    form = MaterialUploadForm(request.POST, request.FILES, centre=centre)
    key = f"{request.POST.get('kind', '')}-{request.POST.get('staff') or ''}"
    call = submit_once(request, form, lambda data: services.upload_material(
        filing=centre.filing, by=request.user, kind=data["kind"], staff=data["staff"],
        uploaded=data["file"], checked=_checked(data["file"]), issuer=data["issuer"],
        number=data["number"], valid_until=data["valid_until"], request=request),
        url=reverse("registry:filing-detail", args=[centre_id]))
    if call.ok:
        if not call.repeat:
            messages.success(request, _("Uploaded: %(name)s") % {
                "name": form.cleaned_data["file"].name})
        return redirect(call.url)
    return render_filing(request, status=422, upload_form=form, upload_key=key)


@require_POST
@centre_member_required(manager=True)
def certificate_renew(request: HttpRequest, centre_id: int) -> HttpResponse:
    """A renewed certificate (fire safety, food licence, health evaluation) while operating."""
    centre = request.centre
    filing = centre.filing
    form = CertificateRenewalForm(request.POST, request.FILES, kinds=renewable_kinds(centre))
    call = submit_once(request, form, lambda data: services.renew_certificate(
        filing=filing, by=request.user, kind=data["kind"], uploaded=data["file"],
        checked=_checked(data["file"]), issuer=data["issuer"], number=data["number"],
        valid_until=data["valid_until"], request=request),
        url=reverse("registry:filing-detail", args=[centre_id]))
    if call.ok:
        if not call.repeat:
            messages.success(request, _("Renewed: %(material)s. The district health bureau "
                                        "has been told.") % {
                                            "material": call.result.kind_label})
        return redirect(call.url)
    return render_filing(request, status=422, renewal_form=form,
                         renewal_kind=request.POST.get("kind", ""))


@require_POST
@centre_member_required(manager=True)
def filing_submit(request: HttpRequest, centre_id: int) -> HttpResponse:
    form = SubmitForm(request.POST)
    commitment = form.is_valid() and form.cleaned_data["commitment"]
    with domain_errors(request=request) as call:
        services.submit_filing(filing=request.centre.filing, by=request.user,
                               commitment=commitment, request=request)
    if not call.ok:
        return render_filing(request, status=422)
    messages.success(request, _("Your filing has been submitted to the district health "
                                "bureau. It must issue a receipt within 5 working days."))
    return redirect("registry:filing-detail", centre_id)


@require_POST
@centre_member_required(manager=True)
def filing_rectification(request: HttpRequest, centre_id: int) -> HttpResponse:
    form = RectificationForm(request.POST)
    if submit(form, lambda data: services.submit_rectification(
            filing=request.centre.filing, by=request.user, note=data["note"],
            request=request)).ok:
        messages.success(request, _("Your rectification report has been sent."))
        return redirect("registry:filing-detail", centre_id)
    return render_filing(request, status=422, rectification_form=form)


@require_POST
@centre_member_required(manager=True)
def filing_termination(request: HttpRequest, centre_id: int) -> HttpResponse:
    form = TerminationForm(request.POST)
    if submit(form, lambda data: services.request_termination(
            filing=request.centre.filing, by=request.user, request=request, **data)).ok:
        messages.success(request, _("Your termination request has been sent to the "
                                    "district health bureau."))
        return redirect("registry:filing-detail", centre_id)
    return render_filing(request, status=422, termination_form=form)


@require_GET
def material_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A material, to its centre's members and the regulators responsible — 404 for anyone
    else. Shown inline (framed by the review page, same origin only)."""
    if not request.user.is_authenticated:
        raise Http404
    material = get_visible_or_404(FilingMaterial, request.user, pk=pk)
    log_access(request, material, reason="filing material")
    return file_response(material.file, content_type=material.content_type,
                         name=material.original_name)


def _filing_for_document(request, centre_id: int) -> Filing:
    if not request.user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Filing.objects.visible_to(request.user).select_related("centre__region"),
        centre_id=centre_id,
    )


@require_GET
def receipt_pdf(request: HttpRequest, centre_id: int) -> HttpResponse:
    """备案回执, for the centre's members and the responsible regulators."""
    filing = _filing_for_document(request, centre_id)
    if not filing.filing_no:
        raise Http404
    return pdf_response(receipts.receipt_pdf(filing, request),
                         f"备案回执-{filing.filing_no}.pdf")


@require_GET
def notice_pdf(request: HttpRequest, centre_id: int) -> HttpResponse:
    """不符合要求告知书, once the filing has been found non-conforming."""
    filing = _filing_for_document(request, centre_id)
    if not filing.nonconforming_at:
        raise Http404
    return pdf_response(receipts.notice_pdf(filing, request),
                         f"告知书-{filing.filing_no or filing.centre.name}.pdf")
