"""The login form, and the form pieces every app shares: date and time inputs, the ID-number
field, the version of an edited row, the not-in-future check, the filter-form base of list
pages, district choices. (A create form's one-time token is ``submissions.OneTimeForm``.)"""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Region
from .validators import normalise_id_number


class LoginForm(AuthenticationForm):
    """Username or mobile number + password. The error is the same whether the account exists
    or the password is wrong."""

    username = forms.CharField(
        label=_("Username or mobile number"), max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("The account or password is incorrect. Please try again."),
        "inactive": _("The account or password is incorrect. Please try again."),
    }


# --- pieces every app's forms share ---------------------------------------------------------------


class DateInput(forms.DateInput):
    """The browser's date picker; the value travels as YYYY-MM-DD whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class IDNumberField(forms.CharField):
    """A resident ID number, without spaces and with an upper-case X (validated by the
    field's validators, e.g. ``validate_id_number``)."""

    def to_python(self, value):
        return normalise_id_number(super().to_python(value))


class VersionField(forms.IntegerField):
    """The version of the row the form was rendered from, hidden: give it the row's
    ``version`` as initial value and pass the cleaned value to the service, which refuses to
    save over a newer version (``workflow.require_version``). A missing or garbled value is
    None (not checked) rather than an error the user could not see or fix."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)

    def clean(self, value):
        try:
            return super().clean(value)
        except forms.ValidationError:
            return None


def not_in_future(value, message=None):
    """``value`` (a date) unless it lies after today in Asia/Shanghai."""
    if value and value > timezone.localdate():
        raise forms.ValidationError(message or _("The date cannot be in the future."),
                                    code="future")
    return value


class FilterForm(forms.Form):
    """Query parameters of a list. Invalid values are dropped rather than refused: the list is
    already limited to what the user may see, so a stale or hand-edited URL shows the list
    unfiltered by that parameter instead of an error."""

    def value(self, name: str, default=""):
        """The cleaned value of ``name``, or ``default`` when it is missing or invalid."""
        self.is_valid()
        return self.cleaned_data.get(name) or default


def district_choices(user, *, blank_label=None) -> list[tuple[str, str]]:
    """(code, name) of the districts ``user`` oversees, after a blank "all" choice."""
    regions = Region.objects.visible_to(user).districts()
    return [("", blank_label or _("All")), *((r.code, r.name) for r in regions)]
