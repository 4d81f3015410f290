"""Access helpers shared by every app (docs/architecture.md#access).

Whole sections are guarded by role decorators: the wrong kind of account gets 403. Single
objects are fetched through ``Model.objects.visible_to(user)``, so an object outside the user's
scope answers 404 and lists and details cannot drift apart.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404


def account_type_required(*account_types: str):
    """Logged in, and an account of one of these types (403 otherwise)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.user.account_type not in account_types:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


regulator_required = account_type_required("regulator")
centre_account_required = account_type_required("centre")
parent_required = account_type_required("parent")


def get_visible_or_404(model_or_queryset, user, **lookup):
    """The object if ``user`` may see it, else Http404 — never a hint that it exists."""
    queryset = getattr(model_or_queryset, "objects", model_or_queryset)
    return get_object_or_404(queryset.visible_to(user), **lookup)
