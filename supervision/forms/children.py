"""Forms for children's records. Choices of classes, guardians and consents come from the
child's own centre only, so an id from another centre is a form error, never a leak or a 500.
The rules themselves live in ``supervision.services.children``; forms repeat the simple ones
so the message lands on the right field."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from luhuituo.core.crypto import blind_index
from luhuituo.core.forms import (
    DateInput,
    FilterForm,
    IDNumberField,
    SearchField,
    VersionField,
    not_in_future,
)
from luhuituo.core.masking import mask_id_number, mask_phone
from luhuituo.core.submissions import OneTimeForm
from luhuituo.core.validators import validate_id_number
from registry.models import Centre, ClassGroup
from registry.validators import validate_phone

from ..models import Child, Guardian, GuardianConsent, HealthCheck, VaccinationCheck
from ..services.children import (
    PRIVACY_RULES_SUMMARY,
    new_placement_problem,
    placement_problem,
)


def _service_form_choices(centre: Centre) -> list[tuple[str, str]]:
    """The centre's own service forms (all of them while it has declared none)."""
    offered = [c for c in Centre.ServiceForm.choices if c[0] in (centre.service_forms or [])]
    return offered or list(Centre.ServiceForm.choices)


class ClassChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ClassGroup) -> str:
        return str(obj)


def _class_field(centre: Centre, **kwargs) -> ClassChoiceField:
    return ClassChoiceField(
        queryset=centre.classes.order_by("class_type", "name", "id"),
        label=capfirst(_("class")),
        error_messages={"invalid_choice": _("Choose one of this centre's classes.")},
        **kwargs)


def _id_number_field(label) -> IDNumberField:
    return IDNumberField(label=label, max_length=30, required=False,
                         validators=[validate_id_number],
                         help_text=_("Optional. 18 characters; shown masked afterwards."),
                         widget=forms.TextInput(attrs={"autocomplete": "off"}))


class EnrolmentForm(OneTimeForm):
    """The whole enrolment on one page: child, primary guardian, consent, placement. Sent
    twice, it enrols once (``OneTimeForm``); a likely duplicate of a registered child is
    refused unless ``different_child`` is ticked."""

    # child
    name = forms.CharField(label=_("Child's name"), max_length=50)
    sex = forms.ChoiceField(label=capfirst(_("sex")), choices=Child.Sex.choices,
                            widget=forms.RadioSelect)
    birth_date = forms.DateField(label=capfirst(_("date of birth")), widget=DateInput)
    id_number = _id_number_field(_("Child's resident ID number"))
    allergies = forms.CharField(label=capfirst(_("allergies and dietary needs")), required=False,
                                max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    # guardian
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=50)
    guardian_relation = forms.ChoiceField(label=capfirst(_("relation to the child")),
                                          choices=Guardian.Relation.choices)
    guardian_mobile = forms.CharField(label=_("Guardian's mobile number"), max_length=20,
                                      validators=[validate_phone],
                                      widget=forms.TextInput(attrs={"inputmode": "tel",
                                                                    "autocomplete": "off"}))
    guardian_id_number = _id_number_field(_("Guardian's resident ID number"))
    # consent
    consent = forms.BooleanField(
        label=_("The guardian has read the child privacy rules and consents to the child's "
                "records being kept"),
        error_messages={"required": _("A child can be enrolled only with the guardian's "
                                      "consent: tick the box once the guardian has "
                                      "consented.")})
    consent_method = forms.ChoiceField(label=capfirst(_("how consent was given")),
                                       choices=GuardianConsent.Method.choices)
    photo_consent = forms.BooleanField(
        label=_("The guardian also consents to photos and video of the child (separate, "
                "optional)"), required=False)
    # placement
    class_group = forms.ModelChoiceField(queryset=ClassGroup.objects.none())
    started_on = forms.DateField(label=capfirst(_("starts on")), widget=DateInput)
    service_form = forms.ChoiceField(label=capfirst(_("service form")))
    # shown once the service finds a registered child who is probably this one
    different_child = forms.BooleanField(
        label=_("This is a different child, not the one already registered"), required=False)

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.centre = centre
        self.fields["class_group"] = _class_field(centre)
        self.fields["service_form"].choices = _service_form_choices(centre)
        self.privacy_rules = PRIVACY_RULES_SUMMARY
        self.rules_version = settings.CHILD_PRIVACY_RULES_VERSION

    def clean_birth_date(self):
        return not_in_future(self.cleaned_data["birth_date"],
                             _("The date of birth cannot be in the future."))

    def clean_id_number(self):
        number = self.cleaned_data["id_number"]
        if number and self.centre.children.filter(
                id_number_digest=blind_index(number, "ric")).exists():
            raise forms.ValidationError(_("This child is already registered at this centre."),
                                        code="duplicate")
        return number

    def clean(self):
        data = super().clean()
        birth, group, start = (data.get("birth_date"), data.get("class_group"),
                               data.get("started_on"))
        if birth and group and start:
            problem = new_placement_problem(birth, group, start)
            if problem:
                self.add_error(problem.field, problem.message)
        return data

    def child_data(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("name", "sex", "birth_date", "id_number", "allergies")}

    def guardian_data(self) -> dict:
        d = self.cleaned_data
        return {"name": d["guardian_name"], "relation": d["guardian_relation"],
                "mobile": d["guardian_mobile"], "id_number": d["guardian_id_number"]}


class GuardianForm(OneTimeForm, forms.ModelForm):
    id_number = _id_number_field(capfirst(_("resident ID number")))

    class Meta:
        model = Guardian
        fields = ["name", "relation", "mobile", "id_number"]
        widgets = {"mobile": forms.TextInput(attrs={"inputmode": "tel"})}


def _keep_recorded(field: forms.Field, masked: str) -> None:
    """The recorded number is never sent back to the browser: the field stays empty, shows
    only the masked number, and empty keeps it."""
    field.required = False
    field.widget.attrs["placeholder"] = masked
    field.help_text = _("Leave empty to keep the recorded number (%(masked)s).") % {
        "masked": masked}


class ChildEditForm(forms.Form):
    """Correct a child's details: prefilled, except the ID number (masked; empty keeps it).
    Carries the version of the record it was opened on (saving over a newer one is
    refused)."""

    prefix = "edit"
    version = VersionField()
    name = forms.CharField(label=_("Child's name"), max_length=50)
    sex = forms.ChoiceField(label=capfirst(_("sex")), choices=Child.Sex.choices,
                            widget=forms.RadioSelect)
    birth_date = forms.DateField(label=capfirst(_("date of birth")), widget=DateInput)
    id_number = _id_number_field(_("Child's resident ID number"))
    allergies = forms.CharField(label=capfirst(_("allergies and dietary needs")), required=False,
                                max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    health_notes = forms.CharField(label=capfirst(_("health notes")), required=False,
                                   max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, child: Child, **kwargs):
        kwargs.setdefault("initial", {
            "name": child.name, "sex": child.sex, "birth_date": child.birth_date,
            "allergies": child.allergies, "health_notes": child.health_notes,
            "version": child.version})
        super().__init__(*args, **kwargs)
        self.child = child
        if child.id_number:
            _keep_recorded(self.fields["id_number"], mask_id_number(child.id_number))

    def clean_birth_date(self):
        birth = not_in_future(self.cleaned_data["birth_date"],
                              _("The date of birth cannot be in the future."))
        enrolment = self.child.current_enrolment
        if birth != self.child.birth_date and enrolment is not None:
            problem = placement_problem(birth, enrolment.class_group, enrolment.started_on)
            if problem:
                raise forms.ValidationError(
                    _("With this date of birth the child does not fit the current class: "
                      "%(problem)s") % {"problem": problem.message}, code="class")
        return birth

    def clean_id_number(self):
        number = self.cleaned_data["id_number"]
        if number and self.child.centre.children.filter(
                id_number_digest=blind_index(number, "ric")).exclude(pk=self.child.pk).exists():
            raise forms.ValidationError(_("Another child of this centre is registered with "
                                          "this ID number."), code="duplicate")
        return number


class GuardianEditForm(forms.Form):
    """Correct a guardian's details: prefilled, except the mobile and ID numbers (masked;
    empty keeps them). One per guardian on the child's page, prefixed by its id, with the
    version of the guardian's record it was opened on."""

    version = VersionField()
    name = forms.CharField(label=capfirst(_("name")), max_length=50)
    relation = forms.ChoiceField(label=capfirst(_("relation to the child")),
                                 choices=Guardian.Relation.choices)
    mobile = forms.CharField(label=capfirst(_("mobile number")), max_length=20,
                             validators=[validate_phone],
                             widget=forms.TextInput(attrs={"inputmode": "tel",
                                                           "autocomplete": "off"}))
    id_number = _id_number_field(capfirst(_("resident ID number")))

    def __init__(self, *args, guardian: Guardian, **kwargs):
        kwargs.setdefault("prefix", f"guardian-{guardian.pk}")
        kwargs.setdefault("initial", {"name": guardian.name, "relation": guardian.relation,
                                      "version": guardian.version})
        super().__init__(*args, **kwargs)
        self.guardian = guardian
        _keep_recorded(self.fields["mobile"], mask_phone(guardian.mobile))
        if guardian.id_number:
            _keep_recorded(self.fields["id_number"], mask_id_number(guardian.id_number))


class HealthCheckForm(OneTimeForm, forms.ModelForm):
    class Meta:
        model = HealthCheck
        fields = ["kind", "checked_on", "institution", "result", "notes"]
        widgets = {"checked_on": DateInput, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.child = child

    def clean_checked_on(self):
        day = not_in_future(self.cleaned_data["checked_on"])
        if day < self.child.birth_date:
            raise forms.ValidationError(_("The check date is before the child's date of "
                                          "birth."), code="before_birth")
        return day


class VaccinationCheckForm(OneTimeForm, forms.ModelForm):
    class Meta:
        model = VaccinationCheck
        fields = ["checked_on", "certificate_seen", "up_to_date", "missing"]
        widgets = {"checked_on": DateInput}

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.child = child

    def clean_checked_on(self):
        day = not_in_future(self.cleaned_data["checked_on"])
        if day < self.child.birth_date:
            raise forms.ValidationError(_("The check date is before the child's date of "
                                          "birth."), code="before_birth")
        return day

    def clean(self):
        data = super().clean()
        if data.get("up_to_date") is False and not (data.get("missing") or "").strip():
            self.add_error("missing", _("Write down which vaccinations are missing."))
        if data.get("certificate_seen") is False and data.get("up_to_date"):
            self.add_error("up_to_date", _("Without seeing the certificate the vaccinations "
                                           "cannot be confirmed as up to date."))
        return data


class _PlacementForm(forms.Form):
    on = forms.DateField(label=_("From"), widget=DateInput)

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.child = child
        self.fields["class_group"] = _class_field(child.centre)
        self.fields["service_form"] = forms.ChoiceField(
            label=capfirst(_("service form")), choices=_service_form_choices(child.centre))
        self.order_fields(["class_group", "on", "service_form"])

    def clean(self):
        data = super().clean()
        group, on = data.get("class_group"), data.get("on")
        if group and on:
            problem = new_placement_problem(self.child.birth_date, group, on, field="on")
            if problem:
                self.add_error(problem.field, problem.message)
        return data


class MoveClassForm(_PlacementForm):
    prefix = "move"


class ReadmitForm(_PlacementForm):
    prefix = "readmit"


class WithdrawForm(forms.Form):
    prefix = "withdraw"
    on = forms.DateField(label=_("Last day"), widget=DateInput)
    reason = forms.CharField(label=capfirst(_("reason for withdrawal")), max_length=200)

    def clean_on(self):
        return not_in_future(self.cleaned_data["on"])


class ConsentForm(OneTimeForm):
    """A consent recorded after enrolment: photos later, or records again under new rules."""

    prefix = "consent"
    guardian = forms.ModelChoiceField(queryset=Guardian.objects.none(),
                                      label=capfirst(_("guardian")))
    purpose = forms.ChoiceField(label=capfirst(_("purpose")),
                                choices=GuardianConsent.Purpose.choices)
    method = forms.ChoiceField(label=capfirst(_("how consent was given")),
                               choices=GuardianConsent.Method.choices)
    confirmed = forms.BooleanField(
        label=_("The guardian has read the child privacy rules and consents"),
        error_messages={"required": _("Tick the box once the guardian has consented.")})

    def __init__(self, *args, child: Child, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = child.guardians.all()
        self.fields["guardian"].error_messages["invalid_choice"] = _(
            "Choose one of this child's guardians.")


class ChildFilterForm(FilterForm):
    """The child list's query parameters; invalid values are dropped, not refused."""

    STATUS_CHOICES = [("enrolled", _("Enrolled")), ("withdrawn", _("Withdrawn")),
                      ("all", _("All"))]

    q = SearchField(placeholder=_("Child's name"), max_length=50)
    status = forms.ChoiceField(label=capfirst(_("status")), required=False,
                               choices=STATUS_CHOICES)
    class_group = forms.ModelChoiceField(queryset=ClassGroup.objects.none(), required=False,
                                         label=capfirst(_("class")), empty_label=_("All"))

    def __init__(self, data, *, centre: Centre, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["class_group"].queryset = centre.classes.order_by("class_type", "name")


class AccessReasonForm(forms.Form):
    """Why a regulator opens children's names (PIPL purpose limitation,
    docs/rules/data-protection.md)."""

    class Purpose:
        CHOICES = [
            ("incident", _("Incident investigation")),
            ("disease", _("Infectious-disease reporting")),
            ("inspection", _("Inspection")),
            ("complaint", _("Complaint handling")),
        ]

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.CHOICES)
    note = forms.CharField(label=_("Details (case, inspection or complaint number)"),
                           max_length=150)

    def reason(self) -> str:
        labels = dict(self.Purpose.CHOICES)
        purpose = self.cleaned_data["purpose"]
        return f"regulator · {purpose} ({labels[purpose]}) · {self.cleaned_data['note']}"
