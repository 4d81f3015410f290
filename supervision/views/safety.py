"""Safety records: incidents (centre side with the workflow buttons, regulator side read-only
and scope-filtered), and a centre's drills, monthly checks and hazards on one page.

Centre pages are guarded by ``centre_member_required`` and fetch through ``request.centre``;
regulator pages fetch through ``Incident.objects.visible_to``: anything outside the user's
scope is 404. Every page that shows an incident about a child writes to the access log.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import log_access
from luhuituo.core.exceptions import domain_errors, submit
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.submissions import submit_once
from registry.permissions import centre_member_required

from ..forms.safety import (
    DrillForm,
    HazardFixForm,
    HazardForm,
    IncidentCloseForm,
    IncidentFilterForm,
    IncidentForm,
    IncidentTimeForm,
    SafetyCheckForm,
)
from ..models import Hazard, Incident, SafetyCheck
from ..services.safety import (
    close_incident,
    drill_due,
    fix_hazard,
    mark_guardian_notified,
    mark_reported_to_authority,
    next_incident_steps,
    record_drill,
    record_safety_check,
    report_hazard,
    report_incident,
    start_investigation,
)

PER_PAGE = 25
SAFETY_PER_PAGE = 10

STEP_LABELS = {
    "guardian_notified": gettext_lazy("Guardian notified"),
    "authority_reported": gettext_lazy("Reported to the authority"),
    "investigate": gettext_lazy("Start the investigation"),
    "close": gettext_lazy("Close the incident"),
}


def _context(request: HttpRequest, **extra) -> dict:
    return {"centre": request.centre, "membership": request.membership, **extra}


def _incidents(queryset):
    return queryset.select_related("centre__region", "child", "class_group")


# --- incidents, centre side --------------------------------------------------------------------


@centre_member_required
@require_GET
@vary_on_headers("HX-Request")
def incident_list(request: HttpRequest, centre_id: int) -> HttpResponse:
    form = IncidentFilterForm(request.GET)
    incidents = form.filter(_incidents(request.centre.incidents.all()))
    page = Paginator(incidents, PER_PAGE).get_page(request.GET.get("page"))
    template = "supervision/safety/incident_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, _context(request, form=form, page=page))


@centre_member_required
@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    form = IncidentForm(request.POST or None, centre=centre,
                        initial={"occurred_at": timezone.localtime().replace(second=0,
                                                                             microsecond=0)})
    status = 200
    if request.method == "POST":
        call = submit_once(request, form, lambda data: report_incident(
            centre=centre, by=request.user, data=data, request=request),
            url=lambda incident: reverse("supervision:incident-detail",
                                         args=[centre.pk, incident.pk]))
        if call.ok:
            if not call.repeat and call.result.must_report_to_authority:
                messages.warning(request, _(
                    "The incident is recorded and the district health bureau has been "
                    "told. Notify the guardian and report it to the authority now."))
            elif not call.repeat:
                messages.success(request, _("The incident is recorded."))
            return redirect(call.url)
        status = 422
    return render(request, "supervision/safety/incident_form.html",
                  _context(request, form=form), status=status)


def _step_forms(incident: Incident, data=None, action: str | None = None) -> dict:
    """A form per open step; only the one acted on is bound."""
    forms = {}
    for step in next_incident_steps(incident):
        bound = data if step == action else None
        if step in {"guardian_notified", "authority_reported"}:
            forms[step] = IncidentTimeForm(bound, incident=incident, prefix=step)
        elif step == "close":
            forms[step] = IncidentCloseForm(bound, prefix=step)
        else:
            forms[step] = None
    return forms


def _do_step(action: str, incident: Incident, form, request: HttpRequest) -> Incident:
    user = request.user
    if action == "guardian_notified":
        return mark_guardian_notified(incident=incident, by=user,
                                      at=form.cleaned_data["at"], request=request)
    if action == "authority_reported":
        return mark_reported_to_authority(incident=incident, by=user,
                                          at=form.cleaned_data["at"], request=request)
    if action == "investigate":
        return start_investigation(incident=incident, by=user, request=request)
    return close_incident(incident=incident, by=user, outcome=form.cleaned_data["outcome"],
                          request=request)


@centre_member_required
@require_http_methods(["GET", "POST"])
def incident_detail(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    """The incident with its timeline, and a button (with its form) for each next step; the
    close step is the manager's."""
    incident = get_object_or_404(_incidents(request.centre.incidents.all()), pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    status = 200
    if action is not None:
        steps = _step_forms(incident, request.POST, action)
        if action not in steps:
            messages.error(request, _("This step is not possible now."))
            return redirect("supervision:incident-detail", request.centre.pk, incident.pk)
        form = steps[action]
        if form is None or form.is_valid():
            # A step without a form (start the investigation) shows a refusal as a message.
            with domain_errors(form, request=request) as call:
                _do_step(action, incident, form, request)
            if call.ok:
                messages.success(request, _("The incident is updated."))
            if call.ok or form is None:
                return redirect("supervision:incident-detail", request.centre.pk, incident.pk)
        status = 422
    else:
        steps = _step_forms(incident)
    if incident.child_id and request.method == "GET":
        log_access(request, incident.child, reason="incident record")
    return render(request, "supervision/safety/incident_detail.html", _context(
        request, incident=incident, steps=[(step, STEP_LABELS[step], form)
                                           for step, form in steps.items()],
    ), status=status)


# --- incidents, regulator side -------------------------------------------------------------------


@regulator_required
@require_GET
@vary_on_headers("HX-Request")
def regulator_incident_list(request: HttpRequest) -> HttpResponse:
    """Incidents of the centres in the regulator's districts, newest first, filtered by kind,
    severity, status and district."""
    form = IncidentFilterForm(request.GET, user=request.user)
    incidents = form.filter(_incidents(Incident.objects.visible_to(request.user)))
    page = Paginator(incidents, PER_PAGE).get_page(request.GET.get("page"))
    template = "supervision/safety/regulator_incident_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"form": form, "page": page})


@regulator_required
@require_GET
def regulator_incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_visible_or_404(_incidents(Incident.objects.all()), request.user, pk=pk)
    if incident.child_id:
        log_access(request, incident.child, reason="incident supervision")
    return render(request, "supervision/safety/regulator_incident_detail.html",
                  {"incident": incident})


# --- drills, monthly checks, hazards ------------------------------------------------------------


def _page(request: HttpRequest, queryset, name: str):
    return Paginator(queryset, SAFETY_PER_PAGE).get_page(request.GET.get(name))


@centre_member_required
@require_GET
def safety_records(request: HttpRequest, centre_id: int) -> HttpResponse:
    """Drills, monthly checks and hazards: when the last drill was (and whether one is due),
    whether this month's checks are recorded, and overdue hazards first."""
    centre = request.centre
    today = timezone.localdate()
    last_drill = centre.drills.aggregate(last=Max("held_on"))["last"]
    month_start = today.replace(day=1)
    done = set(centre.safety_checks.filter(checked_on__gte=month_start)
               .values_list("kind", flat=True))
    hazards = centre.hazards.order_by("status", "deadline", "-id")
    return render(request, "supervision/safety/records.html", _context(
        request, today=today, last_drill=last_drill, drill_due=drill_due(last_drill, today),
        month_checks=[(label, kind in done) for kind, label in SafetyCheck.Kind.choices],
        overdue_count=centre.hazards.filter(status=Hazard.Status.OPEN,
                                            deadline__lt=today).count(),
        drills=_page(request, centre.drills.all(), "drills"),
        checks=_page(request, centre.safety_checks.all(), "checks"),
        hazards=_page(request, hazards, "hazards"),
    ))


def _record_form(request: HttpRequest, form_class, service, *, title: str, success: str,
                 template: str = "supervision/safety/record_form.html") -> HttpResponse:
    centre = request.centre
    form = form_class(request.POST or None)
    status = 200
    if request.method == "POST":
        call = submit_once(request, form, lambda data: service(
            centre=centre, by=request.user, data=data, request=request),
            url=reverse("supervision:safety-records", args=[centre.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, success)
            return redirect(call.url)
        status = 422
    return render(request, template, _context(request, form=form, title=title),
                  status=status)


@centre_member_required
@require_http_methods(["GET", "POST"])
def drill_create(request: HttpRequest, centre_id: int) -> HttpResponse:
    return _record_form(request, DrillForm, record_drill, title=_("Record an emergency drill"),
                        success=_("The drill is recorded."))


@centre_member_required
@require_http_methods(["GET", "POST"])
def safety_check_create(request: HttpRequest, centre_id: int) -> HttpResponse:
    return _record_form(request, SafetyCheckForm, record_safety_check,
                        title=_("Record a monthly safety check"),
                        success=_("The check is recorded."))


@centre_member_required
@require_http_methods(["GET", "POST"])
def hazard_create(request: HttpRequest, centre_id: int) -> HttpResponse:
    return _record_form(request, HazardForm, report_hazard, title=_("Report a hazard"),
                        success=_("The hazard is recorded."))


@centre_member_required
@require_http_methods(["GET", "POST"])
def hazard_fix(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    centre = request.centre
    hazard = get_object_or_404(centre.hazards, pk=pk)
    if hazard.status != Hazard.Status.OPEN:
        messages.info(request, _("This hazard is already fixed."))
        return redirect("supervision:safety-records", centre.pk)
    form = HazardFixForm(request.POST or None, hazard=hazard,
                         initial={"fixed_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if submit(form, lambda data: fix_hazard(hazard=hazard, by=request.user,
                                                request=request, **data)).ok:
            messages.success(request, _("The hazard is marked as fixed."))
            return redirect("supervision:safety-records", centre.pk)
        status = 422
    return render(request, "supervision/safety/record_form.html", _context(
        request, form=form, hazard=hazard, title=_("Mark the hazard as fixed"),
        action=reverse("supervision:hazard-fix", args=[centre.pk, hazard.pk])),
        status=status)
