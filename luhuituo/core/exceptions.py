"""One error type for every rule a workflow enforces, and one way for views to show it.

Services raise ``DomainError(message, field=None)`` (or an app's subclass of it) when a rule
refuses the change: the message is for the user, in their language; ``field`` names the form
field it belongs to, if any. ``NotPermitted`` says the actor may not do this at all: views
answer 403 for it, never a form error, so a wrong actor is treated the same way everywhere.

In a view::

    with domain_errors(form) as call:
        filing = submit_filing(filing=filing, by=request.user)
    if call.ok:
        return redirect(...)
    # else the form carries the message; render it again

Most form views need both steps, validation and the service call, in one::

    call = submit(form, lambda data: submit_rectification(filing=filing, by=request.user,
                                                          note=data["note"]))
    if call.ok:
        return redirect(...)

Without a form (a button), ``domain_errors(request=request)`` puts the message in the
messages framework instead; ``domain_errors()`` only catches it, for a page that shows
``call.error`` in place.

``Stale`` is the refusal of a save over a newer version of the row (``workflow.require_version``):
shown like any other, and the form shown again carries the stored version.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .dates import moment


class DomainError(Exception):
    """A rule refuses the change. ``message`` is for the user; ``field`` is the form field it
    belongs to (None: the whole form)."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class NotPermitted(DomainError, PermissionDenied):
    """The actor may not do this at all. Views let it through, and Django answers 403."""


class Stale(DomainError):
    """Someone saved the row after the form was rendered from it (``workflow.require_version``):
    nothing is saved. ``obj`` is the row as stored now, ``since`` the version the form came
    from, ``changes`` the labels of what differs between the two (None: not known).

    ``domain_errors(form)`` puts the stored version into the form it shows again, next to what
    the user typed: saving that form again, after reading the message, replaces the stored
    values knowingly."""

    def __init__(self, obj, *, since: int, changes: list[str] | None):
        self.obj, self.since, self.changes = obj, since, changes
        who = obj.updated_by.get_full_name() if obj.updated_by_id else _("Someone else")
        parts = [_("%(who)s saved this %(thing)s at %(when)s, after you opened it.") % {
            "who": who, "thing": obj._meta.verbose_name,
            "when": moment(obj.updated_at)}]
        if changes:
            parts.append(_("Changed since: %(changes)s.") % {"changes": "、".join(changes)})
        parts.append(_("Nothing was saved. What you typed is still in the form: check it "
                       "against the saved values, and save again to replace them."))
        super().__init__(" ".join(str(part) for part in parts))

    def refresh(self, form) -> None:
        """Give ``form`` (bound, with a ``version`` field) the stored version."""
        if form is not None and "version" in form.fields:
            form.data = form.data.copy()
            form.data[form.add_prefix("version")] = str(self.obj.version)


class domain_errors:  # a statement, like contextlib.suppress
    """Turn a ``DomainError`` raised inside the block into an error on ``form`` (on its field
    when the form has that field, else on the whole form), or into an error message on the
    request when there is no form (neither: only caught). ``NotPermitted`` is not caught: it
    becomes a 403.

    After the block, ``.ok`` says whether the call went through and ``.error`` holds the
    error when it did not.
    """

    def __init__(self, form=None, *, request=None):
        self.form = form
        self.request = request
        self.ok = True
        self.error: DomainError | None = None
        self.result = None

    def __enter__(self) -> domain_errors:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or not isinstance(exc, DomainError) or isinstance(exc, NotPermitted):
            return False
        self.ok = False
        self.error = exc
        if isinstance(exc, Stale):
            exc.refresh(self.form)
        if self.form is not None:
            field = exc.field if exc.field in self.form.fields else None
            self.form.add_error(field, exc.message)
        elif self.request is not None:
            messages.error(self.request, str(exc.message))
        return True


def submit(form, action) -> domain_errors:
    """Validate ``form`` and, when it is valid, run ``action(form.cleaned_data)`` under
    ``domain_errors(form)``. The result's ``.ok`` says whether both went through and
    ``.result`` holds what ``action`` returned; otherwise the form carries the errors (and
    what was typed) to show again."""
    call = domain_errors(form)
    if not form.is_valid():
        call.ok = False
        return call
    with call:
        call.result = action(form.cleaned_data)
    return call
