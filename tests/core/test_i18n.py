import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_the_interface_is_chinese_by_default(client):
    body = client.get("/login/").content.decode()
    assert '<html lang="zh-CN">' in body
    assert "登录" in body
    assert "Log in" not in body


def test_english_is_available_through_the_language_switch(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response["Location"] == "/login/"
    body = client.get("/login/").content.decode()
    assert '<html lang="en">' in body
    assert "Log in" in body


def test_dates_read_the_chinese_way():
    with translation.override("zh-hans"):
        rendered = Template('{{ d|date:"DATE_FORMAT" }}').render(
            Context({"d": datetime.date(2026, 11, 8)}))
    assert rendered == "2026年11月8日"


def test_time_zone_is_asia_shanghai(settings):
    from django.utils import timezone

    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert str(timezone.get_current_timezone()) == "Asia/Shanghai"


def test_every_message_is_translated():
    from pathlib import Path

    import polib

    po = polib.pofile(Path(__file__).resolve().parents[2] / "locale/zh_Hans/LC_MESSAGES/django.po")
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [] and fuzzy == []


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(client):
    body = client.get("/login/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="zh-CN">' in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    body = client.get("/login/", headers={"Accept-Language": "zh-CN"}).content.decode()
    assert '<html lang="en">' in body


def test_an_unknown_language_cookie_falls_back_to_chinese(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="zh-CN">' in client.get("/login/").content.decode()
