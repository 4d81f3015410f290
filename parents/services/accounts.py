"""Registering a parent account with a mobile number and a password.

No SMS gateway is available, so the number is not confirmed by a text message: it is the
account's login name and is unique among accounts. Registrations from one address are limited
(``PARENT_REGISTRATION_ADDRESS_LIMIT`` per ``PARENT_REGISTRATION_WINDOW``)."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit, client_ip
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import AuditEvent, User
from luhuituo.core.validators import normalise_mobile
from luhuituo.core.verbs import Verb


def mobile_taken(mobile: str) -> bool:
    """Whether an account already has this mobile number (as its number or its login name)."""
    mobile = normalise_mobile(mobile)
    return User.objects.filter(Q(mobile=mobile) | Q(username__iexact=mobile)).exists()


def registration_over_limit(request: HttpRequest) -> bool:
    """Whether the client's address has registered ``PARENT_REGISTRATION_ADDRESS_LIMIT``
    accounts within ``PARENT_REGISTRATION_WINDOW`` (the audit trail keeps each one's address)."""
    address = client_ip(request)
    limit = settings.PARENT_REGISTRATION_ADDRESS_LIMIT
    if not address or limit <= 0:
        return False
    since = timezone.now() - settings.PARENT_REGISTRATION_WINDOW
    recent = AuditEvent.objects.filter(verb=Verb.PARENT_REGISTERED, ip=address,
                                       created_at__gte=since)
    return recent[:limit].count() >= limit


def register_parent(*, name: str, mobile: str, password: str,
                    request: HttpRequest | None = None) -> User:
    """A new parent account; the mobile number is its login name. The password has been
    checked by the form (``AUTH_PASSWORD_VALIDATORS``)."""
    mobile = normalise_mobile(mobile)
    if mobile_taken(mobile):
        raise DomainError(_("An account with this mobile number already exists. Log in, or "
                            "reset your password if you have forgotten it."), field="mobile")
    try:
        with transaction.atomic():
            user = User(username=mobile, mobile=mobile, name=name.strip(),
                        account_type=User.AccountType.PARENT)
            user.set_password(password)
            user.save()
            audit(Verb.PARENT_REGISTERED, actor=user, target=user, request=request)
    except IntegrityError:  # the same number registered at the same instant
        raise DomainError(_("An account with this mobile number already exists. Log in, or "
                            "reset your password if you have forgotten it."),
                          field="mobile") from None
    return user
