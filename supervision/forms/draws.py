"""Forms of random inspections (docs/rules/random-inspections.md): the list filters, a new draw,
a declared conflict of interest, and the public results' filter. Choices are limited to what
the user may act on (their own districts, the pools and centres of those districts), so a
foreign object is a form error, never a 500."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from luhuituo.core.forms import DateInput, FilterForm, SearchField, district_choices
from luhuituo.core.models import Region, User
from luhuituo.core.submissions import OneTimeForm
from registry.models import Centre

from ..models import FILED_STATUSES
from ..services.draws import drawable_districts
from ..services.inspections import active_checklists

DATE = DateInput()
MAX_CENTRES = 500
MAX_INSPECTORS = 10


class DrawFilterForm(FilterForm):
    date_from = forms.DateField(label=_("Drawn from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("Drawn until"), required=False, widget=DATE)
    district = forms.ChoiceField(label=_("District/county"), required=False)

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)


class DistrictChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class _MinValue:
    """At least the rule's number of inspectors, in the rule's words."""

    def __init__(self, least: int):
        self.least = least

    def __call__(self, value):
        if value is not None and value < self.least:
            raise forms.ValidationError(ngettext(
                "At least %(n)d inspector must visit each centre.",
                "At least %(n)d inspectors must visit each centre.", self.least)
                % {"n": self.least})


class DrawForm(OneTimeForm):
    district = DistrictChoiceField(label=_("District/county"), queryset=Region.objects.none(),
                                   empty_label=None, error_messages={"invalid_choice": _(
                                       "Choose a district of your own bureau.")})
    centres = forms.IntegerField(label=_("Centres to draw"), min_value=1, max_value=MAX_CENTRES)
    weighted = forms.BooleanField(label=_("Weight by risk"), required=False, initial=True,
                                  help_text=_("Riskier centres are more likely to be drawn; "
                                              "every centre can be."))
    inspectors_per_centre = forms.IntegerField(label=_("Inspectors per centre"),
                                               max_value=MAX_INSPECTORS)
    window_start = forms.DateField(label=_("Visits from"), widget=DATE)
    window_end = forms.DateField(label=_("Visits until"), widget=DATE)
    checklists = forms.ModelMultipleChoiceField(
        label=_("Checklists"), queryset=active_checklists(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        least = settings.RANDOM_DRAW_MIN_INSPECTORS
        self.fields["district"].queryset = drawable_districts(user)
        field = self.fields["inspectors_per_centre"]
        field.initial = least
        field.validators.append(_MinValue(least))
        field.widget.attrs["min"] = least
        today = timezone.localdate()
        self.fields["window_start"].initial = today + timedelta(days=1)
        self.fields["window_end"].initial = today + timedelta(days=30)
        self.fields["checklists"].initial = list(active_checklists())

    def clean_window_start(self):
        start = self.cleaned_data["window_start"]
        if start <= timezone.localdate():
            raise forms.ValidationError(_("The window starts tomorrow at the earliest."))
        return start

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end:
            if end < start:
                self.add_error("window_end", _("The window ends before it starts."))
            elif (end - start).days >= settings.RANDOM_DRAW_MAX_WINDOW_DAYS:
                self.add_error("window_end", _("The window is at most %(n)d days long.") % {
                    "n": settings.RANDOM_DRAW_MAX_WINDOW_DAYS})
        return cleaned


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name()


class CentreChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ConflictForm(OneTimeForm):
    inspector = UserChoiceField(label=_("Inspector"), queryset=User.objects.none(),
                                error_messages={"invalid_choice": _(
                                    "Choose an inspector of your district.")})
    centre = CentreChoiceField(label=_("Centre"), queryset=Centre.objects.none(),
                               error_messages={"invalid_choice": _(
                                   "Choose an operating centre of your district.")})
    reason = forms.CharField(label=_("Conflict of interest"), max_length=200,
                             help_text=_("For example: a relative works there; worked there "
                                         "until 2025."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = drawable_districts(user)
        self.fields["inspector"].queryset = (
            User.objects.filter(account_type=User.AccountType.REGULATOR, is_active=True,
                                scopes__region__in=districts).distinct().order_by("name", "pk"))
        self.fields["centre"].queryset = (
            Centre.objects.filter(region__in=districts, filing__status__in=FILED_STATUSES)
            .order_by("name", "pk"))

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say what the conflict of interest is."))
        return reason


class PublicResultsFilterForm(FilterForm):
    region = forms.ChoiceField(label=_("District/county"), required=False)
    q = SearchField(placeholder=_("Centre name"))

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [("", _("All")), *(
            (r.code, r.name) for r in Region.objects.districts())]
