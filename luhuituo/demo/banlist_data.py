"""Demo entries of the staff ban list (docs/rules/ban-list.md), called by ``manage.py
seed_demo`` after the centres and the rule records:

- a ban in force, entered by the city regulator, on a carer of the first operating centre (by
  id), so alert A15 fires once;
- a ban in force on a person who works at no centre (A15 stays quiet for it);
- a pending proposal: the cook of the second operating centre is recorded with a criminal
  record, and the platform proposes an entry for a regulator to confirm (alert A14 is red for
  that cook too, as it would be).

The demo has no abuse incident, so no entry rests on one. Idempotent: nothing is added once the
list has an entry.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from evaluation.models import BanListEntry
from evaluation.services.banlist import propose_ban
from luhuituo.core.models import Region, User
from registry.models import Staff
from supervision.checks.rules.common import operating_centres

# A valid resident ID number (check digit computed) of nobody at any demo centre.
OUTSIDER = ("510521198506150029", "吴某")


def seed_ban_list(today: date | None = None) -> dict:
    today = today or timezone.localdate()
    made = {"in_force": 0, "pending": 0}
    if BanListEntry.objects.exists():
        return made
    city = Region.objects.get(code="510500")
    regulator = User.objects.filter(username="city").first()
    centres = list(operating_centres().order_by("pk")[:2])
    with transaction.atomic():
        # one not employed at a second centre too, so the alert names one employment
        carer = (Staff.objects.active().filter(centre__in=centres[:1], role=Staff.Role.CARER)
                 .exclude(pk__in=Staff.objects.employed_elsewhere()).order_by("pk").first())
        banned = [(carer.id_number, carer.name)] if carer is not None else []
        for number, name in [*banned, OUTSIDER]:
            BanListEntry.objects.create(
                id_number=number, name=name, region=city, status=BanListEntry.Status.ACTIVE,
                reason=BanListEntry.Reason.DECISION,
                details="市卫健委依法作出从业禁止决定（演示数据）。",
                valid_from=today - timedelta(days=20), entered_by=regulator,
                confirmed_by=regulator, confirmed_at=timezone.now() - timedelta(days=20))
            made["in_force"] += 1
        cook = (Staff.objects.active().filter(centre__in=centres[1:], role=Staff.Role.COOK)
                .order_by("pk").first())
        if cook is not None:
            cook.criminal_check_result = Staff.CriminalCheck.RECORD
            cook.criminal_check_date = today - timedelta(days=7)
            cook.save(update_fields=["criminal_check_result", "criminal_check_date"])
            if propose_ban(staff=cook, reason=BanListEntry.Reason.CRIMINAL_RECORD,
                           details="入职查询发现违法犯罪记录（演示数据）。"):
                made["pending"] += 1
    return made
