"""The centre's side of inspections and rectification orders, the permission-checked evidence
download, and the two documents (整改通知书, inspection report).

Centre pages are guarded by ``centre_member_required`` (non-members: 404) and fetch through the
centre; an unannounced inspection that has not started does not exist for the centre. Only the
centre's manager acknowledges and answers an order; staff read."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from luhuituo.core.audit import log_access
from luhuituo.core.permissions import get_visible_or_404
from registry.permissions import centre_member_required
from registry.uploads import check_upload

from ..forms.rectification import RectificationAnswerForm
from ..models import Finding, Inspection, RectificationEvidence, RectificationOrder
from ..services import inspections as svc
from ..services import rectification as rsvc

IS = Inspection.Status
OS = RectificationOrder.Status


@require_GET
@centre_member_required
def centre_inspections(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The centre's inspections (not the unannounced ones still planned), the findings once
    issued, and every rectification order."""
    centre = request.centre
    inspections = list(
        svc.inspections_visible_to(request.user).filter(centre=centre)
        .select_related("lead").prefetch_related("findings", "orders")
        .order_by("-planned_on", "-id"))
    for inspection in inspections:
        inspection.released = svc.findings_released(inspection)
    orders = list(centre.rectification_orders.select_related("inspection")
                  .order_by("status", "deadline", "-id"))
    order_rank = {OS.ISSUED: 0, OS.ACKNOWLEDGED: 1, OS.SUBMITTED: 2, OS.CLOSED: 3}
    orders.sort(key=lambda o: (order_rank[o.status], o.deadline))
    return render(request, "supervision/inspections/centre_inspections.html", {
        "centre": centre, "membership": request.membership, "inspections": inspections,
        "orders": orders, "today": timezone.localdate(),
    })


def _render_centre_order(request, order, *, form=None, status=200):
    released = order.inspection is None or svc.findings_released(order.inspection)
    return render(request, "supervision/inspections/centre_rectification.html", {
        "centre": request.centre, "membership": request.membership, "order": order,
        "findings": list(order.findings.select_related("item")) if released else [],
        "evidence": list(order.evidence.all()),
        "form": form or RectificationAnswerForm(initial={"response": order.response}),
        "can_answer": request.membership.is_manager
        and order.status in {OS.ISSUED, OS.ACKNOWLEDGED},
        "today": timezone.localdate(),
    }, status=status)


@require_http_methods(["GET", "POST"])
@centre_member_required
def centre_rectification(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    """One order: read it, acknowledge it, answer it with what was done and evidence."""
    order = get_object_or_404(
        request.centre.rectification_orders.select_related("inspection", "centre__region"),
        pk=pk)
    if request.method == "GET":
        return _render_centre_order(request, order)
    if not request.membership.is_manager:
        raise PermissionDenied
    action = request.POST.get("action")
    if action == "acknowledge":
        try:
            rsvc.acknowledge_order(order=order, by=request.user, request=request)
        except svc.InspectionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The order is acknowledged."))
        return redirect("supervision:centre-rectification", centre_id, order.pk)
    if action != "answer":
        return HttpResponse(status=400)
    form = RectificationAnswerForm(request.POST, request.FILES)
    if form.is_valid():
        files = []
        for uploaded in form.cleaned_data["files"]:
            try:
                files.append((uploaded, check_upload(uploaded)))
            except ValidationError as exc:
                form.add_error("files", ValidationError(
                    "%(name)s: %(error)s", params={"name": uploaded.name,
                                                   "error": " ".join(exc.messages)}))
        if form.is_valid():
            try:
                rsvc.submit_rectification(order=order, by=request.user,
                                          response=form.cleaned_data["response"], files=files,
                                          request=request)
            except svc.InspectionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your answer has been sent to the district health "
                                            "bureau."))
                return redirect("supervision:centre-rectification", centre_id, order.pk)
    return _render_centre_order(request, order, form=form, status=422)


@require_GET
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """An evidence file, to its centre's members and the regulators responsible — 404 for
    anyone else."""
    if not request.user.is_authenticated:
        raise Http404
    evidence = get_object_or_404(
        RectificationEvidence.objects.filter(
            order__in=RectificationOrder.objects.visible_to(request.user)), pk=pk)
    log_access(request, evidence, reason="rectification evidence")
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(evidence.original_name)}"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
    response["Cache-Control"] = "private, no-store"
    return response


# --- documents -----------------------------------------------------------------------------------


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_GET
def rectification_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """整改通知书, for the centre's members and the regulators responsible."""
    from luhuituo.core.pdf import render_pdf

    if not request.user.is_authenticated:
        raise Http404
    order = get_visible_or_404(
        RectificationOrder.objects.select_related("centre__region__parent", "inspection",
                                                  "issued_by"), request.user, pk=pk)
    content = render_pdf("pdf/rectification_order.html", {
        "order": order, "centre": order.centre,
        "findings": list(order.findings.select_related("item")),
        "printed_at": timezone.now(),
    })
    return _pdf_response(content, f"整改通知书-{order.number}.pdf")


@require_GET
def inspection_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """检查报告: the checklist answers and findings. The centre reads it once the inspection is
    visible to it, and its findings once they are issued; a regulator's copy before then is
    marked as a draft."""
    from luhuituo.core.pdf import render_pdf

    if not request.user.is_authenticated:
        raise Http404
    inspection = get_object_or_404(
        svc.inspections_visible_to(request.user).select_related("centre__region__parent",
                                                                "lead"), pk=pk)
    released = svc.findings_released(inspection)
    show_findings = released or request.user.is_regulator
    answers = list(inspection.answers.select_related("item__template")
                   .order_by("item__template__category", "item__template__code",
                             "item__number")) if show_findings else []
    findings: list[Finding] = (list(inspection.findings.select_related("item"))
                               if show_findings else [])
    content = render_pdf("pdf/inspection_report.html", {
        "inspection": inspection, "centre": inspection.centre, "answers": answers,
        "findings": findings, "draft": not released,
        "checklists": list(inspection.checklists.all()),
        "orders": list(inspection.orders.all()) if released else [],
        "printed_at": timezone.now(),
    })
    return _pdf_response(content, f"检查报告-{inspection.centre.name}-{inspection.planned_on}.pdf")
