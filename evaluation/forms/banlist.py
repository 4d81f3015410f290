"""Forms of the staff ban list (docs/rules/ban-list.md). The ID number is validated as a
resident ID number (check digit, birth date) and never shown back in clear; the incident a ban
rests on can only be an abuse incident the regulator may see."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luhuituo.core.forms import DateInput, FilterForm, IDNumberField, SearchField
from luhuituo.core.submissions import OneTimeForm
from luhuituo.core.validators import validate_id_number
from supervision.models import Incident

from ..models import BanListEntry

REASONS = [(value, label) for value, label in BanListEntry.Reason.choices]


class BanFilterForm(FilterForm):
    q = SearchField(placeholder=_("Name"), max_length=50)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), *BanListEntry.Status.choices])


class _Period(forms.Form):
    valid_from = forms.DateField(label=_("Banned from"), widget=DateInput)
    valid_until = forms.DateField(label=_("Banned until"), required=False, widget=DateInput,
                                  help_text=_("Leave empty for a permanent ban."))

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of the ban cannot be before its start."))
        return data


class BanEntryForm(OneTimeForm, _Period):
    id_number = IDNumberField(label=_("Resident ID number"), max_length=30,
                              validators=[validate_id_number],
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
    name = forms.CharField(label=_("Name"), max_length=50)
    reason = forms.ChoiceField(label=_("Reason"), choices=REASONS)
    incident = forms.ModelChoiceField(
        label=_("Abuse incident it rests on"), required=False, queryset=Incident.objects.none(),
        error_messages={"invalid_choice": _("Choose an abuse incident in your jurisdiction.")})
    details = forms.CharField(label=pgettext_lazy("ban list entry", "Details"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    field_order = ["id_number", "name", "reason", "incident", "details", "valid_from",
                   "valid_until"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = (
            Incident.objects.visible_to(user).filter(kind=Incident.Kind.ABUSE)
            .select_related("centre").order_by("-occurred_at", "-id"))
        self.fields["incident"].label_from_instance = lambda i: f"{i.centre.name} · {i}"
        self.fields["valid_from"].initial = timezone.localdate()

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the person's name."))
        return name


class ConfirmForm(_Period):
    pass


class LiftForm(forms.Form):
    lift_reason = forms.CharField(label=_("Reason for lifting"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def clean_lift_reason(self):
        reason = self.cleaned_data["lift_reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the entry is lifted."))
        return reason
