"""Rules on things to be fixed by a deadline: hazards found at the centre and rectification
orders (A34)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...models import Hazard, RectificationOrder
from ..registry import Hit, register
from .common import S, _date, _today


@register("A34", S.ORANGE, gettext_lazy("Hazard or rectification order past its deadline"),
          "supervision", schedule="daily")
def overdue_fixes(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    for hazard in Hazard.objects.filter(status=Hazard.Status.OPEN, deadline__lt=today):
        yield Hit(hazard.centre_id, hazard, _(
            "Hazard at %(where)s was to be fixed by %(date)s.") % {
            "where": hazard.location, "date": _date(hazard.deadline)})
    for order in RectificationOrder.objects.overdue(today):
        yield Hit(order.centre_id, order, _(
            "Rectification order %(number)s was due on %(date)s and has not been answered.") % {
            "number": order.number, "date": _date(order.deadline)})
