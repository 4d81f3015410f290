"""Change filing pages (变更备案): the centre files changes of its filed details; the district
bureau decides on them from the filing review page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from luhuituo.core.exceptions import domain_errors
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.uploads import check_upload

from .. import changes
from ..forms import ChangeFilingForm
from ..models import Centre, ChangeFiling
from ..permissions import centre_member_required


def _can_file_change(centre: Centre) -> bool:
    return (centre.filing.status in changes.CHANGEABLE
            and not centre.change_filings.open().exists())


@require_GET
@centre_member_required
def change_list(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    return render(request, "registry/centre/changes.html", {
        "centre": centre, "membership": request.membership,
        "changes": centre.change_filings.prefetch_related("materials"),
        "can_file": request.membership.is_manager and _can_file_change(centre),
    })


@centre_member_required(manager=True)
def change_create(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    if not _can_file_change(centre):
        messages.error(request, _("A change filing is possible once the centre has been filed, "
                                  "and only one at a time."))
        return redirect("registry:change-list", centre_id)
    # The form validates against a copy: nothing is written to the centre until the bureau
    # accepts the change.
    copy = Centre.objects.get(pk=centre.pk)
    form = ChangeFilingForm(request.POST or None, request.FILES or None, instance=copy)
    if request.method == "POST" and form.is_valid():
        proposed = changes.diff(centre, form.cleaned_data)
        materials = {}
        for kind in changes.required_materials(proposed, centre):
            field = ChangeFilingForm.MATERIAL_FIELDS[str(kind)]
            uploaded = form.cleaned_data.get(field)
            if uploaded is None:
                form.add_error(field, _("This change needs this material."))
                continue
            try:
                materials[str(kind)] = (uploaded, check_upload(uploaded))
            except ValidationError as exc:
                form.add_error(field, exc)
        if not proposed:
            form.add_error(None, _("Nothing has changed: edit at least one detail."))
        if not form.errors:
            with domain_errors(form) as call:
                changes.submit_change(centre=centre, by=request.user, proposed=proposed,
                                      reason=form.cleaned_data["reason"], materials=materials,
                                      request=request)
            if call.ok:
                messages.success(request, _("Your change filing has been sent to the district "
                                            "health bureau."))
                return redirect("registry:change-list", centre_id)
    status = 422 if request.method == "POST" else 200
    return render(request, "registry/centre/change_form.html", {
        "centre": centre, "membership": request.membership, "form": form,
    }, status=status)


DECISIONS = {
    "accept": lambda c, u, n, r: changes.accept_change(change=c, by=u, note=n, request=r),
    "return": lambda c, u, n, r: changes.return_change(change=c, by=u, note=n, request=r),
    "verify": lambda c, u, n, r: changes.verify_change(change=c, by=u, note=n, request=r),
    "nonconforming": lambda c, u, n, r: changes.find_change_nonconforming(
        change=c, by=u, note=n, request=r),
}


@require_POST
@regulator_required
def change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_visible_or_404(ChangeFiling.objects.select_related("centre"), request.user,
                                pk=pk)
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    if action not in DECISIONS:
        messages.error(request, _("Choose a decision."))
    else:
        with domain_errors(request=request) as call:
            DECISIONS[action](change, request.user, note, request)
        if call.ok:
            messages.success(request, _("The change filing has been decided."))
    return redirect("registry:review", change.centre_id)
