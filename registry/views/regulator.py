"""The regulator's side of filings: the queue with its legal deadlines, and the review page
where each material gets a verdict and the filing a decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, Q, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import log_access
from luhuituo.core.exceptions import domain_errors
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.workdays import WorkingDayCalendar

from .. import services
from ..checks import preflight
from ..forms_filing import DecisionForm, FilingQueueFilterForm
from ..history import filing_history
from ..models import Filing
from ..rules import can_decide
from .filing import checklist


def queue_queryset(user, *, status: str = "", region: str = "", due: str = "", q: str = ""):
    filings = Filing.objects.visible_to(user).select_related("centre__region").with_due()
    filings = filings.filter(status=status) if status else filings.awaiting_bureau()
    if region:
        filings = filings.filter(centre__region__code=region)
    if q:
        filings = filings.filter(Q(centre__name__icontains=q) | Q(filing_no__icontains=q))
    now = timezone.now()
    if due == "overdue":
        filings = filings.filter(due_at__lt=now)
    elif due == "soon":
        filings = filings.filter(due_at__gte=now, due_at__lt=now + timezone.timedelta(days=3))
    overdue_first = Case(When(due_at__lt=now, then=0), default=1)
    return filings.order_by(overdue_first, F("due_at").asc(nulls_last=True), "submitted_at",
                            "id")


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def filing_queue(request: HttpRequest) -> HttpResponse:
    filters = FilingQueueFilterForm(request.GET, user=request.user)
    params = {key: filters.value(key) for key in ("status", "region", "due", "q")}
    page = Paginator(queue_queryset(request.user, **params), 25).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = list(page.object_list)
    clocks = [day for f in rows for day in (f.due_clock() or ())]
    calendar = WorkingDayCalendar(min([today, *clocks]), max([today, *clocks]))
    for filing in rows:
        filing.due_provisional = filing.due_is_provisional(calendar)
        filing.overdue = bool(filing.due_at and filing.due_at < timezone.now())
        filing.working_days_left = (
            calendar.working_days_between(today, timezone.localtime(filing.due_at).date())
            if filing.due_at else None
        )
    context = {"page": page, "rows": rows, "filters": filters}
    template = "registry/regulator/filing_queue.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


def render_review(request, filing: Filing, *, form=None, reasons=None, status=200):
    rows = checklist(filing)
    centre = filing.centre
    classes = list(centre.classes.all())
    staff = list(centre.staff.active())
    fees = centre.fee_schedules.first()
    context = {
        "filing": filing, "centre": centre, "rows": rows,
        "findings": preflight(filing, staff=staff, classes=classes, fees=fees),
        "can_decide": can_decide(request.user, filing.centre),
        "due_provisional": filing.due_is_provisional(),
        "form": form or DecisionForm(), "reasons": reasons or {},
        "history": filing_history(filing),
        "fees": fees, "classes": classes, "staff": staff,
        "changes": filing.centre.change_filings.prefetch_related("materials")[:10],
    }
    return render(request, "registry/regulator/filing_review.html", context, status=status)


def _filing(request, centre_id: int) -> Filing:
    return get_visible_or_404(
        Filing.objects.select_related("centre__region"), request.user, centre_id=centre_id)


@require_GET
@regulator_required
def filing_review(request: HttpRequest, centre_id: int) -> HttpResponse:
    filing = _filing(request, centre_id)
    log_access(request, filing.centre, reason="filing review")
    return render_review(request, filing)


ACTIONS = {
    "accept": lambda f, u, n, r, why="": services.accept_filing(
        filing=f, by=u, findings_reason=why, request=r),
    "start_verification": lambda f, u, n, r: services.start_verification(filing=f, by=u,
                                                                          request=r),
    "verify": lambda f, u, n, r: services.verify_filing(filing=f, by=u, note=n, request=r),
    "nonconforming": lambda f, u, n, r: services.find_nonconforming(filing=f, by=u, notice=n,
                                                                    request=r),
    "suspend": lambda f, u, n, r: services.suspend_filing(filing=f, by=u, reason=n, request=r),
    "lift": lambda f, u, n, r: services.lift_suspension(filing=f, by=u, note=n, request=r),
    "deregister": lambda f, u, n, r: services.deregister_filing(filing=f, by=u, note=n,
                                                                request=r),
}


@require_POST
@regulator_required
def filing_decide(request: HttpRequest, centre_id: int) -> HttpResponse:
    filing = _filing(request, centre_id)
    form = DecisionForm(request.POST)
    reasons = {
        int(key.removeprefix("reason-")): value
        for key, value in request.POST.items()
        if key.startswith("reason-") and key.removeprefix("reason-").isdigit()
    }
    if not form.is_valid():
        return render_review(request, filing, form=form, reasons=reasons, status=422)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    with domain_errors(form) as call:
        if action == "return":
            services.return_filing(filing=filing, by=request.user, reasons=reasons, note=note,
                                   request=request)
        elif action == "accept":
            ACTIONS[action](filing, request.user, note, request,
                            form.cleaned_data["findings_reason"])
        else:
            ACTIONS[action](filing, request.user, note, request)
    if not call.ok:
        return render_review(request, filing, form=form, reasons=reasons, status=422)
    messages.success(request, _("Done: %(action)s — %(centre)s") % {
        "action": dict(DecisionForm.ACTIONS)[action], "centre": filing.centre.name})
    return redirect("registry:review", centre_id)
