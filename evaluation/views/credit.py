"""Credit records (信用档案) pages: the centre's own record with its appeals; for regulators the
list of centres' grades (with its CSV export), one centre's record with commendations, and the
appeals to decide. Everything goes through ``visible_to``: a centre or an appeal outside the
reader's scope is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import audit
from luhuituo.core.dates import export_filename
from luhuituo.core.exceptions import submit
from luhuituo.core.exports import csv_response
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.sorting import sort_expression, sort_links
from luhuituo.core.submissions import submit_once
from luhuituo.core.verbs import Verb
from registry.models import Centre
from registry.permissions import centre_member_required
from registry.rules import can_decide

from ..forms.credit import (
    AppealFilterForm,
    AppealForm,
    CommendationForm,
    CreditFilterForm,
    DecisionForm,
)
from ..models import CreditAppeal, CreditEvent, CreditGrade, CreditRecord, grade_for
from ..services import credit

PER_PAGE = 25
EVENTS_PER_PAGE = 50

GRADE_ORDER = Case(*(When(grade=g, then=Value(i)) for i, g in enumerate(CreditGrade.values)),
                   default=Value(len(CreditGrade.values)), output_field=IntegerField())
SORTS = {
    "name": F("centre__name"),
    "district": F("centre__region__code"),
    "points": F("points"),
    "grade": GRADE_ORDER,
    "updated": F("updated_at"),
}
DEFAULT_SORT = "name"


def _record_of(centre: Centre) -> CreditRecord:
    """The centre's stored record, or what it would be with no events (before the first scan)."""
    record = CreditRecord.objects.filter(centre=centre).first()
    return record or CreditRecord(centre=centre, points=0, grade=grade_for(0))


def _events(request, centre: Centre):
    events = (CreditEvent.objects.visible_to(request.user).filter(centre=centre)
              .select_related("type", "appeal"))
    return Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))


# --- the centre --------------------------------------------------------------------------------


@require_GET
@centre_member_required
def centre_credit(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    return render(request, "evaluation/credit/centre_record.html", {
        "centre": centre, "membership": request.membership, "record": _record_of(centre),
        "page": _events(request, centre)})


@require_http_methods(["GET", "POST"])
@centre_member_required
def credit_appeal(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    centre = request.centre
    event = get_object_or_404(CreditEvent.objects.filter(centre=centre)
                              .select_related("type", "centre"), pk=pk)
    existing = CreditAppeal.objects.filter(event=event).first()
    form = AppealForm(request.POST or None)
    if request.method == "POST":
        call = submit_once(request, form, lambda data: credit.appeal(
            event=event, by=request.user, reason=data["reason"], request=request),
            url=credit.centre_credit_url(centre.pk))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The appeal is sent to the district health bureau."))
            return redirect(call.url)
    return render(request, "evaluation/credit/appeal.html", {
        "centre": centre, "membership": request.membership, "event": event,
        "existing": existing, "form": form})


# --- regulators: the list of grades ------------------------------------------------------------


def filtered_records(user, params):
    form = CreditFilterForm(params, user=user)
    form.is_valid()
    records = CreditRecord.objects.visible_to(user).select_related("centre__region")
    if q := form.value("q").strip():
        records = records.filter(centre__name__icontains=q)
    if district := form.value("district"):
        records = records.filter(centre__region__code=district)
    if grade := form.value("grade"):
        records = records.filter(grade=grade)
    sort = form.value("sort") or DEFAULT_SORT
    return form, records.order_by(sort_expression(SORTS, sort), "centre__name", "id")


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def credit_list(request: HttpRequest) -> HttpResponse:
    form, records = filtered_records(request.user, request.GET)
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    sort = form.value("sort") or DEFAULT_SORT
    template = "evaluation/credit/regulator_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"form": form, "page": page, "sort": sort,
                                      "sorting": sort_links(SORTS, sort)})


@require_GET
@regulator_required
def credit_export(request: HttpRequest) -> HttpResponse:
    form, records = filtered_records(request.user, request.GET)
    response, count = csv_response(
        [_("Centre name"), _("District/county"), _("Credit grade"), _("Active points"),
         _("Updated at")],
        ([record.centre.name, record.centre.region.name, record.get_grade_display(),
          record.points, record.updated_at] for record in records.iterator(chunk_size=500)),
        export_filename(_("Credit grades"), "csv"))
    audit(Verb.CREDIT_EXPORT, actor=request.user, request=request, rows=count,
          filters={name: form.value(name) for name in ("q", "district", "grade", "sort")
                   if form.value(name)})
    return response


# --- regulators: one centre, commendations -----------------------------------------------------


@require_http_methods(["GET", "POST"])
@regulator_required
def regulator_centre_credit(request: HttpRequest, centre_pk: int) -> HttpResponse:
    centre = get_visible_or_404(Centre.objects.select_related("region"), request.user,
                                pk=centre_pk)
    decider = can_decide(request.user, centre)
    form = CommendationForm(request.POST or None) if decider else None
    if request.method == "POST":
        if form is None:
            return HttpResponse(status=403)
        call = submit_once(request, form, lambda data: credit.commend(
            centre=centre, by=request.user, event_type=data["type"],
            occurred_on=data["occurred_on"], note=data["note"], request=request),
            url=credit.regulator_credit_url(centre.pk))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The event is entered."))
            return redirect(call.url)
    return render(request, "evaluation/credit/regulator_centre.html", {
        "centre": centre, "record": _record_of(centre), "page": _events(request, centre),
        "form": form})


# --- regulators: appeals -----------------------------------------------------------------------


@require_GET
@regulator_required
def appeal_list(request: HttpRequest) -> HttpResponse:
    form = AppealFilterForm(request.GET)
    appeals = CreditAppeal.objects.visible_to(request.user).select_related(
        "event__type", "event__centre__region", "appealed_by")
    if status := form.value("status"):
        appeals = appeals.filter(status=status)
    pending_first = Case(When(status=CreditAppeal.Status.PENDING, then=Value(0)),
                         default=Value(1), output_field=IntegerField())
    appeals = appeals.order_by(pending_first, "-appealed_at", "-id")
    page = Paginator(appeals, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "evaluation/credit/appeal_list.html", {"form": form, "page": page})


@require_http_methods(["GET", "POST"])
@regulator_required
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = get_visible_or_404(CreditAppeal.objects.select_related(
        "event__type", "event__centre__region", "appealed_by", "decided_by"),
        request.user, pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        call = submit(form, lambda data: credit.decide(
            appeal=appeal, by=request.user,
            upheld=data["decision"] == CreditAppeal.Status.UPHELD,
            reason=data["reason"], request=request))
        if call.ok:
            messages.success(request, _("The appeal is decided."))
            return redirect("evaluation:credit-appeal-decide", pk=appeal.pk)
    return render(request, "evaluation/credit/appeal_decide.html", {
        "appeal": appeal, "event": appeal.event, "form": form,
        "decider": can_decide(request.user, appeal.event.centre)})
