"""Linking a parent account to a guardian a centre recorded, with a one-time code.

A centre member issues a code for one guardian of one enrolled child (``issue_linking_code``);
the plain code is returned once, to show or print, and only its keyed hash is stored. The
parent enters it (``use_linking_code``): the guardian record gets the parent's account, and the
child appears among the parent's children. A phone number is never matched. Wrong, expired or
used codes link nothing; an account gets ``LINKING_FAILURE_LIMIT`` wrong tries per
``LINKING_FAILURE_WINDOW`` (each one is in the audit trail), so codes cannot be guessed."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.crypto import blind_index
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import AuditEvent, User
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require
from registry.rules import require_centre_member
from supervision.models import Child, Guardian

from ..models import LinkingCode

# No 0/O or 1/I: a code read aloud or copied from paper is not mistyped.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # 60 bits
GROUP = 4


def normalise_code(value: str) -> str:
    """What the parent typed, without spaces and hyphens, in capitals."""
    return "".join(ch for ch in (value or "").upper() if ch not in " -\t\r\n")


def format_code(code: str) -> str:
    """'ABCDEFGHJKLM' → 'ABCD-EFGH-JKLM', easier to read out and to type."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def code_digest(code: str) -> str:
    return blind_index(normalise_code(code), purpose="linking-code")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


@transaction.atomic
def issue_linking_code(guardian: Guardian, *, by: User,
                       request: HttpRequest | None = None) -> tuple[LinkingCode, str]:
    """A new code for ``guardian`` (revoking any earlier open one), and the plain code,
    formatted for reading — the only time it exists outside the parent's hands."""
    require_centre_member(by, guardian.child.centre)
    guardian = lock(guardian, "child")
    if guardian.child.status != Child.Status.ENROLLED:
        raise DomainError(_("Linking codes are issued only for enrolled children."))
    if guardian.user_id is not None:
        raise DomainError(_("This guardian is already linked to a parent account."))
    now = timezone.now()
    revoked = LinkingCode.objects.filter(guardian=guardian, used_at__isnull=True,
                                         revoked_at__isnull=True).update(revoked_at=now)
    code = new_code()
    linking_code = LinkingCode.objects.create(
        guardian=guardian, code_digest=code_digest(code), issued_at=now, issued_by=by,
        expires_at=now + timedelta(days=settings.LINKING_CODE_DAYS))
    audit(Verb.LINKING_CODE_ISSUED, actor=by, target=guardian, request=request,
          child=guardian.child_id, expires_at=linking_code.expires_at, revoked=revoked)
    return linking_code, format_code(code)


def linking_over_limit(user: User) -> bool:
    """Whether ``user`` has entered ``LINKING_FAILURE_LIMIT`` wrong codes within
    ``LINKING_FAILURE_WINDOW``."""
    limit = settings.LINKING_FAILURE_LIMIT
    if limit <= 0:
        return False
    since = timezone.now() - settings.LINKING_FAILURE_WINDOW
    failures = AuditEvent.objects.filter(verb=Verb.LINKING_CODE_FAILED, actor=user,
                                         created_at__gte=since)
    return failures[:limit].count() >= limit


def _problem(linking_code: LinkingCode | None, user: User) -> tuple[str, str] | None:
    """(reason, message) when the code links nothing, else None."""
    if linking_code is None or linking_code.revoked_at is not None:
        return "wrong", _("This code is not valid. Check it against the paper your centre "
                          "gave you; the newest code replaces any earlier one.")
    if linking_code.used_at is not None:
        return "used", _("This code has already been used. Each code works once; ask your "
                         "centre for a new one if you need it.")
    if linking_code.expires_at <= timezone.now():
        return "expired", _("This code has expired. Ask your centre for a new one.")
    guardian = linking_code.guardian
    if guardian.child.status != Child.Status.ENROLLED:
        return "not_enrolled", _("This code is no longer valid: the child has left the centre.")
    if guardian.user_id not in (None, user.pk):
        return _linked()
    return None


def _linked() -> tuple[str, str]:
    return "linked", _("This guardian is already linked to another account. Ask your centre "
                       "for help.")


def use_linking_code(*, user: User, code: str, request: HttpRequest | None = None) -> Guardian:
    """Link ``user`` (a parent account) to the guardian the code was issued for; the code is
    used up. A wrong, used or expired code raises ``DomainError`` (on the ``code`` field),
    links nothing and counts towards the account's limit."""
    require(user.is_authenticated and user.is_parent,
            _("Only a parent account can be linked to a child."))
    if linking_over_limit(user):
        minutes = int(settings.LINKING_FAILURE_WINDOW.total_seconds() // 60)
        raise DomainError(_("Too many wrong codes. Try again in %(minutes)d minutes, or ask your "
                            "centre to check the code.") % {"minutes": minutes}, field="code")
    digest = code_digest(code)
    problem = None
    with transaction.atomic():
        linking_code = (LinkingCode.objects.select_for_update(of=("self",))
                        .select_related("guardian__child").filter(code_digest=digest).first()
                        if len(normalise_code(code)) == CODE_LENGTH else None)
        problem = _problem(linking_code, user)
        if problem is None:
            guardian = lock(linking_code.guardian, "child")
            if guardian.user_id not in (None, user.pk):  # linked meanwhile
                problem = _linked()
        if problem is None:
            now = timezone.now()
            guardian.user = user
            guardian.save(update_fields=["user"])
            linking_code.used_at, linking_code.used_by = now, user
            linking_code.save(update_fields=["used_at", "used_by"])
            audit(Verb.LINKING_CODE_USED, actor=user, target=guardian, request=request,
                  child=guardian.child_id, code=linking_code.pk)
            return guardian
    # Outside the transaction: the failure is recorded (and counted) whatever happens next.
    reason, message = problem
    audit(Verb.LINKING_CODE_FAILED, actor=user, request=request, reason=reason,
          code=linking_code.pk if linking_code is not None else None)
    raise DomainError(message, field="code")
