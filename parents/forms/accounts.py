"""The parent portal's forms: registering an account, entering a linking code."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import DateInput, no_control_characters, not_in_future
from luhuituo.core.models import User
from luhuituo.core.validators import normalise_mobile, validate_mobile
from registry.models import Centre, ClassGroup
from supervision.models import Child, Guardian

from ..services.accounts import mobile_taken
from ..services.linking import CODE_LENGTH, normalise_code


class RegistrationForm(forms.Form):
    """A parent's account: name, mobile number (the login name), password twice. Passwords are
    never shown again after an error."""

    name = forms.CharField(label=_("Your full name"), max_length=50,
                           validators=[no_control_characters],
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20,
        help_text=_("You log in with this number. No text message is sent to confirm it."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    password1 = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=lazy(lambda: " ".join(password_validation.password_validators_help_texts()),
                       str)())
    password2 = forms.CharField(
        label=_("Password again"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean_mobile(self) -> str:
        mobile = normalise_mobile(self.cleaned_data["mobile"])
        validate_mobile(mobile)
        if mobile_taken(mobile):
            raise forms.ValidationError(_(
                "An account with this mobile number already exists. Log in, or reset your "
                "password if you have forgotten it."))
        return mobile

    def clean(self):
        data = super().clean()
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(username=data.get("mobile") or "", mobile=data.get("mobile"),
                             name=data.get("name") or "")
            try:
                password_validation.validate_password(first, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class LinkingCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Linking code"), max_length=40,
        help_text=_("The code on the paper your centre gave you, e.g. ABCD-EFGH-JKLM."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}))

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH:
            raise forms.ValidationError(
                _("A linking code has %(n)d letters and digits.") % {"n": CODE_LENGTH})
        return code


# --- applications ---------------------------------------------------------------------------------


class ApplicantChildForm(forms.Form):
    name = forms.CharField(label=_("Child's name"), max_length=50,
                           validators=[no_control_characters])
    sex = forms.ChoiceField(label=_("Sex"), choices=Child.Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DateInput())
    relation = forms.ChoiceField(label=_("Your relation to the child"),
                                 choices=Guardian.Relation.choices)
    consent = forms.BooleanField(
        label=_("I have read the child privacy rules and agree that the centres I apply to, "
                "and the one that accepts my child, process my child's data for the "
                "application and the childcare records."),
        error_messages={"required": _("A child can be added only with your consent to the "
                                      "child privacy rules.")})

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the child's name."))
        return name

    def clean_birth_date(self):
        return not_in_future(self.cleaned_data["birth_date"],
                             _("The date of birth cannot be in the future."))


class ApplicationForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("Centre"), queryset=Centre.objects.none())
    preferred_start = forms.DateField(label=_("Preferred start date"), widget=DateInput())
    service_form = forms.ChoiceField(label=_("Care form"), choices=Centre.ServiceForm.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = (Centre.objects.listed_publicly()
                                          .select_related("region").order_by("name", "id"))


class AcceptForm(forms.Form):
    class_group = forms.ModelChoiceField(label=_("Class"), queryset=ClassGroup.objects.none())
    started_on = forms.DateField(label=_("Starts on"), widget=DateInput())

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["class_group"].queryset = centre.classes.order_by("class_type", "name")


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 3}))
