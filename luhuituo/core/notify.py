"""In-app notifications. ``notify_later`` is what services call: the messages are written
only once the transaction commits, so a refused or rolled-back change tells nobody anything."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import Notification, User


def notify(recipient: User, title: str, *, body: str = "", url: str = "",
           level: str = Notification.Level.INFO) -> Notification:
    return Notification.objects.create(
        recipient=recipient, title=str(title)[:200], body=str(body), url=url, level=level
    )


def notify_later(users: Iterable[User], title: str, *, url: str, body: str = "",
                 level: str = Notification.Level.INFO) -> None:
    """Notify each of ``users`` after the current transaction commits (at once outside one)."""
    title, body = str(title), str(body)
    send_later([Notification(recipient=user, title=title[:200], body=body, url=url, level=level)
                for user in users])


def send_later(notifications: Iterable[Notification]) -> None:
    """Write ``notifications`` (unsaved, each its own text) after the current transaction
    commits, in one query."""
    notifications = list(notifications)
    for notification in notifications:
        notification.title = str(notification.title)[:200]
    if notifications:
        transaction.on_commit(lambda: Notification.objects.bulk_create(notifications))
