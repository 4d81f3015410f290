"""Demo data for the parent portal, written through the parents services:

- three articles for parents, published city-wide by the city regulator (policy, subsidies,
  how to choose a centre), their bodies cleaned like any other;
- the demo parent accounts ``parent2`` (孙悦) and ``parent3`` (吴磊) (logins printed by
  ``seed_demo``; ``parent`` 周明 is already linked to a child of the demo centre):
  孙悦 adds two children and applies for places at publicly listed centres of 江阳区 — one
  application submitted, one on a waiting list (second, behind 吴磊's), one withdrawn; for her
  other child one declined with a reason and one accepted, which enrols the child (her open
  application elsewhere is then closed: placed at another centre); she also files a complaint
  with a photo;
- 吴磊 is linked with a linking code to a guardian of an enrolled child of an operating centre
  (his "my children" page shows the child's attendance), and has a child on a waiting list;
- one linking code issued by the demo centre's manager and not yet used.

Deterministic (ordered by primary key, fixed texts) and idempotent: nothing is written when
the demo articles exist. Timestamps of applications are moved a few days back, with their audit
events (``backdating``), so the lists read like a past week."""

from __future__ import annotations

import io
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import User
from luhuituo.core.uploads import check_upload
from parents.models import ApplicantChild, Application, Article
from parents.services import applications as applications_svc
from parents.services import articles as articles_svc
from parents.services import complaints as complaints_svc
from parents.services import linking as linking_svc
from registry.models import Centre, CentreMembership
from supervision.models import Attendance, Child, Guardian

from .backdating import AUDIT, Backdater
from .supervision_data import AGE_BAND, DEMO_CENTRE_NAME

ARTICLES = [
    (Article.Category.POLICY, "泸州市托育机构备案与监管政策要点",
     "托育机构须先办理备案，备案核实通过后方可在平台公开展示。",
     "<h2>备案是开办托育机构的前提</h2>"
     "<p>举办托育机构，应当在取得营业执照或事业单位法人证书后，向所在区县卫生健康部门备案。"
     "备案核实通过的机构，将在本平台“托育机构名录”中公开展示。</p>"
     "<h2>家长可以查看哪些信息</h2>"
     "<ul><li>机构的备案状态、收托类型和托位数；</li><li>收费标准和普惠托育认定情况；"
     "</li><li>星级评价和监督检查结果。</li></ul>"
     "<p>如发现机构存在安全隐患或违规收费，可通过平台向区县卫生健康部门投诉。</p>",
     "《托育机构设置标准（试行）》《托育机构管理规范（试行）》"),
    (Article.Category.SUBSIDY, "普惠托育服务与育儿补贴申领指南",
     "在普惠托育机构入托的家庭，可按规定享受相应的收费优惠和补贴。",
     "<h2>什么是普惠托育机构</h2>"
     "<p>普惠托育机构由区县卫生健康部门认定，收费不高于当地规定的普惠价格标准。"
     "机构名录中标有“普惠”的即为认定机构。</p>"
     "<h2>怎样申领</h2>"
     "<ol><li>在普惠托育机构办理入托；</li><li>由机构汇总在托幼儿名单报区县卫生健康部门；"
     "</li><li>补贴按月核拨，家长可向机构了解到账情况。</li></ol>"
     "<p>具体补贴标准以当年公布的文件为准（本文为演示数据）。</p>",
     "泸州市普惠托育服务实施方案（演示）"),
    (Article.Category.GUIDE, "为孩子选择托育机构的五个要点",
     "看备案、看环境、看人员、看收费、看口碑。",
     "<h2>选择托育机构时请留意</h2>"
     "<ol><li><strong>看备案</strong>：只选择已备案并核实通过的机构；</li>"
     "<li><strong>看环境</strong>：室内外活动场地、消防通道和安全设施是否完备；</li>"
     "<li><strong>看人员</strong>：保育人员与幼儿的配比、健康证和培训情况；</li>"
     "<li><strong>看收费</strong>：收费项目是否公示，是否与备案一致；</li>"
     "<li><strong>看口碑</strong>：参考其他家长经核实的评价和星级评价结果。</li></ol>"
     "<p>可以在平台上按距离搜索附近的机构，并对比两三家后再提出入托申请。</p>",
     ""),
]

# Demo parent accounts (seed_demo's PERSONAS creates them and prints their logins).
PARENT2 = "parent2"
PARENT3 = "parent3"
DECLINE_REASON = "该班次本学期托位已满，建议关注下学期招生。"
COMPLAINT = ("十一月伙食费重复收取",
             "十一月的伙食费在月初和月中各收了一次，向园方反映后一直没有退还，附上缴费记录截图。")


def demo_png(text: str = "demo") -> bytes:
    """A small PNG (a receipt-like picture), made here so the demo needs no image files."""
    image = Image.new("RGB", (240, 160), "#f6f3ea")
    draw = ImageDraw.Draw(image)
    draw.rectangle((12, 12, 228, 148), outline="#7a6a4f", width=3)
    for y in range(40, 140, 20):
        draw.line((28, y, 212, y), fill="#b9ab8c", width=2)
    draw.text((28, 18), text, fill="#3d3323")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _manager(centre: Centre) -> User | None:
    membership = (CentreMembership.objects.filter(
        centre=centre, role=CentreMembership.Role.MANAGER, is_active=True)
        .select_related("user").order_by("pk").first())
    return membership.user if membership else None


def _listed_centres() -> list[Centre]:
    """Publicly listed centres of 江阳区 with classes and a manager account, in a fixed order."""
    centres = (Centre.objects.listed_publicly().filter(region__code="510502",
                                                       classes__isnull=False)
               .exclude(name=DEMO_CENTRE_NAME).distinct().order_by("pk"))
    return [c for c in centres if _manager(c) is not None][:4]


def _child(parent: User, name: str, sex: str, months: int, relation: str) -> ApplicantChild:
    today = timezone.localdate()
    return applications_svc.add_applicant_child(parent=parent, data={
        "name": name, "sex": sex, "birth_date": today - relativedelta(months=months, days=10),
        "relation": relation, "consent": True})


def _apply(parent, child, centre, start) -> Application:
    return applications_svc.apply(parent=parent, child=child, centre=centre,
                                  preferred_start=start, service_form="full_day")


def _accept(application: Application, manager: User, start) -> bool:
    """Accept into the first class that takes the child (every enrolment rule applies)."""
    for group in application.centre.classes.order_by("pk"):
        try:
            with transaction.atomic():
                applications_svc.accept(application, by=manager, class_group=group,
                                        started_on=start)
            return True
        except DomainError:
            continue
    return False


def _fitting_months(centre: Centre) -> int:
    group = centre.classes.order_by("pk").first()
    low, high = AGE_BAND.get(group.class_type, (18, 30))
    return (low + high) // 2


def _articles(city: User) -> int:
    for category, title, summary, body, source in ARTICLES:
        article = articles_svc.save(article=Article(
            title=title, category=category, summary=summary, body=body, source=source),
            by=city)
        articles_svc.set_published(article=article, by=city, published=True)
    return len(ARTICLES)


def _link_parent3(parent3: User) -> bool:
    """吴磊 linked by a code to the primary guardian of an enrolled child who has attendance."""
    with_attendance = Attendance.objects.filter(
        child__status=Child.Status.ENROLLED).values("child_id")
    guardian = (Guardian.objects.filter(user__isnull=True, is_primary=True,
                                        child__in=with_attendance)
                .select_related("child__centre").order_by("child_id").first())
    if guardian is None:
        return False
    manager = _manager(guardian.child.centre)
    if manager is None:
        return False
    _code, plain = linking_svc.issue_linking_code(guardian, by=manager)
    linking_svc.use_linking_code(user=parent3, code=plain)
    return True


def _unused_code() -> bool:
    """A code the demo centre's manager issued and no one has used yet."""
    centre = Centre.objects.filter(name=DEMO_CENTRE_NAME).first()
    manager = _manager(centre) if centre else None
    guardian = (Guardian.objects.filter(child__centre=centre, user__isnull=True,
                                        child__status=Child.Status.ENROLLED)
                .order_by("child_id", "pk").first() if centre else None)
    if manager is None or guardian is None:
        return False
    linking_svc.issue_linking_code(guardian, by=manager)
    return True


def seed_parents() -> dict:
    """The parent portal's demo records; what was added."""
    if Article.objects.filter(title=ARTICLES[0][1]).exists():
        return {}
    users = {u.username: u for u in User.objects.filter(
        username__in=("city", PARENT2, PARENT3))}
    if len(users) < 3:
        return {}
    city, sun, wu = users["city"], users[PARENT2], users[PARENT3]
    summary = {"articles": 0, "applications": 0, "linked": 0, "codes": 0, "complaints": 0}
    now = timezone.now()
    backdater = Backdater(AUDIT)
    with transaction.atomic():
        summary["articles"] = _articles(city)
        centres = _listed_centres()
        if len(centres) >= 4:
            x, y, z, w = centres
            start = timezone.localdate() + timedelta(days=14)
            with backdater.at(now - timedelta(days=9)):
                xiaoman = _child(sun, "孙小满", "female", _fitting_months(x), "mother")
                xiaohe = _child(sun, "孙小禾", "male", _fitting_months(z), "mother")
                wu_child = _child(wu, "吴一一", "male", _fitting_months(y), "father")
                first = _apply(wu, wu_child, y, start)
                submitted = _apply(sun, xiaoman, x, start)
                waiting = _apply(sun, xiaoman, y, start)
                withdrawn = _apply(sun, xiaoman, w, start)
                declined = _apply(sun, xiaohe, y, start)
                closed = _apply(sun, xiaohe, x, start)
                accepted = _apply(sun, xiaohe, z, start)
            y_manager = _manager(y)
            with backdater.at(now - timedelta(days=6)):
                applications_svc.waitlist(first, by=y_manager)
            with backdater.at(now - timedelta(days=5)):
                applications_svc.waitlist(waiting, by=y_manager)
                applications_svc.decline(declined, by=y_manager, reason=DECLINE_REASON)
            with backdater.at(now - timedelta(days=4)):
                applications_svc.withdraw(withdrawn, by=sun)
            with backdater.at(now - timedelta(days=3)):
                _accept(accepted, _manager(z), start)
            ids = [a.pk for a in (first, submitted, waiting, withdrawn, declined, closed,
                                  accepted)]
            Application.objects.filter(pk__in=ids).update(submitted_at=now - timedelta(days=9))
            Application.objects.filter(pk=first.pk).update(
                waitlisted_at=now - timedelta(days=6))
            Application.objects.filter(pk=waiting.pk).update(
                waitlisted_at=now - timedelta(days=5))
            Application.objects.filter(pk=declined.pk).update(
                decided_at=now - timedelta(days=5))
            Application.objects.filter(pk=accepted.pk, decided_at__isnull=False).update(
                decided_at=now - timedelta(days=3))
            summary["applications"] = len(ids)
            photo = SimpleUploadedFile("缴费记录.png", demo_png("2026-11"),
                                       content_type="image/png")
            complaints_svc.file_complaint(
                parent=sun, centre=x, category="fees", summary=COMPLAINT[0],
                details=COMPLAINT[1], phone=sun.mobile, photos=[(photo, check_upload(photo))])
            summary["complaints"] = 1
        summary["linked"] = int(_link_parent3(wu))
        summary["codes"] = int(_unused_code())
        backdater.apply()
    return summary


__all__ = ["seed_parents"]
