"""Rectification orders: the regulator's side — the list (overdue first), an order's page
(verification), an order for a centre without an inspection — the centre's side — an order's
page (acknowledge, answer with evidence) — the permission-checked evidence download, and the
整改通知书 (PDF).

Regulator pages go through ``visible_to``: an order outside the regulator's districts is not
listed and 404 on its page. Centre pages are guarded by ``centre_member_required``
(non-members: 404) and fetch through the centre. Only the centre's manager acknowledges and
answers an order; staff read. Writes go through ``supervision.services.rectification``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import log_access
from luhuituo.core.exceptions import domain_errors, submit
from luhuituo.core.pdf import pdf_response
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.submissions import submit_once
from luhuituo.core.uploads import check_upload, file_response
from registry.models import Centre
from registry.permissions import centre_member_required
from registry.rules import can_decide

from ..forms.inspections import CentreQueryForm
from ..forms.rectification import (
    OrderForm,
    RectificationAnswerForm,
    RectificationFilterForm,
    VerifyForm,
)
from ..models import RectificationEvidence, RectificationOrder
from ..services import rectification as svc
from .inspections import _page

OS = RectificationOrder.Status


# --- the regulator's side ------------------------------------------------------------------------


ORDER_STATUS_FILTERS = {
    "open": Q(status__in=[OS.ISSUED, OS.ACKNOWLEDGED, OS.SUBMITTED]),
    "submitted": Q(status=OS.SUBMITTED),
    "closed": Q(status=OS.CLOSED),
}


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def rectification_list(request: HttpRequest) -> HttpResponse:
    """Orders in scope: overdue first, then those waiting for verification, then open ones."""
    filters = RectificationFilterForm(request.GET, user=request.user)
    shown = filters.value("status", "open")
    orders = svc.orders_for_list(request.user).select_related("centre__region")
    if shown == "overdue":
        orders = orders.overdue()
    elif shown != "all":
        orders = orders.filter(ORDER_STATUS_FILTERS[shown])
    if q := filters.value("q").strip():
        orders = orders.filter(Q(centre__name__icontains=q) | Q(number__icontains=q))
    if district := filters.value("district"):
        orders = orders.filter(centre__region__code=district)
    template = "supervision/inspections/rectification_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {
        "filters": filters, "page": _page(request, orders), "today": timezone.localdate(),
    })


def render_order(request, order: RectificationOrder, *, form=None, status=200):
    return render(request, "supervision/inspections/rectification_detail.html", {
        "order": order, "centre": order.centre,
        "findings": list(order.findings.select_related("item")),
        "evidence": list(order.evidence.all()),
        "can_decide": can_decide(request.user, order.centre),
        "form": form or VerifyForm(), "today": timezone.localdate(),
        "history": _order_history(order),
    }, status=status)


def _order_history(order: RectificationOrder):
    from luhuituo.core.models import AuditEvent

    return list(AuditEvent.objects.filter(
        target_type__model="rectificationorder", target_type__app_label="supervision",
        target_id=str(order.pk)).order_by("created_at", "id"))


@require_http_methods(["GET", "POST"])
@regulator_required
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_visible_or_404(
        RectificationOrder.objects.select_related("centre__region", "inspection", "issued_by",
                                                  "verified_by"),
        request.user, pk=pk)
    if request.method == "GET":
        return render_order(request, order)
    form = VerifyForm(request.POST)
    if submit(form, lambda data: svc.verify_order(
            order=order, by=request.user, close=data["decision"] == "close",
            note=data["note"], deadline=data["deadline"], request=request)).ok:
        messages.success(request, _("Order %(no)s is closed.") % {"no": order.number}
                         if form.cleaned_data["decision"] == "close" else
                         _("Order %(no)s is re-opened.") % {"no": order.number})
        return redirect("supervision:rectification-detail", order.pk)
    return render_order(request, order, form=form, status=422)


@require_http_methods(["GET", "POST"])
@regulator_required
def rectification_create(request: HttpRequest) -> HttpResponse:
    """An order for a centre without an inspection (after an alert, a complaint):
    ``?centre=<id>``."""
    centre_id = CentreQueryForm(request.GET).value("centre", None)
    if centre_id is None:
        return redirect("supervision:inspection-plan")
    centre = get_visible_or_404(Centre.objects.select_related("region"), request.user,
                                pk=centre_id)
    form = OrderForm(request.POST or None)
    status = 200
    if request.method == "POST":
        call = submit_once(request, form, lambda data: svc.issue_rectification_order(
            centre=centre, by=request.user, requirements=data["requirements"],
            deadline=data["deadline"], request=request),
            url=lambda order: reverse("supervision:rectification-detail", args=[order.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("Rectification order %(no)s is issued.") % {
                    "no": call.result.number})
            return redirect(call.url)
        status = 422
    return render(request, "supervision/inspections/rectification_create.html", {
        "centre": centre, "form": form, "can_decide": can_decide(request.user, centre),
    }, status=status)


# --- the centre's side ---------------------------------------------------------------------------


def _render_centre_order(request, order, *, form=None, status=200):
    released = order.inspection is None or order.inspection.findings_released
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
        with domain_errors(request=request) as call:
            svc.acknowledge_order(order=order, by=request.user, request=request)
        if call.ok:
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
        if submit(form, lambda data: svc.submit_rectification(
                order=order, by=request.user, response=data["response"], files=files,
                request=request)).ok:
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
    return file_response(evidence.file, content_type=evidence.content_type,
                         name=evidence.original_name)


# --- documents -----------------------------------------------------------------------------------


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
    return pdf_response(content, f"整改通知书-{order.number}.pdf")
