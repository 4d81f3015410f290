"""一次性提交 — a create form sent twice makes one record.

A create form carries a one-time token: the hidden field ``submission`` of ``OneTimeForm``,
made when the form is rendered and kept when it is shown again with errors. The view runs the
service through ``submit_once``, which writes the token, the user and the result's page
(``core.models.Submission``) in the same transaction as the record. When the same form comes
again — a double click, the browser's "resubmit", back and submit — its token is known: nothing
is made, and the user goes to the first result with a message. Two copies at the same instant
both try to write the token first thing in their transaction; the unique constraint lets one
through, and the other waits for it to commit and then goes to its result.

In a view::

    form = IncidentForm(request.POST or None, centre=centre)
    if request.method == "POST":
        call = submit_once(request, form, lambda data: report_incident(
            centre=centre, by=request.user, data=data), url=lambda incident: incident.url)
        if call.ok:
            if not call.repeat:
                messages.success(request, _("The incident is recorded."))
            return redirect(call.url)
        # else the form carries the errors, what was typed, and its token

A form sent without a token (a script, a page rendered before tokens) is submitted as before.
Tokens are forgotten after ``SUBMISSION_KEEP_DAYS`` days (``forget_old_submissions``, run by
Celery beat through ``luhuituo.core.tasks``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import DomainError, domain_errors
from .models import Submission

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _token(value) -> str:
    """``value`` when it has the shape of a token, else ''."""
    value = value if isinstance(value, str) else ""
    return value if TOKEN.fullmatch(value) else ""


class OneTimeForm(forms.Form):
    """The one-time token of a create form. Mix it in first, also into a model form:
    ``class CentreCreateForm(OneTimeForm, forms.ModelForm)``. Templates render it with the
    form's hidden fields (components/form.html and registry/includes/form_field.html do)."""

    submission = forms.CharField(widget=forms.HiddenInput, required=False, initial=new_token)

    def clean_submission(self) -> str:
        return _token(self.cleaned_data.get("submission"))

    @property
    def submission_token(self) -> str:
        """The token as sent, before validation ('' when there is none)."""
        return _token(self.data.get(self.add_prefix("submission")))


class Submitted(domain_errors):
    """What ``submit_once`` did: ``ok`` and ``result`` as ``domain_errors``, ``url`` the
    result's page, and ``repeat`` when the form had been submitted before, so that ``url``
    is the first submission's result and nothing new was made (``result`` is None)."""

    def __init__(self, form):
        super().__init__(form)
        self.url = ""
        self.repeat = False

    def show_first(self, request, first: Submission) -> Submitted:
        messages.info(request, _("This form was already submitted; here is the result."))
        self.ok, self.repeat, self.url, self.result = True, True, first.url, None
        return self


class _Taken(Exception):
    """The token was written meanwhile by another request."""


def _claim(token: str, user) -> Submission:
    """Write the token, or raise ``_Taken`` once the request that wrote it first has committed
    (PostgreSQL makes a second insert of a unique value wait for the first transaction)."""
    try:
        with transaction.atomic():
            return Submission.objects.create(token=token, user=user)
    except IntegrityError:
        raise _Taken from None


def submit_once(request, form, action: Callable[[dict], Any], *,
                url: Callable[[Any], str] | str) -> Submitted:
    """Validate ``form`` (a ``OneTimeForm``) and run ``action(form.cleaned_data)``, once per
    token: a token already used by this user gives its first result instead. ``url`` is the
    result's page, or a function of what ``action`` returned. Errors from validation or from
    the service (a ``DomainError``) stay on the form, as with ``exceptions.submit``; nothing
    is kept of a refused call, so the token stays usable for the corrected form. A form
    without a token (not a ``OneTimeForm``) is submitted as by ``exceptions.submit``."""
    call = Submitted(form)
    user = request.user
    token = getattr(form, "submission_token", "") if user.is_authenticated else ""
    if token:
        first = Submission.objects.filter(token=token, user=user).first()
        if first is not None:
            return call.show_first(request, first)
    if not form.is_valid():
        call.ok = False
        return call
    with call:
        try:
            with transaction.atomic():
                claimed = _claim(token, user) if token else None
                call.result = action(form.cleaned_data)
                call.url = url(call.result) if callable(url) else str(url)
                if claimed is not None:
                    _record(claimed, call.result, call.url)
        except _Taken:
            first = Submission.objects.filter(token=token, user=user).first()
            if first is None:  # someone else's token: never show another user's result
                raise DomainError(_("This form has already been used. Open it again and "
                                    "fill it in afresh.")) from None
            call.show_first(request, first)
    return call


def _record(submission: Submission, result, url: str) -> None:
    if isinstance(result, models.Model):
        submission.target_type = ContentType.objects.get_for_model(result)
        submission.target_id = str(result.pk)
    submission.url = url[:300]
    submission.save(update_fields=["target_type", "target_id", "url"])


def forget_old_submissions() -> int:
    """Delete the tokens older than SUBMISSION_KEEP_DAYS days; how many were deleted."""
    cutoff = timezone.now() - timedelta(days=settings.SUBMISSION_KEEP_DAYS)
    deleted, _by_model = Submission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
