"""The regulator's staff ban list (从业禁止名单, docs/rules/ban-list.md): the list (searchable
by name, filtered by status; ID numbers masked), one entry's page with its history (reading it
is logged), entering an entry, confirming a proposal, lifting an entry. Centre accounts and
parents have no page here. Writes go through ``evaluation.services.banlist``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import log_access
from luhuituo.core.exceptions import domain_errors
from luhuituo.core.models import AuditEvent
from luhuituo.core.permissions import regulator_required
from luhuituo.core.submissions import submit_once

from ..forms.banlist import BanEntryForm, BanFilterForm, ConfirmForm, LiftForm
from ..models import BanListEntry
from ..services import banlist as svc

BS = BanListEntry.Status
PER_PAGE = 25


def filtered_entries(user, filters: BanFilterForm):
    rank = Case(When(status=BS.PENDING, then=Value(0)), When(status=BS.ACTIVE, then=Value(1)),
                default=Value(2), output_field=IntegerField())
    entries = BanListEntry.objects.visible_to(user).select_related("region").annotate(rank=rank)
    if q := filters.value("q").strip():
        entries = entries.filter(name__icontains=q)
    if status := filters.value("status"):
        entries = entries.filter(status=status)
    return entries.order_by("rank", "-entered_at", "-id")


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def ban_list(request: HttpRequest) -> HttpResponse:
    filters = BanFilterForm(request.GET)
    filters.is_valid()
    page = Paginator(filtered_entries(request.user, filters), PER_PAGE).get_page(
        request.GET.get("page"))
    template = "evaluation/banlist/list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"filters": filters, "page": page,
                                      "can_enter": svc.can_change(request.user),
                                      "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
@regulator_required
def ban_create(request: HttpRequest) -> HttpResponse:
    if not svc.can_change(request.user):
        return redirect("evaluation:ban-list")
    form = BanEntryForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        call = submit_once(request, form, lambda data: svc.enter_ban(
            by=request.user, request=request, id_number=data["id_number"], name=data["name"],
            reason=data["reason"], details=data["details"], incident=data["incident"],
            valid_from=data["valid_from"], valid_until=data["valid_until"]),
            url=lambda entry: reverse("evaluation:ban-detail", args=[entry.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The entry is on the ban list; staff records "
                                            "matching it are being checked now."))
            return redirect(call.url)
        status = 422
    return render(request, "evaluation/banlist/create.html", {"form": form}, status=status)


def _history(entry: BanListEntry) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(BanListEntry), target_id=str(entry.pk))
        .select_related("actor").order_by("-created_at", "-id")[:50])


def _render_entry(request, entry, *, status=200, confirm_form=None, lift_form=None):
    return render(request, "evaluation/banlist/detail.html", {
        "entry": entry, "history": _history(entry),
        "can_change": svc.can_change(request.user, entry),
        "in_force": entry.in_force_on(timezone.localdate()),
        "confirm_form": confirm_form or ConfirmForm(initial={
            "valid_from": timezone.localdate()}),
        "lift_form": lift_form or LiftForm(),
    }, status=status)


def _entry(request, pk: int) -> BanListEntry:
    return get_object_or_404(BanListEntry.objects.visible_to(request.user).select_related(
        "region", "entered_by", "confirmed_by", "lifted_by", "staff__centre",
        "incident__centre"), pk=pk)


@require_GET
@regulator_required
def ban_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    # The person's identity and the reason are personal data: every reading is logged.
    log_access(request, entry, reason="ban list entry")
    return _render_entry(request, entry)


@require_POST
@regulator_required
def ban_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    if not svc.can_change(request.user, entry):
        raise PermissionDenied
    form = ConfirmForm(request.POST)
    if form.is_valid():
        with domain_errors(form) as call:
            svc.confirm_ban(entry=entry, by=request.user, request=request,
                            valid_from=form.cleaned_data["valid_from"],
                            valid_until=form.cleaned_data["valid_until"])
        if call.ok:
            messages.success(request, _("The entry is confirmed and in force."))
            return redirect("evaluation:ban-detail", entry.pk)
    return _render_entry(request, entry, status=422, confirm_form=form)


@require_POST
@regulator_required
def ban_lift(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(request, pk)
    if not svc.can_change(request.user, entry):
        raise PermissionDenied
    form = LiftForm(request.POST)
    if form.is_valid():
        with domain_errors(form) as call:
            svc.lift_ban(entry=entry, by=request.user, request=request,
                         reason=form.cleaned_data["lift_reason"])
        if call.ok:
            messages.success(request, _("The entry is lifted."))
            return redirect("evaluation:ban-detail", entry.pk)
    return _render_entry(request, entry, status=422, lift_form=form)
