"""Inclusive (普惠) status and the inclusive price cap (docs/rules/filing.md#inclusive-recognition,
docs/rules/inclusive-childcare.md#inclusive-pricing).

A centre is inclusive because its district bureau (or the city) recognised it, from a date and
on a basis (the decision document's number, or the reason), until the bureau revokes that. The
centre's manager may apply first (the bureau recognises it, or declines the application).
Every decision is an ``InclusiveDecision`` row; ``Centre.is_inclusive`` follows the latest and
is written here only, so the lists, filters and exports that ask it keep working. The centre's
own forms do not offer it.

An inclusive centre's monthly care fee may be at most ``PUHUI_PRICE_RATIO`` × the monthly
per-capita disposable income (``core.DisposableIncome``, the yearly figure ÷ 12) of the kind
``PUHUI_INCOME_KIND``: its district's figure, else its city's, of the year ``PUHUI_INCOME_YEAR``
(0: the latest loaded before the current year; when both have one, the more recent wins, the
district's in a tie). ``PriceCaps`` reads every figure it needs in one query; rule A29
(supervision) and the regulator's centre page use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import DisposableIncome, Region, User
from luhuituo.core.notify import notify_later
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock

from .models import Centre, ClassType, FeeSchedule, Filing, InclusiveDecision
from .rules import (
    centre_managers,
    require_centre_manager,
    require_decider,
    responsible_regulators,
)
from .signals import pricing_changed

D = InclusiveDecision.Action
# A centre can be recognised once its filing has been accepted, and until it is deregistered.
RECOGNISABLE_STATUSES = Filing.OPERATING_STATUSES | {Filing.Status.SUSPENDED,
                                                     Filing.Status.TERMINATING}


class InclusiveError(DomainError):
    """A recognition or revocation that is not possible, with the reason for the user."""


def _check(centre: Centre, *, effective_on: date | None, basis: str) -> str:
    basis = (basis or "").strip()
    if effective_on is None:
        raise InclusiveError(_("Give the date the decision takes effect."), field="effective_on")
    if effective_on > timezone.localdate():
        raise InclusiveError(_("The date cannot be in the future."), field="effective_on")
    if not basis:
        raise InclusiveError(_("Give the basis: the decision document's number, or the reason."),
                             field="basis")
    last = centre.inclusive_decisions.filter(action__in=InclusiveDecision.STATUS_ACTIONS).order_by(
        "-decided_at", "-id").first()
    if last is not None and effective_on < last.effective_on:
        raise InclusiveError(_("The date cannot be before the previous decision (%(date)s).") % {
            "date": f"{last.effective_on.year}年{last.effective_on.month}月"
                    f"{last.effective_on.day}日"}, field="effective_on")
    return basis


def _decide(centre: Centre, action: str, *, by: User, effective_on: date, basis: str,
            verb: str, title: str, request) -> InclusiveDecision:
    decision = InclusiveDecision.objects.create(
        centre=centre, action=action, effective_on=effective_on, basis=basis, decided_by=by)
    centre.is_inclusive = action == D.RECOGNISED
    centre.updated_by = by
    centre.save(update_fields=["is_inclusive"])
    audit(verb, actor=by, target=centre, request=request, effective_on=effective_on,
          basis=basis, decision=decision.pk)
    notify_later(centre_managers(centre), title % {"centre": centre.name},
                 url=reverse("registry:inclusive-status", args=[centre.pk]), body=basis)
    pricing_changed.send(sender=Centre, centre=centre)
    return decision


def pending_application(centre: Centre) -> InclusiveDecision | None:
    """The centre's application, while the bureau has not answered it."""
    last = centre.inclusive_decisions.order_by("-decided_at", "-id").first()
    return last if last is not None and last.action == D.APPLIED else None


def _require_recognisable(centre: Centre) -> None:
    if centre.is_inclusive:
        raise InclusiveError(_("This centre is already recognised as inclusive."))
    filing = getattr(centre, "filing", None)
    if filing is None or filing.status not in RECOGNISABLE_STATUSES:
        raise InclusiveError(_("A centre can be recognised as inclusive once its filing has "
                               "been accepted, and not after it is deregistered."))


@transaction.atomic
def apply_inclusive(*, centre: Centre, by: User, basis: str, request=None) -> InclusiveDecision:
    """The centre's manager asks its bureau to recognise the centre as inclusive, saying why
    it qualifies. It changes nothing until the bureau recognises it (or declines)."""
    require_centre_manager(by, centre)
    centre = lock(centre, "region", "filing")
    basis = (basis or "").strip()
    if not basis:
        raise InclusiveError(_("Say why the centre qualifies: its fees, places, the support "
                               "it receives."), field="basis")
    _require_recognisable(centre)
    if pending_application(centre) is not None:
        raise InclusiveError(_("The centre's application is already waiting for the bureau."))
    application = InclusiveDecision.objects.create(
        centre=centre, action=D.APPLIED, effective_on=timezone.localdate(), basis=basis,
        decided_by=by)
    audit(Verb.INCLUSIVE_APPLIED, actor=by, target=centre, request=request, basis=basis,
          decision=application.pk)
    notify_later(responsible_regulators(centre),
                 _("Inclusive recognition applied for: %(centre)s") % {"centre": centre.name},
                 url=reverse("registry:centre-detail", args=[centre.pk]) + "#inclusive",
                 body=basis)
    return application


@transaction.atomic
def decline_inclusive(*, centre: Centre, by: User, basis: str,
                      request=None) -> InclusiveDecision:
    """The bureau declines the centre's waiting application, for ``basis``."""
    require_decider(by, centre)
    centre = lock(centre, "region")
    basis = (basis or "").strip()
    if not basis:
        raise InclusiveError(_("Give the reason for declining."), field="basis")
    if pending_application(centre) is None:
        raise InclusiveError(_("There is no application waiting to be answered."))
    decision = InclusiveDecision.objects.create(
        centre=centre, action=D.DECLINED, effective_on=timezone.localdate(), basis=basis,
        decided_by=by)
    audit(Verb.INCLUSIVE_DECLINED, actor=by, target=centre, request=request, basis=basis,
          decision=decision.pk)
    notify_later(centre_managers(centre),
                 _("Application for inclusive recognition declined: %(centre)s") % {
                     "centre": centre.name},
                 url=reverse("registry:inclusive-status", args=[centre.pk]), body=basis)
    return decision


@transaction.atomic
def recognise_inclusive(*, centre: Centre, by: User, effective_on: date | None, basis: str,
                        request=None) -> InclusiveDecision:
    """The district bureau (or the city) recognises the centre as inclusive from
    ``effective_on``, on ``basis``."""
    require_decider(by, centre)
    centre = lock(centre, "region", "filing")
    basis = _check(centre, effective_on=effective_on, basis=basis)
    _require_recognisable(centre)
    return _decide(centre, D.RECOGNISED, by=by, effective_on=effective_on, basis=basis,
                   verb=Verb.INCLUSIVE_RECOGNISED,
                   title=_("Recognised as an inclusive centre: %(centre)s"), request=request)


@transaction.atomic
def revoke_inclusive(*, centre: Centre, by: User, effective_on: date | None, basis: str,
                     request=None) -> InclusiveDecision:
    """The bureau ends the centre's inclusive status from ``effective_on``, for ``basis``."""
    require_decider(by, centre)
    centre = lock(centre, "region")
    basis = _check(centre, effective_on=effective_on, basis=basis)
    if not centre.is_inclusive:
        raise InclusiveError(_("This centre is not recognised as inclusive."))
    return _decide(centre, D.REVOKED, by=by, effective_on=effective_on, basis=basis,
                   verb=Verb.INCLUSIVE_REVOKED,
                   title=_("Inclusive recognition revoked: %(centre)s"), request=request)


def end_with_filing(*, centre: Centre, by: User, request=None) -> InclusiveDecision | None:
    """The filing was deregistered (in the caller's transaction): an inclusive centre's
    recognition ends with it, today, and the history says why."""
    if not centre.is_inclusive:
        return None
    return _decide(centre, D.REVOKED, by=by, effective_on=timezone.localdate(),
                   basis=_("The centre's filing was deregistered."),
                   verb=Verb.INCLUSIVE_REVOKED,
                   title=_("Inclusive recognition revoked: %(centre)s"), request=request)


# --- the price cap -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceCap:
    """The most an inclusive centre may charge a month, and the figure it comes from."""

    income: DisposableIncome
    ratio: Decimal

    @property
    def monthly(self) -> Decimal:
        return (self.ratio * Decimal(self.income.annual_yuan) / 12).quantize(Decimal("0.01"))


class PriceCaps:
    """The caps of any number of regions from one query (the figures of the income kind and
    year the settings name)."""

    def __init__(self, today: date | None = None):
        today = today or timezone.localdate()
        self.kind = settings.PUHUI_INCOME_KIND
        self.year = settings.PUHUI_INCOME_YEAR or None
        self.up_to_year = self.year or today.year - 1
        self.figures = DisposableIncome.objects.latest_by_region(
            self.kind, year=self.year, up_to_year=self.up_to_year)

    def for_region(self, region: Region) -> PriceCap | None:
        """The district's figure, else the city's (the more recent year first); None when
        neither has one."""
        found = [f for f in (self.figures.get(region.pk), self.figures.get(region.parent_id))
                 if f is not None]
        if not found:
            return None
        return PriceCap(max(found, key=lambda f: f.year), settings.PUHUI_PRICE_RATIO)

    def missing_label(self, region: Region) -> str:
        """What is missing, for a log line or a page: "泸州市/江阳区, urban residents, 2025"."""
        kind = DisposableIncome.Kind(self.kind).label if self.kind in DisposableIncome.Kind.values \
            else self.kind
        year = str(self.year) if self.year else _("up to %(year)d") % {"year": self.up_to_year}
        names = "/".join(r.name for r in (region.parent, region) if r is not None)
        return f"{names}, {kind}, {year}"


def fees_above(schedule: FeeSchedule, cap: PriceCap) -> list[tuple[str, Decimal]]:
    """(class type label, fee) of each monthly care fee of the schedule above the cap."""
    above = []
    for class_type in ClassType:
        fee = schedule.fee_for(class_type.value)
        if fee is not None and fee > cap.monthly:
            above.append((str(class_type.label), fee))
    return above


def current_schedule(schedules, today: date) -> FeeSchedule | None:
    """The schedule in effect on ``today``: the latest that has started."""
    started = [s for s in schedules if s.effective_from <= today]
    return max(started, key=lambda s: (s.effective_from, s.pk), default=None)
