"""Demo quality assessments and star ratings (docs/rules/quality-assessment.md), called by
``manage.py seed_demo`` after the credit records.

Across the operating centres (those of 江阳区 first, then by filing date, oldest first):

- self-assessments: most submitted in the last 12 months, a few still being scored, a few
  centres without one (what rule A33 reminds);
- on-site assessments assigned by the district, by hand or drawn from the assessor pool, in
  every state: being scored, submitted for approval, returned, approved and not yet published,
  and published as star ratings — mostly 3 or 4 stars, some 5, some 1, a few capped by a failed
  veto item; one rating has expired (published over ``RATING_VALIDITY_MONTHS`` ago — before
  any filing on the platform, which the demo dates within 18 months), and its centre's renewal
  visit is planned;
- three spot checks of rated centres: one clean, one with a failed veto item whose downgrade
  review is open, one whose review lowered the rating by a star;
- assessor accounts (``<prefix>_assessor1``, ``…2``, password ``DEMO_PASSWORD``) for the
  districts that have no assessor.

Every step goes through ``evaluation.services.assessments`` and ``.ratings`` (start, assign,
submit, return, approve, publish, decide), so the audit trail and the notifications are those of
real use; the scores themselves are written with one UPDATE per assessment instead of
``save_score`` per indicator (no "scored an indicator" audit lines; each row's version and
history show one save). Each step is then moved to its day in the past (``Backdater`` for the
audit trail, change history and notifications; the records' own dates), never before the
centre was filed: a centre filed in the last weeks has a self-assessment begun, or none.

Scores: per indicator a fraction of its maximum drawn around the centre's quality, the total
nudged into the planned grade band; a self-assessment is drawn around the same quality plus the
centre's optimism (a few clearly rate themselves higher), never fails a veto item and is never
equal to the on-site result.

Idempotent: nothing is written when assessments exist. Deterministic: ``random.Random(2040)``
(draws included: the draw's seed comes from it).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pgtrigger
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from evaluation.models import (
    Assessment,
    DowngradeReview,
    Framework,
    GradeBand,
    Indicator,
    Score,
    StarRating,
)
from evaluation.services import assessments as service
from evaluation.services import ratings as rating_service
from luhuituo.core.models import Region, RegulatorScope, User
from registry.models import Centre
from registry.rules import centre_managers, responsible_regulators
from supervision.models import FILED_STATUSES

from .backdating import AUDIT, Backdater
from .registry_data import DISTRICTS

SEED = 2040
DEMO_DISTRICT = "510502"
ASSESSOR_PERSONA = "assessor"
STAMPED = [*AUDIT, ("evaluation.AssessmentEvent", "pgh_created_at"),
           ("evaluation.ScoreEvent", "pgh_created_at")]
Kind, Status = Assessment.Kind, Assessment.Status

# Names of the assessors made for the districts without one, two per district in turn.
ASSESSOR_NAMES = ("杨帆", "黄敏", "吴俊", "徐倩", "胡斌", "朱琳", "高翔", "林静", "何勇", "郭丹",
                  "马骏", "罗娟", "宋涛", "郑洁")

# The plans of the first centres, in this order (so 江阳区's regulator sees every state); the
# rest follow ``REST``.
SPECIAL = ["draft_hand", "returned_hand", "submitted_draw", "approved", "spot_open",
           "spot_downgraded", "spot_pass", "capped", "expired"]
# The rest, cycling: the self-assessment's state and, for a submitted one, the on-site result
# (stars of a published rating, "capped" for a failed veto item) or None (no on-site yet).
REST = [("submitted", 4), ("submitted", None), ("submitted", 3), ("draft", None),
        ("submitted", None), ("submitted", 5), ("none", None), ("submitted", None),
        ("submitted", 3), ("submitted", 4), ("submitted", None), ("submitted", 1),
        ("draft", None), ("submitted", None), ("submitted", 4), ("none", None),
        ("submitted", "capped"), ("submitted", None), ("submitted", 3), ("submitted", None)]
# Planned stars of the special plans' on-site results ("capped": a total of 4 stars capped by
# a failed veto item).
SPECIAL_STARS = {"returned_hand": 3, "submitted_draw": 4, "approved": 3, "spot_open": 4,
                 "spot_downgraded": 4, "spot_pass": 5, "capped": "capped",
                 "expired": 3}
# Where a total of each star count is aimed, as a fraction of the points.
QUALITY = {5: 0.93, 4: 0.82, 3: 0.68, 1: 0.54}

VETO_FAILURES = {
    "4.1.4": "消防安全检查合格证明已过有效期，尚未重新办理。",
    "5.1.5": "2名保育人员健康证明已过期，仍在岗。",
    "5.1.6": "新入职保育员1名未提供无犯罪记录证明。",
    "7.2.1": "抽查5名婴幼儿档案，3名入托时未查验预防接种证。",
    "9.4.3": "监控录像仅保存30天，不足90天；睡眠室未覆盖。",
    "9.7.1": "责任保险已于上月到期，未续保。",
}
REMARKS = [(Decimal("0.9"), "记录完整、规范。"), (Decimal("0.75"), "记录基本完整，个别月份缺失。"),
           (Decimal("0.6"), "记录不全，部分内容未落实。"), (Decimal("0"), "记录缺失较多，需整改。")]
RETURN_REASONS = ["第6章、第9章评分未附现场证据，请补充查阅记录后重新提交。",
                  "9.4.3 评分与现场照片不一致，请核实监控录像保存天数。"]
APPROVAL_NOTES = ["评分与现场记录一致，同意。", "同意，请机构按评估意见改进。", ""]
DOWNGRADE_REASON = "抽查发现一票否决项未达标，经复核降低一星，整改完成后可申请重新评估。"


# --- accounts ------------------------------------------------------------------------------------


def ensure_assessors() -> list[User]:
    """Two assessor accounts for each district whose pool has nobody; returns those made."""
    regions = {r.code: r for r in Region.objects.filter(code__in=[d.code for d in DISTRICTS])}
    covered = set(RegulatorScope.objects.filter(role=RegulatorScope.Role.ASSESSOR,
                                                user__is_active=True)
                  .values_list("region__code", flat=True))
    made, password = [], None
    for n, district in enumerate(DISTRICTS):
        if district.code in covered or district.code not in regions:
            continue
        short = district.name.removesuffix("区").removesuffix("县")
        for i in (1, 2):
            password = password or make_password(settings.DEMO_PASSWORD)
            name = ASSESSOR_NAMES[(2 * n + i) % len(ASSESSOR_NAMES)]
            user, created = User.objects.get_or_create(
                username=f"{district.prefix}_assessor{i}",
                defaults={"name": f"{short}评估员{name}",
                          "account_type": User.AccountType.REGULATOR, "password": password})
            RegulatorScope.objects.get_or_create(
                user=user, region=regions[district.code],
                defaults={"role": RegulatorScope.Role.ASSESSOR})
            if created:
                made.append(user)
    return made


# --- scores ---------------------------------------------------------------------------------------


def _half(value: float, maximum: Decimal) -> Decimal:
    """``value`` to the nearest half point, within 0 and ``maximum``."""
    return min(maximum, max(Decimal(0), Decimal(round(value * 2)) / 2))


def _band(bands: list[GradeBand], stars: int) -> tuple[Decimal, Decimal]:
    band = max((b for b in bands if b.stars == stars), key=lambda b: b.min_total)
    top = band.max_total if band.max_total is not None else band.framework.total_points + 1
    return band.min_total, Decimal(top)


def _into(values: dict[int, Decimal], indicators: list[Indicator], low: Decimal,
          high: Decimal) -> None:
    """Nudge the non-veto scores (largest maxima first) until the total is within
    [low + 5, high - 5)."""
    total = sum(values.values(), Decimal(0))
    for indicator in sorted((i for i in indicators if not i.is_veto),
                            key=lambda i: i.max_score, reverse=True):
        if low + 5 <= total < high - 5:
            return
        want = (low + 10 - total) if total < low + 5 else (high - 10 - total)
        old = values[indicator.pk]
        new = _half(float(old + want), indicator.max_score)
        values[indicator.pk] = new
        total += new - old


def _evidence(indicator: Indicator, value: Decimal) -> str:
    if indicator.code.endswith(".99"):
        return f"按附录A评估表逐条评分，本章其余条款合计{value.normalize():f}分。"
    fraction = value / indicator.max_score
    remark = next(text for floor, text in REMARKS if fraction >= floor)
    return f"现场查阅{indicator.evidence_hint or indicator.text}，{remark}"


def draw_scores(indicators: list[Indicator], *, quality: float, rng: random.Random,
                band: tuple[Decimal, Decimal] | None = None, fail_veto: str = "",
                evidence: float = 0.6, avoid: Decimal | None = None,
                ) -> dict[int, tuple[Decimal, str, str]]:
    """A score, evidence and comment per indicator: a fraction of the maximum around
    ``quality``; veto items full except ``fail_veto``; the total within ``band`` if given and
    other than ``avoid`` (the self-assessment's, so the comparison shows a gap)."""
    values = {}
    for indicator in indicators:
        if indicator.is_veto:
            values[indicator.pk] = (indicator.max_score if indicator.code != fail_veto
                                    else _half(float(indicator.max_score) * rng.choice((0.4, 0.6)),
                                               indicator.max_score))
        else:
            fraction = min(1.0, max(0.2, rng.gauss(quality, 0.05)))
            values[indicator.pk] = _half(fraction * float(indicator.max_score),
                                         indicator.max_score)
    if band is not None:
        _into(values, indicators, *band)
    if avoid is not None and sum(values.values(), Decimal(0)) == avoid:
        widest = max((i for i in indicators if not i.is_veto), key=lambda i: i.max_score)
        values[widest.pk] += -1 if values[widest.pk] >= 1 else 1
    result = {}
    for indicator in indicators:
        value = values[indicator.pk]
        if indicator.code == fail_veto:
            result[indicator.pk] = (value, f"现场查验{indicator.evidence_hint}。",
                                    VETO_FAILURES.get(indicator.code, "未达到要求。"))
        elif rng.random() < evidence:
            result[indicator.pk] = (value, _evidence(indicator, value), "")
        else:
            result[indicator.pk] = (value, "", "")
    return result


def write_scores(assessment: Assessment, scores: dict, *, by: User, at: datetime,
                 only: int | None = None) -> None:
    """Write ``scores`` into the assessment's score rows (the first ``only`` indicators when
    given: scoring still under way), in one query, as if each had been saved once."""
    rows = list(assessment.scores.order_by("indicator__dimension__order", "indicator__order",
                                           "indicator__code").values_list("pk", "indicator_id"))
    if only is not None:
        rows = rows[:only]
    values = ", ".join(["(%s, %s::numeric, %s, %s)"] * len(rows))
    table = connection.ops.quote_name(Score._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS s SET score = v.score, evidence = v.evidence, "  # noqa: S608
            f"comment = v.comment, updated_by_id = %s, updated_at = %s, version = s.version + 1 "
            f"FROM (VALUES {values}) AS v(id, score, evidence, comment) WHERE s.id = v.id",
            [by.pk, at, *(x for pk, indicator in rows for x in (pk, *scores[indicator]))])


# --- the plan ---------------------------------------------------------------------------------


def move_dates(moments: dict[int, dict]) -> None:
    """Move the assessments' own dates (``{pk: {field: value}}``) to the plan's moments, one
    query per field, without change-history rows of their own (``sync_history`` puts the dates
    into the history the services wrote)."""
    table = connection.ops.quote_name(Assessment._meta.db_table)
    fields = {field for values in moments.values() for field in values}
    with pgtrigger.ignore("evaluation.Assessment:update_update"), connection.cursor() as cursor:
        for field in sorted(fields):
            column = connection.ops.quote_name(Assessment._meta.get_field(field).column)
            kind = "date" if field == "scheduled_on" else "timestamptz"
            rows = [(pk, values[field]) for pk, values in moments.items() if field in values]
            cursor.execute(
                f"UPDATE {table} AS a SET {column} = v.moment FROM (VALUES "  # noqa: S608
                + ", ".join([f"(%s, %s::{kind})"] * len(rows))
                + ") AS v(id, moment) WHERE a.id = v.id",
                [x for row in rows for x in row])


def sync_history(assessments) -> None:
    """The assessments' change history (written by the services with "now" in every date)
    shows the dates the demo moved: the start, and once set, the submission, the decision and
    the visit."""
    history, table = (connection.ops.quote_name(m._meta.db_table)
                      for m in (apps.get_model("evaluation", "AssessmentEvent"), Assessment))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {history} AS e SET created_at = a.created_at, "  # noqa: S608
            "submitted_at = CASE WHEN e.submitted_at IS NULL THEN NULL ELSE a.submitted_at END, "
            "decided_at = CASE WHEN e.decided_at IS NULL THEN NULL ELSE a.decided_at END, "
            "scheduled_on = CASE WHEN e.scheduled_on IS NULL THEN NULL ELSE a.scheduled_on END "
            f"FROM {table} AS a WHERE e.pgh_obj_id = a.id AND a.id = ANY(%s)",
            [list(assessments)])


class Seeder:
    """Takes each centre through its plan with the services, noting the moments to move."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        # Everything the seeder writes through the services is inside one of its blocks.
        self.clock = Backdater(STAMPED, contiguous=True)
        self.framework = service.active_framework()
        self.indicators = list(Indicator.objects.filter(dimension__framework=self.framework)
                               .select_related("dimension")
                               .order_by("dimension__order", "order", "code"))
        self.vetoes = [i.code for i in self.indicators if i.is_veto]
        self.bands = list(GradeBand.objects.filter(framework=self.framework)
                          .select_related("framework"))
        self.moments: dict[int, dict] = {}  # the assessments' own dates, moved at the end
        self.regulators: dict[int, User | None] = {}

    def redate(self, pk: int, **moments) -> None:
        """Move these dates of the assessment at the end (``move_dates``): nothing read on the
        way depends on them."""
        self.moments.setdefault(pk, {}).update(moments)

    def moment(self, days_ago: int, hour: int, minute: int = 0) -> datetime:
        """That time ``days_ago`` days before today, but never later than now."""
        moment = timezone.make_aware(datetime.combine(self.today - timedelta(days=days_ago),
                                                      time(hour, minute)))
        return min(moment, timezone.now())

    # self-assessments

    def self_assessment(self, centre: Centre, manager: User, *, quality: float, days_ago: int,
                        complete: bool, optimism: float) -> Assessment:
        started = self.moment(days_ago + self.rng.randint(7, 20), 9, 30)
        with self.clock.at(started):
            assessment = service.start_self_assessment(centre=centre, by=manager)
        scores = draw_scores(self.indicators, quality=quality + optimism, rng=self.rng,
                             evidence=0.4)
        scored_at = self.moment(days_ago, 15, 0)
        with self.clock.at(scored_at):
            write_scores(assessment, scores, by=manager, at=scored_at,
                         only=None if complete else self.rng.randint(6, len(self.indicators) - 4))
        moments = {"created_at": started}
        if complete:
            moments["submitted_at"] = self.moment(days_ago, 16, 30)
            with self.clock.at(moments["submitted_at"]):
                assessment = service.submit(assessment=assessment, by=manager)
        self.redate(assessment.pk, **moments)
        return assessment

    # on-site assessments

    def assign(self, centre: Centre, regulator: User, *, days_ago: int, hand: bool,
               kind: str = Kind.ONSITE, visit_in: int | None = None) -> Assessment:
        """The district assigns ``days_ago`` (by hand: the demo assessor where the pool has
        them); ``visit_in`` days from today is the visit planned, else the visit day is set when
        it happens."""
        assessor = None
        if hand:
            conflicted = service.conflicted_assessors(centre)
            pool = [u for u in service.assessor_pool(centre) if u.pk not in conflicted]
            assessor = next((u for u in pool if u.username == ASSESSOR_PERSONA),
                            pool[0] if pool else None)
        assigned = self.moment(days_ago, 10, 0)
        visit_on = self.today + timedelta(days=visit_in) if visit_in is not None else None
        with self.clock.at(assigned):
            # A seed from the demo's generator: the draws are the same every run.
            assessment = service.assign(centre=centre, by=regulator, kind=kind,
                                        assessor=assessor, scheduled_on=visit_on,
                                        seed=self.rng.getrandbits(32) if assessor is None
                                        else None)
        self.redate(assessment.pk, created_at=assigned)
        return assessment

    def visit(self, assessment: Assessment, *, days_ago: int, quality: float, stars,
              fail_veto: str = "", only: int | None = None) -> Assessment:
        """The assessor visits ``days_ago`` and scores (every indicator, or the first
        ``only``); a complete scoring is submitted the same afternoon."""
        band = _band(self.bands, stars) if stars else None
        compared = assessment.self_assessment
        scores = draw_scores(self.indicators, quality=quality, rng=self.rng, band=band,
                             fail_veto=fail_veto,
                             avoid=compared.total if compared is not None else None)
        visited = self.moment(days_ago, 11, 0)
        with self.clock.at(visited):
            write_scores(assessment, scores, by=assessment.assessor, at=visited, only=only)
        visit_on = self.today - timedelta(days=days_ago)
        if only is not None:
            self.redate(assessment.pk, scheduled_on=visit_on)
            return assessment
        submitted = self.moment(days_ago, 17, 0)
        with self.clock.at(submitted):
            assessment = service.submit(assessment=assessment, by=assessment.assessor)
        self.redate(assessment.pk, scheduled_on=visit_on, submitted_at=submitted)
        return assessment

    def approve(self, assessment: Assessment, regulator: User, *, days_ago: int) -> Assessment:
        decided = self.moment(days_ago, 14, 0)
        with self.clock.at(decided):
            assessment = service.approve(assessment=assessment, by=regulator,
                                         note=self.rng.choice(APPROVAL_NOTES))
        self.redate(assessment.pk, decided_at=decided)
        DowngradeReview.objects.filter(source_id=assessment.pk,
                                       trigger=DowngradeReview.Trigger.VETO_AT_SPOT_CHECK
                                       ).update(opened_at=decided)
        return assessment

    def publish(self, assessment: Assessment, regulator: User, *, days_ago: int) -> StarRating:
        published = self.moment(days_ago, 10, 30)
        with self.clock.at(published):
            rating = rating_service.publish(assessment=assessment, by=regulator)
        start = self.today - timedelta(days=days_ago)
        StarRating.objects.filter(pk=rating.pk).update(
            valid_from=start, valid_until=rating_service.validity_end(start),
            published_at=published)
        rating.refresh_from_db()
        return rating

    def onsite(self, centre: Centre, regulator: User, *, quality: float, stars, to: str,
               published_ago: int, hand: bool, fail_veto: str = "") -> Assessment:
        """An on-site assessment taken to ``to`` (a status), its rating published
        ``published_ago`` days ago (the visit and the decision a few days to weeks before)."""
        approved_ago = published_ago + self.rng.randint(1, 5)
        visited_ago = approved_ago + self.rng.randint(3, 8)
        assigned_ago = visited_ago + self.rng.randint(7, 21)
        if to == Status.DRAFT:  # visited today, scoring under way
            assessment = self.assign(centre, regulator, days_ago=self.rng.randint(5, 12),
                                     hand=hand)
            return self.visit(assessment, days_ago=0, quality=quality, stars=stars,
                              only=self.rng.randint(5, len(self.indicators) - 5))
        if to == "planned":  # assigned, the visit next week
            return self.assign(centre, regulator, days_ago=self.rng.randint(2, 6), hand=hand,
                               visit_in=self.rng.randint(4, 9))
        assessment = self.assign(centre, regulator, days_ago=assigned_ago, hand=hand)
        assessment = self.visit(assessment, days_ago=visited_ago, quality=quality, stars=stars,
                                fail_veto=fail_veto)
        if to == Status.SUBMITTED:
            return assessment
        if to == Status.RETURNED:
            with self.clock.at(self.moment(approved_ago, 15, 0)):
                return service.return_for_correction(
                    assessment=assessment, by=regulator, reason=self.rng.choice(RETURN_REASONS))
        assessment = self.approve(assessment, regulator, days_ago=approved_ago)
        if to == Status.PUBLISHED:
            self.publish(assessment, regulator, days_ago=published_ago)
        return assessment

    def spot_check(self, centre: Centre, regulator: User, *, quality: float, stars: int,
                   days_ago: int, fail_veto: str) -> Assessment:
        assessment = self.assign(centre, regulator, days_ago=days_ago + 10, hand=False,
                                 kind=Kind.SPOT_CHECK)
        assessment = self.visit(assessment, days_ago=days_ago + 3, quality=quality,
                                stars=stars, fail_veto=fail_veto)
        return self.approve(assessment, regulator, days_ago=days_ago)

    # one centre

    def centre(self, centre: Centre, plan: str, stars, self_state: str) -> None:
        rng = self.rng
        managers = centre_managers(centre)
        if centre.region_id not in self.regulators:  # one user per district: scopes read once
            self.regulators[centre.region_id] = next(iter(responsible_regulators(centre)), None)
        regulator = self.regulators[centre.region_id]
        if not managers or regulator is None:
            return
        manager = managers[0]
        target = 4 if stars == "capped" else stars
        quality = QUALITY.get(target, rng.choice((0.68, 0.8))) + rng.uniform(-0.02, 0.02)
        # A few centres rate themselves clearly higher than the assessor will.
        optimism = rng.uniform(0.07, 0.11) if rng.random() < 0.3 else rng.uniform(0.005, 0.04)
        # Nothing before the centre was filed (but for the expired rating, older than any
        # filing on the platform): a rating leaves time for a self-assessment and the visit.
        filed_ago = (self.today - timezone.localdate(centre.filing.filed_at)).days
        latest = max(30, min(320 if plan.startswith("spot_") else 280, filed_ago - 90))
        if plan == "rest" and filed_ago < 120:
            stars = target = None  # filed too recently to have been rated
        published_ago = rng.randint(min(200, latest) if plan.startswith("spot_") else 30,
                                    latest)
        if plan == "expired":
            # Published before the rating's validity ran out: more than 36 months ago.
            start = (self.today - relativedelta(months=settings.RATING_VALIDITY_MONTHS)
                     - timedelta(days=rng.randint(10, 40)))
            published_ago = (self.today - start).days
        self_ago = {"draft_hand": 25, "returned_hand": 60, "submitted_draw": 45,
                    "approved": 70}.get(plan, published_ago + rng.randint(40, 75))
        if plan == "expired" or (plan == "rest" and stars is None):
            self_ago = rng.randint(20, max(20, min(330, filed_ago - 20)))
        if plan == "rest" and filed_ago < 45:  # just filed: a self-assessment begun, or none
            self_state = "none" if filed_ago < 22 else "draft"
        if self_state == "draft":  # being scored these days
            self_ago = rng.randint(1, 15)
        self_ago = max(1, min(self_ago, filed_ago - 21))  # begun up to 20 days before
        fail_veto = rng.choice(self.vetoes) if stars == "capped" else ""
        if plan == "expired":
            # The old rating first (no self-assessment to compare with then), then the
            # centre's self-assessment this year and the renewal being scored.
            self.onsite(centre, regulator, quality=quality, stars=target, to=Status.PUBLISHED,
                        published_ago=published_ago, hand=False)
        if self_state != "none":
            self.self_assessment(centre, manager, quality=quality, days_ago=self_ago,
                                 complete=self_state == "submitted", optimism=optimism)
        if plan == "expired":
            self.onsite(centre, regulator, quality=quality + 0.03, stars=None, to="planned",
                        published_ago=0, hand=False)
            return
        to = {"draft_hand": Status.DRAFT, "returned_hand": Status.RETURNED,
              "submitted_draw": Status.SUBMITTED, "approved": Status.APPROVED}.get(
            plan, Status.PUBLISHED if stars else None)
        if to is None:
            return
        to_ago = {"returned_hand": 4, "submitted_draw": 2, "approved": 6}.get(plan, published_ago)
        self.onsite(centre, regulator, quality=quality, stars=target, to=to,
                    published_ago=to_ago, hand=plan.endswith("_hand") or to == Status.DRAFT
                    or rng.random() < 0.4, fail_veto=fail_veto)
        if plan == "spot_pass":
            self.spot_check(centre, regulator, quality=quality, stars=target,
                            days_ago=rng.randint(20, 40), fail_veto="")
        elif plan in ("spot_open", "spot_downgraded"):
            checked_ago = rng.randint(8, 15) if plan == "spot_open" else rng.randint(50, 80)
            check = self.spot_check(centre, regulator, quality=quality - 0.02, stars=target,
                                    days_ago=checked_ago, fail_veto=rng.choice(self.vetoes))
            if plan == "spot_downgraded":
                self.downgrade(check, regulator, days_ago=checked_ago - 10)

    def downgrade(self, check: Assessment, regulator: User, *, days_ago: int) -> None:
        review = DowngradeReview.objects.get(
            source_id=check.pk, trigger=DowngradeReview.Trigger.VETO_AT_SPOT_CHECK)
        decided = self.moment(days_ago, 16, 0)
        with self.clock.at(decided):
            rating_service.decide_review(review=review, by=regulator, downgrade=True,
                                         stars=review.rating.stars - 1, reason=DOWNGRADE_REASON)
        DowngradeReview.objects.filter(pk=review.pk).update(decided_at=decided)


def operating_centres() -> list[Centre]:
    """Operating centres, 江阳区 first, then the longest filed first (they have the longest
    history to show)."""
    return list(Centre.objects.filter(filing__status__in=FILED_STATUSES,
                                      filing__filed_at__isnull=False)
                .select_related("region", "filing")
                .order_by(Case(When(region__code=DEMO_DISTRICT, then=Value(0)), default=Value(1),
                               output_field=IntegerField()), "filing__filed_at", "pk"))


def plans(centres: list[Centre]) -> list[tuple[Centre, str, object, str]]:
    """(centre, plan, stars, self-assessment state) per centre."""
    chosen = []
    for n, centre in enumerate(centres):
        if n < len(SPECIAL):
            plan = SPECIAL[n]
            chosen.append((centre, plan, SPECIAL_STARS.get(plan), "submitted"))
        else:
            self_state, stars = REST[(n - len(SPECIAL)) % len(REST)]
            chosen.append((centre, "rest", stars, self_state))
    return chosen


def counts() -> dict:
    """What the demo holds, for the seed's summary."""
    assessments = Counter(Assessment.objects.values_list("kind", "status"))
    ratings = StarRating.objects.all()
    today = timezone.localdate()
    return {
        "self": {s: n for (k, s), n in assessments.items() if k == Kind.SELF},
        "onsite": {s: n for (k, s), n in assessments.items() if k == Kind.ONSITE},
        "spot_checks": sum(n for (k, _s), n in assessments.items() if k == Kind.SPOT_CHECK),
        "ratings": Counter(ratings.current(today).values_list("stars", flat=True)),
        "capped": sum(1 for r in ratings.current(today).select_related("assessment")
                      if r.capped),
        "expired": ratings.filter(status__in=StarRating.IN_FORCE,
                                  valid_until__lt=today).count(),
        "reviews": Counter(DowngradeReview.objects.values_list("status", flat=True)),
        "assessors": RegulatorScope.objects.filter(role=RegulatorScope.Role.ASSESSOR)
        .values("user").distinct().count(),
    }


def seed_assessments() -> dict:
    """The demo's assessments and ratings; the counts to report."""
    with transaction.atomic():
        made = ensure_assessors()
        if not Assessment.objects.exists() and Framework.objects.filter(is_active=True).exists():
            rng = random.Random(SEED)  # noqa: S311 — demo data, not secrets
            seeder = Seeder(rng, timezone.localdate())
            for centre, plan, stars, self_state in plans(operating_centres()):
                seeder.centre(centre, plan, stars, self_state)
            # What the daily scan would open on the new ratings (serious incidents, low credit).
            rating_service.scan_triggers()
            seeder.clock.apply()
            move_dates(seeder.moments)
            sync_history(Assessment.objects.values_list("pk", flat=True))
    return counts() | {"new_assessors": len(made)}


__all__ = ["seed_assessments"]
