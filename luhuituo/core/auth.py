"""Login with a username or a mainland mobile number, and a password; the per-address limit
on failed logins."""

import logging
from datetime import timedelta

from axes.models import AccessFailureLog
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.utils import timezone

from .audit import client_ip
from .models import User
from .validators import is_mobile, normalise_mobile

logger = logging.getLogger(__name__)


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        identifier = username.strip()
        if is_mobile(identifier):
            user = User.objects.filter(mobile=normalise_mobile(identifier)).first()
        else:
            user = User.objects.filter(username__iexact=identifier).first()
        if user is None:
            # Spend the same time hashing as for a real user, so timing does not tell.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def address_over_limit(request: HttpRequest) -> bool:
    """Whether the client's address has failed to log in ``LOGIN_ADDRESS_FAILURE_LIMIT`` times
    in the last ``LOGIN_ADDRESS_WINDOW`` — password spraying, a few guesses at each of many
    accounts, which the per-account lockout never sees. The limit sits well above what a
    district office behind one NAT address fails in a quarter of an hour.

    django-axes logs every failure (``AXES_ENABLE_ACCESS_FAILURE_LOG``) with its address, on an
    indexed column; refused attempts are not logged, so the address is free again once its
    failures have aged out of the window."""
    address = client_ip(request)
    if not address or settings.LOGIN_ADDRESS_FAILURE_LIMIT <= 0:
        return False
    since = timezone.now() - settings.LOGIN_ADDRESS_WINDOW
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    failures = AccessFailureLog.objects.filter(ip_address=address, attempt_time__gte=since)
    if failures[:limit].count() < limit:
        return False
    logger.warning("login refused: %s failed %d or more times in %s", address,
                   settings.LOGIN_ADDRESS_FAILURE_LIMIT, settings.LOGIN_ADDRESS_WINDOW)
    return True


def forget_old_failures() -> int:
    """Failed-login records older than ``LOGIN_FAILURE_LOG_KEEP_DAYS`` are deleted."""
    cutoff = timezone.now() - timedelta(days=settings.LOGIN_FAILURE_LOG_KEEP_DAYS)
    deleted, _ = AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()
    return deleted
