"""Linking codes: the centre issues a one-time code for one guardian of an enrolled child
(shown once, to print or hand over); the parent enters it and the child appears among their
children. See ``parents.services.linking``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from luhuituo.core.exceptions import domain_errors, submit
from luhuituo.core.permissions import get_visible_or_404, parent_required
from registry.permissions import centre_member_required
from supervision.models import Child, Guardian

from ..forms.accounts import LinkingCodeForm
from ..models import LinkingCode
from ..services.linking import issue_linking_code, use_linking_code

PER_PAGE = 25


def _open_codes() -> Prefetch:
    return Prefetch("linking_codes", queryset=LinkingCode.objects.usable(),
                    to_attr="open_codes")


@centre_member_required
@require_GET
def linking_code_list(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The guardians of the centre's enrolled children: linked to a parent account or not,
    with the open code's expiry, and a link to issue a code."""
    guardians = (Guardian.objects.visible_to(request.user)
                 .filter(child__centre=request.centre, child__status=Child.Status.ENROLLED)
                 .select_related("child").prefetch_related(_open_codes())
                 .order_by("child__name", "child_id", "-is_primary", "id"))
    page = Paginator(guardians, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "parents/linking/centre_list.html", {
        "centre": request.centre, "membership": request.membership, "page": page})


@never_cache
@centre_member_required
@require_http_methods(["GET", "POST"])
def linking_code_issue(request: HttpRequest, centre_id: int, child_id: int,
                       guardian_id: int) -> HttpResponse:
    """Issue a code for one guardian. The plain code is in this one response only (never
    stored, never in a URL); issuing again revokes it."""
    child = get_visible_or_404(Child.objects.filter(centre=request.centre), request.user,
                               pk=child_id)
    guardian = get_object_or_404(
        Guardian.objects.filter(child=child).prefetch_related(_open_codes()), pk=guardian_id)
    code = None
    status = 200
    if request.method == "POST":
        with domain_errors(request=request) as call:
            linking_code, code = issue_linking_code(guardian, by=request.user, request=request)
        if call.ok:
            guardian.open_codes = [linking_code]
        else:
            status = 422
    return render(request, "parents/linking/issue.html", {
        "centre": request.centre, "membership": request.membership, "child": child,
        "guardian": guardian, "code": code,
        "open_code": guardian.open_codes[0] if guardian.open_codes else None,
    }, status=status)


@parent_required
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest) -> HttpResponse:
    """A parent enters the code their centre gave them."""
    form = LinkingCodeForm(request.POST or None)
    if request.method == "POST":
        call = submit(form, lambda data: use_linking_code(user=request.user, code=data["code"],
                                                          request=request))
        if call.ok:
            guardian = call.result
            messages.success(request, _("Your account is linked to %(child)s.")
                             % {"child": guardian.child.name})
            return redirect("supervision:my-child-detail", guardian.child_id)
    return render(request, "parents/linking/link.html", {"form": form},
                  status=422 if request.method == "POST" else 200)
