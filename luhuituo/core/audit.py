"""The audit trail and the access log for sensitive reads.

Every consequential write calls ``audit(Verb.…, …)`` inside its transaction (through
``workflow.transition`` for status changes); every view that shows a sensitive record (a
child, a guardian, a staff member's ID number) calls ``log_access(...)``. Notifications are in
``notify``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest

from .models import AccessLog, AuditEvent, User
from .verbs import Verb


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address. Behind ``PROXY_COUNT`` trusted reverse proxies it is that many
    hops from the right of X-Forwarded-For (entries further left are the client's own claim)."""
    if request is None:
        return None
    hops = settings.PROXY_COUNT
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


def _target(obj: models.Model | None) -> dict[str, Any]:
    if obj is None:
        return {"target_type": None, "target_id": "", "target_repr": ""}
    return {
        "target_type": ContentType.objects.get_for_model(obj, for_concrete_model=False),
        "target_id": str(obj.pk),
        "target_repr": str(obj)[:200],
    }


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(details, cls=DjangoJSONEncoder, default=str))


def audit(
    verb: str,
    *,
    actor: User | None,
    target: models.Model | None = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> AuditEvent:
    """Record that ``actor`` did ``verb`` (a ``Verb``) to ``target``. Append-only: never
    updated later. An unlisted verb is a programming error (ValueError), not a new code."""
    if verb not in Verb.values:
        raise ValueError(f"unknown audit verb {verb!r}: add it to luhuituo.core.verbs.Verb")
    actor_user = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=actor_user,
        actor_repr=(actor_user.get_full_name() if actor_user else "")[:150],
        verb=str(verb),
        ip=client_ip(request),
        details=_jsonable(details),
        **_target(target),
    )


def log_access(request: HttpRequest, obj: models.Model, reason: str = "") -> AccessLog:
    """Record that the request's user read ``obj`` (a sensitive record)."""
    return AccessLog.objects.create(
        user=request.user,
        reason=reason[:200],
        path=request.get_full_path()[:300],
        ip=client_ip(request),
        **_target(obj),
    )
