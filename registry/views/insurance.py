"""Liability insurance (责任保险, WS/T 821 9.7.1; alert A25): the centre's page, where every
member sees the policies and the manager records a new one, the regulator's read-only page of
a centre in scope, and the scanned policy, served to both after a scope check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.submissions import submit_once
from luhuituo.core.uploads import file_response

from ..centres import add_insurance_policy
from ..forms import InsurancePolicyForm
from ..models import Centre, InsurancePolicy
from ..permissions import centre_member_required


def _rows(centre: Centre) -> tuple[list[InsurancePolicy], InsurancePolicy | None]:
    """The centre's policies, latest cover first, and the one covering today (if any)."""
    today = timezone.localdate()
    policies = list(centre.insurance_policies.order_by("-cover_to", "-id"))
    in_force = next((p for p in policies if p.in_force_on(today)), None)
    return policies, in_force


@centre_member_required
@require_http_methods(["GET", "POST"])
def insurance(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    is_manager = request.membership.is_manager
    if request.method == "POST" and not is_manager:
        raise PermissionDenied
    form = (InsurancePolicyForm(request.POST or None, request.FILES or None, centre=centre)
            if is_manager else None)
    status = 200
    if request.method == "POST":
        call = submit_once(request, form, lambda data: add_insurance_policy(
            centre=centre, by=request.user, request=request, uploaded=data["file"],
            data={name: data[name] for name in InsurancePolicyForm.Meta.fields}),
            url=reverse("registry:insurance", args=[centre.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The insurance policy is recorded."))
            return redirect(call.url)
        status = 422
    policies, in_force = _rows(centre)
    return render(request, "registry/centre/insurance.html", {
        "centre": centre, "membership": request.membership, "form": form,
        "policies": policies, "in_force": in_force, "today": timezone.localdate(),
    }, status=status)


@regulator_required
@require_GET
def regulator_insurance(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The policies of a centre in the regulator's districts, read-only (404 outside)."""
    centre = get_visible_or_404(Centre.objects.select_related("region"), request.user,
                                pk=centre_id)
    policies, in_force = _rows(centre)
    return render(request, "registry/regulator/insurance.html", {
        "centre": centre, "policies": policies, "in_force": in_force,
        "today": timezone.localdate(),
    })


@require_GET
def insurance_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The scanned policy, for the centre's members and the regulators responsible; 404 for
    anyone else and for a policy recorded without a file."""
    policy = get_visible_or_404(InsurancePolicy.objects.exclude(file=""), request.user, pk=pk)
    return file_response(policy.file, content_type=policy.content_type,
                         name=policy.original_name)
