"""Forms for inspections, and the list filters the rectification and complaint lists share.
Choice fields are limited to what the user may see (centres in scope, this inspection's
findings), so a foreign object is a form error, never a 500."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import DateInput, FilterForm, IdField, SearchField, district_choices
from luhuituo.core.submissions import OneTimeForm
from registry.models import Centre

from ..models import Finding, Inspection, InspectionAnswer
from ..services.inspections import active_checklists

ALL = ("", _("All"))
DATE = DateInput()


class CentreQueryForm(FilterForm):
    """``?centre=<id>`` of a page that starts something for one centre (an inspection, an
    order, a complaint); whether the centre is visible stays the view's check."""

    centre = IdField()


class PlanFilterForm(CentreQueryForm):
    """The plan list's filters, and the centre chosen for planning (``?centre=<id>``)."""

    q = SearchField(placeholder=_("Centre name"))
    district = forms.ChoiceField(label=_("District/county"), required=False)
    kind = forms.ChoiceField(label=_("Kind of centre"), required=False,
                             choices=[ALL, *Centre.Kind.choices])

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)


class InspectionFilterForm(FilterForm):
    q = SearchField(placeholder=_("Centre name"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[ALL, *Inspection.Status.choices])
    kind = forms.ChoiceField(label=_("Kind of inspection"), required=False,
                             choices=[ALL, *Inspection.Kind.choices])
    district = forms.ChoiceField(label=_("District/county"), required=False)
    date_from = forms.DateField(label=_("Planned from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Planned until"), required=False, widget=DATE)
    format = forms.ChoiceField(required=False, choices=[("", "HTML"), ("csv", "CSV")],
                               widget=forms.HiddenInput)

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)


class PlanForm(OneTimeForm):
    centre = forms.ModelChoiceField(queryset=Centre.objects.none(), widget=forms.HiddenInput,
                                    error_messages={"invalid_choice": _(
                                        "Choose a centre in your jurisdiction.")})
    kind = forms.ChoiceField(label=_("Kind of inspection"), choices=Inspection.Kind.choices)
    planned_on = forms.DateField(label=_("Planned for"), widget=DATE)
    checklists = forms.ModelMultipleChoiceField(
        label=_("Checklists"), queryset=active_checklists(),
        widget=forms.CheckboxSelectMultiple)
    inspectors = forms.CharField(label=_("Other inspectors"), required=False, max_length=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = Centre.objects.visible_to(user)

    def clean_planned_on(self):
        planned_on = self.cleaned_data["planned_on"]
        if planned_on < timezone.localdate():
            raise forms.ValidationError(_("An inspection cannot be planned in the past."))
        return planned_on


SEVERITY_CHOICES = [("", _("No finding")), *Finding.Severity.choices]


class AnswersForm(forms.Form):
    """The checklist: per item a result, a note, and (for a failed item) a finding's
    severity. Field names carry the item id: result-12, note-12, finding-12."""

    def __init__(self, *args, items, answers=None, finding_items=(), **kwargs):
        super().__init__(*args, **kwargs)
        answers = answers or {}
        self.rows = []
        for item in items:
            answer = answers.get(item.pk)
            self.fields[f"result-{item.pk}"] = forms.ChoiceField(
                label=item.text, required=False, widget=forms.RadioSelect,
                choices=InspectionAnswer.Result.choices,
                initial=answer.result if answer else None)
            self.fields[f"note-{item.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=300,
                initial=answer.note if answer else "")
            self.fields[f"finding-{item.pk}"] = forms.ChoiceField(
                label=_("Finding"), required=False, choices=SEVERITY_CHOICES)
            self.rows.append({
                "item": item, "result": self[f"result-{item.pk}"],
                "note": self[f"note-{item.pk}"], "finding": self[f"finding-{item.pk}"],
                "has_finding": item.pk in finding_items,
            })
        self.items = items

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            result = cleaned.get(f"result-{item.pk}")
            if cleaned.get(f"finding-{item.pk}") and result != InspectionAnswer.Result.FAIL:
                self.add_error(f"finding-{item.pk}", _(
                    "Only an item that does not conform can become a finding."))
            if result == InspectionAnswer.Result.FAIL and not cleaned.get(
                    f"note-{item.pk}", "").strip():
                self.add_error(f"note-{item.pk}", _("Say what does not conform."))
        if not self.errors and not any(cleaned.get(f"result-{i.pk}") for i in self.items):
            raise forms.ValidationError(_("Answer at least one item."))
        return cleaned

    def answers(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (self.cleaned_data[f"result-{item.pk}"],
                      self.cleaned_data[f"note-{item.pk}"].strip())
            for item in self.items if self.cleaned_data.get(f"result-{item.pk}")
        }

    def findings(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"finding-{item.pk}"] for item in self.items
                if self.cleaned_data.get(f"finding-{item.pk}")}


class FindingForm(OneTimeForm):
    severity = forms.ChoiceField(label=_("Severity"), choices=Finding.Severity.choices)
    description = forms.CharField(label=_("Finding"), max_length=2000, widget=forms.Textarea(
        attrs={"rows": 3}))


class SummaryForm(forms.Form):
    summary = forms.CharField(label=_("Summary for the centre"), required=False,
                              max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
