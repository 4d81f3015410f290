"""The annual report's forms: the submission (one-time), the correction, and the regulator
list's query parameters."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import FilterForm, district_choices
from luhuituo.core.submissions import OneTimeForm

from ..models import AnnualReport


def _file_field():
    # Empty files get check_upload's message, like every other upload.
    return forms.FileField(
        label=_("Report file (PDF, JPG or PNG, at most 10 MB; optional)"), required=False,
        allow_empty_file=True, widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))


def default_report_year() -> int:
    """The year a report is usually sent for now: the last year."""
    return timezone.localdate().year - 1


class AnnualReportForm(OneTimeForm, forms.ModelForm):
    file = _file_field()

    class Meta:
        model = AnnualReport
        fields = ["year", "children_served", "staff_count", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}
        help_texts = {"summary": _("Services provided, staffing and training, safety and "
                                   "health care, incidents, fees, and the plan for next "
                                   "year.")}

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.centre = centre
        self.fields["year"].initial = default_report_year()

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(
                _("A report can only be submitted for a year that has begun."), code="future")
        if AnnualReport.objects.filter(centre=self.instance.centre, year=year).exists():
            raise forms.ValidationError(
                _("The report on %(year)d has already been submitted. To change it, send a "
                  "correction."), code="duplicate", params={"year": year})
        return year

    def clean_summary(self):
        summary = self.cleaned_data["summary"].strip()
        if not summary:
            raise forms.ValidationError(_("This field is required."), code="required")
        return summary

    def validate_constraints(self, exclude=None):
        """One report per year is checked above, beside the year, and again by the service
        and the database."""


class AnnualReportCorrectionForm(forms.ModelForm):
    file = _file_field()
    correction_reason = forms.CharField(
        label=_("Reason for the correction"), max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the report; the district health bureau sees it."))

    class Meta:
        model = AnnualReport
        fields = ["children_served", "staff_count", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("A new file replaces the one sent; leave empty to "
                                          "keep it.")

    def clean_summary(self):
        summary = self.cleaned_data["summary"].strip()
        if not summary:
            raise forms.ValidationError(_("This field is required."), code="required")
        return summary

    def clean_correction_reason(self):
        reason = self.cleaned_data["correction_reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why the report is corrected."), code="required")
        return reason


class AnnualReportFilterForm(FilterForm):
    """The regulator list's ``?year=&district=&status=``; invalid values are dropped."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    district = forms.ChoiceField(label=_("District/county"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("All")), ("missing", _("Not submitted")), ("submitted", _("Submitted"))])

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)
