"""Demo credit records (docs/rules/credit-records.md), called by ``manage.py seed_demo`` after
the supervision data and the checks: the credit scan over the demo's inspections, rectification
orders, complaints, incidents and A36 alerts, a few commendations by the district, and one
appeal in each state (pending, upheld, rejected), then rule A44.
 Everything goes through ``evaluation.services.credit`` (the scan, ``commend``, ``appeal``,
``decide``), so the audit trail and the notifications are those of real use. Idempotent: the
scan adds nothing twice, a centre that has a commendation gets no other, and the appeals are
made only when the demo has none. Deterministic: centres and events are chosen in name and id
order, those of
the demo's district (江阳区) first.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from evaluation.models import CreditAppeal, CreditEvent, CreditEventType, CreditRecord
from evaluation.services import credit
from registry.models import Centre
from registry.rules import centre_managers, responsible_regulators
from supervision.models import FILED_STATUSES

# The district of the demo centre and of the demo's district regulator (jiangyang): its appeals
# come first, so the demo accounts see them.
DEMO_DISTRICT = "510502"
COMMENDATIONS = 3
COMMENDATION_NOTES = ["应急演练组织规范，获区卫健局通报表扬", "膳食营养管理示范单位",
                      "家长满意度测评名列全区前列"]
APPEAL_REASONS = ["检查当日已当场整改，附整改照片。", "该投诉所涉事项经家长确认系误会。",
                  "整改材料已在期限内提交，系系统登记延误。"]


def _commend(today) -> int:
    commendation = CreditEventType.objects.filter(code="commendation", active=True).first()
    if commendation is None:
        return 0
    done = set(CreditEvent.objects.filter(type=commendation).values_list("centre_id", flat=True))
    added = 0
    centres = (Centre.objects.filter(filing__status__in=FILED_STATUSES)
               .select_related("region")
               .order_by(Case(When(region__code=DEMO_DISTRICT, then=Value(0)), default=Value(1),
                              output_field=IntegerField()), "name", "id"))
    for centre in centres:
        if added + len(done) >= COMMENDATIONS:
            break
        if centre.pk in done:
            continue
        regulators = responsible_regulators(centre)
        if not regulators:
            continue
        credit.commend(centre=centre, by=regulators[0], event_type=commendation,
                       occurred_on=today - timedelta(days=20 + 7 * added),
                       note=COMMENDATION_NOTES[added % len(COMMENDATION_NOTES)])
        added += 1
    return added


def _appeals() -> int:
    """Three appeals on events of three centres: one left pending, one upheld, one rejected."""
    if CreditAppeal.objects.exists():
        return 0
    chosen, centres = [], set()
    events = (CreditEvent.objects.filter(status=CreditEvent.Status.ACTIVE, points__lt=0)
              .select_related("centre__region", "type")
              .order_by(Case(When(centre__region__code=DEMO_DISTRICT, then=Value(0)),
                             default=Value(1), output_field=IntegerField()),
                        "centre__name", "id"))
    for event in events:
        if event.centre_id in centres or not centre_managers(event.centre) \
                or not responsible_regulators(event.centre):
            continue
        chosen.append(event)
        centres.add(event.centre_id)
        if len(chosen) == 3:
            break
    for i, event in enumerate(chosen):
        appeal = credit.appeal(event=event, by=centre_managers(event.centre)[0],
                               reason=APPEAL_REASONS[i])
        if i == 0:
            continue  # pending
        credit.decide(appeal=appeal, by=responsible_regulators(event.centre)[0], upheld=i == 1,
                      reason="整改照片与检查记录一致，予以撤销。" if i == 1
                      else "逾期事实清楚，申诉理由不成立。")
    return len(chosen)


def seed_credit(now=None) -> dict:
    """Run the scan and add the commendations and appeals. Returns the counts to report."""
    now = now or timezone.now()
    with transaction.atomic():
        added = credit.scan(now)
        commendations = _commend(timezone.localdate(now))
        appeals = _appeals()
    return {
        "added": added,
        "commendations": commendations,
        "appeals": appeals,
        "events": Counter(CreditEvent.objects.values_list("type__code", flat=True)),
        "appeal_states": Counter(CreditAppeal.objects.values_list("status", flat=True)),
        "grades": Counter(CreditRecord.objects.values_list("grade", flat=True)),
    }
