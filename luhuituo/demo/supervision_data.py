"""Demo supervision data (called by ``manage.py seed_demo`` after the registry's centres):
children with guardians and consent in about two dozen operating centres across the districts,
30 days of attendance and morning/midday checks, incidents, drills, monthly safety checks,
hazards, children reports, then the checks once so the alert inbox is realistic.

Inspections, rectification orders and complaints go through the services
(``supervision.services.inspections`` / ``.rectification`` / ``.complaints``) in
``seed_follow_up``.

Idempotent: a centre that already has children gets nothing new. Deterministic: the data comes
from ``random.Random(2030)``. Records are written with bulk inserts (tens of thousands of
attendance rows); the demo's own audit trail is not back-dated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from luhuituo.core.models import User
from luhuituo.core.workdays import is_working_day
from luhuituo.demo.backdating import FOLLOW_UP, Backdater
from registry.models import Centre, ClassGroup, Staff
from supervision.models import (
    FILED_STATUSES,
    Attendance,
    Child,
    ChildrenReport,
    ClassDay,
    Drill,
    DutyAssignment,
    Enrolment,
    Guardian,
    GuardianConsent,
    Hazard,
    HealthCheck,
    Incident,
    SafetyCheck,
    VaccinationCheck,
)

SEED = 2030
DAYS = 30
CENTRES_PER_DISTRICT = 3
JIANGYANG_CENTRES = 6
DEMO_CENTRE_NAME = "江阳区示范托育中心"

SURNAMES = "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董曹袁邓许傅沈曾彭吕苏卢"
GIVEN = ("子涵", "一诺", "欣怡", "梓萱", "诗涵", "雨桐", "可馨", "沐阳", "浩宇", "宇轩", "梓轩",
         "子墨", "若汐", "语桐", "思远", "睿泽", "安琪", "嘉怡", "俊熙", "铭泽", "依依", "乐乐",
         "晨曦", "天佑", "书瑶", "锦程", "一鸣", "星辰", "悦然", "思彤")
PARENT_GIVEN = ("丽", "芳", "静", "敏", "伟", "强", "军", "磊", "燕", "娟", "涛", "勇", "霞", "杰")
HOSPITALS = ("泸州市妇幼保健院", "江阳区妇幼保健院", "纳溪区人民医院", "龙马潭区妇幼保健院",
             "泸县妇幼保健院", "西南医科大学附属医院")
ALLERGIES = ("", "", "", "", "", "", "鸡蛋过敏", "牛奶蛋白过敏", "花生过敏")
AGE_BAND = {"infant": (6, 11), "toddler_small": (12, 23), "toddler_large": (24, 35),
            "mixed": (18, 35)}


def _id_number(rng: random.Random, region_code: str, born: date, female: bool) -> str:
    serial = rng.randint(0, 99) * 10 + (rng.choice((0, 2, 4, 6, 8)) if female
                                        else rng.choice((1, 3, 5, 7, 9)))
    first17 = f"{region_code}{born:%Y%m%d}{serial:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def _moment(day: date, hour: int, minute: int) -> datetime:
    """That time of ``day``, but never later than now: seeding at 07:00 records no morning
    check at 08:30 today."""
    return min(timezone.make_aware(datetime.combine(day, time(hour, minute))), timezone.now())


def choose_centres() -> list[Centre]:
    """A few operating centres per district (more in 江阳区, where the demo regulator works),
    in a stable order, plus the demo centre (whose filing is still a draft: its children are
    enrolled ahead of opening, without attendance)."""
    chosen = []
    operating = (Centre.objects.filter(filing__status__in=FILED_STATUSES)
                 .exclude(name=DEMO_CENTRE_NAME).filter(classes__isnull=False).distinct()
                 .select_related("region").order_by("region__code", "pk"))
    per_region: dict[str, int] = {}
    for centre in operating:
        limit = JIANGYANG_CENTRES if centre.region.code == "510502" else CENTRES_PER_DISTRICT
        if per_region.get(centre.region.code, 0) < limit:
            chosen.append(centre)
            per_region[centre.region.code] = per_region.get(centre.region.code, 0) + 1
    return chosen


class DemoWriter:
    def __init__(self, today: date, rng: random.Random):
        self.today = today
        self.rng = rng
        self.open_days = [d for d in (today - timedelta(days=n) for n in range(DAYS, -1, -1))
                          if is_working_day(d)]
        # The last open day stands for "today" in the records (the seed may run on a weekend).
        self.last_open_day = self.open_days[-1]
        self.used_ids: set[str] = set()

    def unique_id(self, region_code: str, born: date, female: bool) -> str:
        while True:
            number = _id_number(self.rng, region_code, born, female)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    # --- children -------------------------------------------------------------------------

    def children(self, centre: Centre, *, parent: User | None = None) -> list[Enrolment]:
        rng, today = self.rng, self.today
        children, guardians, enrolments = [], [], []
        for group in centre.classes.all():
            low, high = AGE_BAND[group.class_type]
            count = max(1, round(group.capacity * rng.uniform(0.6, 0.9)))
            for _n in range(count):
                months = rng.randint(low, high)
                born = self.last_open_day - relativedelta(months=months,
                                                          days=rng.randint(0, 27))
                female = rng.random() < 0.5
                surname = rng.choice(SURNAMES)
                child = Child(
                    centre=centre, name=surname + rng.choice(GIVEN),
                    sex=Child.Sex.FEMALE if female else Child.Sex.MALE, birth_date=born,
                    id_number=self.unique_id(centre.region.code, born, female),
                    allergies=rng.choice(ALLERGIES),
                    created_at=_moment(today - timedelta(days=rng.randint(40, 200)), 9, 0))
                started = max(timezone.localdate(child.created_at),
                              born + relativedelta(months=low))
                children.append((child, group, started, surname))
        Child.objects.bulk_create([c for c, *_ in children])
        consents, checks, vaccinations = [], [], []
        for index, (child, group, started, surname) in enumerate(children):
            mother = Guardian(
                child=child, name=surname + rng.choice(PARENT_GIVEN),
                relation=Guardian.Relation.MOTHER, mobile=f"139{rng.randint(0, 99999999):08d}",
                is_primary=True, created_at=child.created_at,
                user=parent if index == 0 and parent is not None else None)
            guardians.append(mother)
            enrolments.append(Enrolment(child=child, class_group=group, started_on=started,
                                        created_at=child.created_at))
        Guardian.objects.bulk_create(guardians)
        for (child, _group, started, _s), guardian in zip(children, guardians, strict=True):
            method = rng.choice([GuardianConsent.Method.PAPER, GuardianConsent.Method.IN_PERSON])
            consents.append(GuardianConsent(
                child=child, guardian=guardian, purpose=GuardianConsent.Purpose.RECORDS,
                rules_version=settings.CHILD_PRIVACY_RULES_VERSION,
                consented_at=child.created_at, method=method))
            if rng.random() < 0.6:
                consents.append(GuardianConsent(
                    child=child, guardian=guardian, purpose=GuardianConsent.Purpose.PHOTOS,
                    rules_version=settings.CHILD_PRIVACY_RULES_VERSION,
                    consented_at=child.created_at, method=method))
            # About 1 in 40 children lacks a check (alert A5).
            if rng.random() > 0.015:
                checks.append(HealthCheck(
                    child=child, kind=HealthCheck.Kind.ENTRY,
                    checked_on=started - timedelta(days=rng.randint(5, 40)),
                    institution=rng.choice(HOSPITALS), result=HealthCheck.Result.PASSED))
            if rng.random() > 0.01:
                vaccinations.append(VaccinationCheck(child=child, checked_on=started))
        GuardianConsent.objects.bulk_create(consents)
        HealthCheck.objects.bulk_create(checks)
        VaccinationCheck.objects.bulk_create(vaccinations)
        return Enrolment.objects.bulk_create(enrolments)

    # --- daily records --------------------------------------------------------------------

    def attendance(self, centre: Centre, enrolments: list[Enrolment], *,
                   short_today: ClassGroup | None, cluster: ClassGroup | None) -> int:
        rng = self.rng
        carers = list(Staff.objects.active().filter(centre=centre, role=Staff.Role.CARER)
                      .order_by("pk"))
        by_class: dict[int, list[Enrolment]] = {}
        for enrolment in enrolments:
            by_class.setdefault(enrolment.class_group_id, []).append(enrolment)
        groups = {g.pk: g for g in centre.classes.all()}
        days, duty, rows = [], [], []
        untold_left = 1
        for day in self.open_days:
            latest = day == self.last_open_day
            free = list(carers)  # a carer is on duty in one class a day (A1)
            for class_id, members in sorted(by_class.items()):
                group = groups[class_id]
                late = latest and rng.random() < 0.15
                record = ClassDay(
                    class_group=group, date=day,
                    morning_check_at=None if late else _moment(day, 8, rng.randint(5, 50)),
                    midday_check_at=None if latest else _moment(day, 12, rng.randint(30, 59)))
                days.append(record)
                present, cluster_cases = [], 0
                for enrolment in members:
                    if enrolment.started_on > day:
                        continue
                    roll = rng.random()
                    symptom = ""
                    if (cluster is not None and group.pk == cluster.pk and latest
                            and cluster_cases < settings.CLUSTER_CASES_ONE_DAY):
                        status, reason, symptom = "absent", "sick", "fever"
                        cluster_cases += 1
                    elif roll < 0.88:
                        status, reason = "present", ""
                    elif roll < 0.93:
                        status, reason = "absent", "sick"
                        symptom = rng.choice(["fever", "respiratory", "diarrhoea", "other"])
                    elif roll < 0.98:
                        status, reason = "absent", "personal"
                    else:
                        status, reason = "left_early", ""
                    check = "" if status == "absent" else (
                        "abnormal" if rng.random() < 0.02 else "normal")
                    if status != "absent":
                        present.append(enrolment)
                    row = Attendance(
                        class_day=record, child_id=enrolment.child_id, date=day, status=status,
                        absence_reason=reason, symptom_group=symptom,
                        morning_check="" if late else check,
                        midday_check="" if latest else check)
                    if row.abnormal:
                        # The guardian is told by phone within the hour, except once on the
                        # latest day (rule A8, once its limit has passed).
                        row.abnormal_at = record.morning_check_at or record.midday_check_at
                        if not (latest and untold_left):
                            row.guardian_told_at = row.abnormal_at + timedelta(minutes=25)
                            row.guardian_told_via = Attendance.ToldVia.IN_PERSON
                        else:
                            untold_left -= 1
                    rows.append(row)
                needed = group.carers_needed(len(present))
                if short_today is not None and group.pk == short_today.pk and latest:
                    needed -= 1
                # The centre's carers go to the classes in turn until there are none left: a
                # centre with too few carers for its classes has classes short of carers.
                taken, free = free[:max(needed, 0)], free[max(needed, 0):]
                duty.extend((record, person) for person in taken)
        ClassDay.objects.bulk_create(days)
        Attendance.objects.bulk_create(rows, batch_size=2000)
        DutyAssignment.objects.bulk_create(
            (DutyAssignment(class_day=d, staff=s, date=d.date) for d, s in duty),
            batch_size=2000)
        return len(rows)

    def long_absence(self, centre: Centre, enrolments: list[Enrolment]) -> None:
        """One child of the centre, enrolled for months, attended once about five months ago
        and then not until this month's records, with no new health check (alert A6, within
        one placement)."""
        early = self.today - timedelta(days=150)
        while not is_working_day(early):
            early -= timedelta(days=1)
        enrolment = next((e for e in sorted(enrolments, key=lambda e: e.pk)
                          if e.started_on <= early), None)
        if enrolment is None:
            return
        record = ClassDay.objects.create(
            class_group_id=enrolment.class_group_id, date=early,
            morning_check_at=_moment(early, 8, 30))
        Attendance.objects.create(class_day=record, child_id=enrolment.child_id, date=early,
                                  status=Attendance.Status.PRESENT,
                                  morning_check=Attendance.Check.NORMAL)

    # --- safety records -------------------------------------------------------------------

    def safety(self, centre: Centre, index: int, enrolments: list[Enrolment]) -> None:
        rng, today = self.rng, self.today
        # One centre in seven has not drilled for over six months (alert A22).
        last_drill = today - timedelta(days=rng.randint(200, 260) if index % 7 == 3
                                       else rng.randint(10, 150))
        Drill.objects.bulk_create([
            Drill(centre=centre, kind=Drill.Kind.FIRE, held_on=last_drill,
                  participants=rng.randint(20, 60), note="疏散用时3分10秒，秩序良好。"),
            Drill(centre=centre, kind=Drill.Kind.EARTHQUAKE,
                  held_on=last_drill - timedelta(days=rng.randint(90, 150)),
                  participants=rng.randint(20, 60)),
        ])
        checks = []
        for months_back in (2, 1, 0):
            month = (today.replace(day=1) - relativedelta(months=months_back))
            day = month + timedelta(days=rng.randint(0, 6))
            if day > today:
                continue
            # One centre in seven skipped last month's fire-equipment check (alert A23).
            checks.extend(SafetyCheck(centre=centre, kind=kind, checked_on=day,
                                      inspector_name="安全员", all_in_order=True)
                          for kind in SafetyCheck.Kind.values
                          if not (months_back == 1 and index % 7 == 5
                                  and kind == SafetyCheck.Kind.FIRE_EQUIPMENT))
        SafetyCheck.objects.bulk_create(checks)
        if index % 4 == 1:
            overdue = index % 8 == 1
            Hazard.objects.create(
                centre=centre, found_on=today - timedelta(days=rng.randint(10, 20)),
                location=rng.choice(["二楼楼梯", "午睡室", "户外活动区", "厨房"]),
                description=rng.choice(["护栏螺丝松动", "插座未加装保护盖", "地垫边缘翘起",
                                        "灭火器压力不足"]),
                deadline=today - timedelta(days=2) if overdue else today + timedelta(days=5))
        if enrolments and index % 6 != 5:
            ChildrenReport.objects.create(
                centre=centre, enrolled=len(enrolments),
                submitted_at=_moment(today - timedelta(days=rng.randint(5, 80)), 10, 0),
                figures={"by_class_type": {}})

    def incidents(self, centre: Centre, index: int, enrolments: list[Enrolment]) -> None:
        if not enrolments:
            return
        rng, today = self.rng, self.today
        enrolment = rng.choice(enrolments)
        when = _moment(today - timedelta(days=rng.randint(2, 25)), 10, 20)
        Incident.objects.create(
            centre=centre, child_id=enrolment.child_id, class_group_id=enrolment.class_group_id,
            occurred_at=when, kind=Incident.Kind.INJURY, injury_type=Incident.InjuryType.FALL,
            severity=Incident.Severity.MINOR, description="户外活动时跑跳摔倒，膝盖擦伤。",
            action_taken="保健员现场清洁消毒。", guardian_notified_at=when + timedelta(minutes=30),
            status=Incident.Status.CLOSED, closed_at=when + timedelta(hours=2),
            outcome="无需就医。")
        if index == 2:
            # A serious incident not yet reported to the bureau (alert A11).
            when = timezone.now() - timedelta(hours=5)
            Incident.objects.create(
                centre=centre, child_id=enrolment.child_id,
                class_group_id=enrolment.class_group_id, occurred_at=when,
                kind=Incident.Kind.INJURY, injury_type=Incident.InjuryType.FALL,
                severity=Incident.Severity.SERIOUS,
                description="从滑梯跌落，左前臂疑似骨折，已送医。",
                action_taken="立即送泸州市妇幼保健院就诊。",
                guardian_notified_at=when + timedelta(minutes=15),
                status=Incident.Status.GUARDIAN_NOTIFIED)


def last_open_day(today: date | None = None) -> date:
    day = today or timezone.localdate()
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def seed_supervision(*, progress: Callable = lambda items, desc: items) -> dict:
    """Children and records in the chosen centres that have no children yet."""
    rng = random.Random(SEED)  # noqa: S311 — demo data, not secrets
    today = timezone.localdate()
    writer = DemoWriter(today, rng)
    centres = [c for c in choose_centres() if not c.children.exists()]
    summary = {"centres": 0, "children": 0, "attendance": 0}
    parent = User.objects.filter(username="parent").first()
    with transaction.atomic():
        demo = Centre.objects.filter(name=DEMO_CENTRE_NAME).first()
        if demo is not None and not demo.children.exists() and demo.classes.exists():
            summary["children"] += len(writer.children(demo, parent=parent))
        for index, centre in enumerate(progress(centres, "demo children and records")):
            enrolments = writer.children(centre)
            groups = list(centre.classes.order_by("pk"))
            summary["attendance"] += writer.attendance(
                centre, enrolments,
                short_today=groups[0] if index in (0, 4) and groups else None,
                cluster=groups[-1] if index == 1 and groups else None)
            if index == 2:
                writer.long_absence(centre, enrolments)
            writer.safety(centre, index, enrolments)
            writer.incidents(centre, index, enrolments)
            summary["centres"] += 1
            summary["children"] += len(enrolments)
        routine_records(writer, exclude=[c.pk for c in centres])
        summary.update(seed_follow_up(choose_centres(), rng))
        summary.update(seed_random_draws(rng))
    return summary


def routine_records(writer: DemoWriter, *, exclude: list[int]) -> None:
    """The other operating centres keep their routine records too — most of them on time."""
    rng, today = writer.rng, writer.today
    others = list(Centre.objects.filter(filing__status__in=FILED_STATUSES, drills__isnull=True)
                  .exclude(pk__in=exclude).order_by("pk"))
    Drill.objects.bulk_create(
        Drill(centre=centre, kind=Drill.Kind.FIRE, participants=rng.randint(20, 60),
              held_on=today - timedelta(days=rng.randint(190, 240) if rng.random() < 0.08
                                        else rng.randint(10, 170)))
        for centre in others)
    ChildrenReport.objects.bulk_create(
        ChildrenReport(centre=centre, enrolled=rng.randint(20, 90),
                       submitted_at=_moment(today - timedelta(
                           days=rng.randint(95, 130) if rng.random() < 0.08
                           else rng.randint(3, 85)), 10, 0))
        for centre in others)


__all__ = ["seed_supervision"]


# --- Inspections, rectification orders, complaints (through the services) -------------------

FINDINGS = (
    ("major", "疏散通道堆放杂物，安全出口指示灯损坏。"),
    ("minor", "消毒记录缺少11月中旬三天的记录。"),
    ("major", "部分保育人员健康证已过期仍在岗。"),
    ("critical", "午睡室电动车电池充电。"),
    ("minor", "食谱未按周公示。"),
)
COMPLAINTS = (
    ("hotline", "service", "午睡时段无保育人员在班",
     "家长反映午睡时间教室内无人看护，孩子哭闹无人回应。"),
    ("phone", "fees", "收取未公示的兴趣班费用",
     "机构另行收取每月300元“双语课”费用，未在收费公示中列明。"),
    ("visit", "safety", "孩子手臂有不明淤青",
     "家长接孩子时发现手臂淤青，机构未能说明原因。"),
    ("letter", "health", "饭菜分量不足",
     "多名家长反映午餐分量少，孩子回家后饥饿。"),
    ("hotline", "staff", "保育人员大声呵斥孩子",
     "家长在监控中看到保育人员大声呵斥孩子。"),
    ("phone", "other", "接送时门口拥堵",
     "机构门口接送时段车辆拥堵，存在安全隐患。"),
)


def _people(centre: Centre):
    from registry.rules import centre_managers, responsible_regulators

    regulators = responsible_regulators(centre)
    managers = centre_managers(centre)
    return (regulators[0] if regulators else None), (managers[0] if managers else None)


def _evidence():
    from django.core.files.base import ContentFile

    from luhuituo.core.uploads import check_upload

    from .registry_data import demo_pdf

    upload = ContentFile(demo_pdf("rectification"), name="整改照片说明.pdf")
    return [(upload, check_upload(upload))]


def _back_date(model, pk: int, days: int, *fields: str) -> None:
    shift = timedelta(days=days)
    obj = model.objects.get(pk=pk)
    changes = {f: getattr(obj, f) - shift for f in fields if getattr(obj, f) is not None}
    model.objects.filter(pk=pk).update(**changes)


def seed_follow_up(centres: list[Centre], rng: random.Random) -> dict:
    """Inspections in each state, rectification orders (open, overdue, answered, closed),
    planned visits and complaints — written through the services by the district's demo
    regulator and the centre's manager, then back-dated."""
    from supervision.models import Complaint, Inspection, RectificationOrder
    from supervision.services import complaints as complaint_service
    from supervision.services import inspections as service
    from supervision.services import rectification as rectification_service

    if not centres or Inspection.objects.filter(centre__in=centres).exists():
        return {"inspections": 0, "complaints": 0}
    today = timezone.localdate()
    checklists = list(service.active_checklists())
    made = {"inspections": 0, "complaints": 0}
    clock = Backdater(FOLLOW_UP)
    for index, centre in enumerate(centres[:12]):
        regulator, manager = _people(centre)
        if regulator is None or manager is None:
            continue
        age = 40 - index * 2
        # what the services stamp "now" (audit, change history, notices) moves with the visit
        with clock.at(timedelta(days=age)):
            chosen = [c for c in checklists if c.category in ("fire", "safety", "health")]
            inspection = service.plan_inspection(
                centre=centre, by=regulator, kind=Inspection.Kind.ROUTINE if index % 3
                else Inspection.Kind.UNANNOUNCED, planned_on=today, checklists=chosen)
            service.start_inspection(inspection=inspection, by=regulator)
            items = list(service.checklist_items(inspection))
            variant = index % 4
            failed = set() if variant == 0 else {items[index % len(items)].pk}
            service.save_answers(inspection=inspection, by=regulator, answers={
                item.pk: ("fail" if item.pk in failed else "pass", "") for item in items})
            findings = []
            if failed:
                severity, text = FINDINGS[index % len(FINDINGS)]
                findings.append(service.add_finding(inspection=inspection, by=regulator,
                                                    severity=severity, description=text))
            service.issue_findings(inspection=inspection, by=regulator, summary=(
                "现场检查未发现问题。" if not findings else "发现问题，已责令限期整改。"))
            if not findings:
                service.close_inspection(inspection=inspection, by=regulator)
            else:
                order = rectification_service.issue_rectification_order(
                    by=regulator, inspection=inspection, findings=findings,
                    requirements="；".join(f.description for f in findings)
                    + "请限期整改并上传整改照片。")
                if variant in (2, 3):
                    rectification_service.acknowledge_order(order=order, by=manager)
                    rectification_service.submit_rectification(order=order, by=manager, response=(
                        "已于检查次日完成整改：清理通道杂物，更换指示灯，附整改后照片。"),
                        files=_evidence())
                    if variant == 3:
                        rectification_service.verify_order(order=order, by=regulator, close=True,
                                                           note="复查确认已整改到位。")
                elif index % 8 == 1:
                    rectification_service.acknowledge_order(order=order, by=manager)
                # Back-date the visit and the order; the overdue ones' deadlines have passed.
                _back_date(RectificationOrder, order.pk, age, "issued_at", "acknowledged_at",
                           "submitted_at", "closed_at", "deadline")
                if variant == 1:
                    RectificationOrder.objects.filter(pk=order.pk).update(
                        deadline=today - timedelta(days=rng.randint(2, 6)))
            _back_date(Inspection, inspection.pk, age, "planned_on", "started_at", "finished_at",
                       "closed_at", "created_at")
        made["inspections"] += 1
    for index, centre in enumerate(centres[12:16]):
        regulator, _manager = _people(centre)
        if regulator is None:
            continue
        service.plan_inspection(
            centre=centre, by=regulator, planned_on=today + timedelta(days=3 + index * 4),
            kind=Inspection.Kind.UNANNOUNCED if index % 2 else Inspection.Kind.ROUTINE,
            checklists=checklists[:2])
        made["inspections"] += 1
    for index, (channel, category, summary, details) in enumerate(COMPLAINTS):
        centre = centres[(index * 5 + 2) % len(centres)]
        regulator, _manager = _people(centre)
        if regulator is None:
            continue
        received = timezone.now() - timedelta(days=(3, 20, 8, 30, 1, 12)[index])
        with clock.at(received):
            complaint = complaint_service.receive_complaint(
                centre=centre, channel=channel, category=category, summary=summary, details=details,
                priority=Complaint.Priority.URGENT if category == "safety"
                else Complaint.Priority.NORMAL, complainant_name=rng.choice(SURNAMES) + "女士",
                complainant_phone=f"138{rng.randint(0, 99999999):08d}", by=regulator,
                received_at=received)
        if index in (1, 2, 3, 5):
            complaint_service.assign_complaint(complaint=complaint, by=regulator,
                                               assignee=regulator)
        if index in (3, 5):
            complaint_service.answer_complaint(
                complaint=complaint, by=regulator, upheld=index == 3,
                outcome="经核查，情况属实，已责令机构整改并向家长反馈。" if index == 3
                else "经现场核查，机构已调整接送时段并安排人员疏导。")
        if index == 5:
            complaint_service.close_complaint(complaint=complaint, by=regulator)
        made["complaints"] += 1
    clock.apply()
    return made


# --- Random inspections (双随机, docs/rules/random-inspections.md) ------------------------------

# Demo inspectors of the two demo districts (no login: their passwords are unusable).
DRAW_INSPECTORS = {
    "510502": (("jy_inspector1", "江阳检查员孙伟"), ("jy_inspector2", "江阳检查员罗静")),
    "510503": (("nx_inspector1", "纳溪检查员唐军"), ("nx_inspector2", "纳溪检查员梁燕")),
}
DRAW_REGULATORS = {"510502": "jiangyang", "510503": "naxi"}
DRAW_AGE_DAYS = 35  # the completed draw was made five weeks ago


def _inspectors(code: str) -> list[User]:
    from luhuituo.core.models import Region, RegulatorScope

    region = Region.objects.get(code=code)
    users = []
    for username, name in DRAW_INSPECTORS[code]:
        user, created = User.objects.get_or_create(
            username=username, defaults={"name": name, "account_type": "regulator"})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        RegulatorScope.objects.get_or_create(user=user, region=region,
                                             defaults={"role": RegulatorScope.Role.ASSESSOR})
        users.append(user)
    return users


def _visit(inspection, index: int, regulator) -> None:
    """A drawn inspection carried out: the first centre clean and closed, the others with
    findings under a rectification order."""
    from supervision.services import inspections as service
    from supervision.services import rectification as rectification_service

    service.start_inspection(inspection=inspection, by=regulator)
    if index == 0:
        service.issue_findings(inspection=inspection, by=regulator,
                               summary="现场检查未发现问题。")
        service.close_inspection(inspection=inspection, by=regulator)
        return
    findings = [service.add_finding(inspection=inspection, by=regulator, severity=severity,
                                    description=text)
                for severity, text in (FINDINGS[0], FINDINGS[1])]
    service.issue_findings(inspection=inspection, by=regulator,
                           summary="发现问题，已责令限期整改。")
    rectification_service.issue_rectification_order(
        by=regulator, inspection=inspection, findings=findings,
        requirements="清理疏散通道，更换安全出口指示灯，补齐消毒记录。")


def seed_random_draws(rng: random.Random) -> dict:
    """In 江阳区 and 纳溪区: two demo inspectors, one declared conflict, a draw made five weeks
    ago (``make_draw(now=…)``, its audit events and history moved to then) whose inspections
    are done — results public: one clean and closed, one with findings under a rectification order —
    and a draw of today whose unannounced visits are still planned (not public, not shown to
    the centres)."""
    from luhuituo.core.models import Region
    from supervision.models import InspectorConflict, RandomDraw
    from supervision.services import draws as draw_service
    from supervision.services import inspections as service

    made = {"random_draws": 0, "random_results": 0}
    today = timezone.localdate()
    checklists = [c for c in service.active_checklists() if c.category in ("fire", "safety")]
    for code, username in DRAW_REGULATORS.items():
        region = Region.objects.get(code=code)
        regulator = User.objects.filter(username=username).first()
        if regulator is None or RandomDraw.objects.filter(region=region).exists():
            continue
        inspectors = _inspectors(code)
        eligible = list(draw_service.eligible_centres(region))
        if len(eligible) < 2:
            continue
        InspectorConflict.objects.get_or_create(
            inspector=inspectors[0], centre=eligible[0],
            defaults={"reason": "配偶在该机构任保育员。", "declared_by": regulator})
        then = today - timedelta(days=DRAW_AGE_DAYS)
        clock = Backdater(FOLLOW_UP)
        with clock.at(_moment(then, 9, 0)):
            old = draw_service.make_draw(
                by=regulator, region=region, centres=2, inspectors_per_centre=2, weighted=True,
                window_start=then + timedelta(days=1), window_end=then + timedelta(days=14),
                checklists=checklists, seed=rng.getrandbits(64), now=_moment(then, 9, 0))
        for index, pick in enumerate(old.picks.select_related("inspection").order_by("position")):
            inspection = pick.inspection
            with clock.at(_moment(inspection.planned_on, 11, 30)):
                _visit(inspection, index, regulator)
            made["random_results"] += 1
        for pick in old.picks.select_related("inspection"):
            inspection = pick.inspection  # visited on its drawn day
            day = inspection.planned_on
            type(inspection).objects.filter(pk=inspection.pk).update(
                created_at=old.drawn_at, started_at=_moment(day, 9, 30),
                finished_at=_moment(day, 11, 30),
                closed_at=_moment(day + timedelta(days=1), 10, 0) if inspection.closed_at
                else None)
            inspection.orders.update(issued_at=_moment(day, 16, 0))
        clock.apply()
        draw_service.make_draw(
            by=regulator, region=region, centres=min(2, len(eligible)),
            inspectors_per_centre=2, weighted=False, window_start=today + timedelta(days=3),
            window_end=today + timedelta(days=24), checklists=checklists,
            seed=rng.getrandbits(64))
        made["random_draws"] += 2
    return made
