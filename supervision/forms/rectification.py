"""Forms for rectification orders: the order (with this inspection's findings only), the
regulator's verification, and the centre's answer with evidence."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import FilterForm, SearchField, district_choices
from luhuituo.core.submissions import OneTimeForm

from ..models import Finding, Inspection
from .inspections import DATE


def _not_past(value):
    if value is not None and value < timezone.localdate():
        raise forms.ValidationError(_("The deadline cannot be in the past."))


class OrderForm(OneTimeForm):
    findings = forms.ModelMultipleChoiceField(
        label=_("Findings to rectify"), queryset=Finding.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple)
    requirements = forms.CharField(label=_("What must be rectified"), max_length=4000,
                                   widget=forms.Textarea(attrs={"rows": 4}))
    deadline = forms.DateField(
        label=_("Rectify by"), required=False, widget=DATE, validators=[_not_past],
        help_text=_("Leave empty for the default: by the worst finding's severity."))

    def __init__(self, *args, inspection: Inspection | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if inspection is not None:
            self.fields["findings"].queryset = inspection.findings.all()
        else:
            del self.fields["findings"]


class VerifyForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        ("close", _("Rectified: close the order")),
        ("reopen", _("Not rectified: re-open the order")),
    ])
    note = forms.CharField(label=_("Verification note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    deadline = forms.DateField(label=_("New deadline"), required=False, widget=DATE,
                               validators=[_not_past],
                               help_text=_("Only when re-opening; empty keeps the deadline."))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reopen" and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why the rectification is not accepted."))
        return cleaned


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class RectificationAnswerForm(forms.Form):
    response = forms.CharField(label=_("What has been rectified"), max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Evidence (PDF, JPG or PNG, at most 10 MB each)"),
                              required=False)


class RectificationFilterForm(FilterForm):
    """The order list's query parameters; the status defaults to open orders."""

    STATUS_CHOICES = [("open", _("Open")), ("overdue", _("Overdue")),
                      ("submitted", _("Waiting for verification")), ("closed", _("Closed")),
                      ("all", _("All"))]

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    district = forms.ChoiceField(label=_("District/county"), required=False)
    q = SearchField(placeholder=_("Centre name or order number"))

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)
