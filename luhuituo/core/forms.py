from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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
