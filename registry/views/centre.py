"""Centre side: a centre's own data, seen by its members and changed by its managers.

Every page about one centre is guarded by ``centre_member_required`` (non-members get 404),
which sets ``request.centre`` and ``request.membership``; objects are fetched through the
centre, so another centre's class or staff member is 404 too. Writes go through
``registry.centres``.
"""

from __future__ import annotations

import copy
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, ProtectedError, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from luhuituo.core.audit import log_access
from luhuituo.core.exceptions import domain_errors, submit
from luhuituo.core.permissions import centre_account_required
from luhuituo.core.submissions import submit_once

from .. import inclusive
from ..centres import (
    PROFILE_FIELDS,
    CentreDataLocked,
    add_fee_schedule,
    add_training_record,
    centre_data_editable,
    create_staff_account,
    deactivate_member,
    delete_class,
    invite_member,
    lease_too_short,
    register_centre,
    save_centre_profile,
    save_class,
    save_staff,
    setup_link_for,
)
from ..forms import (
    CentreCreateForm,
    CentreProfileForm,
    ClassGroupForm,
    FeeScheduleForm,
    InviteMemberForm,
    NewAccountForm,
    StaffFilterForm,
    StaffForm,
    TrainingRecordForm,
)
from ..forms_filing import InclusiveApplicationForm
from ..models import Centre, CentreMembership, ClassType, Filing, Staff, class_rules
from ..permissions import centre_member_required

S = Filing.Status

# What the centre should do next, by filing status (docs/rules/filing.md#filing-workflow).
NEXT_STEP = {
    S.DRAFT: gettext_lazy("Complete the centre's details, classes and staff, upload the "
                          "materials and submit the filing to the district health bureau."),
    S.RETURNED: gettext_lazy("The district health bureau returned the filing for correction: "
                             "see what to correct, then submit it again."),
    S.SUBMITTED: gettext_lazy("The filing is with the district health bureau, which confirms "
                              "receipt within %(days)d working days."),
    S.FILED: gettext_lazy("The centre is filed. The district health bureau may verify it on "
                          "site."),
    S.UNDER_VERIFICATION: gettext_lazy("The district health bureau is verifying the centre on "
                                       "site."),
    S.VERIFIED: gettext_lazy("The centre is verified and listed publicly. Later changes go "
                             "through a change filing (变更备案)."),
    S.NONCONFORMING: gettext_lazy("The centre was found non-conforming: read the notice, "
                                  "rectify, and report the rectification."),
    S.RECTIFYING: gettext_lazy("The rectification has been reported; the district health "
                               "bureau will check it."),
    S.SUSPENDED: gettext_lazy("The centre's filing is suspended: see the filing page for the "
                              "reason."),
    S.TERMINATING: gettext_lazy("Termination has been requested; the district health bureau "
                                "will confirm it."),
    S.DEREGISTERED: gettext_lazy("The centre is deregistered."),
}

EXPIRY_WARNING_DAYS = 30


def _centre_context(request: HttpRequest, **extra) -> dict:
    """What layouts/centre.html needs, plus the page's own context."""
    return {"centre": request.centre, "membership": request.membership, **extra}


# --- the account's centres -----------------------------------------------------------------------


@centre_account_required
@require_GET
def centre_home(request: HttpRequest) -> HttpResponse:
    """The centres this account works for, with each filing's status."""
    memberships = (
        CentreMembership.objects.active().filter(user=request.user)
        .select_related("centre__region", "centre__filing")
        .order_by("centre__name", "centre_id")
    )
    return render(request, "registry/centre/home.html", {"memberships": memberships})


@centre_account_required
@require_http_methods(["GET", "POST"])
def centre_create(request: HttpRequest) -> HttpResponse:
    """Register a new centre; the account becomes its manager."""
    form = CentreCreateForm(request.POST or None)
    if request.method == "POST":
        call = submit_once(request, form, lambda data: register_centre(
            by=request.user, request=request,
            **{name: data[name] for name in CentreCreateForm.Meta.fields}),
            url=lambda centre: reverse("registry:centre-overview", args=[centre.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The centre is registered. Next, complete its "
                                            "details."))
            return redirect(call.url)
    return render(request, "registry/centre/create.html", {"form": form})


# --- one centre ----------------------------------------------------------------------------------


@centre_member_required
@require_GET
def centre_overview(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    classes = centre.classes.aggregate(count=Count("id"), places=Sum("capacity"))
    editable = centre_data_editable(centre)
    return render(request, "registry/centre/overview.html", _centre_context(
        request,
        class_count=classes["count"],
        class_places=classes["places"] or 0,
        active_staff=centre.staff.active().count(),
        next_step=str(NEXT_STEP.get(centre.filing.status, "")) % {
            "days": settings.FILING_RECEIPT_WORKING_DAYS},
        blockers=centre.filing_blockers() if editable else [],
        editable=editable,
    ))


def _profile_sections(centre: Centre) -> list[tuple[str, str, list[tuple[str, object]]]]:
    """The profile read-only, in the editor's fieldsets: (key, legend, [(label, value)])."""
    yes, no = _("Yes"), _("No")
    sections = []
    for key, legend, names in CentreProfileForm.FIELDSETS:
        rows = []
        for name in names:
            field = Centre._meta.get_field(name)
            if name == "service_forms":
                labels = dict(Centre.ServiceForm.choices)
                value = "、".join(str(labels.get(v, v)) for v in centre.service_forms)
            elif field.choices:
                value = getattr(centre, f"get_{name}_display")()
            elif isinstance(getattr(centre, name), bool):
                value = yes if getattr(centre, name) else no
            else:
                value = getattr(centre, name)
            rows.append((field.verbose_name, None if value == "" else value))
            if name == "legal_form" and centre.registering_authority:
                rows.append((_("Registered with"), centre.registering_authority))
            if name == "kind":  # not a field of the form: the district bureau decides it
                rows.append((Centre._meta.get_field("is_inclusive").verbose_name,
                             _("Recognised by the district health bureau") if centre.is_inclusive
                             else _("Not recognised")))
        sections.append((key, legend, rows))
    return sections


def _render_profile(request: HttpRequest, form: CentreProfileForm | None, *,
                    status: int = 200) -> HttpResponse:
    """The profile page: the editor when there is a form, the read-only facts otherwise. An
    htmx request for the editor gets only the form."""
    centre = request.centre
    template = "registry/centre/profile.html"
    if form is not None and request.htmx and not request.htmx.boosted:
        template += "#profile-form"
    short = form.lease_too_short if form is not None else lease_too_short(centre)
    return render(request, template, _centre_context(
        request, form=form, editable=centre_data_editable(centre),
        sections=None if form is not None else _profile_sections(centre),
        lease_warning=_("The lease is shorter than %(years)d years: the details can be saved, "
                        "but the filing cannot be submitted with it (设置标准 Art 11).") % {
            "years": settings.MIN_LEASE_YEARS} if short else "",
    ), status=status)


@centre_member_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def centre_profile(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The whole centre profile. Managers edit it while the filing is a draft or returned;
    otherwise it is read-only (changes then go through a change filing)."""
    centre = request.centre
    editable = centre_data_editable(centre)
    if request.method == "GET":
        can_edit = request.membership.is_manager and editable
        # The form works on a copy, so the page header keeps the saved name while errors show.
        return _render_profile(request, CentreProfileForm(instance=copy.copy(centre))
                               if can_edit else None)
    if not request.membership.is_manager:
        raise PermissionDenied
    if not editable:
        # Submitted meanwhile (another tab, another manager): say so, save nothing.
        messages.error(request, CentreDataLocked().args[0])
        response = _render_profile(request, None, status=403)
        if request.htmx:
            response["HX-Refresh"] = "true"
        return response
    form = CentreProfileForm(request.POST, instance=copy.copy(centre))
    if not form.is_valid():
        return _render_profile(request, form, status=422 if request.htmx else 200)
    data = {name: form.cleaned_data[name] for name in PROFILE_FIELDS}
    # Saved meanwhile by another manager (``Stale``): the message goes on the form, which
    # keeps what was typed; nothing is saved.
    with domain_errors(form) as call:
        changed = save_centre_profile(centre=centre, by=request.user, data=data,
                                      version=form.cleaned_data["version"], request=request)
    if not call.ok:
        return _render_profile(request, form, status=422 if request.htmx else 200)
    if changed:
        messages.success(request, _("The centre's details are saved."))
    else:
        messages.info(request, _("Nothing was changed."))
    url = reverse("registry:centre-profile", args=[centre.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- inclusive status ----------------------------------------------------------------------------


@centre_member_required
@require_http_methods(["GET", "POST"])
def inclusive_status(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The centre's inclusive (普惠) status and its history; the manager applies for it here
    (the district bureau decides, registry.inclusive)."""
    centre = request.centre
    is_manager = request.membership.is_manager
    if request.method == "POST" and not is_manager:
        raise PermissionDenied
    form = InclusiveApplicationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if submit(form, lambda data: inclusive.apply_inclusive(
                centre=centre, by=request.user, basis=data["basis"], request=request)).ok:
            messages.success(request, _("The application has been sent to the district health "
                                        "bureau."))
            return redirect("registry:inclusive-status", centre.pk)
        status = 422
    decisions = list(centre.inclusive_decisions.select_related("decided_by"))
    pending = decisions[0] if decisions and decisions[0].action == "applied" else None
    filing = getattr(centre, "filing", None)
    can_apply = (is_manager and not centre.is_inclusive and pending is None and filing is not None
                 and filing.status in inclusive.RECOGNISABLE_STATUSES)
    return render(request, "registry/centre/inclusive.html", _centre_context(
        request, decisions=decisions, pending=pending, form=form if can_apply or status == 422
        else None), status=status)


# --- fees ----------------------------------------------------------------------------------------


@centre_member_required
@require_http_methods(["GET", "POST"])
def fee_schedule(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The fees in force, the history, and (for managers) a form for a new version. Fees are
    never edited in place: a change is a new schedule from a date."""
    centre = request.centre
    is_manager = request.membership.is_manager
    if request.method == "POST" and not is_manager:
        raise PermissionDenied
    form = FeeScheduleForm(request.POST or None) if is_manager else None
    if request.method == "POST":
        call = submit_once(request, form, lambda data: add_fee_schedule(
            centre=centre, by=request.user, request=request,
            data={name: data[name] for name in FeeScheduleForm.Meta.fields}),
            url=reverse("registry:fee-schedule", args=[centre.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The new fees are saved, effective from "
                                            "%(date)s.") % {
                    "date": date_format(call.result.effective_from)})
            return redirect(call.url)
    today = timezone.localdate()
    schedules = list(centre.fee_schedules.order_by("-effective_from", "-id"))
    current = next((s for s in schedules if s.effective_from <= today), None)
    columns = [(code, label, f"{code}_fee") for code, label in ClassType.choices]
    return render(request, "registry/centre/fees.html", _centre_context(
        request, form=form, schedules=schedules, current=current, today=today,
        class_fees=[(label, current.fee_for(code) if current else None)
                    for code, label, _field in columns],
        columns=columns,
    ))


# --- classes -------------------------------------------------------------------------------------


@centre_member_required
@require_GET
def class_list(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    classes = list(centre.classes.order_by("class_type", "name", "id"))
    total = sum(c.capacity for c in classes)
    approved = centre.approved_places
    return render(request, "registry/centre/class_list.html", _centre_context(
        request, classes=classes, total_places=total,
        over_approved=approved is not None and total > approved,
        editable=centre_data_editable(centre),
        class_types=[(label, class_rules(code)) for code, label in ClassType.choices],
    ))


def _refuse_if_locked(request: HttpRequest):
    """Classes are part of the filing: after submission they change through a change filing.
    A GET goes back to the list with the reason; a POST is refused."""
    if centre_data_editable(request.centre):
        return None
    if request.method == "POST":
        raise CentreDataLocked
    messages.warning(request, CentreDataLocked().args[0])
    return redirect("registry:class-list", request.centre.pk)


@centre_member_required(manager=True)
@require_http_methods(["GET", "POST"])
def class_edit(request: HttpRequest, centre_id: int, pk: int | None = None) -> HttpResponse:
    centre = request.centre
    class_group = get_object_or_404(centre.classes, pk=pk) if pk is not None else None
    refused = _refuse_if_locked(request)
    if refused:
        return refused
    title = str(class_group) if class_group else _("New class")
    form = ClassGroupForm(request.POST or None, instance=class_group, centre=centre)
    if request.method == "POST":
        call = submit_once(request, form, lambda _data: save_class(
            class_group=form.instance, by=request.user, request=request),
            url=reverse("registry:class-list", args=[centre.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("Class “%(name)s” is saved.") % {
                    "name": call.result.name})
            return redirect(call.url)
    return render(request, "registry/centre/class_form.html", _centre_context(
        request, form=form, class_group=class_group, title=title,
        class_types=[(label, class_rules(code)) for code, label in ClassType.choices],
    ))


@centre_member_required(manager=True)
@require_http_methods(["GET", "POST"])
def class_delete(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    centre = request.centre
    class_group = get_object_or_404(centre.classes, pk=pk)
    refused = _refuse_if_locked(request)
    if refused:
        return refused
    if request.method == "POST":
        name = class_group.name
        try:
            delete_class(class_group=class_group, by=request.user, request=request)
        except ProtectedError:
            messages.error(request, _("Class “%(name)s” still has children or records and "
                                      "cannot be deleted.") % {"name": name})
        else:
            messages.success(request, _("Class “%(name)s” is deleted.") % {"name": name})
        return redirect("registry:class-list", centre.pk)
    return render(request, "registry/centre/class_confirm_delete.html", _centre_context(
        request, class_group=class_group))


# --- staff ---------------------------------------------------------------------------------------

STAFF_FILTERS = {
    "active": Q(employment_status=Staff.Employment.ACTIVE),
    "left": Q(employment_status=Staff.Employment.LEFT),
    "all": Q(),
}


@centre_member_required(manager=True)
@require_GET
def staff_list(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The staff with their checks; ID numbers masked, expired certificates highlighted."""
    centre = request.centre
    shown = StaffFilterForm(request.GET).value("status", "active")
    counts = centre.staff.aggregate(
        active=Count("id", filter=STAFF_FILTERS["active"]),
        left=Count("id", filter=STAFF_FILTERS["left"]), all=Count("id"))
    staff = list(
        centre.staff.filter(STAFF_FILTERS[shown])
        .annotate(training_total=Sum("training_records__hours"))
        .order_by("role", "name", "id")
    )
    today = timezone.localdate()
    soon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    year_ago = today - timedelta(days=365)
    rows = []
    for person in staff:
        valid_until = person.health_cert_valid_until
        if valid_until is None:
            health = "missing"
        elif valid_until < today:
            health = "expired"
        elif valid_until <= soon:
            health = "expiring"
        else:
            health = ""
        check = person.criminal_check_date
        rows.append({
            "staff": person, "health": health,
            "check_due": person.employment_status == Staff.Employment.ACTIVE
            and (check is None or check < year_ago),
        })
    filters = [(key, label, counts[key]) for key, label in StaffFilterForm.STATUS_CHOICES]
    return render(request, "registry/centre/staff_list.html", _centre_context(
        request, rows=rows, shown=shown, filters=filters, warning_days=EXPIRY_WARNING_DAYS))


@centre_member_required(manager=True)
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, centre_id: int, pk: int | None = None) -> HttpResponse:
    centre = request.centre
    staff = get_object_or_404(centre.staff, pk=pk) if pk is not None else None
    title = staff.name if staff else _("New staff member")
    form = StaffForm(request.POST or None, instance=staff, centre=centre)
    if request.method == "POST":
        call = submit_once(request, form, lambda _data: save_staff(
            staff=form.instance, by=request.user, request=request),
            url=reverse("registry:staff-list", args=[centre.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("%(name)s's record is saved.") % {
                    "name": call.result.name})
                for warning in getattr(call.result, "warnings", ()):
                    messages.warning(request, warning)
            return redirect(call.url)
    records = []
    if staff is not None:
        if request.method == "GET":
            log_access(request, staff, reason="staff record")
        records = list(staff.training_records.all())
    return render(request, "registry/centre/staff_form.html", _centre_context(
        request, form=form, staff=staff, title=title, records=records,
        training_total=sum((r.hours for r in records), start=0)))


@centre_member_required(manager=True)
@require_http_methods(["GET", "POST"])
def training_add(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    centre = request.centre
    staff = get_object_or_404(centre.staff, pk=pk)
    form = TrainingRecordForm(request.POST or None)
    if request.method == "POST":
        call = submit_once(request, form, lambda data: add_training_record(
            staff=staff, by=request.user, request=request,
            data={name: data[name] for name in TrainingRecordForm.Meta.fields}),
            url=reverse("registry:staff-edit", args=[centre.pk, staff.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The training record is added."))
            return redirect(call.url)
    records = list(staff.training_records.all())
    return render(request, "registry/centre/training_form.html", _centre_context(
        request, form=form, staff=staff, records=records,
        training_total=sum((r.hours for r in records), start=0)))


# --- accounts ------------------------------------------------------------------------------------


@centre_member_required(manager=True)
@require_http_methods(["GET", "POST"])
def member_list(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The centre's accounts; invite an existing centre account, or take access away."""
    centre = request.centre
    action = request.POST.get("action") if request.method == "POST" else None
    form = InviteMemberForm(request.POST if action == "invite" else None)
    new_form = NewAccountForm(request.POST if action == "create" else None)
    if action == "create" and new_form.is_valid():
        with domain_errors(new_form) as call:
            user, link = create_staff_account(centre=centre, by=request.user, request=request,
                                              **new_form.cleaned_data)
        if call.ok:
            request.session["setup_link"] = {"name": user.get_full_name(),
                                             "url": request.build_absolute_uri(link)}
            return redirect("registry:member-list", centre.pk)
    elif action == "link":
        membership_id = request.POST.get("membership", "")
        if not membership_id.isdigit():
            raise Http404
        membership = get_object_or_404(centre.memberships.select_related("user", "centre"),
                                       pk=int(membership_id), is_active=True)
        with domain_errors(request=request) as call:
            link = setup_link_for(membership=membership, by=request.user)
        if call.ok:
            request.session["setup_link"] = {"name": membership.user.get_full_name(),
                                             "url": request.build_absolute_uri(link)}
        return redirect("registry:member-list", centre.pk)
    if action == "invite" and form.is_valid():
        user = form.cleaned_data["account"]
        with domain_errors(form) as call:
            invite_member(centre=centre, by=request.user, user=user,
                          role=form.cleaned_data["role"], request=request)
        if call.ok:
            messages.success(request, _("%(name)s now has access to this centre.") % {
                "name": user.get_full_name()})
            return redirect("registry:member-list", centre.pk)
    elif action == "deactivate":
        membership_id = request.POST.get("membership", "")
        if not membership_id.isdigit():
            raise Http404
        membership = get_object_or_404(centre.memberships.select_related("user"),
                                       pk=int(membership_id))
        with domain_errors(request=request) as call:
            deactivate_member(membership=membership, by=request.user, request=request)
        if call.ok:
            messages.success(request, _("%(name)s no longer has access to this centre.") % {
                "name": membership.user.get_full_name()})
        return redirect("registry:member-list", centre.pk)
    elif request.method == "POST" and action not in {"invite", "create"}:
        return HttpResponse(status=400)
    memberships = centre.memberships.select_related("user").order_by(
        "-is_active", "role", "user__name", "id")
    return render(request, "registry/centre/members.html", _centre_context(
        request, form=form, new_form=new_form, memberships=memberships,
        setup_link=request.session.pop("setup_link", None),
        setup_days=settings.ACCOUNT_SETUP_DAYS))
