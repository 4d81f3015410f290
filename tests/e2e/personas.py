"""The pages each persona uses every day, on data that fills them: the list of pages the layout
and accessibility tests walk (tests/e2e/test_every_page.py).

``daily_world()`` builds one district's worth of records with the factories — a verified centre
(``centre_a``, the manager's and the carer's) with a class, children, today's record with an
absence and an abnormal check, an incident, a drill, an inspection, a rectification order, a
complaint and an alert of each of the four colours; another 江阳区 centre whose filing waits
in the queue past its deadline; a parent whose child is in centre_a; quality assessments —
centre_a rated 1 star (veto item 9.4.3 failed on site), a downgrade review of that rating opened
by a spot check, a self-assessment in progress and a spot check the assessor is scoring, and a
second operating centre whose on-site assessment waits for the district's decision beside its
submitted self-assessment — and
``persona_pages(world)`` names the pages of each persona on it, built from the URL names, so a
page that moves is still found.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Assessment, DowngradeReview, Score
from evaluation.services import assessments
from parents.models import Article
from registry.models import CentreMembership, Filing, Staff
from supervision.models import Alert, Attendance, Drill, Enrolment, Incident, Severity
from tests.factories import (
    CentreFactory,
    ClassGroupFactory,
    MembershipFactory,
    StaffFactory,
    filing_for,
)
from tests.factories.evaluation import fill_scores, rated_centre
from tests.factories.supervision import (
    ChildFactory,
    ComplaintFactory,
    InspectionFactory,
    RectificationOrderFactory,
    class_day,
    enrolled_child,
)

# The personas of the issue and the test users standing for them (tests/conftest.py).
USERS = {
    "carer": "staff",
    "manager": "manager",
    "district_regulator": "district_regulator",
    "parent": "parent",
    "assessor": "assessor",  # tests/e2e/conftest.py adds it to the cast
    "anonymous": "anonymous",
}


def _alert(centre, severity: str, message: str, n: int) -> Alert:
    return Alert.objects.create(
        rule="A22", severity=severity, initial_severity=severity, centre=centre,
        subject_type=ContentType.objects.get_for_model(centre), subject_id=centre.pk + n * 100000,
        subject_repr=centre.name, message=message)


def quality_world(*, centre_a, manager, district_regulator, assessor) -> dict:
    """The assessments and ratings of the daily pages (see the module's docstring)."""
    rating = rated_centre(centre_a, regulator=district_regulator, assessor_user=assessor,
                          fail=("9.4.3",))
    # A spot check finds the veto item failed again: approved, it opens a downgrade review.
    spot = assessments.assign(centre=centre_a, by=district_regulator,
                              kind=Assessment.Kind.SPOT_CHECK, assessor=assessor)
    fill_scores(spot, fail=("9.4.3",))
    assessments.submit(assessment=spot, by=assessor)
    assessments.approve(assessment=spot, by=district_regulator)
    review = DowngradeReview.objects.get(rating=rating)
    # The next spot check, half scored by the assessor: the scoring form.
    scoring = assessments.assign(centre=centre_a, by=district_regulator,
                                 kind=Assessment.Kind.SPOT_CHECK, assessor=assessor,
                                 scheduled_on=timezone.localdate())
    _half_scored(scoring, evidence="现场查看晨检记录和消毒台账")
    # The centre's own self-assessment in progress: the workspace.
    own = assessments.start_self_assessment(centre=centre_a, by=manager)
    _half_scored(own, evidence="自查：制度上墙，台账齐全")
    # Another operating centre: self-assessment submitted, then the on-site assessment,
    # submitted and waiting for the district — its page compares the two.
    other = CentreFactory(name="江阳区星光托育园", filing=Filing.Status.VERIFIED)
    other_manager = MembershipFactory(centre=other, role=CentreMembership.Role.MANAGER).user
    self_assessment = assessments.start_self_assessment(centre=other, by=other_manager)
    fill_scores(self_assessment, fraction=Decimal("0.95"))
    assessments.submit(assessment=self_assessment, by=other_manager)
    onsite = assessments.assign(centre=other, by=district_regulator, assessor=assessor)
    fill_scores(onsite, fraction=Decimal("0.7"), fail=("5.1.5",))
    assessments.submit(assessment=onsite, by=assessor)
    return {"rating": rating, "review": review, "self_assessment": own, "onsite": onsite,
            "scoring": scoring}


def _half_scored(assessment, *, evidence: str) -> None:
    """Every other indicator scored, with a line of evidence."""
    fill_scores(assessment)
    unscored = list(assessment.scores.order_by("indicator__dimension__order",
                                               "indicator__order").values_list("pk", flat=True))
    Score.objects.filter(pk__in=unscored[1::2]).update(score=None)
    assessment.scores.filter(score__isnull=False).update(evidence=evidence)


def daily_world(*, centre_a, manager, staff, district_regulator, parent, assessor) -> dict:
    """The records the daily pages show (see the module's docstring); returns what the page
    list needs."""
    filing = filing_for(centre_a, Filing.Status.VERIFIED)
    filing.filing_no = "510502-2026-0001"
    filing.save(update_fields=["filing_no"])
    waiting = CentreFactory(name="江阳区小太阳托育园", filing=Filing.Status.SUBMITTED)
    # submitted a month ago: its receipt is overdue, so the queue shows an overdue row
    submitted = timezone.now() - dt.timedelta(days=30)
    Filing.objects.filter(centre=waiting).update(
        submitted_at=submitted, first_submitted_at=submitted,
        receipt_due=submitted + dt.timedelta(days=7))
    group = ClassGroupFactory(centre=centre_a, name="托小一班", capacity=15)
    carer = StaffFactory(centre=centre_a, name="李保育", role=Staff.Role.CARER)
    StaffFactory(centre=centre_a, name="王保健", role=Staff.Role.HEALTH)
    today = timezone.localdate()
    present = [enrolled_child(group, name=name) for name in ("小明", "小红", "欧阳天天")]
    absent = enrolled_child(group, name="小刚")
    enrolled_child(group, name="诸葛小亮")  # not recorded yet today
    day = class_day(group, today, present=present, absent=[absent], staff=[carer])
    Attendance.objects.filter(class_day=day, child=present[0]).update(
        morning_check=Attendance.Check.ABNORMAL, symptom_group="fever",
        note="晨检体温37.8℃，已通知家长")
    own = ChildFactory(centre=centre_a, name="周小宝", guardian__user=parent)
    Enrolment.objects.create(child=own, class_group=group,
                             started_on=today - dt.timedelta(days=30))
    Incident.objects.create(
        centre=centre_a, child=present[1], class_group=group,
        occurred_at=timezone.now() - dt.timedelta(hours=3), kind=Incident.Kind.INJURY,
        injury_type=Incident.InjuryType.FALL, severity=Incident.Severity.MINOR,
        description="户外活动时摔倒，膝盖擦伤", action_taken="消毒包扎", reported_by=staff)
    Drill.objects.create(centre=centre_a, kind=Drill.Kind.FIRE,
                         held_on=today - dt.timedelta(days=10), participants=20,
                         note="疏散用时3分钟", recorded_by=staff)
    inspection = InspectionFactory(centre=centre_a, lead=district_regulator)
    order = RectificationOrderFactory(centre=centre_a, issued_by=district_regulator,
                                      inspection=inspection)
    ComplaintFactory(centre=centre_a)
    alerts = [
        _alert(centre_a, Severity.RED, "托小一班在岗保育人员不足", 1),
        _alert(centre_a, Severity.ORANGE, "消防检查合格证明即将过期", 2),
        _alert(centre_a, Severity.YELLOW, "本月未开展应急演练", 3),
        _alert(centre_a, Severity.BLUE, "新入托幼儿尚未完成入托体检", 4),
    ]
    quality = quality_world(centre_a=centre_a, manager=manager,
                            district_regulator=district_regulator, assessor=assessor)
    article = Article.objects.create(
        title="2026年托育服务补贴政策解读", category=Article.Category.SUBSIDY,
        region=centre_a.region, summary="符合条件的家庭每月可领取托育补贴。",
        body="<h2>谁可以申请</h2><p>在本市普惠托育机构入托的3岁以下婴幼儿家庭。</p>"
             "<table><tr><th scope=\"col\">项目</th><th scope=\"col\">标准</th></tr>"
             "<tr><td>普惠托位补贴</td><td>每人每月200元（演示数据）</td></tr></table>",
        source="演示数据", created_by=district_regulator, published_at=timezone.now())
    return {"centre": centre_a, "waiting": waiting, "group": group, "day": today,
            "child": own, "present": present, "order": order, "alert": alerts[1],
            "article": article, **quality}


def persona_pages(world: dict) -> dict[str, list[tuple[str, str]]]:
    """persona → [(what the page is, its path)] of the pages that persona uses daily."""
    centre = world["centre"].pk
    class_day_url = reverse("supervision:class-day",
                            args=[centre, world["group"].pk, world["day"].isoformat()])
    public = [
        ("public centre list", reverse("registry:public-centres")),
        ("centre search near a district, for a child of 18 months",
         reverse("parents:search") + "?" + urlencode({"place": "江阳区", "age": 18})),
        ("star rating of a centre", reverse("evaluation:public-rating", args=[centre])),
        ("star rating certificate verified",
         reverse("evaluation:rating-verify", args=[world["rating"].token])),
        ("policies and guides", reverse("parents:articles")),
        ("an article", reverse("parents:article", args=[world["article"].pk])),
    ]
    return {
        "carer": [
            ("centre home", reverse("registry:centre-home")),
            ("daily records", reverse("supervision:daily-today", args=[centre])),
            ("daily record of a class", class_day_url),
            ("children", reverse("supervision:child-list", args=[centre])),
            ("incidents", reverse("supervision:incident-list", args=[centre])),
            ("report an incident", reverse("supervision:incident-create", args=[centre])),
            ("drills, checks and hazards", reverse("supervision:safety-records", args=[centre])),
        ],
        "manager": [
            ("centre overview", reverse("registry:centre-overview", args=[centre])),
            ("classes", reverse("registry:class-list", args=[centre])),
            ("staff", reverse("registry:staff-list", args=[centre])),
            ("children", reverse("supervision:child-list", args=[centre])),
            ("daily record of a class", class_day_url),
            ("inspections and orders", reverse("supervision:centre-inspections", args=[centre])),
            ("rectification order", reverse("supervision:centre-rectification",
                                            args=[centre, world["order"].pk])),
            ("filing", reverse("registry:filing-detail", args=[centre])),
            ("quality assessment", reverse("evaluation:centre-quality", args=[centre])),
            ("self-assessment in progress", reverse(
                "evaluation:centre-assessment", args=[centre, world["self_assessment"].pk])),
        ],
        "district_regulator": [
            ("workbench", reverse("dashboard:home")),
            ("alert inbox", reverse("supervision:alert-inbox")),
            ("alert", reverse("supervision:alert-detail", args=[world["alert"].pk])),
            ("filing queue", reverse("registry:filing-queue")),
            ("filing review", reverse("registry:review", args=[world["waiting"].pk])),
            ("centre list", reverse("registry:centre-list")),
            ("centre", reverse("registry:centre-detail", args=[centre])),
            ("inspections", reverse("supervision:inspection-list")),
            ("rectification orders", reverse("supervision:rectification-list")),
            ("complaints", reverse("supervision:complaint-list")),
            ("quality assessments", reverse("evaluation:assessment-list")),
            ("assign an assessment", reverse("evaluation:assessment-assign")),
            ("on-site assessment to decide, compared with the self-assessment",
             reverse("evaluation:assessment-detail", args=[world["onsite"].pk])),
            ("star ratings", reverse("evaluation:rating-list")),
            ("downgrade reviews", reverse("evaluation:rating-reviews")),
            ("downgrade review", reverse("evaluation:rating-review", args=[world["review"].pk])),
        ],
        "assessor": [
            ("my assessments", reverse("evaluation:assessor-list")),
            ("scoring form", reverse("evaluation:assessor-assessment",
                                     args=[world["scoring"].pk])),
        ],
        "parent": [
            ("parent home", reverse("parents:home")),
            ("my children", reverse("supervision:my-children")),
            ("my child", reverse("supervision:my-child-detail", args=[world["child"].pk])),
            *public,
        ],
        "anonymous": [
            ("home", reverse("parents:index")),
            *public,
            ("public disclosures", reverse("registry:public-disclosures")),
            ("open data: how to read it", reverse("parents:api-docs")),
            ("centre profile with a cost estimate",
             reverse("parents:centre-profile", args=[centre])
             + "?class_type=toddler_small&under_three=yes"),
            ("centres compared, with distance and cost",
             reverse("parents:compare")
             + f"?c={centre}&lat=28.87&lng=105.44&class_type=toddler_small"),
            ("login", reverse("core:login")),
        ],
    }
