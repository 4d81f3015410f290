"""Inspections: the regulator's side — the plan list (centres by risk score), the inspection
list and page (checklists, findings, transitions, an order for the findings) — the centre's list
of its inspections, and the inspection report (PDF). Everything goes through ``visible_to``: an
object outside the user's districts or centres is not listed and 404 on its page; an
unannounced inspection that has not started does not exist for the centre. Writes go through
``supervision.services.inspections`` (and ``.rectification`` for an order)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import audit
from luhuituo.core.dates import export_filename
from luhuituo.core.exceptions import domain_errors, submit
from luhuituo.core.exports import csv_response
from luhuituo.core.pdf import pdf_response
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.submissions import submit_once
from registry.models import Centre
from registry.permissions import centre_member_required
from registry.rules import can_decide

from ..forms.inspections import (
    AnswersForm,
    CloseForm,
    FindingForm,
    InspectionFilterForm,
    PlanFilterForm,
    PlanForm,
    SummaryForm,
)
from ..forms.rectification import OrderForm
from ..models import ChecklistItem, Finding, Inspection, RectificationOrder
from ..rules import can_inspect
from ..services import inspections as svc
from ..services import rectification as rsvc

PER_PAGE = 25
IS = Inspection.Status
OS = RectificationOrder.Status


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


# --- plan --------------------------------------------------------------------------------------


def plan_queryset(user, filters: PlanFilterForm):
    last_visit = (Inspection.objects.filter(centre=OuterRef("pk"))
                  .exclude(status=IS.PLANNED).order_by("-planned_on").values("planned_on")[:1])
    next_visit = (Inspection.objects.filter(centre=OuterRef("pk"), status=IS.PLANNED)
                  .order_by("planned_on").values("planned_on")[:1])
    centres = svc.with_risk(Centre.objects.visible_to(user).select_related("region")).annotate(
        last_inspected=Subquery(last_visit), next_planned=Subquery(next_visit))
    if q := filters.value("q").strip():
        centres = centres.filter(name__icontains=q)
    if district := filters.value("district"):
        centres = centres.filter(region__code=district)
    if kind := filters.value("kind"):
        centres = centres.filter(kind=kind)
    return centres.order_by("-risk_score", "name", "id")


@require_http_methods(["GET", "POST"])
@regulator_required
@vary_on_headers("HX-Request")
def inspection_plan(request: HttpRequest) -> HttpResponse:
    """Centres in scope, riskiest first, with the parts of each score; a form to plan an
    inspection of the centre chosen (``?centre=<id>``)."""
    filters = PlanFilterForm(request.GET, user=request.user)
    filters.is_valid()
    form = None
    chosen = None
    status = 200
    if request.method == "POST":
        form = PlanForm(request.POST, user=request.user)
        call = submit_once(request, form, lambda data: svc.plan_inspection(
            centre=data["centre"], by=request.user, kind=data["kind"],
            planned_on=data["planned_on"], checklists=data["checklists"],
            inspectors=data["inspectors"], request=request),
            url=lambda inspection: reverse("supervision:inspection-detail",
                                           args=[inspection.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("Inspection planned: %(centre)s") % {
                    "centre": call.result.centre.name})
            return redirect(call.url)
        chosen = form.cleaned_data.get("centre") if hasattr(form, "cleaned_data") else None
        status = 422
    elif centre_id := filters.value("centre", None):
        chosen = get_visible_or_404(Centre.objects.select_related("region"), request.user,
                                    pk=centre_id)
        form = PlanForm(user=request.user, initial={
            "centre": chosen.pk, "planned_on": timezone.localdate(),
            "checklists": list(svc.active_checklists()), "kind": Inspection.Kind.ROUTINE})
    page = _page(request, plan_queryset(request.user, filters))
    template = "supervision/inspections/plan.html"
    if request.htmx and request.method == "GET" and not form:
        template += "#results"
    return render(request, template, {
        "filters": filters, "page": page, "form": form, "chosen": chosen,
        "weights": settings.RISK_WEIGHTS,
    }, status=status)


# --- list --------------------------------------------------------------------------------------


def filtered_inspections(user, filters: InspectionFilterForm):
    inspections = (Inspection.objects.visible_to(user)
                   .select_related("centre__region", "lead")
                   .annotate(finding_count=Count("findings", distinct=True),
                             order_count=Count("orders", distinct=True)))
    if q := filters.value("q").strip():
        inspections = inspections.filter(centre__name__icontains=q)
    if status := filters.value("status"):
        inspections = inspections.filter(status=status)
    if kind := filters.value("kind"):
        inspections = inspections.filter(kind=kind)
    if district := filters.value("district"):
        inspections = inspections.filter(centre__region__code=district)
    if date_from := filters.value("date_from"):
        inspections = inspections.filter(planned_on__gte=date_from)
    if date_to := filters.value("date_to"):
        inspections = inspections.filter(planned_on__lte=date_to)
    return inspections.order_by("-planned_on", "-id")


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def inspection_list(request: HttpRequest) -> HttpResponse:
    filters = InspectionFilterForm(request.GET, user=request.user)
    filters.is_valid()
    inspections = filtered_inspections(request.user, filters)
    if filters.value("format") == "csv":
        return _inspections_csv(request, inspections)
    template = "supervision/inspections/list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"filters": filters, "page": _page(request, inspections)})


def _inspections_csv(request, inspections) -> HttpResponse:
    response, count = csv_response(
        [_("Centre"), _("District/county"), pgettext("inspection", "Kind"), _("Planned for"),
         _("Status"), _("Lead inspector"), _("Findings"), _("Rectification orders"),
         _("Risk score when planned")],
        ([i.centre.name, i.centre.region.name, i.get_kind_display(), i.planned_on,
          i.get_status_display(), i.lead.get_full_name(), i.finding_count, i.order_count,
          i.risk_score] for i in inspections.iterator(chunk_size=500)),
        export_filename(_("Inspections"), "csv"))
    audit("inspections_exported", actor=request.user, request=request, rows=count,
          query=request.GET.urlencode())
    return response


# --- one inspection ------------------------------------------------------------------------------


def _inspection(request, pk: int) -> Inspection:
    return get_visible_or_404(Inspection.objects.select_related("centre__region", "lead"),
                              request.user, pk=pk)


def _checklist_rows(inspection: Inspection):
    items = list(ChecklistItem.objects.filter(template__in=inspection.checklists.all())
                 .select_related("template").order_by("template__category", "template__code",
                                                      "number"))
    answers = {a.item_id: a for a in inspection.answers.select_related("item")}
    return items, answers


def render_inspection(request, inspection: Inspection, *, status: int = 200, **forms):
    items, answers = _checklist_rows(inspection)
    findings = list(inspection.findings.select_related("item__template").prefetch_related(
        "orders"))
    decider = can_decide(request.user, inspection.centre)
    inspector = can_inspect(request.user, inspection.centre)
    answers_form = forms.get("answers_form") or AnswersForm(
        items=items, answers=answers,
        finding_items={f.item_id for f in findings if f.item_id})
    context = {
        "inspection": inspection, "centre": inspection.centre,
        "checklists": list(inspection.checklists.all()),
        "answers_form": answers_form, "answers": answers,
        "findings": findings,
        "orders": list(inspection.orders.order_by("issued_at", "id")),
        "complaints": list(inspection.complaints.all()),
        "can_decide": decider, "can_inspect": inspector,
        "finding_form": forms.get("finding_form") or FindingForm(),
        "summary_form": forms.get("summary_form") or SummaryForm(
            initial={"summary": inspection.summary}),
        "close_form": forms.get("close_form") or CloseForm(),
        "order_form": forms.get("order_form") or OrderForm(inspection=inspection, initial={
            "findings": [f.pk for f in findings if not f.orders.all()]}),
        "serious_open": svc.unordered_serious_findings(inspection).exists(),
        "action_error": forms.get("action_error"),
        "today": timezone.localdate(),
    }
    return render(request, "supervision/inspections/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@regulator_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _inspection(request, pk)
    if request.method == "GET":
        return render_inspection(request, inspection)
    action = request.POST.get("action", "")
    handler = INSPECTION_ACTIONS.get(action)
    if handler is None:
        return HttpResponse(status=400)
    return handler(request, inspection)


def _done(request, inspection: Inspection, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("supervision:inspection-detail", inspection.pk)


def _refused(request, inspection, exc, **forms) -> HttpResponse:
    return render_inspection(request, inspection, status=422, action_error=str(exc), **forms)


def _start(request, inspection):
    with domain_errors() as call:
        svc.start_inspection(inspection=inspection, by=request.user, request=request)
    if not call.ok:
        return _refused(request, inspection, call.error)
    return _done(request, inspection, _("The inspection has started."))


def _answers(request, inspection):
    items, answers = _checklist_rows(inspection)
    form = AnswersForm(request.POST, items=items, answers=answers)
    call = submit(form, lambda _data: svc.save_answers(
        inspection=inspection, by=request.user, answers=form.answers(),
        findings=form.findings(), request=request))
    if call.ok:
        return _done(request, inspection, _(
            "The checklist is saved; %(n)d new findings.") % {"n": len(call.result)})
    return render_inspection(request, inspection, status=422, answers_form=form)


def _finding(request, inspection):
    form = FindingForm(request.POST)
    call = submit_once(request, form, lambda data: svc.add_finding(
        inspection=inspection, by=request.user, severity=data["severity"],
        description=data["description"], request=request),
        url=reverse("supervision:inspection-detail", args=[inspection.pk]))
    if call.ok:
        if not call.repeat:
            messages.success(request, _("The finding is recorded."))
        return redirect(call.url)
    return render_inspection(request, inspection, status=422, finding_form=form)


def _issue(request, inspection):
    form = SummaryForm(request.POST)
    if submit(form, lambda data: svc.issue_findings(inspection=inspection, by=request.user,
                                                    summary=data["summary"],
                                                    request=request)).ok:
        return _done(request, inspection, _("The findings are issued to the centre."))
    return render_inspection(request, inspection, status=422, summary_form=form)


def _close(request, inspection):
    form = CloseForm(request.POST)
    if submit(form, lambda data: svc.close_inspection(inspection=inspection, by=request.user,
                                                      note=data["note"], request=request)).ok:
        return _done(request, inspection, _("The inspection is closed."))
    return render_inspection(request, inspection, status=422, close_form=form)


def _order(request, inspection):
    form = OrderForm(request.POST, inspection=inspection)
    call = submit_once(request, form, lambda data: rsvc.issue_rectification_order(
        inspection=inspection, by=request.user, findings=data["findings"],
        requirements=data["requirements"], deadline=data["deadline"], request=request),
        url=lambda order: reverse("supervision:rectification-detail", args=[order.pk]))
    if call.ok:
        if not call.repeat:
            messages.success(request, _("Rectification order %(no)s is issued.") % {
                "no": call.result.number})
        return redirect(call.url)
    return render_inspection(request, inspection, status=422, order_form=form)


INSPECTION_ACTIONS = {
    "start": _start, "answers": _answers, "finding": _finding, "issue": _issue,
    "close": _close, "order": _order,
}


# --- the centre's side ---------------------------------------------------------------------------


@require_GET
@centre_member_required
def centre_inspections(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The centre's inspections (not the unannounced ones still planned), the findings once
    issued, and every rectification order."""
    centre = request.centre
    inspections = list(
        Inspection.objects.visible_to(request.user).filter(centre=centre)
        .select_related("lead").prefetch_related("findings", "orders")
        .order_by("-planned_on", "-id"))
    for inspection in inspections:
        inspection.released = inspection.findings_released
    orders = list(centre.rectification_orders.select_related("inspection")
                  .order_by("status", "deadline", "-id"))
    order_rank = {OS.ISSUED: 0, OS.ACKNOWLEDGED: 1, OS.SUBMITTED: 2, OS.CLOSED: 3}
    orders.sort(key=lambda o: (order_rank[o.status], o.deadline))
    return render(request, "supervision/inspections/centre_inspections.html", {
        "centre": centre, "membership": request.membership, "inspections": inspections,
        "orders": orders, "today": timezone.localdate(),
    })


# --- documents -----------------------------------------------------------------------------------


@require_GET
def inspection_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """检查报告: the checklist answers and findings. The centre reads it once the inspection is
    visible to it, and its findings once they are issued; a regulator's copy before then is
    marked as a draft."""
    from luhuituo.core.pdf import render_pdf

    if not request.user.is_authenticated:
        raise Http404
    inspection = get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("centre__region__parent",
                                                                "lead"), pk=pk)
    released = inspection.findings_released
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
    return pdf_response(content, f"检查报告-{inspection.centre.name}-{inspection.planned_on}.pdf")
