"""Demo records for alert rules A16, A19, A23, A25, A28 and A32 (docs/rules/alert-rules.md),
called by ``manage.py seed_demo`` after the centres and their supervision data.

For every centre the rules check (``operating_centres``): the key staff's qualifications
(education level read from the recorded education, related work since before hiring, the
guard's certificate number from the recorded 保安员证, the kind of the principal's and the
health-care trainings, the missing ones added), a liability insurance policy, last month's
monthly safety checks, the fees republished within the year, and the report on the last year
that is due. Most centres keep them all; a few, chosen by their place
in the list (so the counts are the same on every run of the same data), miss one, so each rule
fires where the data says it should:

- A16: every 11th centre's principal began related work under three years ago, every 11th
  (another one) has no post training, every 13th's health-care worker lacks the maternal and
  child health training, every 17th's guard has no certificate number;
- A19: of every 9th centre, those that provide meals have a food licence that ended recently;
- A23: every 14th centre recorded no fire-equipment check last month;
- A25: every 12th centre's policy lapsed a few weeks ago, every 23rd has none;
- A28: every 16th centre did not republish its fees (stale once they are a year old);
- A32: every 10th centre owing last year's report has not sent it.

Idempotent: each record is added only where it is missing (a policy where the centre has none,
last month's checks where there are none, …), and the values drawn for a centre come from its
own ``random.Random`` seeded with 2031 and its name, so a second run changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from registry.models import (
    CentreMembership,
    FeeSchedule,
    FilingMaterial,
    InsurancePolicy,
    MaterialKind,
    Staff,
    StaffTrainingRecord,
)
from supervision.checks.rules.common import operating_centres
from supervision.models import AnnualReport, SafetyCheck, annual_report_due, latest_overdue_year

SEED = 2031
INSURERS = ("中国人民财产保险股份有限公司泸州市分公司",
            "中国平安财产保险股份有限公司泸州中心支公司",
            "中国太平洋财产保险股份有限公司泸州中心支公司",
            "中华联合财产保险股份有限公司泸州中心支公司")
DEGREES = (("研究生", Staff.Degree.POSTGRADUATE), ("硕士", Staff.Degree.POSTGRADUATE),
           ("本科", Staff.Degree.BACHELOR), ("大专", Staff.Degree.COLLEGE))
POST_TRAINING = ("托育机构负责人岗位培训", "泸州市卫生健康委员会", 60)
HEALTH_TRAINING = ("托幼机构卫生保健人员岗位培训", "泸州市妇幼保健院", 40)
SUMMARIES = (
    "全年安全运营，无重大安全事故；组织应急演练4次，开展保育人员培训12场。",
    "全年在托幼儿稳定，晨午检落实到位；完成消防设施年度维保，家长满意度测评良好。",
    "完成普惠托位建设任务，收费标准按时公示；卫生保健工作接受妇幼保健院指导。",
)


def _moment(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _degree(education: str) -> str:
    for word, degree in DEGREES:
        if word in education:
            return degree
    return Staff.Degree.SECONDARY


@transaction.atomic
def seed_rule_records(today: date | None = None) -> dict:
    """The records above for the centres that have none yet; returns how many were added."""
    today = today or timezone.localdate()
    centres = list(operating_centres().select_related("filing").order_by("pk"))
    insured = set(InsurancePolicy.objects.filter(centre__in=centres)
                  .values_list("centre_id", flat=True))
    managers = dict(CentreMembership.objects.active()
                    .filter(centre__in=centres, role=CentreMembership.Role.MANAGER)
                    .order_by("centre_id", "pk").values_list("centre_id", "user_id"))
    made = {"policies": 0, "reports": 0, "safety_checks": 0, "fee_schedules": 0,
            "trainings": 0}
    staff = list(Staff.objects.active().filter(
        centre__in=centres, role__in=[Staff.Role.PRINCIPAL, Staff.Role.GUARD,
                                      Staff.Role.HEALTH]).order_by("pk"))
    by_centre: dict[int, list[Staff]] = {}
    for person in staff:
        by_centre.setdefault(person.centre_id, []).append(person)
    trainings = {t.pk: t for t in StaffTrainingRecord.objects.filter(staff__in=staff)}
    kinds = {StaffTrainingRecord.Kind.PRINCIPAL_POST: POST_TRAINING[0],
             StaffTrainingRecord.Kind.HEALTH_CARE: HEALTH_TRAINING[0]}
    for record in trainings.values():
        for kind, course in kinds.items():
            if record.course == course:
                record.kind = kind
    trained = {(t.staff_id, t.kind) for t in trainings.values()}
    new_trainings, policies, checks, fees, reports = [], [], [], [], []
    month_end = today.replace(day=1) - timedelta(days=1)
    report_year = latest_overdue_year(today)
    report_due = annual_report_due(report_year)
    published = dict(FeeSchedule.objects.filter(centre__in=centres).values("centre_id")
                     .annotate(last=Max("created_at")).values_list("centre_id", "last"))
    latest_fees = {}
    for schedule in FeeSchedule.objects.filter(centre__in=centres).order_by(
            "centre_id", "-effective_from", "-id"):
        latest_fees.setdefault(schedule.centre_id, schedule)
    checked_last_month = set(SafetyCheck.objects.filter(
        centre__in=centres, checked_on__range=(month_end.replace(day=1), month_end))
        .values_list("centre_id", flat=True))
    reported = set(AnnualReport.objects.filter(centre__in=centres, year=report_year)
                   .values_list("centre_id", flat=True))
    for i, centre in enumerate(centres):
        rng = random.Random(f"{SEED}:{centre.name}")  # noqa: S311 — demo data, not secrets
        manager = managers.get(centre.pk)
        filed = timezone.localdate(centre.filing.filed_at) if centre.filing.filed_at else today
        for person in by_centre.get(centre.pk, []):
            hired = person.hired_on or filed
            if person.role == Staff.Role.PRINCIPAL:
                person.degree = _degree(person.education)
                person.experience_since = (
                    today - timedelta(days=rng.randint(300, 900)) if i % 11 == 4
                    else hired - relativedelta(years=rng.randint(2, 12)))
                if (person.pk, StaffTrainingRecord.Kind.PRINCIPAL_POST) not in trained \
                        and i % 11 != 8:
                    new_trainings.append(_training(person, POST_TRAINING, hired, today,
                                                   StaffTrainingRecord.Kind.PRINCIPAL_POST))
            elif person.role == Staff.Role.GUARD:
                number = person.qualification.removeprefix("保安员证").strip()
                person.guard_licence_no = "" if i % 17 == 9 else (
                    number or f"川{rng.randint(10**9, 10**10 - 1)}")
            elif (person.pk, StaffTrainingRecord.Kind.HEALTH_CARE) not in trained \
                    and i % 13 != 6:
                new_trainings.append(_training(person, HEALTH_TRAINING, hired, today,
                                               StaffTrainingRecord.Kind.HEALTH_CARE))
        if manager is not None and centre.pk not in insured and i % 23 != 11:
            start = today - timedelta(days=rng.randint(30, 330))
            if i % 12 == 3:  # lapsed a few weeks ago
                start = today - timedelta(days=rng.randint(5, 40)) - relativedelta(years=1)
            end = start + relativedelta(years=1) - timedelta(days=1)
            policies.append(InsurancePolicy(
                centre=centre, insurer=rng.choice(INSURERS), recorded_by_id=manager,
                policy_no=f"PZA{start.year}5105{rng.randint(10**7, 10**8 - 1)}",
                cover_from=start, cover_to=end, created_at=_moment(start - timedelta(days=3))))
        if centre.provides_meals and i % 9 == 5:
            licence = (FilingMaterial.objects.filter(
                filing=centre.filing, kind=MaterialKind.FOOD_LICENCE, staff__isnull=True)
                .exclude(verdict=FilingMaterial.Verdict.RETURNED)
                .order_by("-uploaded_at", "-id").first())
            if licence is not None:
                licence.valid_until = today - timedelta(days=rng.randint(5, 60))
                licence.save(update_fields=["valid_until"])
        if centre.pk not in checked_last_month and filed <= month_end:
            day = month_end.replace(day=rng.randint(1, 7))
            checks.extend(SafetyCheck(centre=centre, kind=kind, checked_on=day,
                                      inspector_name="安全员", created_at=_moment(day))
                          for kind in SafetyCheck.Kind.values
                          if not (i % 14 == 2 and kind == SafetyCheck.Kind.FIRE_EQUIPMENT))
        last = published.get(centre.pk)
        schedule = latest_fees.get(centre.pk)
        if schedule is not None and last is not None and i % 16 != 13 \
                and timezone.localdate(last) < today - timedelta(days=300):
            effective = (today - timedelta(days=rng.randint(30, 250))).replace(day=1)
            fees.append(FeeSchedule(
                centre=centre, effective_from=effective,
                created_at=_moment(effective - timedelta(days=rng.randint(3, 15))),
                **{name: getattr(schedule, name) for name in (
                    "infant_fee", "toddler_small_fee", "toddler_large_fee", "mixed_fee",
                    "meal_fee", "other_fees", "prepayment_months")}))
        owes = filed <= date(report_year, 12, 31)
        if owes and manager is not None and centre.pk not in reported and i % 10 != 7:
            sent = report_due - timedelta(days=rng.randint(1, 25))
            reports.append(AnnualReport(
                centre=centre, year=report_year, submitted_by_id=manager,
                submitted_at=_moment(sent), children_served=rng.randint(20, 140),
                staff_count=len(by_centre.get(centre.pk, [])) + rng.randint(3, 10),
                summary=rng.choice(SUMMARIES)))
    Staff.objects.bulk_update(staff, ["degree", "experience_since", "guard_licence_no"],
                              batch_size=500)
    StaffTrainingRecord.objects.bulk_update(list(trainings.values()), ["kind"], batch_size=500)
    StaffTrainingRecord.objects.bulk_create(new_trainings)
    InsurancePolicy.objects.bulk_create(policies)
    SafetyCheck.objects.bulk_create(checks)
    FeeSchedule.objects.bulk_create(fees)
    AnnualReport.objects.bulk_create(reports)
    made.update(policies=len(policies), reports=len(reports), safety_checks=len(checks),
                fee_schedules=len(fees), trainings=len(new_trainings))
    return made


def _training(person: Staff, course: tuple[str, str, int], hired: date, today: date,
              kind: str) -> StaffTrainingRecord:
    name, provider, hours = course
    return StaffTrainingRecord(staff=person, kind=kind, course=name, provider=provider,
                               hours=Decimal(hours),
                               completed_on=min(today, hired + timedelta(days=30)))
