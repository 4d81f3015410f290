"""The filters of the regulator's list of star ratings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import FilterForm, SearchField, district_choices

from ..models import StarRating

IN_FORCE, EXPIRED, UNDER_REVIEW = "in_force", "expired", "under_review"
SORTS = ("centre", "district", "stars", "total", "until")


class RatingFilterForm(FilterForm):
    q = SearchField(placeholder=_("Centre name"))
    district = forms.ChoiceField(label=_("District/county"), required=False)
    stars = forms.ChoiceField(label=_("Stars"), required=False,
                              choices=[("", _("All")),
                                       *((str(n), str(n)) for n in range(5, 0, -1))])
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[
        (IN_FORCE, _("In force")), (EXPIRED, _("Past valid-until")),
        (UNDER_REVIEW, _("Under downgrade review")),
        (StarRating.Status.DOWNGRADED, StarRating.Status.DOWNGRADED.label),
        (StarRating.Status.SUPERSEDED, StarRating.Status.SUPERSEDED.label),
        ("all", _("All"))])
    capped = forms.BooleanField(label=_("Capped by a veto item"), required=False)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (f"{sign}{key}", key) for key in SORTS for sign in ("", "-")])

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)
