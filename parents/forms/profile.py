"""The parent portal's forms: which centres to compare (and from where), and what a family's
cost estimate needs. All read query parameters (GET), through ``FilterForm``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import FilterForm, IdField
from registry.models import ClassType

MAX_COMPARED = 3


class CompareForm(FilterForm):
    """``?c=1&c=2&c=3``: the centres to compare (ids; a bad one is dropped and counted in
    ``dropped``, repeats are kept once), and an optional point ``lat``/``lng`` to measure the
    distance from."""

    c = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90,
                           widget=forms.HiddenInput)
    lng = forms.FloatField(label=_("Longitude"), required=False, min_value=-180,
                           max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.dropped = 0

    def clean_c(self) -> list[int]:
        raw = self.cleaned_data.get("c") or []
        if isinstance(raw, str):
            raw = [raw]
        ids: list[int] = []
        one = IdField()
        for value in raw:
            try:
                pk = one.clean(value)
            except forms.ValidationError:
                self.dropped += 1
                continue
            if pk is not None and pk not in ids:
                ids.append(pk)
        return ids

    def ids(self) -> list[int]:
        return self.value("c", [])

    def point(self) -> tuple[float, float] | None:
        # not value(): 0 is a coordinate like any other, not a missing one
        self.is_valid()
        lat, lng = self.cleaned_data.get("lat"), self.cleaned_data.get("lng")
        if lat is None or lng is None:
            return None
        return lat, lng


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class CostForm(forms.Form):
    """A family's cost estimate: the class (its age group; fees are by class) and whether the
    child is under three. Read from the query string; shown with its errors when bad."""

    class_type = forms.ChoiceField(label=_("Class (age group)"),
                                   choices=[("", _("Choose…")), *ClassType.choices])
    under_three = forms.ChoiceField(label=_("Is the child under 3?"), choices=YES_NO,
                                    initial="yes")

    @classmethod
    def from_query(cls, query) -> CostForm:
        """Bound when the query asks for an estimate (it has ``class_type``), else unbound."""
        if "class_type" in query:
            data = {"class_type": query.get("class_type", ""),
                    "under_three": query.get("under_three", "yes")}
            return cls(data)
        return cls()

    @property
    def under_three_value(self) -> bool:
        return self.cleaned_data.get("under_three") == "yes"
