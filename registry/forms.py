"""Forms for a centre's own data. Validation messages are English msgids, shown in Chinese.

Database rules (unique class name per centre, one staff record per person per centre) are
checked here too, so the user gets a message instead of an IntegrityError.
"""

from __future__ import annotations

import copy

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from luhuituo.core.crypto import blind_index
from luhuituo.core.forms import (
    DateInput,
    FilterForm,
    IDNumberField,
    SearchField,
    TimeInput,
    VersionField,
    not_in_future,
)
from luhuituo.core.masking import mask_id_number
from luhuituo.core.models import Region, User
from luhuituo.core.submissions import OneTimeForm
from luhuituo.core.validators import (
    normalise_mobile,
    validate_id_number,
    validate_mobile,
)

from . import class_checks
from .centres import PROFILE_FIELDS, lease_too_short
from .models import (
    Centre,
    CentreMembership,
    ClassGroup,
    ClassType,
    FeeSchedule,
    InsurancePolicy,
    Staff,
    StaffTrainingRecord,
    class_rules,
)
from .validators import normalise_uscc

# --- widgets and fields --------------------------------------------------------------------------


class USCCField(forms.CharField):
    """A credit code typed with spaces or lower-case letters is the same code."""

    def to_python(self, value):
        return normalise_uscc(super().to_python(value))


def clean_unique_uscc(form: forms.ModelForm) -> str:
    """The credit code, unless another centre is registered with it (the database refuses
    that too; this puts the message on the field)."""
    code = form.cleaned_data["uscc"]
    others = Centre.objects.filter(uscc=code).exclude(pk=form.instance.pk)
    if code and others.exists():
        raise forms.ValidationError(
            _("A centre with this credit code is already registered."), code="duplicate")
    return code


# --- the centre ----------------------------------------------------------------------------------


class CentreCreateForm(OneTimeForm, forms.ModelForm):
    """The few facts needed to start: everything else is filled in on the profile page."""

    class Meta:
        model = Centre
        fields = ["name", "region", "legal_form", "uscc"]
        field_classes = {"uscc": USCCField}
        help_texts = {
            "name": _("The full registered name, as on the business licence or registration "
                      "certificate."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.districts()
        self.fields["region"].empty_label = _("Choose a district or county")
        self.fields["legal_form"].required = True
        self.fields["uscc"].help_text = _(
            "18 characters, on the business licence or registration certificate. You can add "
            "it later if the centre is not registered yet.")

    clean_uscc = clean_unique_uscc


class CentreProfileForm(forms.ModelForm):
    """The whole centre profile, in the fieldsets of ``FIELDSETS``, with the version of the
    centre it was opened on (saving over a newer one is refused)."""

    FIELDSETS = (
        ("identity", _("Identity and registration"),
         ("name", "region", "legal_form", "uscc", "kind")),
        ("location", _("Location"), ("address", "latitude", "longitude")),
        ("service", _("Service"), ("service_forms", "approved_places", "opens_at", "closes_at",
                                   "opening_days", "provides_meals")),
        ("premises", _("Premises"), ("tenure", "lease_start", "lease_end", "indoor_area_m2",
                                     "outdoor_area_m2")),
        ("people", _("People"), ("contact_name", "contact_phone", "legal_representative",
                                 "principal_name")),
    )
    WIDE = frozenset({"name", "address", "service_forms"})

    service_forms = forms.MultipleChoiceField(
        label=capfirst(_("service forms")), choices=Centre.ServiceForm.choices, required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-list"}),
    )
    version = VersionField()

    class Meta:
        model = Centre
        fields = list(PROFILE_FIELDS)
        field_classes = {"uscc": USCCField}
        widgets = {
            "address": forms.TextInput,
            "latitude": forms.NumberInput(attrs={"step": "0.000001"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001"}),
            "opens_at": TimeInput,
            "closes_at": TimeInput,
            "lease_start": DateInput,
            "lease_end": DateInput,
        }
        help_texts = {
            "latitude": _("WGS-84, e.g. from a map app: 28.871."),
            "longitude": _("WGS-84, e.g. from a map app: 105.442."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"].initial = self.instance.version
        self.fields["region"].queryset = Region.objects.districts()
        self.fields["region"].empty_label = None
        self.fields["lease_end"].help_text = _(
            "Filing needs owned premises or a lease of at least %(years)d years."
        ) % {"years": settings.MIN_LEASE_YEARS}

    clean_uscc = clean_unique_uscc

    def fieldsets(self):
        """(key, legend, [(bound field, is wide)]) for the template."""
        return [(key, legend, [(self[name], name in self.WIDE) for name in names])
                for key, legend, names in self.FIELDSETS]

    def clean(self):
        data = super().clean()
        self._clean_location(data)
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        self._clean_lease(data)
        return data

    def _clean_location(self, data):
        lat, lng = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lng is None) and not self.has_error("latitude") \
                and not self.has_error("longitude"):
            self.add_error("latitude" if lat is None else "longitude",
                           _("Enter both the latitude and the longitude, or neither."))
            return
        bounds = settings.CITY_BOUNDS
        if lat is not None and not bounds["lat"][0] <= lat <= bounds["lat"][1]:
            self.add_error("latitude", _(
                "This point is outside Luzhou: the latitude must be between %(min)s and "
                "%(max)s. Check that the map app gives WGS-84 coordinates."
            ) % {"min": bounds["lat"][0], "max": bounds["lat"][1]})
        if lng is not None and not bounds["lng"][0] <= lng <= bounds["lng"][1]:
            self.add_error("longitude", _(
                "This point is outside Luzhou: the longitude must be between %(min)s and "
                "%(max)s. Check that the map app gives WGS-84 coordinates."
            ) % {"min": bounds["lng"][0], "max": bounds["lng"][1]})

    def _clean_lease(self, data):
        tenure = data.get("tenure")
        if tenure == Centre.Tenure.OWNED:
            data["lease_start"] = data["lease_end"] = None
            return
        start, end = data.get("lease_start"), data.get("lease_end")
        if start and end and end <= start:
            self.add_error("lease_end", _("The lease must end after it starts."))
        if tenure == Centre.Tenure.LEASED:
            for name in ("lease_start", "lease_end"):
                if data.get(name) is None and not self.has_error(name):
                    self.add_error(name, _("Enter the lease dates of leased premises."))

    @property
    def lease_too_short(self) -> bool:
        """The lease as typed (or as saved, before a POST) is too short for the filing."""
        if not self.is_bound:
            return lease_too_short(self.instance)
        data = getattr(self, "cleaned_data", {})
        return lease_too_short(Centre(tenure=data.get("tenure") or "",
                                      lease_start=data.get("lease_start"),
                                      lease_end=data.get("lease_end")))


# --- fees ----------------------------------------------------------------------------------------


class FeeScheduleForm(OneTimeForm, forms.ModelForm):
    CLASS_FEES = ("infant_fee", "toddler_small_fee", "toddler_large_fee", "mixed_fee")

    class Meta:
        model = FeeSchedule
        fields = ["effective_from", "infant_fee", "toddler_small_fee", "toddler_large_fee",
                  "mixed_fee", "meal_fee", "other_fees", "prepayment_months"]
        widgets = {"effective_from": DateInput, "other_fees": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "other_fees": _("Any other charge, with its amount, e.g. 床品费 200 元/年."),
            "prepayment_months": _("How many months parents pay in advance: 0 to 12."),
            "meal_fee": _("Meal fees may only be spent on the children's meals."),
        }

    def clean(self):
        data = super().clean()
        has_fee = any(data.get(name) is not None for name in self.CLASS_FEES)
        if not has_fee and not any(self.has_error(name) for name in self.CLASS_FEES):
            raise forms.ValidationError(_("Enter the monthly fee of at least one class type."),
                                        code="no_fees")
        return data


# --- classes -------------------------------------------------------------------------------------


class ClassGroupForm(OneTimeForm, forms.ModelForm):
    class Meta:
        model = ClassGroup
        fields = ["name", "class_type", "capacity", "room"]

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.centre = centre
        maxima = "；".join(
            f"{label} {class_rules(code)['max_size']}" for code, label in ClassType.choices)
        self.fields["capacity"].help_text = _("At most: %(maxima)s.") % {"maxima": maxima}

    def clean(self):
        """A change to an existing class that contradicts its placements (the apps' class
        checks, ``registry.class_checks``): each problem beside its field."""
        data = super().clean()
        if self.instance.pk and "class_type" in data and "capacity" in data:
            before = ClassGroup.objects.get(pk=self.instance.pk)
            after = copy.copy(before)
            for name in ("name", "class_type", "capacity", "room"):
                if name in data:
                    setattr(after, name, data[name])
            for problem in class_checks.problems(before, after):
                self.add_error(problem.field, problem.message)
        return data

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = ClassGroup.objects.filter(centre=self.instance.centre, name=name)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(
                _("This centre already has a class with this name."), code="duplicate")
        return name


# --- staff ---------------------------------------------------------------------------------------


class StaffForm(OneTimeForm, forms.ModelForm):
    """A staff record. On an existing record the ID number is never sent back to the browser:
    the field shows the masked number and an empty field keeps the stored one."""

    id_number = IDNumberField(label=capfirst(_("resident ID number")), max_length=30,
                              validators=[validate_id_number],
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))

    class Meta:
        model = Staff
        fields = ["name", "role", "id_number", "mobile", "is_full_time", "education", "degree",
                  "experience_since", "qualification", "qualification_valid_until",
                  "health_cert_valid_until", "criminal_check_date", "criminal_check_result",
                  "guard_licence_no", "hired_on", "left_on"]
        widgets = dict.fromkeys(("qualification_valid_until", "health_cert_valid_until",
                                 "criminal_check_date", "experience_since", "hired_on",
                                 "left_on"), DateInput)
        help_texts = {
            "health_cert_valid_until": _("The date on the 托幼机构工作人员健康合格证; the check "
                                         "is repeated every year."),
            "criminal_check_date": _("When the no-criminal-record check was made; it is "
                                     "repeated every year."),
            "left_on": _("Fill in when the person leaves: the record is then kept as "
                         "“left”."),
        }

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.centre = centre
        field = self.fields["id_number"]
        if self.instance.pk:
            masked = mask_id_number(self.instance.id_number)
            self.initial["id_number"] = ""
            field.required = False
            field.widget.attrs["placeholder"] = masked
            field.help_text = _("Stored: %(masked)s. Leave empty to keep it; type the full "
                                "number to change it.") % {"masked": masked}
        else:
            field.help_text = _("18 characters; an X at the end may be typed in either case.")

    def clean_id_number(self):
        number = self.cleaned_data["id_number"]
        if not number and self.instance.pk:
            return self.instance.id_number
        duplicates = Staff.objects.filter(centre=self.instance.centre,
                                          id_number_digest=blind_index(number, "ric"))
        if self.instance.pk:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise forms.ValidationError(_("This person is already on this centre's staff."),
                                        code="duplicate")
        return number

    def clean_criminal_check_date(self):
        return not_in_future(self.cleaned_data["criminal_check_date"],
                             _("The check date cannot be in the future."))

    def clean_experience_since(self):
        return not_in_future(self.cleaned_data["experience_since"])

    def clean_guard_licence_no(self):
        return self.cleaned_data["guard_licence_no"].strip()

    def clean_left_on(self):
        return not_in_future(self.cleaned_data["left_on"],
                             _("Enter the leaving date once the person has left."))

    def clean(self):
        data = super().clean()
        check_date, result = data.get("criminal_check_date"), data.get("criminal_check_result")
        if bool(check_date) != bool(result) and not self.has_error("criminal_check_date"):
            self.add_error("criminal_check_result" if check_date else "criminal_check_date",
                           _("Enter both the date and the result of the criminal-record "
                             "check."))
        hired, left = data.get("hired_on"), data.get("left_on")
        if hired and left and left < hired:
            self.add_error("left_on", _("The leaving date cannot be before the hiring date."))
        return data


class TrainingRecordForm(OneTimeForm, forms.ModelForm):
    class Meta:
        model = StaffTrainingRecord
        fields = ["kind", "course", "provider", "hours", "completed_on", "certificate_no"]
        widgets = {"completed_on": DateInput}
        help_texts = {"hours": _("Class hours (学时), from 0.5 to 500."),
                      "kind": _("The principal's post training and the health-care training "
                                "count towards the qualifications a post requires.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False  # not sent: other training

    def clean_kind(self):
        return self.cleaned_data["kind"] or StaffTrainingRecord.Kind.GENERAL

    def clean_completed_on(self):
        return not_in_future(self.cleaned_data["completed_on"],
                             _("The completion date cannot be in the future."))


# --- liability insurance -------------------------------------------------------------------------


class InsurancePolicyForm(OneTimeForm, forms.ModelForm):
    """A liability insurance policy; the scanned policy is optional (judged by the service)."""

    # Empty files get check_upload's message, like every other upload.
    file = forms.FileField(
        label=_("Scanned policy (PDF, JPG or PNG, at most 10 MB)"), required=False,
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    class Meta:
        model = InsurancePolicy
        fields = ["insurer", "policy_no", "cover_from", "cover_to"]
        widgets = {"cover_from": DateInput, "cover_to": DateInput}
        help_texts = {"insurer": _("For example: 中国人民财产保险股份有限公司泸州分公司."),
                      "cover_to": _("The last day the policy covers.")}

    def __init__(self, *args, centre: Centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.centre = centre

    def clean_insurer(self):
        return self.cleaned_data["insurer"].strip()

    def clean_policy_no(self):
        number = self.cleaned_data["policy_no"].strip()
        if InsurancePolicy.objects.filter(centre=self.instance.centre,
                                          policy_no=number).exists():
            raise forms.ValidationError(_("This policy is already recorded."),
                                        code="duplicate")
        return number

    def clean(self):
        data = super().clean()
        start, end = data.get("cover_from"), data.get("cover_to")
        if start and end and end < start:
            self.add_error("cover_to", _("The cover must end on or after the day it starts."))
        return data

    def validate_constraints(self, exclude=None):
        """The constraints are checked above, beside their fields, and again by the database."""


class StaffFilterForm(FilterForm):
    """The staff list's ``?status=``: employed (the default), left, or all."""

    STATUS_CHOICES = [("active", _("Employed")), ("left", _("Left")), ("all", _("All"))]

    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)


# --- accounts ------------------------------------------------------------------------------------


class InviteMemberForm(forms.Form):
    account = forms.CharField(
        label=_("Username or mobile number"), max_length=150,
        help_text=_("Of an existing centre account."),
    )
    role = forms.ChoiceField(label=capfirst(_("role")), choices=CentreMembership.Role.choices,
                             initial=CentreMembership.Role.STAFF)

    def clean_account(self) -> User:
        value = self.cleaned_data["account"].strip()
        user = (
            User.objects.filter(account_type=User.AccountType.CENTRE, is_active=True)
            .filter(Q(username=value) | Q(mobile=normalise_mobile(value)))
            .first()
        )
        if user is None:
            raise forms.ValidationError(
                _("No centre account has this username or mobile number. To create one, use "
                  "“Create an account for a new colleague” below."), code="unknown_account")
        return user


class NewAccountForm(forms.Form):
    """An account for someone who has none yet: they set their own password by a link."""

    name = forms.CharField(label=_("Full name"), max_length=50)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20,
                             validators=[validate_mobile])
    role = forms.ChoiceField(label=capfirst(_("role")), choices=CentreMembership.Role.choices,
                             initial=CentreMembership.Role.STAFF)


# --- change filing -------------------------------------------------------------------------------


class ChangeFilingForm(CentreProfileForm):
    """A change of a filed centre's details: the profile form without the district (moving to
    another district means filing there anew), plus the reason and the materials a change of
    premises or meals needs."""

    FIELDSETS = tuple(
        (key, legend, tuple(n for n in names if n != "region"))
        for key, legend, names in CentreProfileForm.FIELDSETS
    )

    version = None  # a proposal, checked by the bureau: it overwrites nothing by itself
    reason = forms.CharField(label=_("Reason for the change"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    premises_file = forms.FileField(
        label=_("New proof of premises (needed when the address or premises change)"),
        required=False)
    fire_safety_file = forms.FileField(
        label=_("New fire-safety inspection certificate (needed when the address or premises "
                "change)"), required=False)
    food_licence_file = forms.FileField(
        label=_("Food business licence (needed when meals start)"), required=False)

    MATERIAL_FIELDS = {"premises": "premises_file", "fire_safety": "fire_safety_file",
                       "food_licence": "food_licence_file"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["region"]


# --- public lists --------------------------------------------------------------------------------


class PublicFilterForm(FilterForm):
    """The public lists' query parameters: a district of the city, and a search."""

    region = forms.ChoiceField(label=_("District/county"), required=False)
    q = SearchField()

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [
            ("", _("All")), *((r.code, r.name) for r in Region.objects.districts())]
