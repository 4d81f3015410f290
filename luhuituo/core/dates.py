"""Dates and times written for people, in the active language's one format
(luhuituo/formats/: 2026年12月3日 in Chinese): messages, notifications and alert texts made in
Python use these, templates the named formats (``|date:"DATE_FORMAT"``, ``|time_tag``).
ISO dates (``isoformat()``) are for machines only: URLs, form values, exports' cells."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format


def day(value: date | datetime | None) -> str:
    """'2026年12月3日' (a datetime: its local date); "" for no value."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "DATE_FORMAT")


def moment(value: datetime | None) -> str:
    """'2026年12月3日 14:05' in local time; "" for no value."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, "DATETIME_FORMAT")


def export_filename(title: str, extension: str, on: date | None = None) -> str:
    """A download's name: its title and the day, '托育机构名录_2026年12月3日.xlsx' (sent with
    RFC 5987 encoding by ``content_disposition_header``)."""
    return f"{title}_{day(on or timezone.localdate())}.{extension}"
