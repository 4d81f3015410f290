"""The login form, and the form pieces every app shares: date and time inputs, the ID-number
field, the version of an edited row, the not-in-future check, the filter-form base of list
pages with its search and id fields, district choices. (A create form's one-time token is
``submissions.OneTimeForm``.)"""

import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import ProhibitNullCharactersValidator
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

PLEASE_CHOOSE = _("Please choose")


def use_please_choose() -> None:
    """Every form's empty choice reads "请选择" (``PLEASE_CHOOSE``) instead of Django's
    "---------": the blank choice of model fields with choices (``BLANK_CHOICE_DASH``, the
    one list every ``Field.get_choices`` starts from) and the default empty label of
    ``ModelChoiceField`` (foreign keys). Forms that name their own empty label ("All
    districts") keep it. Called once, from ``CoreConfig.ready()``."""
    from django.db.models import fields as model_fields

    model_fields.BLANK_CHOICE_DASH[:] = [("", PLEASE_CHOOSE)]
    forms.ModelChoiceField.__init__.__kwdefaults__["empty_label"] = PLEASE_CHOOSE



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
    unfiltered by that parameter instead of an error (the filter bar shows the field's error).

    Every view reads its query parameters through one: text through ``SearchField``, ids
    through ``IdField``, dates through ``forms.DateField``, statuses and sorts through
    ``forms.ChoiceField``, so no raw value of a URL reaches the database."""

    def value(self, name: str, default=""):
        """The cleaned value of ``name``, or ``default`` when it is missing or invalid."""
        self.is_valid()
        return self.cleaned_data.get(name) or default


def no_control_characters(value: str) -> None:
    """Refuse text with control characters (NUL, escape, line breaks…): none can be typed in a
    search box, and PostgreSQL refuses NUL in a query."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise forms.ValidationError(_("Control characters are not allowed."),
                                    code="control_characters")


class SearchField(forms.CharField):
    """The search box of a list: optional, stripped, at most ``max_length`` characters, without
    control characters."""

    def __init__(self, *, label=None, placeholder=None, max_length=100, **kwargs):
        attrs = {"type": "search"}
        if placeholder:
            attrs["placeholder"] = placeholder
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(label=label or _("Search"), required=False, max_length=max_length,
                         **kwargs)
        # NUL is a control character: one message for it, not Django's and ours.
        self.validators = [v for v in self.validators
                           if not isinstance(v, ProhibitNullCharactersValidator)]
        self.validators.append(no_control_characters)


MAX_ID = 2**63 - 1  # PostgreSQL's bigint, the type of every id column


class IdField(forms.IntegerField):
    """The id of an object in a query parameter (``?centre=12``): optional, a whole number from
    1 to the largest id the database can hold, so a hand-edited URL cannot overflow the id
    column. Whether the object exists and is visible stays the view's check."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


def district_choices(user, *, blank_label=None) -> list[tuple[str, str]]:
    """(code, name) of the districts ``user`` oversees, after a blank "all" choice."""
    regions = Region.objects.visible_to(user).districts()
    return [("", blank_label or _("All")), *((r.code, r.name) for r in regions)]
