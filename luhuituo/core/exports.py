"""CSV exports of the regulators' lists: one way to write them.

Every export is UTF-8 with a byte-order mark (Excel on Windows reads UTF-8 only with one), named
by ``dates.export_filename``, and safe to open in a spreadsheet: text that would start a formula
(``=``, ``+``, ``-``, ``@``, a tab or a carriage return — names and notes come from users) is
prefixed with an apostrophe, so it stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> object:
    """``value`` as a cell: text that a spreadsheet would run as a formula is quoted; times in
    Asia/Shanghai to the minute, dates as YYYY-MM-DD, None empty."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_response(header: list, rows: Iterable[list], filename: str) -> tuple[HttpResponse, int]:
    """The CSV download of ``rows`` under ``header``, and how many rows it holds (for the
    audit trail)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        count += 1
        writer.writerow([spreadsheet_safe(value) for value in row])
    response = HttpResponse(buffer.getvalue().encode("utf-8"),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response, count
