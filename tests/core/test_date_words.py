"""Item 13: one date format in Chinese everywhere (2026年11月28日), English its own; a class
label composed once; empty choices read "请选择"; the regulator's menu names the centre list
托育机构名录; exports are named in Chinese with the date.

CATALOGUE: tests marked so below need this change's translations compiled into
locale/zh_Hans/LC_MESSAGES/django.mo; the others pass on the catalogue as it is."""

import datetime as dt
import re
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from registry.models import ClassGroup, ClassType
from supervision.models import (
    Alert,
    Complaint,
    Drill,
    Hazard,
    Incident,
    SafetyCheck,
    Severity,
)
from supervision.services import complaints as complaint_service
from tests.factories import ClassGroupFactory
from tests.factories.supervision import enrolled_child

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
ISO = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}")
ABBREVIATED_MONTH = re.compile(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def visible_text(html: str) -> str:
    """What a reader sees: no tags, attributes (machine dates in value="…", datetime="…",
    URLs), scripts or styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def zh(client, url, **kwargs) -> str:
    with translation.override("zh-hans"):
        response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def scene(personas, centre_a):
    group = ClassGroupFactory(centre=centre_a, name="阳光托小班")
    child = enrolled_child(group, name="阳光宝宝", guardian__user=personas["parent"])
    incident = Incident.objects.create(
        centre=centre_a, occurred_at=NOW - dt.timedelta(hours=2), kind=Incident.Kind.INJURY,
        injury_type=Incident.InjuryType.FALL, severity=Incident.Severity.MINOR,
        description="滑梯上摔倒", action_taken="消毒包扎")
    Drill.objects.create(centre=centre_a, kind=Drill.Kind.FIRE,
                         held_on=TODAY - dt.timedelta(days=20), participants=30)
    SafetyCheck.objects.create(centre=centre_a, kind=SafetyCheck.Kind.FIRE_EQUIPMENT,
                               checked_on=TODAY - dt.timedelta(days=3), inspector_name="检查员")
    Hazard.objects.create(centre=centre_a, found_on=TODAY - dt.timedelta(days=20),
                          location="后院", description="围栏松动",
                          deadline=TODAY - dt.timedelta(days=5))
    alert = Alert.objects.create(
        rule="A22", severity=Severity.YELLOW, initial_severity=Severity.YELLOW,
        centre=centre_a, subject_type=ContentType.objects.get_for_model(centre_a),
        subject_id=centre_a.pk, subject_repr=centre_a.name, message="未开展应急演练",
        first_seen=NOW - dt.timedelta(days=2), last_seen=NOW - dt.timedelta(hours=1))
    complaint = complaint_service.receive_complaint(
        centre=centre_a, channel="hotline", category="safety", summary="午睡无人看护",
        details="详情", by=personas["district_regulator"])
    return personas | {"child": child, "incident": incident, "alert": alert,
                       "complaint": complaint, "group": group}


def main_pages(scene, centre):
    s, r = "supervision:", "registry:"
    return {
        "district_regulator": [
            reverse(r + "centre-list"), reverse(r + "centre-detail", args=[centre.pk]),
            reverse(r + "filing-queue"), reverse(r + "review", args=[centre.pk]),
            reverse(s + "alert-inbox"), reverse(s + "alert-detail", args=[scene["alert"].pk]),
            reverse(s + "regulator-incident-list"),
            reverse(s + "regulator-incident-detail", args=[scene["incident"].pk]),
            reverse(s + "complaint-list"),
            reverse(s + "complaint-detail", args=[scene["complaint"].pk]),
            reverse(r + "import-start"),
        ],
        "manager": [
            reverse(s + "safety-records", args=[centre.pk]),
            reverse(s + "incident-list", args=[centre.pk]),
            reverse(s + "incident-detail", args=[centre.pk, scene["incident"].pk]),
            reverse(s + "centre-alerts", args=[centre.pk]),
            reverse(s + "child-detail", args=[centre.pk, scene["child"].pk]),
            reverse(r + "filing-detail", args=[centre.pk]),
            reverse(r + "staff-list", args=[centre.pk]),
        ],
        "parent": [reverse(s + "my-child-detail", args=[scene["child"].pk])],
    }


def test_main_pages_show_dates_only_the_chinese_way(scene, centre_a, client_for):
    for persona, urls in main_pages(scene, centre_a).items():
        client = client_for(scene[persona])
        for url in urls:
            text = visible_text(zh(client, url))
            assert not ISO.findall(text), (persona, url, ISO.findall(text))
            assert not ABBREVIATED_MONTH.findall(text), (persona, url)
    text = visible_text(zh(client_for(scene["manager"]),
                           reverse("supervision:safety-records", args=[centre_a.pk])))
    assert f"{TODAY.year}年{TODAY.month}月{TODAY.day - 3}日" in text


def test_english_has_its_own_date_format():
    with translation.override("en"):
        rendered = Template('{{ d|date:"DATE_FORMAT" }} {{ d|date:"SHORT_DATE_FORMAT" }}').render(
            Context({"d": dt.date(2026, 12, 3)}))
    assert rendered == "3 December 2026 3 December 2026"


def test_the_complaint_deadline_message_reads_the_chinese_way(centre_a, district_regulator,
                                                              client_for):
    client = client_for(district_regulator)
    with translation.override("zh-hans"):
        response = client.post(reverse("supervision:complaint-create"), {
            "centre": centre_a.pk, "channel": "letter", "category": "staff",
            "priority": "urgent", "summary": "态度粗暴", "details": "来信反映",
            "complainant_name": "", "complainant_phone": ""}, follow=True)
    due = Complaint.objects.get().due_on
    text = visible_text(response.content.decode())
    assert f"须于{due.year}年{due.month}月{due.day}日前答复" in text
    assert not ISO.findall(text)


def test_dates_in_python_made_messages_read_the_chinese_way(centre_a, district_regulator):
    from luhuituo.core.dates import day, moment

    with translation.override("zh-hans"):
        assert day(dt.date(2026, 12, 3)) == "2026年12月3日"
        assert moment(dt.datetime(2026, 12, 3, 1, 5, tzinfo=dt.UTC)) == "2026年12月3日 09:05"
    with translation.override("en"):
        assert day(dt.date(2026, 12, 3)) == "3 December 2026"


def test_a_class_label_is_composed_once():
    with translation.override("zh-hans"):
        assert str(ClassGroup(name="乳儿班", class_type=ClassType.INFANT)) == "乳儿班（6–12个月）"
        assert str(ClassGroup(name="乳儿一班", class_type=ClassType.INFANT)) == \
            "乳儿一班 · 乳儿班（6–12个月）"


def test_a_child_page_shows_the_class_once(scene, centre_a, client_for):
    ClassGroup.objects.filter(pk=scene["group"].pk).update(name="乳儿班",
                                                           class_type=ClassType.INFANT)
    body = zh(client_for(scene["manager"]),
              reverse("supervision:child-detail", args=[centre_a.pk, scene["child"].pk]))
    assert "乳儿班（乳儿班" not in body


def test_empty_choices_say_please_choose():
    class Form(forms.ModelForm):
        class Meta:
            model = Incident
            fields = ["kind", "class_group"]

    with translation.override("en"):
        html = str(Form())
    assert "---------" not in html
    assert html.count(">Please choose</option>") == 2


def test_empty_choices_say_please_choose_in_chinese():
    """CATALOGUE: "Please choose" → 请选择."""
    class Form(forms.ModelForm):
        class Meta:
            model = Incident
            fields = ["kind"]

    with translation.override("zh-hans"):
        assert ">请选择</option>" in str(Form())


def test_the_menu_names_the_centre_list_by_its_page_name(client_for, district_regulator):
    body = zh(client_for(district_regulator), reverse("registry:centre-list"))
    menu = body[body.index("<nav"):body.index("</nav>")]
    assert "托育机构名录" in menu and "托育机构数" not in menu


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_centre_export_is_named_in_chinese_with_the_date(client_for, district_regulator,
                                                             centre_a, export_format):
    with translation.override("zh-hans"):
        response = client_for(district_regulator).get(
            reverse("registry:centre-export"), {"format": export_format})
    name = f"托育机构名录_{TODAY.year}年{TODAY.month}月{TODAY.day}日.{export_format}"
    assert f"filename*=utf-8''{quote(name)}" in response["Content-Disposition"]


def test_the_inspection_export_is_named_in_chinese_with_the_date(client_for, city_regulator):
    with translation.override("zh-hans"):
        response = client_for(city_regulator).get(reverse("supervision:inspection-list"),
                                                  {"format": "csv"})
    name = f"监督检查_{TODAY.year}年{TODAY.month}月{TODAY.day}日.csv"
    assert f"filename*=utf-8''{quote(name)}" in response["Content-Disposition"]
