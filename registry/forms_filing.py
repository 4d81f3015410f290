"""Forms of the filing workflow (centre and regulator side), and the filing queue's filters."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import (
    DateInput,
    FilterForm,
    SearchField,
    district_choices,
    not_in_future,
)
from luhuituo.core.submissions import OneTimeForm

from .models import Filing, Staff, required_material_kinds


class MaterialUploadForm(OneTimeForm):
    kind = forms.CharField(widget=forms.HiddenInput)
    staff = forms.ModelChoiceField(queryset=Staff.objects.none(), required=False,
                                   widget=forms.HiddenInput)
    file = forms.FileField(label=_("File (PDF, JPG or PNG, at most 10 MB)"))
    issuer = forms.CharField(label=_("Issued by"), max_length=100, required=False)
    number = forms.CharField(label=_("Certificate number"), max_length=100, required=False)
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=DateInput)

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.centre = centre
        self.fields["staff"].queryset = centre.staff.active()

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if kind not in {str(k) for k, _s in required_material_kinds(self.centre)}:
            raise forms.ValidationError(_("This material is not part of this centre's "
                                          "checklist."))
        return kind

    def clean_valid_until(self):
        valid_until = self.cleaned_data["valid_until"]
        if valid_until and valid_until < timezone.localdate():
            raise forms.ValidationError(_("This certificate has already expired."))
        return valid_until


class SubmitForm(forms.Form):
    commitment = forms.BooleanField(
        label=_("I commit that the information and materials in this filing are true, "
                "complete and valid, and that the centre will operate according to the "
                "setup standard and the management rules for childcare centres."),
        required=False,
    )


class RectificationForm(forms.Form):
    note = forms.CharField(label=_("What has been rectified"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class TerminationForm(forms.Form):
    reason = forms.CharField(label=_("Reason for ending the service"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    children_settled = forms.CharField(label=_("How the children have been settled"),
                                       max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    staff_settled = forms.CharField(label=_("How the staff have been settled"), max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}))
    fees_refunded = forms.CharField(label=_("How prepaid fees have been refunded"),
                                    max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    """The regulator's decision on a filing; which fields matter depends on the action."""

    ACTIONS = [
        ("return", _("Return for correction")),
        ("accept", _("Accept and issue the receipt")),
        ("start_verification", _("Start verification")),
        ("verify", _("Verified")),
        ("nonconforming", _("Non-conforming")),
        ("suspend", _("Suspend")),
        ("lift", _("Lift the suspension")),
        ("deregister", _("Deregister")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    note = forms.CharField(label=_("Note"), max_length=4000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    # Accepting while the platform's pre-flight check has open findings (registry.checks).
    confirm_findings = forms.BooleanField(
        label=_("I accept the filing despite the open findings above"), required=False)
    findings_reason = forms.CharField(
        label=_("Why the findings do not stop the filing"), max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the filing's history, e.g. what was checked on site and by "
                    "when the centre corrects its records."))

    def clean(self):
        data = super().clean()
        if data.get("action") != "accept":
            return data
        reason = (data.get("findings_reason") or "").strip()
        data["findings_reason"] = reason
        if reason and not data.get("confirm_findings"):
            self.add_error("confirm_findings", _(
                "Tick the box to confirm that you accept the filing despite the findings."))
        if data.get("confirm_findings") and not reason:
            self.add_error("findings_reason", _("Give the reason for accepting despite the "
                                                "findings."))
        return data


class CertificateRenewalForm(OneTimeForm):
    """A renewed certificate of an operating centre (registry.services.renew_certificate)."""

    kind = forms.ChoiceField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("File (PDF, JPG or PNG, at most 10 MB)"))
    issuer = forms.CharField(label=_("Issued by"), max_length=100)
    number = forms.CharField(label=_("Certificate number"), max_length=100, required=False)
    valid_until = forms.DateField(label=_("Valid until"),
                                  widget=DateInput)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, k) for k in kinds]
        self.fields["kind"].error_messages["invalid_choice"] = _(
            "This certificate cannot be renewed here.")

    def clean_valid_until(self):
        valid_until = self.cleaned_data["valid_until"]
        if valid_until <= timezone.localdate():
            raise forms.ValidationError(_("The new certificate must still be valid after "
                                          "today."))
        return valid_until


class CertificateReviewForm(forms.Form):
    """The bureau's verdict on a renewed certificate."""

    verdict = forms.ChoiceField(choices=[("accepted", _("Accept")),
                                         ("returned", _("Return for correction"))])
    reason = forms.CharField(label=_("What to correct"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("verdict") == "returned" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say what must be corrected."))
        return cleaned


class InclusiveDecisionForm(forms.Form):
    """The bureau recognises a centre as inclusive, or revokes that: from a date, on a basis."""

    effective_on = forms.DateField(
        label=_("Effective from"), widget=DateInput, validators=[not_in_future],
        error_messages={"required": _("Give the date the decision takes effect.")})
    basis = forms.CharField(
        label=_("Basis"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The decision document's number (e.g. 江卫发〔2026〕12号), or the reason."),
        error_messages={"required": _("Give the basis: the decision document's number, or "
                                      "the reason.")})


class InclusiveApplicationForm(forms.Form):
    """The centre applies for inclusive recognition, saying why it qualifies."""

    basis = forms.CharField(
        label=_("Why the centre qualifies"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the fees, the places offered, the support received."),
        error_messages={"required": _("Say why the centre qualifies: its fees, places, the "
                                      "support it receives.")})


class InclusiveDeclineForm(forms.Form):
    """The bureau declines a centre's application, with the reason."""

    prefix = "decline"  # beside the recognition form on the same page

    basis = forms.CharField(
        label=_("Reason for declining"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for declining.")})


# The statuses the bureau acts on (Filing.objects.awaiting_bureau), offered first.
WAITING = [Filing.Status.SUBMITTED, Filing.Status.FILED, Filing.Status.UNDER_VERIFICATION,
           Filing.Status.RECTIFYING, Filing.Status.TERMINATING]


class FilingQueueFilterForm(FilterForm):
    """The filing queue's query parameters; no status means the filings waiting for the
    bureau."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=[
        ("", _("Waiting for the bureau")),
        *((s, Filing.Status(s).label) for s in WAITING),
        *((s, label) for s, label in Filing.Status.choices if s not in WAITING),
    ])
    region = forms.ChoiceField(label=_("District/county"), required=False)
    due = forms.ChoiceField(label=_("Deadline"), required=False, choices=[
        ("", _("Any")), ("overdue", _("Overdue")), ("soon", _("Due within 3 days"))])
    q = SearchField(placeholder=_("Centre name or filing number"))

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["region"].choices = district_choices(user)
