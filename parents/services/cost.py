"""What a place will really cost a family: a centre's published monthly fee for a class less the
subsidies the family qualifies for (``core.SubsidyProgramme``: per child under three, per
inclusive place at an inclusive centre), each with its source, never below zero.

The arithmetic (``estimate``) is pure; ``programmes_by_centre`` reads the programmes of the
centres' districts and city for a year in one query."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from luhuituo.core.models import SubsidyProgramme

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


@dataclass(frozen=True)
class Deduction:
    """One subsidy applied to the fee: the programme, with its source, and the yuan deducted."""

    programme: SubsidyProgramme
    amount: Decimal


@dataclass(frozen=True)
class Estimate:
    """A month's cost. ``fee`` is None when the centre publishes no fee for the class (then
    nothing else is computed). ``net`` = fee + meals − subsidies, never below 0; ``capped``
    says the subsidies exceeded the fee (the family pays nothing, not less)."""

    fee: Decimal | None
    meal_fee: Decimal = ZERO
    deductions: list[Deduction] = field(default_factory=list)
    not_applicable: list[SubsidyProgramme] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return self.fee is not None

    @property
    def gross(self) -> Decimal:
        return _money((self.fee or ZERO) + self.meal_fee)

    @property
    def subsidies(self) -> Decimal:
        return _money(sum((d.amount for d in self.deductions), ZERO))

    @property
    def net(self) -> Decimal:
        return max(ZERO, _money(self.gross - self.subsidies))

    @property
    def capped(self) -> bool:
        return self.subsidies > self.gross


def qualifies(programme: SubsidyProgramme, *, under_three: bool, inclusive: bool) -> bool:
    """Whether a family qualifies for ``programme`` at a centre: a per-child subsidy needs a
    child under three; an inclusive-place subsidy needs an inclusive (普惠) centre."""
    if programme.kind == SubsidyProgramme.Kind.PER_CHILD:
        return under_three
    if programme.kind == SubsidyProgramme.Kind.PER_INCLUSIVE_PLACE:
        return inclusive
    return False


def estimate(*, fee, meal_fee=None, programmes=(), under_three: bool,
             inclusive: bool) -> Estimate:
    """The month's cost of a class whose fee is ``fee`` (yuan/month, None when not published),
    with ``meal_fee`` on top, less each of ``programmes`` the family qualifies for. A negative
    fee or amount is refused (ValueError): published fees and amounts are never negative."""
    programmes = list(programmes)
    if fee is None:
        return Estimate(fee=None, not_applicable=programmes)
    fee = _money(fee)
    meals = _money(meal_fee) if meal_fee is not None else ZERO
    if fee < 0 or meals < 0:
        raise ValueError("A fee cannot be negative.")
    deductions, others = [], []
    for programme in programmes:
        if programme.amount is None or programme.amount < 0:
            raise ValueError("A subsidy amount cannot be negative.")
        if qualifies(programme, under_three=under_three, inclusive=inclusive):
            deductions.append(Deduction(programme, _money(programme.amount)))
        else:
            others.append(programme)
    return Estimate(fee=fee, meal_fee=meals, deductions=deductions, not_applicable=others)


def programmes_by_centre(centres, year: int) -> dict[int, list[SubsidyProgramme]]:
    """{centre id: the programmes of ``year`` of its district and of its city}, in one query;
    read the centres with ``region``."""
    centres = list(centres)
    regions: dict[int, set[int]] = {}
    for centre in centres:
        regions[centre.pk] = {r for r in (centre.region_id, centre.region.parent_id) if r}
    wanted = set().union(*regions.values()) if regions else set()
    by_region: dict[int, list[SubsidyProgramme]] = defaultdict(list)
    if wanted:
        for programme in SubsidyProgramme.objects.for_regions(wanted, year):
            by_region[programme.region_id].append(programme)
    result = {}
    for centre in centres:
        city = centre.region.parent_id
        city_first = sorted(regions[centre.pk], key=lambda r, city=city: (r != city, r))
        result[centre.pk] = [p for r in city_first for p in by_region[r]]
    return result
