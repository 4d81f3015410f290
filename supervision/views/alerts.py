"""Alert inboxes (预警): the regulator's, scope-filtered, and each centre's; one page per alert
with acknowledge / assign / note / resolve. Every alert is fetched through
``Alert.objects.visible_to(user)``: another district's or centre's alert is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.exceptions import domain_errors
from luhuituo.core.permissions import (
    account_type_required,
    get_visible_or_404,
    regulator_required,
)
from registry.permissions import centre_member_required

from ..checks.basis import cite
from ..checks.registry import get as get_rule
from ..checks.registry import rule_title
from ..forms.alerts import ActionForm, AlertFilterForm
from ..models import Alert, Severity
from ..services import alerts as service

PER_PAGE = 30


def _inbox(request: HttpRequest, alerts, *, regulator: bool, template: str, extra: dict):
    form = AlertFilterForm(request.GET or None, user=request.user, regulator=regulator)
    filtered = form.apply(alerts, request.user)
    counts = dict(alerts.open().values_list("severity").annotate(n=Count("id")).order_by())
    page = Paginator(
        filtered.by_severity().select_related("centre__region", "assignee"), PER_PAGE,
    ).get_page(request.GET.get("page"))
    context = {
        "form": form, "page": page, "query": request.GET.copy(),
        "severity_counts": [(value, label, counts.get(value, 0))
                            for value, label in Severity.choices],
        "now": timezone.now(), **extra,
    }
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@regulator_required
@vary_on_headers("HX-Request")
def regulator_inbox(request: HttpRequest) -> HttpResponse:
    alerts = Alert.objects.visible_to(request.user)
    return _inbox(request, alerts, regulator=True,
                  template="supervision/alerts/regulator_inbox.html", extra={})


@centre_member_required
@vary_on_headers("HX-Request")
def centre_inbox(request: HttpRequest, centre_id: int) -> HttpResponse:
    alerts = Alert.objects.visible_to(request.user).filter(centre=request.centre)
    return _inbox(request, alerts, regulator=False,
                  template="supervision/alerts/centre_inbox.html",
                  extra={"centre": request.centre, "membership": request.membership})


@account_type_required("regulator", "centre")
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_visible_or_404(
        Alert.objects.select_related("centre__region", "assignee", "acknowledged_by",
                                     "resolved_by", "subject_type"), request.user, pk=pk)
    return _render_detail(request, alert, ActionForm())


def subject_url(alert: Alert, user) -> str:
    """Where the alert's subject is handled, for this user ("" when there is no such page:
    regulators reach a child's record only through the purpose form of the children list)."""
    model, pk, centre = alert.subject_type.model, alert.subject_id, alert.centre_id
    if user.is_regulator:
        routes = {
            "centre": ("registry:centre-detail", [pk]),
            "filing": ("registry:review", [centre]),
            "incident": ("supervision:regulator-incident-detail", [pk]),
            "rectificationorder": ("supervision:rectification-detail", [pk]),
            "complaint": ("supervision:complaint-detail", [pk]),
            "child": ("supervision:regulator-child-list", [centre]),
            "feeschedule": ("registry:centre-detail", [centre]),  # its inclusive card (A29)
            # evaluation's subjects (A33, A43), by URL name: supervision imports no evaluation
            "assessment": ("evaluation:assessment-detail", [pk]),
            "starrating": ("evaluation:public-rating", [centre]),
        }
        anchors = {"staff": "#staff-h", "classgroup": "#classes-h"}
        if model in anchors:  # listed on the centre's page
            return reverse("registry:centre-detail", args=[centre]) + anchors[model]
    else:
        routes = {
            "child": ("supervision:child-detail", [centre, pk]),
            "classgroup": ("supervision:daily-today", [centre]),
            "staff": ("registry:staff-edit", [centre, pk]),
            "incident": ("supervision:incident-detail", [centre, pk]),
            "hazard": ("supervision:safety-records", [centre]),
            "rectificationorder": ("supervision:centre-rectification", [centre, pk]),
            "centre": ("registry:centre-overview", [centre]),
            "feeschedule": ("registry:fee-schedule", [centre]),
            "filing": ("registry:filing-detail", [centre]),
            "assessment": ("evaluation:centre-assessment", [centre, pk]),
            "starrating": ("evaluation:centre-quality", [centre]),
        }
    if model == "classday" and not user.is_regulator:
        from ..models import ClassDay

        day = ClassDay.objects.filter(pk=pk).values_list("class_group_id", "date").first()
        if day:
            return reverse("supervision:class-day", args=[centre, day[0], day[1].isoformat()])
    if model in routes:
        name, args = routes[model]
        return reverse(name, args=args)
    return ""


def subject_label(alert: Alert) -> str:
    """What the alert is about, named: '备案：江阳区阳光托育中心（510502-2026-0007）',
    '工作人员：王芳（保育人员）' — not a bare number. The subject's current name where it
    still exists (a child stays as the check masked it), else the name kept when it was raised."""
    model = alert.subject_type.model_class()
    name = alert.subject_type.model
    if name == "centre":
        return alert.centre.name
    text = alert.subject_repr
    if name == "filing":
        text = (alert.centre.name if text in ("", alert.centre.name)
                else f"{alert.centre.name}（{text}）")
    elif model is not None and name != "child":
        subject = model._default_manager.filter(pk=alert.subject_id).first()
        if subject is not None:
            text = str(subject)
    if model is None:
        return text
    return f"{capfirst(model._meta.verbose_name)}：{text}"


def _render_detail(request, alert: Alert, form: ActionForm, status: int = 200):
    spec = get_rule(alert.rule)
    assignable = list(service.assignable_users(alert)) if request.user.is_regulator else []
    context = {
        "subject_url": subject_url(alert, request.user), "subject_label": subject_label(alert),
        "alert": alert, "form": form, "rule_title": rule_title(alert.rule),
        "basis": cite(spec.basis) if spec else "",
        "assignable": assignable,
        "proposed_assignee": service.proposed_assignee(alert, assignable),
        "notes": [line for line in alert.note.splitlines() if line.strip()],
    }
    return render(request, "supervision/alerts/detail.html", context, status=status)


@require_POST
@account_type_required("regulator", "centre")
def alert_act(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_visible_or_404(Alert.objects.select_related("centre__region"), request.user,
                               pk=pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, alert, form, status=422)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    with domain_errors(form) as call:
        if action == "acknowledge":
            service.acknowledge(alert, by=request.user, note=note, request=request)
            messages.success(request, _("Alert acknowledged."))
        elif action == "resolve":
            service.resolve(alert, by=request.user, note=note, request=request)
            messages.success(request, _("Alert resolved."))
        elif action == "note":
            service.add_note(alert, by=request.user, note=note, request=request)
            messages.success(request, _("Note added."))
        else:
            if not request.user.is_regulator:
                raise PermissionDenied
            assignee = service.assignable_users(alert).filter(
                pk=form.cleaned_data["assignee"] or 0).first()
            if assignee is None:
                raise service.AlertError(_("Choose a regulator responsible for this centre."))
            service.assign(alert, by=request.user, assignee=assignee, request=request)
            messages.success(request, _("Alert assigned to %(name)s.") % {
                "name": assignee.get_full_name()})
    if not call.ok:
        return _render_detail(request, alert, form, status=422)
    return redirect(alert.get_absolute_url())


def open_alert_counts(centres) -> dict[int, dict[str, int]]:
    """{centre_id: {severity: n}} for open alerts, in one query (for lists of centres)."""
    rows = (Alert.objects.open().filter(centre__in=centres)
            .values_list("centre_id", "severity").annotate(n=Count("id")).order_by())
    counts: dict[int, dict[str, int]] = {}
    for centre_id, severity, n in rows:
        counts.setdefault(centre_id, {})[severity] = n
    return counts


__all__ = ["alert_act", "alert_detail", "centre_inbox", "regulator_inbox"]
