"""Children's records, seen from the centre, the regulator and the parent
(docs/rules/operating-rules.md#enrolment, docs/rules/data-protection.md).

- Centre side (``centre_member_required``): the list, the enrolment form, a child's record with
  small forms for checks, guardians, consents, class moves, withdrawal and readmission, and the
  定期报送 report. Managers and staff both enrol, record checks and move or readmit children;
  only managers withdraw a child or record a withdrawn consent. Children are fetched through
  the centre, so another centre's child is 404.
- Regulator side (``regulator_required``): aggregates first; names and records only after the
  regulator states why (PIPL purpose limitation), and every child shown is written to the
  access log with that reason. A centre outside the regulator's districts is 404.
- Parent side (``parent_required``): only the children whose guardian record is linked to the
  account; anything else is 404.

Every view that shows a child's record calls ``log_access``.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import log_access
from luhuituo.core.exceptions import domain_errors
from luhuituo.core.permissions import get_visible_or_404, parent_required, regulator_required
from luhuituo.core.submissions import submit_once
from registry.models import Centre, ClassType
from registry.permissions import centre_member_required

from ..forms.children import (
    AccessReasonForm,
    ChildEditForm,
    ChildFilterForm,
    ConsentForm,
    EnrolmentForm,
    GuardianEditForm,
    GuardianForm,
    HealthCheckForm,
    MoveClassForm,
    ReadmitForm,
    VaccinationCheckForm,
    WithdrawForm,
)
from ..models import Attendance, Child
from ..services.children import (
    AGE_BANDS,
    LikelyDuplicate,
    MissingCheck,
    add_guardian,
    child_can_attend,
    children_figures,
    enrol_child,
    has_records_consent,
    log_access_many,
    move_class,
    next_report_due,
    readmit_child,
    record_consent,
    record_health_check,
    record_vaccination_check,
    submit_children_report,
    update_child,
    update_guardian,
    with_checks,
    withdraw_child,
    withdraw_consent,
)

PER_PAGE = 25
REPORT_HISTORY = 10
PARENT_ATTENDANCE_DAYS = 30


def _centre_context(request: HttpRequest, **extra) -> dict:
    return {"centre": request.centre, "membership": request.membership, **extra}


def _rows(children, day) -> list[dict]:
    """One row per child for the lists: age, current placement, what is missing."""
    return [{
        "child": child, "age": child.age_months(day), "enrolment": child.current_enrolment,
        "missing": child_can_attend(child, day) if child.status == Child.Status.ENROLLED
        else [],
    } for child in children]


# --- centre side: list and enrolment -------------------------------------------------------------


@centre_member_required
@require_GET
@vary_on_headers("HX-Request")
def child_list(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The centre's children: enrolled or withdrawn, by name or class, with what each lacks."""
    centre = request.centre
    form = ChildFilterForm(request.GET, centre=centre)
    status = form.value("status", "enrolled")
    children = centre.children.all()
    if status != "all":
        children = children.filter(status=status)
    if q := form.value("q").strip():
        children = children.filter(name__icontains=q)
    if group := form.value("class_group"):
        children = children.filter(enrolments__class_group=group,
                                   enrolments__ended_on__isnull=True)
    page = Paginator(with_checks(children.order_by("name", "id")), PER_PAGE).get_page(
        request.GET.get("page"))
    counts = centre.children.aggregate(
        enrolled=Count("id", filter=Q(status=Child.Status.ENROLLED)),
        withdrawn=Count("id", filter=Q(status=Child.Status.WITHDRAWN)), all=Count("id"))
    filters = [(key, label, counts[key]) for key, label in ChildFilterForm.STATUS_CHOICES]
    template = "supervision/children/list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, _centre_context(
        request, form=form, page=page, rows=_rows(page, timezone.localdate()),
        status=status, filters=filters))


@centre_member_required
@require_http_methods(["GET", "POST"])
def child_create(request: HttpRequest, centre_id: int) -> HttpResponse:
    """Enrol a child: child, guardian, consent and class in one form; nothing is saved
    without the guardian's consent."""
    centre = request.centre
    form = EnrolmentForm(request.POST or None, centre=centre,
                         initial={"started_on": timezone.localdate()})
    duplicate = None
    if request.method == "POST":
        call = submit_once(request, form, lambda data: enrol_child(
            centre, by=request.user, child_data=form.child_data(),
            guardian_data=form.guardian_data(),
            consent_method=data["consent_method"] if data["consent"] else None,
            photo_consent=data["photo_consent"], class_group=data["class_group"],
            started_on=data["started_on"], service_form=data["service_form"],
            different_child=data["different_child"], request=request),
            url=lambda child: child.get_absolute_url())
        if call.ok:
            if not call.repeat:
                messages.success(request, _("%(name)s is enrolled.") % {
                    "name": call.result.name})
            return redirect(call.url)
        if isinstance(call.error, LikelyDuplicate):
            duplicate = call.error.existing
    return render(request, "supervision/children/create.html", _centre_context(
        request, form=form, duplicate=duplicate),
        status=422 if request.method == "POST" else 200)


# --- centre side: one child ----------------------------------------------------------------------


def _get_child(request: HttpRequest, pk: int) -> Child:
    return get_object_or_404(request.centre.children.select_related("centre"), pk=pk)


def _render_detail(request: HttpRequest, child: Child, forms: dict | None = None, *,
                   status: int = 200) -> HttpResponse:
    """The child's record with its small forms; ``forms`` are bound ones with errors
    (``guardian_edit``: the edit form of one guardian, the others get unbound ones)."""
    log_access(request, child, reason="centre record")
    child = (with_checks(Child.objects.filter(pk=child.pk))
             .prefetch_related("consents__guardian", "consents__recorded_by", "guardians")
             .select_related("centre").get())
    forms = forms or {}
    unbound = {
        "edit": lambda: ChildEditForm(child=child),
        "health": lambda: HealthCheckForm(child=child, prefix="health"),
        "vaccination": lambda: VaccinationCheckForm(child=child, prefix="vaccination"),
        "guardian": lambda: GuardianForm(prefix="guardian"),
        "consent": lambda: ConsentForm(child=child),
        "move": lambda: MoveClassForm(child=child,
                                      initial={"on": timezone.localdate()}),
        "withdraw": lambda: WithdrawForm(initial={"on": timezone.localdate()}),
        "readmit": lambda: ReadmitForm(child=child, initial={"on": timezone.localdate()}),
    }
    for key, make in unbound.items():
        forms.setdefault(key, make())
    guardians = list(child.guardians.all())
    bound = forms.get("guardian_edit")
    guardian_forms = [
        (g, bound if bound is not None and bound.guardian.pk == g.pk
         else GuardianEditForm(guardian=g)) for g in guardians]
    today = timezone.localdate()
    enrolments = sorted(child.enrolments.all(), key=lambda e: (e.started_on, e.pk),
                        reverse=True)
    return render(request, "supervision/children/detail.html", _centre_context(
        request, child=child, forms=forms, age=child.age_months(today),
        enrolment=child.current_enrolment, enrolments=enrolments,
        missing=child_can_attend(child, today) if child.status == Child.Status.ENROLLED
        else [],
        consents=sorted(child.consents.all(), key=lambda c: c.consented_at, reverse=True),
        guardians=guardians, guardian_forms=guardian_forms,
        editable=has_records_consent(child),
        is_manager=request.membership.is_manager,
        return_months=settings.RETURN_HEALTH_CHECK_MONTHS,
    ), status=status)


@centre_member_required
@require_GET
def child_detail(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    return _render_detail(request, _get_child(request, pk))


def _act(request: HttpRequest, child: Child, key: str, form, action, done: str,
         anchor: str) -> HttpResponse:
    """Run ``action(cleaned_data)`` for a valid form — once, for the forms that add a record
    (``OneTimeForm``); otherwise (or when a rule refuses, or the record was saved meanwhile by
    someone else) show the record again with the form's errors and what was typed."""
    call = submit_once(request, form, action, url=f"{child.get_absolute_url()}#{anchor}")
    if call.ok:
        if not call.repeat:
            messages.success(request, done)
        return redirect(call.url)
    return _render_detail(request, child, {key: form}, status=422)


@centre_member_required
@require_POST
def child_edit(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    """Correct the child's details (an empty ID number keeps the recorded one)."""
    child = _get_child(request, pk)
    form = ChildEditForm(request.POST, child=child)
    return _act(request, child, "edit", form, lambda data: update_child(
        child, by=request.user, data=data, version=data["version"], request=request),
        _("The child's details are saved."), "details")


@centre_member_required
@require_POST
def guardian_edit(request: HttpRequest, centre_id: int, pk: int,
                  guardian_id: int) -> HttpResponse:
    """Correct a guardian's details; the guardian is found through the child, so another
    child's guardian is 404."""
    child = _get_child(request, pk)
    guardian = get_object_or_404(child.guardians, pk=guardian_id)
    form = GuardianEditForm(request.POST, guardian=guardian)
    return _act(request, child, "guardian_edit", form, lambda data: update_guardian(
        guardian, by=request.user, data=data, version=data["version"], request=request),
        _("The guardian's details are saved."), "guardians")


@centre_member_required
@require_POST
def child_health_check(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    child = _get_child(request, pk)
    form = HealthCheckForm(request.POST, child=child, prefix="health")
    return _act(request, child, "health", form, lambda data: record_health_check(
        child, by=request.user, data=data, request=request),
        _("The health check is recorded."), "health")


@centre_member_required
@require_POST
def child_vaccination(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    child = _get_child(request, pk)
    form = VaccinationCheckForm(request.POST, child=child, prefix="vaccination")
    return _act(request, child, "vaccination", form, lambda data: record_vaccination_check(
        child, by=request.user, data=data, request=request),
        _("The vaccination check is recorded."), "health")


@centre_member_required
@require_POST
def child_guardian_add(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    child = _get_child(request, pk)
    form = GuardianForm(request.POST, prefix="guardian")
    return _act(request, child, "guardian", form, lambda data: add_guardian(
        child, by=request.user, data=data, request=request),
        _("The guardian is added."), "guardians")


@centre_member_required
@require_POST
def child_consent_add(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    child = _get_child(request, pk)
    form = ConsentForm(request.POST, child=child)
    return _act(request, child, "consent", form, lambda data: record_consent(
        child, by=request.user, guardian=data["guardian"], purpose=data["purpose"],
        method=data["method"], request=request),
        _("The consent is recorded."), "consents")


@centre_member_required(manager=True)
@require_POST
def consent_withdraw(request: HttpRequest, centre_id: int, pk: int,
                     consent_id: int) -> HttpResponse:
    """The guardian withdrew a consent (managers only: the records consent ends the
    placement)."""
    child = _get_child(request, pk)
    consent = get_object_or_404(child.consents, pk=consent_id)
    with domain_errors(request=request) as call:
        withdraw_consent(consent, by=request.user, request=request)
    if call.ok:
        messages.success(request, _("The withdrawal of the consent is recorded."))
    return redirect(f"{child.get_absolute_url()}#consents")


@centre_member_required
@require_POST
def child_move(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    child = _get_child(request, pk)
    form = MoveClassForm(request.POST, child=child)
    return _act(request, child, "move", form, lambda data: move_class(
        child, by=request.user, class_group=data["class_group"], on=data["on"],
        service_form=data["service_form"], request=request),
        _("The child has moved class."), "placements")


@centre_member_required(manager=True)
@require_POST
def child_withdraw(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    child = _get_child(request, pk)
    form = WithdrawForm(request.POST)
    return _act(request, child, "withdraw", form, lambda data: withdraw_child(
        child, by=request.user, on=data["on"], reason=data["reason"], request=request),
        _("The child is withdrawn."), "placements")


@centre_member_required
@require_POST
def child_readmit(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    child = _get_child(request, pk)
    form = ReadmitForm(request.POST, child=child)
    return _act(request, child, "readmit", form, lambda data: readmit_child(
        child, by=request.user, class_group=data["class_group"], on=data["on"],
        service_form=data["service_form"], request=request),
        _("The child is back."), "placements")


# --- centre side: 定期报送 ---------------------------------------------------------------------


def _figure_rows(figures: dict) -> tuple[list, list]:
    """(label, count) rows by class type and by age band, in a fixed order."""
    by_type = figures.get("by_class_type", {})
    by_age = figures.get("by_age_band", {})
    return ([(label, by_type.get(code, 0)) for code, label in ClassType.choices],
            [(key, by_age.get(key, 0)) for key, _low, _high in AGE_BANDS])


@centre_member_required
@require_http_methods(["GET", "POST"])
def children_report(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The centre reports its enrolled children to the district bureau (管理规范 Art 12): the
    figures as of today, the last reports, and when the next one is due."""
    centre = request.centre
    if request.method == "POST":
        # Only a manager sends it: the service refuses anyone else (NotPermitted: 403).
        report = submit_children_report(centre, by=request.user, request=request)
        messages.success(request, _("The report is sent: %(n)d children enrolled.") % {
            "n": report.enrolled})
        return redirect("supervision:children-report", centre.pk)
    reports = list(centre.children_reports.select_related("submitted_by")
                   .order_by("-submitted_at", "-id")[:REPORT_HISTORY])
    due = next_report_due(centre, reports[0] if reports else None)
    figures = children_figures(centre)
    by_type, by_age = _figure_rows(figures)
    return render(request, "supervision/children/report.html", _centre_context(
        request, reports=reports, figures=figures, by_type=by_type, by_age=by_age,
        due=due, overdue=bool(reports) and due < timezone.localdate(),
        interval=settings.KID_REPORT_INTERVAL_DAYS, is_manager=request.membership.is_manager))


# --- regulator side ---------------------------------------------------------------------------


def _reason_form(request: HttpRequest) -> AccessReasonForm:
    return AccessReasonForm(request.GET if "purpose" in request.GET else None)


@require_GET
@regulator_required
def regulator_child_list(request: HttpRequest, centre_id: int) -> HttpResponse:
    """One centre's children for a regulator: totals by class type and age band, and what is
    missing; the names only for a stated purpose, each child shown logged with it."""
    user = request.user
    centre = get_visible_or_404(Centre.objects.select_related("region", "filing"), user,
                                pk=centre_id)
    today = timezone.localdate()
    figures = children_figures(centre, today)
    by_type, by_age = _figure_rows(figures)
    enrolled = with_checks(Child.objects.visible_to(user).filter(centre=centre).enrolled())
    missing_counts = dict.fromkeys(MissingCheck.LABELS, 0)
    for child in enrolled:
        for item in child_can_attend(child, today):
            missing_counts[item.code] += 1
    form = _reason_form(request)
    page = rows = None
    if form.is_bound and form.is_valid():
        children = with_checks(Child.objects.visible_to(user).filter(centre=centre)
                               .order_by("-status", "name", "id"))
        page = Paginator(children, PER_PAGE).get_page(request.GET.get("page"))
        rows = _rows(page, today)
        log_access_many(request, page, form.reason())
    return render(request, "supervision/children/regulator_list.html", {
        "centre": centre, "figures": figures, "by_type": by_type, "by_age": by_age,
        "missing": [(MissingCheck.LABELS[code], n) for code, n in missing_counts.items()],
        "form": form, "page": page, "rows": rows,
        "reason_query": request.GET.urlencode() if page is not None else "",
    })


@require_GET
@regulator_required
def regulator_child_detail(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    """One child's record for a stated purpose; without one, only the purpose form."""
    user = request.user
    centre = get_visible_or_404(Centre.objects.select_related("region"), user, pk=centre_id)
    child = get_object_or_404(Child.objects.visible_to(user).filter(centre=centre), pk=pk)
    form = _reason_form(request)
    context = {"centre": centre, "form": form, "child_pk": child.pk}
    if form.is_bound and form.is_valid():
        log_access(request, child, reason=form.reason())
        child = (with_checks(Child.objects.filter(pk=child.pk))
                 .prefetch_related("consents__guardian", "guardians").get())
        today = timezone.localdate()
        context |= {
            "child": child, "age": child.age_months(today),
            "enrolment": child.current_enrolment,
            "enrolments": sorted(child.enrolments.all(), key=lambda e: (e.started_on, e.pk),
                                 reverse=True),
            "missing": child_can_attend(child, today)
            if child.status == Child.Status.ENROLLED else [],
            "consents": sorted(child.consents.all(), key=lambda c: c.consented_at,
                               reverse=True),
            "guardians": list(child.guardians.all()),
            "reason_query": request.GET.urlencode(),
        }
    return render(request, "supervision/children/regulator_detail.html", context)


# --- parent side ------------------------------------------------------------------------------


@require_GET
@parent_required
def my_children(request: HttpRequest) -> HttpResponse:
    """The children whose guardian record is linked to this parent account."""
    children = with_checks(Child.objects.visible_to(request.user).select_related("centre")
                           .order_by("name", "id"))
    return render(request, "supervision/children/parent_list.html",
                  {"rows": _rows(children, timezone.localdate())})


@require_GET
@parent_required
def my_child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The parent's own child: today's day at the centre (attendance, morning and midday
    checks, symptoms, the carer's note), the last 30 days, health checks, consents."""
    child = get_visible_or_404(
        with_checks(Child.objects.select_related("centre")).prefetch_related(
            "consents__guardian", "guardians"), request.user, pk=pk)
    log_access(request, child, reason="parent: own child")
    today = timezone.localdate()
    attendance = list(Attendance.objects.filter(
        child=child, date__gt=today - timedelta(days=PARENT_ATTENDANCE_DAYS),
        date__lte=today).select_related("class_day__class_group")
        .order_by("-date"))
    return render(request, "supervision/children/parent_detail.html", {
        "child": child, "age": child.age_months(today), "enrolment": child.current_enrolment,
        "attendance": attendance, "attendance_days": PARENT_ATTENDANCE_DAYS,
        "today_row": attendance[0] if attendance and attendance[0].date == today else None,
        "missing": child_can_attend(child, today)
        if child.status == Child.Status.ENROLLED else [],
        "consents": sorted(child.consents.all(), key=lambda c: c.consented_at, reverse=True),
    })

