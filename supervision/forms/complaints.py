"""Forms for complaints. Choice fields are limited to what the user may see (centres in scope,
regulators responsible for the centre, this centre's inspections), so a foreign object is a
form error, never a 500."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.dates import day
from luhuituo.core.forms import FilterForm, SearchField, district_choices
from luhuituo.core.models import RegulatorScope, User
from luhuituo.core.submissions import OneTimeForm
from registry.models import Centre
from registry.validators import validate_phone

from ..models import Complaint, Inspection
from ..services.inspections import active_checklists
from .inspections import ALL, DATE


class ComplaintFilterForm(FilterForm):
    q = SearchField(placeholder=_("Centre or summary"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[ALL, ("open", _("Not closed")),
                                        *Complaint.Status.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False,
                                 choices=[ALL, *Complaint.Priority.choices])
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[ALL, *Complaint.Category.choices])
    district = forms.ChoiceField(label=_("District/county"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)


class ComplaintForm(OneTimeForm, forms.ModelForm):
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Centre.objects.none(),
                                    error_messages={"invalid_choice": _(
                                        "Choose a centre in your jurisdiction.")})
    complainant_phone = forms.CharField(label=_("Complainant's phone"), required=False,
                                        max_length=20, validators=[validate_phone])

    class Meta:
        model = Complaint
        fields = ["centre", "channel", "category", "priority", "summary", "details",
                  "complainant_name", "complainant_phone"]
        widgets = {"details": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = Centre.objects.visible_to(user).select_related(
            "region").order_by("region__code", "name")
        self.fields["centre"].label_from_instance = lambda c: f"{c.name}（{c.region.name}）"
        # The parent portal has its own channel; a regulator records the others.
        self.fields["channel"].choices = [
            c for c in Complaint.Channel.choices if c[0] != Complaint.Channel.PORTAL]


def regulators_for(centre: Centre):
    """Regulators who may decide for ``centre``: its district's, and its city's."""
    regions = [centre.region_id] + ([centre.region.parent_id] if centre.region.parent_id else [])
    return User.objects.filter(
        is_active=True, account_type=User.AccountType.REGULATOR,
        scopes__role=RegulatorScope.Role.REGULATOR, scopes__region_id__in=regions,
    ).distinct().order_by("name", "id")


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Handled by"), queryset=User.objects.none(),
                                      error_messages={"invalid_choice": _(
                                          "Choose a regulator responsible for this centre.")})
    priority = forms.ChoiceField(label=_("Priority"), choices=Complaint.Priority.choices)

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = regulators_for(complaint.centre)
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name()


class AnswerForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome given to the complainant"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    upheld = forms.TypedChoiceField(
        label=_("Complaint upheld"), widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        choices=[("yes", _("Yes, upheld")), ("no", _("No, not upheld"))])


class LinkForm(forms.Form):
    inspection = forms.ModelChoiceField(
        label=_("Existing inspection"), required=False, queryset=Inspection.objects.none(),
        error_messages={"invalid_choice": _("Choose an inspection of this centre.")})
    planned_on = forms.DateField(label=_("Or plan a complaint inspection for"), required=False,
                                 widget=DATE)
    checklists = forms.ModelMultipleChoiceField(
        label=_("Checklists"), queryset=active_checklists(), required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, complaint: Complaint, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = Inspection.objects.visible_to(user).filter(
            centre=complaint.centre).exclude(status=Inspection.Status.CLOSED)
        self.fields["inspection"].label_from_instance = (
            lambda i: f"{day(i.planned_on)} · {i.get_kind_display()} · "
                      f"{i.get_status_display()}")

    def clean(self):
        cleaned = super().clean()
        inspection, planned_on = cleaned.get("inspection"), cleaned.get("planned_on")
        if self.errors:
            return cleaned
        if not inspection and not planned_on:
            raise forms.ValidationError(_("Choose an inspection, or a date for a new one."))
        if inspection and planned_on:
            raise forms.ValidationError(_("Choose an existing inspection or a new date, not "
                                          "both."))
        if planned_on:
            if planned_on < timezone.localdate():
                self.add_error("planned_on", _("An inspection cannot be planned in the past."))
            if not cleaned.get("checklists"):
                self.add_error("checklists", _("Choose at least one checklist."))
        return cleaned
