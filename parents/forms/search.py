"""The query parameters of the parents' centre search."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import FilterForm, SearchField
from luhuituo.core.models import Region
from registry.models import Centre

from ..services.search import Criteria, place_point

STAR_CHOICES = [("", _("Any")), *((str(n), "★" * n) for n in range(1, 6))]


class SearchForm(FilterForm):
    """Where (a typed district, street or road; or a point — the browser's location), and
    what the family needs. Invalid values are dropped and shown as the field's error
    (``FilterForm``); a search never fails on its parameters."""

    place = SearchField(
        label=_("Near"), max_length=50, placeholder=_("District, street or road"),
        help_text=_("A district (江阳区), a street or town (大山坪街道), or a road."))
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90,
                           widget=forms.NumberInput(attrs={"step": "any"}))
    lng = forms.FloatField(label=_("Longitude"), required=False, min_value=-180,
                           max_value=180, widget=forms.NumberInput(attrs={"step": "any"}))
    name = SearchField(label=_("Centre name"), max_length=100)
    region = forms.ChoiceField(label=_("District/county"), required=False)
    age = forms.IntegerField(
        label=_("Child's age (months)"), required=False, min_value=0, max_value=35,
        help_text=_("Only centres with a class that takes a child of this age."))
    care_form = forms.ChoiceField(label=_("Care form"), required=False,
                                  choices=[("", _("Any")), *Centre.ServiceForm.choices])
    kind = forms.ChoiceField(label=_("Kind of centre"), required=False,
                             choices=[("", _("Any")), *Centre.Kind.choices])
    max_fee = forms.DecimalField(
        label=_("Monthly fee up to (yuan)"), required=False, min_value=0,
        max_value=Decimal("999999"), max_digits=8, decimal_places=2,
        help_text=_("The class fee of the fee schedule in force, without meals."))
    stars = forms.TypedChoiceField(label=_("Stars, at least"), required=False,
                                   choices=STAR_CHOICES, coerce=int, empty_value=None)
    inclusive = forms.BooleanField(label=_("Inclusive (普惠) centres only"), required=False)
    vacancies = forms.BooleanField(label=_("Places free now"), required=False)

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [
            ("", _("All")), *((r.code, r.name) for r in Region.objects.districts())]
        self.point = None

    def clean_place(self):
        place = self.cleaned_data.get("place", "")
        if place:
            self.point = place_point(place)
            if self.point is None:
                raise forms.ValidationError(
                    _("No district, street or road of that name is known here. Try a district "
                      "(江阳区) or a street (大山坪街道)."), code="unknown_place")
        return place

    def clean(self):
        data = super().clean()
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None) and not self.point:
            missing = "lng" if lng is None else "lat"
            if missing not in self.errors:
                self.add_error(missing, _("Give both the latitude and the longitude."))
            data.pop("lat", None)
            data.pop("lng", None)
        return data

    def criteria(self) -> Criteria:
        """The search the parameters ask for: a typed place wins over coordinates."""
        self.is_valid()
        if self.point:
            lat, lng = self.point
        else:
            lat, lng = self.cleaned_data.get("lat"), self.cleaned_data.get("lng")
            if lat is None or lng is None:
                lat = lng = None
        return Criteria(
            lat=lat, lng=lng, region_code=self.value("region"), name=self.value("name"),
            age_months=self.cleaned_data.get("age"), inclusive_only=bool(self.value("inclusive")),
            max_fee=self.cleaned_data.get("max_fee"), min_stars=self.value("stars", None),
            vacancies_now=bool(self.value("vacancies")), care_form=self.value("care_form"),
            kind=self.value("kind"))
