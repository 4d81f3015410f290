"""Evidence photos a parent attaches to a complaint filed through the portal. The complaint
itself is supervision's (``supervision.models.Complaint``, filed through
``supervision.services.complaints.receive_complaint``); this only links photos to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.uploads import UploadPath
from supervision.models import Complaint


class ComplaintPhotoQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The parent who filed the complaint, and the regulators who see the complaint
        (those responsible for the centre). Nobody else — not the centre."""
        if not user.is_authenticated:
            return self.none()
        if user.is_parent:
            return self.filter(complaint__parent=user)
        if user.is_regulator:
            return self.filter(complaint__in=Complaint.objects.visible_to(user))
        return self.none()


class ComplaintPhoto(models.Model):
    """A JPEG or PNG photo (checked and re-encoded by ``core.uploads.check_upload``)."""

    complaint = models.ForeignKey(Complaint, models.CASCADE, related_name="photos",
                                  verbose_name=_("complaint"))
    file = models.FileField(_("file"), upload_to=UploadPath("complaints"))
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = ComplaintPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["complaint", "uploaded_at", "id"]
        verbose_name = _("complaint photo")
        verbose_name_plural = _("complaint photos")

    def __str__(self) -> str:
        return self.original_name
