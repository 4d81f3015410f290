"""Demo childcare subsidy programmes (core.SubsidyProgramme) for the parent portal's cost
estimate, called by ``manage.py seed_demo``: a city-wide subsidy per child under three and an
inclusive-place subsidy in 江阳区, for the current year.

DEMO FIGURES, NOT POLICY: the names and amounts are made up for the demonstration, the source
says so ("演示数据") and none is marked verified. Real programmes are entered by support staff
from the policy text in the admin. Idempotent: a programme already there is left as it is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from luhuituo.core.models import Region, SubsidyProgramme

SOURCE = "演示数据：金额为虚构，仅用于演示费用估算，不代表任何实际政策。"

PROGRAMMES = [
    # (region code, name, kind, yuan a month, who qualifies)
    ("510500", "育儿补贴（演示）", SubsidyProgramme.Kind.PER_CHILD, Decimal("300"),
     "演示：泸州市户籍、3周岁以下婴幼儿。"),
    ("510502", "普惠托位运营补贴（演示）", SubsidyProgramme.Kind.PER_INCLUSIVE_PLACE,
     Decimal("200"), "演示：在江阳区普惠托育机构入托。"),
]


def seed_subsidies(today: date | None = None) -> int:
    """The demo programmes of the current year; the number added."""
    year = (today or timezone.localdate()).year
    regions = {r.code: r for r in Region.objects.filter(code__in={p[0] for p in PROGRAMMES})}
    added = 0
    for code, name, kind, amount, eligibility in PROGRAMMES:
        if code not in regions:
            continue
        _programme, created = SubsidyProgramme.objects.get_or_create(
            region=regions[code], year=year, name=name,
            defaults={"kind": kind, "amount": amount, "eligibility": eligibility,
                      "source": SOURCE, "verified": False})
        added += created
    return added
