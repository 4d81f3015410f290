"""A parent's complaints about centres: filing one (with up to three photos) about a publicly
listed centre, the list of their own complaints with what the health bureau did, one
complaint's page, and its photos — served to the parent who filed it and to the regulators
responsible for the centre only. Writes go through ``parents.services.complaints``, which
files through supervision's complaint service."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from luhuituo.core.audit import log_access
from luhuituo.core.permissions import get_visible_or_404, parent_required
from luhuituo.core.submissions import submit_once
from luhuituo.core.uploads import file_response
from supervision.models import Complaint

from ..forms.complaints import ComplaintForm
from ..models import ComplaintPhoto
from ..services import complaints as service

PER_PAGE = 25


@parent_required
@require_http_methods(["GET", "POST"])
def complaint_create(request: HttpRequest) -> HttpResponse:
    """The form; ``?centre=<id>`` (from a centre's public page) chooses the centre."""
    initial = {"phone": request.user.mobile}
    if (centre_id := request.GET.get("centre", "")).isdigit():
        initial["centre"] = int(centre_id)
    form = ComplaintForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        call = submit_once(request, form, lambda data: service.file_complaint(
            parent=request.user, centre=data["centre"], category=data["category"],
            summary=data["summary"], details=data["details"], phone=data["phone"],
            photos=data["photos"], request=request),
            url=lambda complaint: reverse("parents:complaint-detail", args=[complaint.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("Your complaint is sent to the district health "
                                            "bureau. You will be told when it is answered."))
            return redirect(call.url)
    return render(request, "parents/complaints/create.html", {"form": form},
                  status=422 if request.method == "POST" else 200)


@parent_required
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    complaints = (Complaint.objects.visible_to(request.user).select_related("centre__region")
                  .annotate(photo_count=Count("photos")).order_by("-received_at", "-id"))
    page = Paginator(complaints, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "parents/complaints/list.html", {"page": page})


@parent_required
@require_GET
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One of the parent's complaints; anyone else's is 404."""
    complaint = get_visible_or_404(Complaint.objects.select_related("centre__region"),
                                   request.user, pk=pk)
    return render(request, "parents/complaints/detail.html", {
        "complaint": complaint, "photos": complaint.photos.order_by("uploaded_at", "id")})


@require_GET
def complaint_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A complaint's photo, to the parent who filed it and the regulators responsible for the
    centre — 404 for anyone else."""
    if not request.user.is_authenticated:
        raise Http404
    photo = get_visible_or_404(ComplaintPhoto, request.user, pk=pk)
    log_access(request, photo, reason="complaint photo")
    return file_response(photo.file, content_type=photo.content_type, name=photo.original_name)
