"""Rules on what the centre reports to the bureau once a year: the annual report (管理规范
Art 38)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import AnnualReport, annual_report_due, latest_overdue_year
from ..registry import Hit, register
from .common import S, _date, _today, operating_centres


def centres_owing_report(year: int):
    """The centres to check that were filed by the end of ``year`` (or record children without
    a filing date), annotated with ``reported`` for ``year``."""
    return operating_centres().exclude(filing__filed_at__date__gt=date(year, 12, 31)).annotate(
        reported=Exists(AnnualReport.objects.filter(centre=OuterRef("pk"), year=year)))


@register("A32", S.YELLOW, gettext_lazy("Annual report not submitted"),
          "管理规范 Art 38", schedule="daily")
def annual_report_missing(now: datetime) -> Iterator[Hit]:
    """The report on the latest year whose due date (ANNUAL_REPORT_DUE) has passed is not in.
    The alert stays until it is submitted. One query."""
    year = latest_overdue_year(_today(now))
    due = annual_report_due(year)
    for centre in centres_owing_report(year).filter(reported=False):
        yield Hit(centre.pk, centre, _(
            "The annual report on %(year)d was due on %(date)s and has not been submitted.") % {
            "year": year, "date": _date(due)})
