"""The evaluation app's alert rules (registered with supervision's rule registry, which imports
this module at start-up; docs/rules/credit-records.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supervision.checks.registry import Hit, register
from supervision.models import Severity as S

from .models import CreditGrade, CreditRecord


@register("A44", S.ORANGE, gettext_lazy("Inclusive centre seriously untrustworthy"),
          "proposal", schedule="daily")
def inclusive_untrustworthy(now: datetime) -> Iterator[Hit]:
    """An inclusive (普惠) centre graded 严重失信: its inclusive status and subsidy eligibility
    are suspended pending the district's review. Nothing is revoked here: the district decides
    with the existing revoke action on the centre's page, where the alert links."""
    records = CreditRecord.objects.filter(
        grade=CreditGrade.SERIOUS, centre__is_inclusive=True).select_related("centre")
    for record in records:
        yield Hit(record.centre_id, record.centre, _(
            "Credit grade “%(grade)s” (%(points)d points): inclusive status and subsidy "
            "eligibility suspended pending review. The district decides whether to revoke the "
            "inclusive status.") % {"grade": record.get_grade_display(),
                                    "points": record.points})
