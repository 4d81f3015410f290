"""A parent's complaint about a centre (投诉), filed through the portal.

The complaint is supervision's: ``file_complaint`` records it through
``supervision.services.complaints.receive_complaint`` (channel "parent portal", the parent as
complainant), which sets the answer date and tells the district's regulators; the evidence
photos (already checked by ``core.uploads.check_upload``) are kept as ``ComplaintPhoto`` in the
same transaction. Only publicly listed centres can be complained about here. The parent follows
their own complaints (``Complaint.objects.visible_to`` gives a parent their own); regulators
handle them in supervision's desk."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import User
from registry.models import Centre
from supervision.models import Complaint
from supervision.services.complaints import receive_complaint

from ..models import ComplaintPhoto


@transaction.atomic
def file_complaint(*, parent: User, centre: Centre, category: str, summary: str, details: str,
                   phone: str = "", photos=(), request=None) -> Complaint:
    """Record the complaint and its photos (``[(upload, CheckedUpload)]``)."""
    if not parent.is_authenticated or not parent.is_parent:
        raise DomainError(_("Only a parent account can file a complaint here."))
    if not Centre.objects.listed_publicly().filter(pk=centre.pk).exists():
        raise DomainError(_("Choose a centre from the public list."))
    complaint = receive_complaint(
        centre=centre, by=parent, channel=Complaint.Channel.PORTAL, category=category,
        summary=summary, details=details, complainant_name=parent.get_full_name(),
        complainant_phone=phone, request=request)
    for uploaded, checked in photos:
        photo = ComplaintPhoto(complaint=complaint, original_name=(uploaded.name or "")[:200],
                               content_type=checked.content_type, size=checked.size,
                               uploaded_by=parent)
        photo.file.save(uploaded.name, checked.file, save=False)
        photo.save()
    return complaint
