"""One-time links for new accounts: the person sets their own password. The token is void
once a password is set (Django's generator hashes the password into it) or after
ACCOUNT_SETUP_DAYS days."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode


class AccountSetupTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "luhuituo.core.tokens.AccountSetupTokenGenerator"

    def check_token(self, user, token) -> bool:
        """As Django's check, but valid for ACCOUNT_SETUP_DAYS rather than the (short)
        password-reset timeout."""
        if not (user and token):
            return False
        try:
            ts_b36, _hash = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        return self._num_seconds(self._now()) - ts <= settings.ACCOUNT_SETUP_DAYS * 24 * 3600


account_setup_token = AccountSetupTokenGenerator()


def account_setup_path(user) -> str:
    return reverse("core:account-setup", args=[urlsafe_base64_encode(force_bytes(user.pk)),
                                               account_setup_token.make_token(user)])
