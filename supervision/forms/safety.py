"""Forms for safety records (incidents, drills, monthly checks, hazards). The rules live in
``supervision.services.safety``; the forms give the same rules as messages on the right field,
so a bad input never reaches the service."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luhuituo.core.forms import (
    DateInput,
    DateTimeInput,
    FilterForm,
    SearchField,
    district_choices,
    not_in_future,
)
from luhuituo.core.submissions import OneTimeForm

from ..models import Drill, Hazard, Incident, SafetyCheck

MAX_PARTICIPANTS = 2000  # a typing slip guard, far above any centre's headcount


# --- incidents -----------------------------------------------------------------------------------


class IncidentForm(OneTimeForm, forms.ModelForm):
    class Meta:
        model = Incident
        fields = ["occurred_at", "kind", "injury_type", "severity", "notifiable_disease",
                  "child", "class_group", "description", "action_taken"]
        widgets = {"occurred_at": DateTimeInput(),
                   "description": forms.Textarea(attrs={"rows": 4}),
                   "action_taken": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "notifiable_disease": _("A case of a notifiable infectious disease: the district "
                                    "health bureau is told at once."),
            "child": _("Leave empty when no one child is concerned."),
        }

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = centre.children.enrolled().order_by("name", "id")
        self.fields["class_group"].queryset = centre.classes.order_by("name", "id")
        self.fields["occurred_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value and value > timezone.now():
            raise forms.ValidationError(_("The incident cannot have happened in the future."),
                                        code="future")
        return value

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Incident.Kind.INJURY and not cleaned.get("injury_type"):
            self.add_error("injury_type", _("Choose the type of injury."))
        if kind and kind != Incident.Kind.INJURY and cleaned.get("injury_type"):
            self.add_error("injury_type", _("An injury type is given only for an injury."))
        if cleaned.get("notifiable_disease") and kind != Incident.Kind.INFECTIOUS:
            self.add_error("notifiable_disease", _("Only an infectious-disease incident can "
                                                   "be a notifiable disease."))
        return cleaned


class IncidentTimeForm(forms.Form):
    """When the guardian was told / the authority was reported to (default: now)."""

    at = forms.DateTimeField(label=_("When"), required=False, widget=DateTimeInput(),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                             help_text=_("Leave empty for now."))

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident

    def clean_at(self):
        value = self.cleaned_data["at"]
        if value is None:
            return value
        if value > timezone.now():
            raise forms.ValidationError(_("The time cannot be in the future."), code="future")
        if value < self.incident.occurred_at:
            raise forms.ValidationError(_("The time cannot be before the incident happened."),
                                        code="early")
        return value


class IncidentCloseForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class IncidentFilterForm(FilterForm):
    """Query parameters of the incident lists; invalid values are dropped, not refused."""

    kind = forms.ChoiceField(label=pgettext_lazy("incident", "Kind"), required=False,
                             choices=[("", _("All")), *Incident.Kind.choices])
    severity = forms.ChoiceField(label=_("Severity"), required=False,
                                 choices=[("", _("All")), *Incident.Severity.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All")), ("open", _("Not closed")),
                                        *Incident.Status.choices])
    district = forms.ChoiceField(label=_("District/county"), required=False)
    q = SearchField(label=_("Centre"), widget=forms.TextInput)

    def __init__(self, data, *, user=None, **kwargs):
        super().__init__(data, **kwargs)
        if user is not None and user.is_regulator:
            self.fields["district"].choices = district_choices(user)
        else:
            del self.fields["district"], self.fields["q"]

    def filter(self, incidents):
        if kind := self.value("kind"):
            incidents = incidents.filter(kind=kind)
        if severity := self.value("severity"):
            incidents = incidents.filter(severity=severity)
        if status := self.value("status"):
            incidents = (incidents.exclude(status=Incident.Status.CLOSED) if status == "open"
                         else incidents.filter(status=status))
        if "district" in self.fields and (district := self.value("district")):
            incidents = incidents.filter(centre__region__code=district)
        if "q" in self.fields and (q := self.value("q")):
            incidents = incidents.filter(centre__name__icontains=q)
        return incidents


# --- drills, monthly checks, hazards ------------------------------------------------------------


class DrillForm(OneTimeForm, forms.ModelForm):
    class Meta:
        model = Drill
        fields = ["kind", "held_on", "participants", "note"]
        widgets = {"held_on": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        participants = self.fields["participants"]
        participants.validators += [MinValueValidator(1), MaxValueValidator(MAX_PARTICIPANTS)]
        participants.widget.attrs.update(min=1, max=MAX_PARTICIPANTS)

    def clean_held_on(self):
        return not_in_future(self.cleaned_data["held_on"],
                             _("A drill cannot be recorded before it is held."))


class SafetyCheckForm(OneTimeForm, forms.ModelForm):
    class Meta:
        model = SafetyCheck
        fields = ["kind", "checked_on", "inspector_name", "all_in_order", "note"]
        widgets = {"checked_on": DateInput(), "note": forms.Textarea(attrs={"rows": 3})}

    def clean_checked_on(self):
        return not_in_future(self.cleaned_data["checked_on"],
                             _("A check cannot be recorded before it is done."))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all_in_order") and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Describe the problems found."))
        return cleaned


class HazardForm(OneTimeForm, forms.ModelForm):
    class Meta:
        model = Hazard
        fields = ["found_on", "location", "description", "deadline"]
        widgets = {"found_on": DateInput(), "deadline": DateInput(),
                   "description": forms.Textarea(attrs={"rows": 3})}

    def clean_found_on(self):
        return not_in_future(self.cleaned_data["found_on"],
                             _("A hazard cannot be found in the future."))

    def clean(self):
        cleaned = super().clean()
        found_on, deadline = cleaned.get("found_on"), cleaned.get("deadline")
        if found_on and deadline and deadline < found_on:
            self.add_error("deadline", _("The deadline cannot be before the hazard was found."))
        return cleaned


class HazardFixForm(forms.Form):
    fixed_on = forms.DateField(label=_("Fixed on"), widget=DateInput())
    fix_note = forms.CharField(label=_("How it was fixed"), max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, hazard, **kwargs):
        super().__init__(*args, **kwargs)
        self.hazard = hazard

    def clean_fixed_on(self):
        value = not_in_future(self.cleaned_data["fixed_on"],
                              _("The fix cannot be recorded before it is done."))
        if value < self.hazard.found_on:
            raise forms.ValidationError(_("A hazard cannot be fixed before it was found."),
                                        code="early")
        return value
