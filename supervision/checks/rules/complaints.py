"""Rules on complaints: the answer deadline (A35, the bureau's own)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import Complaint
from ..registry import Hit, register
from .common import S, _date, _today


@register("A35", S.YELLOW, gettext_lazy("Complaint not answered in time"),
          "proposal", for_regulator=True, schedule="daily")
def complaint_sla(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    overdue = Complaint.objects.filter(
        status__in=[Complaint.Status.RECEIVED, Complaint.Status.ASSIGNED], due_on__lt=today)
    for complaint in overdue:
        yield Hit(complaint.centre_id, complaint, _(
            "Complaint “%(summary)s” was to be answered by %(date)s.") % {
            "summary": complaint.summary, "date": _date(complaint.due_on)})
