"""The regulator's complaint desk: the list (overdue and urgent first), intake, and one
complaint's page (triage and assignment, answer, close, link to an inspection). Complaints are
the bureau's: centre accounts and parents have no page here. Writes go through
``supervision.services.complaints``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import log_access
from luhuituo.core.dates import day
from luhuituo.core.exceptions import domain_errors
from luhuituo.core.permissions import regulator_required
from luhuituo.core.submissions import submit_once
from registry.rules import can_decide

from ..forms.complaints import (
    AnswerForm,
    AssignForm,
    ComplaintFilterForm,
    ComplaintForm,
    LinkForm,
)
from ..forms.inspections import CentreQueryForm
from ..models import Complaint
from ..services import complaints as svc

CS = Complaint.Status
PER_PAGE = 25


def filtered_complaints(user, filters: ComplaintFilterForm):
    today = timezone.localdate()
    open_statuses = [CS.RECEIVED, CS.ASSIGNED]
    rank = Case(
        When(Q(status__in=open_statuses, due_on__lt=today), then=Value(0)),
        When(Q(status__in=open_statuses, priority=Complaint.Priority.URGENT), then=Value(1)),
        When(status__in=open_statuses, then=Value(2)),
        When(status=CS.ANSWERED, then=Value(3)),
        default=Value(4), output_field=IntegerField())
    complaints = (Complaint.objects.visible_to(user)
                  .select_related("centre__region", "assignee").annotate(rank=rank))
    if q := filters.value("q").strip():
        complaints = complaints.filter(Q(centre__name__icontains=q) | Q(summary__icontains=q))
    status = filters.value("status")
    if status == "open":
        complaints = complaints.exclude(status=CS.CLOSED)
    elif status:
        complaints = complaints.filter(status=status)
    if priority := filters.value("priority"):
        complaints = complaints.filter(priority=priority)
    if category := filters.value("category"):
        complaints = complaints.filter(category=category)
    if district := filters.value("district"):
        complaints = complaints.filter(centre__region__code=district)
    if filters.value("overdue"):
        complaints = complaints.filter(status__in=open_statuses, due_on__lt=today)
    return complaints.order_by("rank", "due_on", "-received_at", "-id")


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def complaint_list(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    data.setdefault("status", "open")
    filters = ComplaintFilterForm(data, user=request.user)
    filters.is_valid()
    page = Paginator(filtered_complaints(request.user, filters), PER_PAGE).get_page(
        request.GET.get("page"))
    template = "supervision/complaints/list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"filters": filters, "page": page,
                                      "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
@regulator_required
def complaint_create(request: HttpRequest) -> HttpResponse:
    """Record a complaint received by phone, hotline, letter or in person."""
    initial = {}
    if centre_id := CentreQueryForm(request.GET).value("centre", None):
        initial["centre"] = centre_id
    form = ComplaintForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        call = submit_once(request, form, lambda data: svc.receive_complaint(
            centre=data["centre"], channel=data["channel"], category=data["category"],
            priority=data["priority"], summary=data["summary"], details=data["details"],
            complainant_name=data["complainant_name"],
            complainant_phone=data["complainant_phone"], by=request.user, request=request),
            url=lambda complaint: reverse("supervision:complaint-detail", args=[complaint.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The complaint is recorded; answer due by "
                                            "%(date)s.") % {"date": day(call.result.due_on)})
            return redirect(call.url)
        status = 422
    return render(request, "supervision/complaints/create.html", {"form": form},
                  status=status)


def _render_complaint(request, complaint: Complaint, *, status=200, **forms):
    decider = can_decide(request.user, complaint.centre)
    return render(request, "supervision/complaints/detail.html", {
        "complaint": complaint, "centre": complaint.centre, "can_decide": decider,
        "assign_form": forms.get("assign_form") or AssignForm(complaint=complaint, initial={
            "assignee": complaint.assignee_id or request.user.pk,
            "priority": complaint.priority}),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "link_form": forms.get("link_form") or LinkForm(complaint=complaint, user=request.user),
        "action_error": forms.get("action_error"),
        "today": timezone.localdate(),
    }, status=status)


@require_http_methods(["GET", "POST"])
@regulator_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = get_object_or_404(
        Complaint.objects.visible_to(request.user).select_related(
            "centre__region", "assignee", "inspection", "created_by", "parent"), pk=pk)
    if request.method == "GET":
        # The complainant's name and phone are personal data.
        log_access(request, complaint, reason="complaint")
        return _render_complaint(request, complaint)
    action = request.POST.get("action", "")
    if action == "assign":
        form = AssignForm(request.POST, complaint=complaint)
        if form.is_valid():
            return _apply(request, complaint, "assign_form", form, lambda: svc.assign_complaint(
                complaint=complaint, by=request.user, request=request, **form.cleaned_data),
                _("The complaint is assigned."))
        return _render_complaint(request, complaint, status=422, assign_form=form)
    if action == "answer":
        form = AnswerForm(request.POST)
        if form.is_valid():
            return _apply(request, complaint, "answer_form", form, lambda: svc.answer_complaint(
                complaint=complaint, by=request.user, request=request, **form.cleaned_data),
                _("The answer is recorded."))
        return _render_complaint(request, complaint, status=422, answer_form=form)
    if action == "link":
        form = LinkForm(request.POST, complaint=complaint, user=request.user)
        if form.is_valid():
            return _apply(request, complaint, "link_form", form, lambda: svc.link_inspection(
                complaint=complaint, by=request.user, request=request, **form.cleaned_data),
                _("The complaint is linked to the inspection."))
        return _render_complaint(request, complaint, status=422, link_form=form)
    if action == "close":
        return _apply(request, complaint, None, None, lambda: svc.close_complaint(
            complaint=complaint, by=request.user, request=request),
            _("The complaint is closed."))
    return HttpResponse(status=400)


def _apply(request, complaint, form_name, form, call, message) -> HttpResponse:
    with domain_errors(form) as outcome:
        call()
    if not outcome.ok:
        if form is None:
            return _render_complaint(request, complaint, status=422,
                                     action_error=str(outcome.error))
        return _render_complaint(request, complaint, status=422, **{form_name: form})
    messages.success(request, message)
    return redirect("supervision:complaint-detail", complaint.pk)
