"""Applications for a place: the parent's children and applications, adding a child (with
consent), applying, withdrawing; the centre's queue and its decision on one application
(accept through supervision's enrolment, waiting list, decline with a reason). See
``parents.services.applications``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from luhuituo.core.exceptions import domain_errors, submit
from luhuituo.core.permissions import get_visible_or_404, parent_required
from registry.permissions import centre_member_required

from ..forms.accounts import AcceptForm, ApplicantChildForm, ApplicationForm, DeclineForm
from ..models import ApplicantChild, Application
from ..services import applications as service

PER_PAGE = 25
S = Application.Status


def with_position(applications):
    """Each waiting application's place on its centre's waiting list, in the same query."""
    ahead = (Application.objects.filter(centre=OuterRef("centre"), status=S.WAITLISTED)
             .filter(Q(waitlisted_at__lt=OuterRef("waitlisted_at"))
                     | Q(waitlisted_at=OuterRef("waitlisted_at"), pk__lt=OuterRef("pk")))
             .order_by().values("centre").annotate(n=Count("pk")).values("n"))
    return applications.annotate(ahead=Subquery(ahead))


# --- the parent's side ----------------------------------------------------------------------------


@parent_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    applications = with_position(Application.objects.select_related("centre")
                                 .order_by("-submitted_at", "-id"))
    children = (ApplicantChild.objects.visible_to(request.user)
                .prefetch_related(Prefetch("applications", queryset=applications)))
    return render(request, "parents/applications/parent_list.html", {"children": children})


@parent_required
@require_http_methods(["GET", "POST"])
def applicant_child_create(request: HttpRequest) -> HttpResponse:
    form = ApplicantChildForm(request.POST or None)
    if request.method == "POST":
        call = submit(form, lambda data: service.add_applicant_child(
            parent=request.user, data=data, request=request))
        if call.ok:
            messages.success(request, _("%(child)s is added. Now choose the centres to apply "
                                        "to.") % {"child": call.result.name})
            return redirect("parents:application-create", call.result.pk)
    return render(request, "parents/applications/child_form.html", {"form": form},
                  status=422 if request.method == "POST" else 200)


@parent_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, child_id: int) -> HttpResponse:
    child = get_visible_or_404(ApplicantChild, request.user, pk=child_id)
    form = ApplicationForm(request.POST or None)
    if request.method == "POST":
        call = submit(form, lambda data: service.apply(
            parent=request.user, child=child, centre=data["centre"],
            preferred_start=data["preferred_start"], service_form=data["service_form"],
            request=request))
        if call.ok:
            messages.success(request, _("Your application to %(centre)s is sent.")
                             % {"centre": call.result.centre.name})
            return redirect("parents:application-list")
    open_ones = child.applications.open().select_related("centre")
    return render(request, "parents/applications/apply.html", {
        "form": form, "child": child, "open_applications": open_ones,
        "max_open": service.MAX_OPEN_APPLICATIONS,
    }, status=422 if request.method == "POST" else 200)


@parent_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_visible_or_404(Application, request.user, pk=pk)
    with domain_errors(request=request) as call:
        service.withdraw(application, by=request.user, request=request)
    if call.ok:
        messages.success(request, _("Your application to %(centre)s is withdrawn.")
                         % {"centre": application.centre.name})
    return redirect("parents:application-list")


# --- the centre's side ----------------------------------------------------------------------------


@centre_member_required
@require_GET
def centre_queue(request: HttpRequest, centre_id: int) -> HttpResponse:
    """Open applications first (waiting list in its order, then new ones), then decided."""
    show = request.GET.get("show", "open")
    applications = with_position(
        Application.objects.visible_to(request.user).filter(centre=request.centre)
        .select_related("child"))
    if show == "open":
        applications = applications.open().order_by("-status", "waitlisted_at",
                                                     "submitted_at", "id")
    else:
        show = "all"
        applications = applications.order_by("-submitted_at", "-id")
    page = Paginator(applications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "parents/applications/centre_queue.html", {
        "centre": request.centre, "membership": request.membership, "page": page,
        "show": show})


@centre_member_required
@require_http_methods(["GET", "POST"])
def centre_application(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    application = get_visible_or_404(
        Application.objects.filter(centre=request.centre).select_related("child__parent"),
        request.user, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    accept_form = AcceptForm(request.POST if action == "accept" else None,
                             centre=request.centre,
                             initial={"started_on": application.preferred_start})
    decline_form = DeclineForm(request.POST if action == "decline" else None)
    call = None
    if action == "accept":
        call = submit(accept_form, lambda data: service.accept(
            application, by=request.user, class_group=data["class_group"],
            started_on=data["started_on"], request=request))
        done = _("The application is accepted and the child is enrolled.")
    elif action == "decline":
        call = submit(decline_form, lambda data: service.decline(
            application, by=request.user, reason=data["reason"], request=request))
        done = _("The application is declined; the parent is told why.")
    elif action == "waitlist":
        with domain_errors(request=request) as call:
            service.waitlist(application, by=request.user, request=request)
        done = _("The application is on the waiting list.")
    if call is not None and call.ok:
        messages.success(request, done)
        return redirect("parents:centre-application", request.centre.pk, application.pk)
    application.position = service.waiting_position(application)
    return render(request, "parents/applications/centre_detail.html", {
        "centre": request.centre, "membership": request.membership,
        "application": application, "accept_form": accept_form,
        "decline_form": decline_form,
    }, status=422 if call is not None else 200)
