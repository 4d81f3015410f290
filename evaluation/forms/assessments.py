"""Forms of the assessment workflow (evaluation.services.assessments): one indicator's score,
the district's assignment of an on-site assessment and its decision, the filters of the
regulator's list. Whether a score is valid for its indicator is the framework's rule
(``Indicator.check_score``), checked by the service; the form only carries what was typed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from luhuituo.core.forms import (
    DateInput,
    FilterForm,
    IdField,
    SearchField,
    VersionField,
    district_choices,
    no_control_characters,
)
from luhuituo.core.submissions import OneTimeForm
from luhuituo.core.uploads import check_upload
from registry.models import Centre

from ..models import Assessment

ALL = ("", _("All"))
PHOTO_TYPES = ("jpg", "png")
SORTS = ("centre", "district", "kind", "status", "total", "created")


class ScoreForm(forms.Form):
    """One indicator's row: its prefix is the score's id, so a page holds one per indicator."""

    score = forms.CharField(label=_("Score"), required=False, max_length=12,
                            widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                          "autocomplete": "off", "size": 6}))
    evidence = forms.CharField(label=pgettext_lazy("assessment", "Evidence"), required=False,
                               max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    comment = forms.CharField(label=pgettext_lazy("assessment", "Comment"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(label=_("Photo (JPEG or PNG)"), required=False)
    remove_photo = forms.BooleanField(label=_("Remove the photo"), required=False)
    version = VersionField()

    def __init__(self, *args, score, photos: bool = False, **kwargs):
        kwargs.setdefault("prefix", f"s{score.pk}")
        kwargs.setdefault("initial", {
            "score": "" if score.score is None else f"{score.score.normalize():f}",
            "evidence": score.evidence, "comment": score.comment, "version": score.version})
        super().__init__(*args, **kwargs)
        self.score_row = score
        maximum = score.indicator.max_score
        if maximum is not None:
            self.fields["score"].help_text = _("0 to %(max)s") % {
                "max": f"{maximum.normalize():f}"}
        if not photos:
            del self.fields["photo"], self.fields["remove_photo"]
        elif not score.photo:
            del self.fields["remove_photo"]

    def clean_photo(self):
        uploaded = self.cleaned_data.get("photo")
        if not uploaded:
            return None
        return check_upload(uploaded, allowed=PHOTO_TYPES).file


class AssignForm(OneTimeForm):
    HAND, DRAW = "hand", "draw"

    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Centre.objects.none(),
                                    error_messages={"required": _("Choose a centre."),
                                                    "invalid_choice": _("Choose a centre.")})
    kind = forms.ChoiceField(label=_("Kind of assessment"), widget=forms.RadioSelect,
                             initial=Assessment.Kind.ONSITE, choices=[
                                 (Assessment.Kind.ONSITE, _("On-site assessment (for a rating)")),
                                 (Assessment.Kind.SPOT_CHECK,
                                  _("Spot check of a rated centre"))],
                             error_messages={"required": _("Choose the kind of assessment.")})
    method = forms.ChoiceField(label=_("Assessor"), widget=forms.RadioSelect, initial=DRAW,
                               choices=[(DRAW, _("Draw one at random from the pool, leaving out "
                                                 "declared conflicts")),
                                        (HAND, _("Choose one"))],
                               error_messages={"required": _("Choose how the assessor is "
                                                             "chosen.")})
    assessor = forms.ModelChoiceField(label=_("Assessor chosen"), required=False,
                                      queryset=None, error_messages={
                                          "invalid_choice": _("Choose an assessor from the "
                                                              "list.")})
    scheduled_on = forms.DateField(label=_("Visit date"), required=False, widget=DateInput,
                                   error_messages={"invalid": _("Enter a valid date.")})

    def __init__(self, *args, centres, assessors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres
        self.fields["assessor"].queryset = assessors
        self.fields["assessor"].label_from_instance = lambda user: user.get_full_name()

    def clean(self):
        data = super().clean()
        if data.get("method") == self.HAND and not data.get("assessor"):
            self.add_error("assessor", _("Choose the assessor, or let one be drawn."))
        if data.get("method") == self.DRAW:
            data["assessor"] = None
        return data


class AssignQuery(FilterForm):
    """``?centre=<id>``: the centre the assignment form starts with."""

    centre = IdField()


class DecisionForm(forms.Form):
    APPROVE, RETURN, CANCEL = "approve", "return", "cancel"

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        (APPROVE, _("Approve the result")),
        (RETURN, _("Return to the assessor for correction")),
        (CANCEL, _("Cancel the assessment")),
    ], error_messages={"required": _("Choose a decision.")})
    note = forms.CharField(label=_("Note or reason"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           validators=[no_control_characters],
                           help_text=_("Required when returning: what should be corrected."))


class AssessmentFilterForm(FilterForm):
    q = SearchField(placeholder=_("Centre name"))
    district = forms.ChoiceField(label=_("District/county"), required=False)
    kind = forms.ChoiceField(label=pgettext_lazy("assessment", "Kind"), required=False,
                             choices=[ALL, *Assessment.Kind.choices])
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[ALL, *Assessment.Status.choices])
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (f"{sign}{key}", key) for key in SORTS for sign in ("", "-")])

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)
