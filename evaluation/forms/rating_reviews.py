"""Forms of the downgrade reviews (降级复核) of star ratings (evaluation.services.ratings): the
filters of the regulator's list and the district's decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luhuituo.core.forms import FilterForm, SearchField, district_choices, no_control_characters
from luhuituo.core.submissions import OneTimeForm

from ..models import DowngradeReview

OPEN, DECIDED, ALL = "open", "decided", "all"
SORTS = ("opened", "centre", "district", "trigger", "stars")
KEEP, DOWNGRADE = "keep", "downgrade"


class ReviewFilterForm(FilterForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        (OPEN, pgettext_lazy("downgrade review", "Open")),
        (DECIDED, pgettext_lazy("downgrade review", "Decided")),
        (ALL, _("All")),
    ])
    trigger = forms.ChoiceField(label=_("Trigger"), required=False,
                                choices=[("", _("All")), *DowngradeReview.Trigger.choices])
    district = forms.ChoiceField(label=_("District/county"), required=False)
    q = SearchField(placeholder=_("Centre name"))
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (f"{sign}{key}", key) for key in SORTS for sign in ("", "-")])

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)


class ReviewDecisionForm(OneTimeForm):
    """Keep the rating, or lower it to ``stars`` (the service checks the range against the
    rating's stars, so the message can name them), with the reason."""

    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(KEEP, _("Keep the rating")), (DOWNGRADE, _("Lower the stars"))],
        error_messages={"required": _("Choose whether to keep the rating or lower it."),
                        "invalid_choice": _("Choose whether to keep the rating or lower it.")})
    stars = forms.IntegerField(
        label=_("Stars after the downgrade"), required=False,
        help_text=_("Only when lowering: fewer than now, at least 1."),
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
        error_messages={"invalid": _("Enter the number of stars as a whole number.")})
    reason = forms.CharField(
        label=_("Reason for the decision"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}), validators=[no_control_characters],
        error_messages={"required": _("Give the reason for the decision.")})

    def __init__(self, *args, rating=None, **kwargs):
        super().__init__(*args, **kwargs)
        if rating is not None and rating.stars > 1:
            self.fields["stars"].widget.attrs["max"] = rating.stars - 1

    def clean(self):
        data = super().clean()
        if data.get("decision") == KEEP:  # the stars are not read: nothing to refuse in them
            self.errors.pop("stars", None)
            data["stars"] = None
        return data

    @property
    def downgrade(self) -> bool:
        return self.cleaned_data.get("decision") == DOWNGRADE
