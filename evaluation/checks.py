"""The evaluation app's alert rules (supervision.checks.registry, "Rules of any app"): A15
(docs/rules/ban-list.md) and A44 (docs/rules/credit-records.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Staff
from supervision.checks.registry import Hit, register
from supervision.models import Severity as S

from .models import BanListEntry, CreditGrade, CreditRecord


@register("A15", "red", gettext_lazy("Staff member on the ban list"),
          "托育从业人员职业行为准则; 未成年人保护法 Art 62; WS/T 821 5.1.6", schedule="daily")
def staff_on_ban_list(now: datetime) -> Iterator[Hit]:
    """Every employed staff member of any centre whose ID number matches a ban list entry in
    force: one query joining on the blind index, whatever the number of centres."""
    today = timezone.localdate(now)
    entries = BanListEntry.objects.in_force(today).filter(
        id_number_digest=OuterRef("id_number_digest")).order_by("-valid_from", "-id")
    matches = (Staff.objects.active().exclude(id_number_digest="")
               .annotate(ban_reason=Subquery(entries.values("reason")[:1]))
               .filter(ban_reason__isnull=False).order_by("centre_id", "id"))
    # The centre sees the alert too: it names the match, not the reason (the regulator reads
    # that on the ban list, which centres never see).
    for person in matches:
        yield Hit(person.centre_id, person, _(
            "%(name)s, employed here, matches an entry on the staff ban list: keep the person "
            "away from the children until the regulator has decided.") % {"name": person.name})


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
