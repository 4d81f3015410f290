"""The centre photo upload form. The file itself is judged by the service (check_upload)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from luhuituo.core.submissions import OneTimeForm


class CentrePhotoForm(OneTimeForm):
    # Empty files get check_upload's message, like every other upload.
    image = forms.FileField(
        label=_("Photo (JPG or PNG, at most 10 MB)"), allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ".jpg,.jpeg,.png,image/jpeg,image/png"}),
    )
    caption = forms.CharField(
        label=_("Caption"), max_length=100, required=False,
        help_text=_("For example: the indoor play area. Shown with the photo."),
    )
