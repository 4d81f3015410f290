"""Forms of the credit records (evaluation.services.credit): the centre's appeal, the district's
decision, a regulator's commendation and the filters of the regulator's list of grades."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import FilterForm, SearchField, district_choices, no_control_characters
from luhuituo.core.submissions import OneTimeForm

from ..models import CreditAppeal, CreditEventType, CreditGrade

ALL = ("", _("All"))
SORTS = ("name", "district", "points", "grade", "updated")


class AppealForm(OneTimeForm):
    reason = forms.CharField(label=_("Reason for the appeal"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             validators=[no_control_characters], error_messages={
                                 "required": _("Give the reason for the appeal.")})


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        (CreditAppeal.Status.UPHELD, _("Uphold: withdraw the event")),
        (CreditAppeal.Status.REJECTED, _("Reject: the event stays")),
    ], error_messages={"required": _("Choose a decision.")})
    reason = forms.CharField(label=_("Reason for the decision"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 4}), error_messages={
                                 "required": _("Give the reason for the decision.")})


class CommendationForm(OneTimeForm):
    type = forms.ModelChoiceField(
        label=_("Type"), queryset=CreditEventType.objects.none(),
        error_messages={"required": _("Choose a type."),
                        "invalid_choice": _("Choose a type that regulators enter.")})
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}),
                                  error_messages={"required": _("Give the date."),
                                                  "invalid": _("Enter a valid date.")})
    note = forms.CharField(label=_("Note"), max_length=300, validators=[no_control_characters],
                           error_messages={"required": _("Say what is commended.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = CreditEventType.objects.filter(
            source=CreditEventType.Source.REGULATOR, active=True)


class CreditFilterForm(FilterForm):
    q = SearchField(placeholder=_("Centre name"))
    district = forms.ChoiceField(label=_("District/county"), required=False)
    grade = forms.ChoiceField(label=_("Credit grade"), required=False,
                              choices=[ALL, *CreditGrade.choices])
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (f"{sign}{key}", key) for key in SORTS for sign in ("", "-")])

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)


class AppealFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[ALL, *CreditAppeal.Status.choices])
