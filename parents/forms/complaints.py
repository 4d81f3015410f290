"""A parent's complaint about a publicly listed centre, with up to three evidence photos."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import no_control_characters
from luhuituo.core.submissions import OneTimeForm
from luhuituo.core.uploads import check_upload
from registry.models import Centre
from registry.validators import validate_phone
from supervision.forms.rectification import MultipleFileField
from supervision.models import Complaint

MAX_PHOTOS = 3
PHOTO_TYPES = ("jpg", "png")
DETAILS_MAX = 4000


class CentreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, centre) -> str:
        return f"{centre.name}（{centre.region.name}）"


class ComplaintForm(OneTimeForm, forms.Form):
    centre = CentreChoiceField(
        label=_("Centre"), queryset=Centre.objects.none(),
        error_messages={"invalid_choice": _("Choose a centre from the public list.")})
    category = forms.ChoiceField(label=_("What is it about"), choices=Complaint.Category.choices)
    summary = forms.CharField(label=_("Summary"), max_length=200,
                              validators=[no_control_characters],
                              help_text=_("One line, for example “Fees charged twice in "
                                          "October”."))
    details = forms.CharField(label=_("What happened"), max_length=DETAILS_MAX,
                              widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("When and where, who was involved, what you want "
                                          "done."))
    phone = forms.CharField(label=_("Phone number to contact you"), max_length=20,
                            required=False, validators=[validate_phone],
                            widget=forms.TextInput(attrs={"autocomplete": "tel",
                                                          "inputmode": "tel"}))
    photos = MultipleFileField(
        label=_("Photos (JPG or PNG, up to 3)"), required=False,
        widget=MultipleFileField.widget(attrs={"accept": "image/jpeg,image/png"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = (Centre.objects.listed_publicly()
                                          .select_related("region").order_by("name", "id"))

    def clean_photos(self) -> list:
        """``[(upload, CheckedUpload)]``: at most three, each a real JPEG or PNG."""
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise ValidationError(_("Attach at most %(n)d photos."), params={"n": MAX_PHOTOS},
                                  code="too_many")
        checked, errors = [], []
        for uploaded in photos:
            try:
                checked.append((uploaded, check_upload(uploaded, allowed=PHOTO_TYPES)))
            except ValidationError as exc:
                errors.append(ValidationError("%(name)s: %(error)s", params={
                    "name": uploaded.name, "error": " ".join(exc.messages)}))
        if errors:
            raise ValidationError(errors)
        return checked
