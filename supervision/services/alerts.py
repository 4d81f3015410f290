"""People acting on alerts: acknowledge, assign, note, resolve (docs/rules/alert-rules.md).

Alerts are raised and cleared by ``supervision.checks``; here a person says they have seen one,
hands it to a colleague, writes what was done, or resolves it. A manual resolution of a
condition that is still there is raised again, as a new alert, by the next check run.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.audit import audit
from luhuituo.core.dates import moment
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require, require_status, transition

from ..models import Alert


class AlertError(DomainError):
    """An action that does not fit the alert's state; the message is for the user."""


def _lock_visible(alert: Alert, by: User) -> Alert:
    """The alert, locked, when ``by`` may see it: the scope is the QuerySet's, the lock the
    kernel's."""
    require(Alert.objects.visible_to(by).filter(pk=alert.pk).exists(),
            _("This alert is not yours to act on."))
    return lock(alert, "centre__region")


def _append_note(alert: Alert, user: User, text: str) -> None:
    text = text.strip()
    if not text:
        return
    stamp = moment(timezone.now())
    line = f"[{stamp} {user.get_full_name()}] {text}"
    alert.note = f"{alert.note}\n{line}".strip()


def acknowledge(alert: Alert, *, by: User, note: str = "", request=None) -> Alert:
    return _move(alert, Alert.Status.ACKNOWLEDGED, by=by, note=note, request=request,
                 allowed=[Alert.Status.OPEN], action=gettext_lazy("acknowledged"),
                 verb=Verb.ALERT_ACKNOWLEDGED, stamp=("acknowledged_at", "acknowledged_by"))


def resolve(alert: Alert, *, by: User, note: str, request=None) -> Alert:
    if not note.strip():
        raise AlertError(_("Say what was done before resolving the alert."), field="note")
    return _move(alert, Alert.Status.RESOLVED, by=by, note=note, request=request,
                 allowed=[Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED],
                 action=gettext_lazy("resolved"), verb=Verb.ALERT_RESOLVED,
                 stamp=("resolved_at", "resolved_by"))


def _move(alert: Alert, to: str, *, by: User, note: str, request, allowed, action, verb,
          stamp: tuple[str, str]) -> Alert:
    """Lock the alert, check its status, stamp who and when, append the note, move it on."""
    with transaction.atomic():
        alert = _lock_visible(alert, by)
        require_status(alert, *allowed, action=action, error=AlertError, field="note")
        at_field, by_field = stamp
        setattr(alert, at_field, timezone.now())
        setattr(alert, by_field, by)
        _append_note(alert, by, note)
        transition(alert, to, by=by, verb=verb, request=request,
                   update_fields=[at_field, by_field, "note"], note=note)
    return alert


def add_note(alert: Alert, *, by: User, note: str, request=None) -> Alert:
    if not note.strip():
        raise AlertError(_("Write a note first."), field="note")
    with transaction.atomic():
        alert = _lock_visible(alert, by)
        _append_note(alert, by, note)
        alert.save(update_fields=["note"])
        audit(Verb.ALERT_NOTED, actor=by, target=alert, request=request, note=note)
    return alert


def assignable_users(alert: Alert):
    """Regulators whose scope covers the alert's centre: the district's first, then the
    city's. Support administrators (superusers) are not case handlers, whatever their scope."""
    from django.db.models import Case, Exists, OuterRef, Value, When

    from luhuituo.core.models import RegulatorScope

    regions = [alert.centre.region_id, alert.centre.region.parent_id]
    in_district = RegulatorScope.objects.filter(
        user=OuterRef("pk"), region_id=alert.centre.region_id,
        role=RegulatorScope.Role.REGULATOR)
    return (User.objects.filter(
        is_active=True, is_superuser=False, account_type=User.AccountType.REGULATOR,
        scopes__region_id__in=[r for r in regions if r],
        scopes__role=RegulatorScope.Role.REGULATOR,
    ).distinct().annotate(district_first=Case(When(Exists(in_district), then=Value(0)),
                                              default=Value(1)))
        .order_by("district_first", "name", "username"))


def proposed_assignee(alert: Alert, assignable) -> int | None:
    """Whom the assign form proposes: the assignee already chosen, else a regulator of the
    centre's own district, else nobody (never someone only because their name sorts first)."""
    if alert.assignee_id:
        return alert.assignee_id
    return next((user.pk for user in assignable if user.district_first == 0), None)


def assign(alert: Alert, *, by: User, assignee: User, request=None) -> Alert:
    require(by.is_regulator, _("Only regulators assign alerts."))
    with transaction.atomic():
        alert = _lock_visible(alert, by)
        if not assignable_users(alert).filter(pk=assignee.pk).exists():
            raise AlertError(_("Choose a regulator responsible for this centre."))
        alert.assignee = assignee
        alert.save(update_fields=["assignee"])
        audit(Verb.ALERT_ASSIGNED, actor=by, target=alert, request=request,
              assignee=assignee.get_full_name())
    if assignee != by:
        notify_later([assignee], _("An alert was assigned to you: %(alert)s") % {"alert": alert},
                     body=alert.message, url=alert.get_absolute_url())
    return alert
