"""Item 11: "Kind" means different things on different pages. Each page labels it for what it is
(an incident's, a drill's, a safety check's, a health check's, an inspection's kind), never as a
centre's kind (机构类型) where the page has no centre kind.

CATALOGUE: the Chinese assertions here need the msgctxt entries of this change in
locale/zh_Hans/LC_MESSAGES/django.mo; they pass once those translations are merged and compiled.
``test_kind_labels_carry_a_context`` checks the source and needs no catalogue."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from supervision.models import Drill, HealthCheck, Incident, SafetyCheck
from tests.factories import ClassGroupFactory
from tests.factories.supervision import enrolled_child

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
ROOT = Path(__file__).resolve().parents[2]
CENTRE_KIND = "机构类型"

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(personas, centre_a):
    group = ClassGroupFactory(centre=centre_a, name="阳光托小班")
    child = enrolled_child(group, name="阳光宝宝", guardian__user=personas["parent"])
    HealthCheck.objects.create(child=child, kind=HealthCheck.Kind.PERIODIC,
                               checked_on=NOW.date() - dt.timedelta(days=10),
                               institution="江阳区妇幼保健院", result=HealthCheck.Result.PASSED)
    incident = Incident.objects.create(
        centre=centre_a, occurred_at=NOW - dt.timedelta(hours=2), kind=Incident.Kind.INJURY,
        injury_type=Incident.InjuryType.FALL, severity=Incident.Severity.MINOR,
        description="滑梯上摔倒", action_taken="消毒包扎")
    Drill.objects.create(centre=centre_a, kind=Drill.Kind.FIRE,
                         held_on=NOW.date() - dt.timedelta(days=20), participants=30)
    SafetyCheck.objects.create(centre=centre_a, kind=SafetyCheck.Kind.FIRE_EQUIPMENT,
                               checked_on=NOW.date() - dt.timedelta(days=3),
                               inspector_name="检查员")
    return personas | {"child": child, "incident": incident}


def zh_page(client, url) -> str:
    with translation.override("zh-hans"):
        response = client.get(url, headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 200, url
    return response.content.decode()


def pages(scene, centre_a):
    incident = scene["incident"]
    s = "supervision:"
    return {
        "district_regulator": {
            reverse(s + "regulator-incident-list"): ["事件类型"],
            reverse(s + "regulator-incident-detail", args=[incident.pk]): ["事件类型"],
        },
        "manager": {
            reverse(s + "incident-list", args=[centre_a.pk]): ["事件类型"],
            reverse(s + "incident-detail", args=[centre_a.pk, incident.pk]): ["事件类型"],
            reverse(s + "safety-records", args=[centre_a.pk]): ["演练类型", "检查类型"],
            reverse(s + "drill-create", args=[centre_a.pk]): ["演练类型"],
            reverse(s + "safety-check-create", args=[centre_a.pk]): ["检查类型"],
        },
        "staff": {
            reverse(s + "incident-create", args=[centre_a.pk]): ["事件类型"],
            reverse(s + "child-detail", args=[centre_a.pk, scene["child"].pk]): ["体检类型"],
        },
        "parent": {
            reverse(s + "my-child-detail", args=[scene["child"].pk]): ["体检类型"],
        },
    }


def test_no_page_without_a_centre_kind_says_centre_kind(scene, centre_a, client_for):
    """CATALOGUE: needs this change's translations compiled."""
    with time_machine.travel(NOW, tick=False):
        for persona, urls in pages(scene, centre_a).items():
            client = client_for(scene[persona])
            for url, labels in urls.items():
                body = zh_page(client, url)
                assert CENTRE_KIND not in body, (persona, url)
                for label in labels:
                    assert label in body, (persona, url, label)


def test_centre_pages_still_say_centre_kind(scene, centre_a, client_for):
    """CATALOGUE: the centre's own kind keeps 机构类型 (now under the context "centre")."""
    body = zh_page(client_for(scene["district_regulator"]),
                   reverse("registry:centre-detail", args=[centre_a.pk]))
    assert CENTRE_KIND in body


def test_inspection_export_labels_the_inspection_kind(scene, client_for):
    """CATALOGUE: the inspections CSV's column is the inspection's kind (检查类型)."""
    body = zh_page(client_for(scene["city_regulator"]),
                   reverse("supervision:inspection-list") + "?format=csv")
    header = body.splitlines()[0]
    assert CENTRE_KIND not in header and "检查类型" in header


BARE = re.compile(r"""\{% ?translate "Kind" ?%\}|[^p]gettext(?:_lazy)?\(\s*["'][Kk]ind["']\s*\)"""
                  r"""|\b_\(\s*["'][Kk]ind["']\s*\)""")


def test_kind_labels_carry_a_context():
    """No template or module translates a bare "Kind"/"kind": every use names what it is the
    kind of (pgettext with a context), so each can have its own Chinese label."""
    offenders = []
    for folder in ("templates", "registry", "supervision", "evaluation", "parents", "luhuituo"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".html"} or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in BARE.finditer(text)]
    assert offenders == []
