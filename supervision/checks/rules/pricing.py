"""Inclusive pricing (docs/rules/inclusive-childcare.md#inclusive-pricing): A29, an inclusive
centre's monthly care fee above the cap. The cap and its income figure come from
``registry.inclusive.PriceCaps``, the same the regulator's centre page shows.

Besides its monthly run, A29 is checked again whenever the registry says an inclusive centre's
pricing changed (``registry.signals.pricing_changed``: a fee schedule published, a recognition
or revocation) — a background job queued in the service's transaction, so the registry never
names supervision."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luhuituo.core.jobs import enqueue
from registry.inclusive import PriceCaps, current_schedule, fees_above
from registry.models import FeeSchedule
from registry.signals import pricing_changed

from ..registry import Hit, register
from .common import S, _today, operating_centres

logger = logging.getLogger(__name__)


def _yuan(value) -> str:
    """1,250 for whole yuan, 1,193.70 otherwise."""
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


@register("A29", S.ORANGE, gettext_lazy("Inclusive centre's fee above the cap"),
          "泸州市普惠托育目标：收费低于人均可支配收入的30%（定义未核实）", schedule="monthly")
def fee_above_cap(now: datetime) -> Iterator[Hit]:
    today = _today(now)
    caps = PriceCaps(today)
    centres = (operating_centres().filter(is_inclusive=True)
               .select_related("region__parent")
               .prefetch_related(Prefetch("fee_schedules", queryset=FeeSchedule.objects.filter(
                   effective_from__lte=today))))
    missing: dict[str, int] = {}
    for centre in centres:
        schedule = current_schedule(centre.fee_schedules.all(), today)
        if schedule is None:
            continue
        cap = caps.for_region(centre.region)
        if cap is None:  # no figure: no alert, but say what is missing
            label = caps.missing_label(centre.region)
            missing[label] = missing.get(label, 0) + 1
            continue
        above = fees_above(schedule, cap)
        if not above:
            continue
        income = cap.income
        yield Hit(centre.pk, schedule, _(
            "%(fees)s: above the inclusive price cap of %(cap)s yuan a month, %(ratio)s%% of "
            "%(region)s's %(year)d per-capita disposable income of %(kind)s (%(income)s yuan a "
            "year ÷ 12; source: %(source)s%(unverified)s).") % {
            "fees": "、".join(_("%(class)s %(fee)s yuan") % {"class": label, "fee": _yuan(fee)}
                             for label, fee in above),
            "cap": _yuan(cap.monthly), "ratio": _yuan(settings.PUHUI_PRICE_RATIO * 100),
            "region": income.region.name, "year": income.year,
            "kind": income.get_kind_display(), "income": _yuan(income.annual_yuan),
            "source": income.source,
            "unverified": "" if income.verified else _("; not verified"),
        })
    for label, count in sorted(missing.items()):
        logger.warning("A29: no per-capita disposable income figure (%s): %d inclusive "
                       "centre(s) there were not checked against the price cap.", label, count)


@receiver(pricing_changed, dispatch_uid="supervision-a29-on-pricing-change")
def check_again(sender, centre, **kwargs) -> None:
    """A fee or an inclusive status changed: run A29 again after the commit (one job however
    many changes wait)."""
    enqueue("supervision.checks.engine.run_rules", codes=["A29"], coalesce=True)
