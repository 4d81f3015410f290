"""The annual report (年度报告, alert A32): the centre's page, where members see the reports and
the manager submits one per year or corrects one; the regulator's list of a year's reports in
their districts with the centres still missing; the report file, served within scope."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.exceptions import domain_errors
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.submissions import submit_once
from luhuituo.core.uploads import file_response
from registry.models import Centre
from registry.permissions import centre_member_required

from ..checks.rules.reports import centres_owing_report
from ..forms.reports import (
    AnnualReportCorrectionForm,
    AnnualReportFilterForm,
    AnnualReportForm,
)
from ..models import AnnualReport, annual_report_due, latest_overdue_year
from ..services.reports import FIELDS, correct_annual_report, submit_annual_report

PER_PAGE = 50


def _centre_page(request: HttpRequest, form, *, status: int = 200) -> HttpResponse:
    centre = request.centre
    today = timezone.localdate()
    reports = list(centre.annual_reports.select_related("submitted_by", "corrected_by"))
    year = latest_overdue_year(today)
    return render(request, "supervision/reports/annual_reports.html", {
        "centre": centre, "membership": request.membership, "form": form,
        "reports": reports, "overdue_year": year, "overdue_due": annual_report_due(year),
        "overdue_missing": all(r.year != year for r in reports),
        "next_due": annual_report_due(today.year - 1),
    }, status=status)


@centre_member_required
@require_http_methods(["GET", "POST"])
def annual_reports(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    is_manager = request.membership.is_manager
    if request.method == "POST" and not is_manager:
        raise PermissionDenied
    form = (AnnualReportForm(request.POST or None, request.FILES or None, centre=centre)
            if is_manager else None)
    if request.method == "POST":
        call = submit_once(request, form, lambda data: submit_annual_report(
            centre=centre, by=request.user, year=data["year"], uploaded=data["file"],
            data={name: data[name] for name in FIELDS}, request=request),
            url=reverse("supervision:annual-reports", args=[centre.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The annual report on %(year)d is submitted.") % {
                    "year": call.result.year})
            return redirect(call.url)
        return _centre_page(request, form, status=422)
    return _centre_page(request, form)


@centre_member_required(manager=True)
@require_http_methods(["GET", "POST"])
def annual_report_correct(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    """The explicit correction of a report already sent: the figures and text replaced, with a
    reason."""
    report = get_object_or_404(request.centre.annual_reports.all(), pk=pk)
    form = AnnualReportCorrectionForm(request.POST or None, request.FILES or None,
                                      instance=report)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with domain_errors(form) as call:
                correct_annual_report(
                    report=AnnualReport.objects.get(pk=report.pk), by=request.user,
                    data={name: data[name] for name in FIELDS},
                    reason=data["correction_reason"], uploaded=data["file"], request=request)
            if call.ok:
                messages.success(request, _("The annual report on %(year)d is corrected.") % {
                    "year": report.year})
                return redirect("supervision:annual-reports", request.centre.pk)
        status = 422
    return render(request, "supervision/reports/annual_report_correct.html", {
        "centre": request.centre, "membership": request.membership, "form": form,
        "report": report}, status=status)


@require_GET
def annual_report_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The report's file, for the centre's members and the regulators responsible; 404 for
    anyone else and for a report sent without a file."""
    report = get_visible_or_404(AnnualReport.objects.exclude(file=""), request.user, pk=pk)
    return file_response(report.file, content_type=report.content_type,
                         name=report.original_name)


@regulator_required
@require_GET
@vary_on_headers("HX-Request")
def regulator_annual_reports(request: HttpRequest) -> HttpResponse:
    """A year's reports in the regulator's districts: every centre that owes one (the centres
    the alert rules check, filed by the end of the year), with its report or marked missing.
    The number of queries does not depend on the number of centres."""
    form = AnnualReportFilterForm(request.GET, user=request.user)
    today = timezone.localdate()
    year = form.value("year") or latest_overdue_year(today)
    due = annual_report_due(year)
    centres = (centres_owing_report(year)
               .filter(pk__in=Centre.objects.visible_to(request.user).values("pk"))
               .select_related("region")
               .prefetch_related(Prefetch(
                   "annual_reports", to_attr="reports",
                   queryset=AnnualReport.objects.filter(year=year)
                   .select_related("submitted_by")))
               .order_by("reported", "region__code", "name", "pk"))
    if district := form.value("district"):
        centres = centres.filter(region__code=district)
    if status := form.value("status"):
        centres = centres.filter(reported=status == "submitted")
    page = Paginator(centres, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"centre": c, "report": c.reports[0] if c.reports else None} for c in page]
    missing = centres.filter(reported=False).count() if status != "submitted" else 0
    template = "supervision/reports/regulator_annual_reports.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {
        "form": form, "page": page, "rows": rows, "year": year, "due": due,
        "overdue": due < today, "missing": missing,
    })
