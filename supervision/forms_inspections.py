"""Forms for inspections, rectification orders and complaints. Choice fields are limited to
what the user may see (centres in scope, this inspection's findings, this centre's
inspections), so a foreign object is a form error, never a 500."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.models import Region, RegulatorScope, User
from registry.models import Centre
from registry.validators import validate_phone

from .models import (
    Complaint,
    Finding,
    Inspection,
    InspectionAnswer,
)
from .services.inspections import active_checklists, inspections_visible_to

ALL = ("", _("All"))
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _districts(user) -> list[tuple[str, str]]:
    regions = Region.objects.visible_to(user).exclude(level=Region.Level.CITY)
    return [ALL, *((r.code, r.name) for r in regions)]


class FilterForm(forms.Form):
    """Query parameters of a list. Invalid values are dropped rather than refused: the list
    is already limited to what the user may see."""

    def value(self, name: str):
        return self.cleaned_data.get(name) or ""


class PlanFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Centre name")}))
    district = forms.ChoiceField(label=_("District/county"), required=False)
    kind = forms.ChoiceField(label=_("Kind of centre"), required=False,
                             choices=[ALL, *Centre.Kind.choices])

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = _districts(user)


class InspectionFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Centre name")}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[ALL, *Inspection.Status.choices])
    kind = forms.ChoiceField(label=_("Kind of inspection"), required=False,
                             choices=[ALL, *Inspection.Kind.choices])
    district = forms.ChoiceField(label=_("District/county"), required=False)
    date_from = forms.DateField(label=_("Planned from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Planned until"), required=False, widget=DATE)

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = _districts(user)


class PlanForm(forms.Form):
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


class FindingForm(forms.Form):
    severity = forms.ChoiceField(label=_("Severity"), choices=Finding.Severity.choices)
    description = forms.CharField(label=_("Finding"), max_length=2000, widget=forms.Textarea(
        attrs={"rows": 3}))


class SummaryForm(forms.Form):
    summary = forms.CharField(label=_("Summary for the centre"), required=False,
                              max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


def _not_past(value):
    if value is not None and value < timezone.localdate():
        raise forms.ValidationError(_("The deadline cannot be in the past."))


class OrderForm(forms.Form):
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


class ComplaintFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search",
                                                      "placeholder": _("Centre or summary")}))
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
        self.fields["district"].choices = _districts(user)


class ComplaintForm(forms.ModelForm):
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
        self.fields["inspection"].queryset = inspections_visible_to(user).filter(
            centre=complaint.centre).exclude(status=Inspection.Status.CLOSED)
        self.fields["inspection"].label_from_instance = (
            lambda i: f"{i.planned_on:%Y-%m-%d} · {i.get_kind_display()} · "
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

