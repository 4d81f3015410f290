"""Item 12: the alert page cites its legal basis by full title and article (one mapping from the
rules' short codes), names and links its subject, never shows a first-seen time in the future
after the demo seeds, and proposes a regulator of the centre's district (or nobody) as the
assignee, never the support administrator.

CATALOGUE: ``test_the_basis_of_a_platform_rule_is_said_in_chinese`` needs this change's
translations compiled; the others pass on the catalogue as it is."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from luhuituo.core.models import RegulatorScope
from registry.models import Filing
from supervision.checks.basis import cite
from supervision.checks.registry import all_rules
from supervision.models import Alert, Severity
from tests.factories import RegulatorFactory, StaffFactory, filing_for, region

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def alert_on(subject, centre, *, rule="A18", repr_=None) -> Alert:
    return Alert.objects.create(
        rule=rule, severity=Severity.RED, initial_severity=Severity.RED, centre=centre,
        subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk,
        subject_repr=repr_ if repr_ is not None else str(subject), message="消防证书过期")


def zh(client, url) -> str:
    with translation.override("zh-hans"):
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def about(body: str) -> str:
    """The "About" (涉及对象) entry of the alert page."""
    return re.search(r"<dt>涉及对象</dt><dd>(.*?)</dd>", body, re.S).group(1)


# --- legal basis ---------------------------------------------------------------------------------


def test_short_basis_codes_become_full_titles_and_articles():
    assert cite("管理规范 Art 4") == "《托育机构管理规范（试行）》第四条"
    assert cite("管理规范 Art 4; WS/T 821 4.1.4") == (
        "《托育机构管理规范（试行）》第四条；WS/T 821—2023《托育机构质量评估标准》第4.1.4条")
    assert cite("管理规范 Art 11; 76号令 Art 15, 18") == (
        "《托育机构管理规范（试行）》第十一条；《托儿所幼儿园卫生保健管理办法》第十五条、第十八条")
    assert cite("管理规范 Art 25, 35; 未成年人保护法 Art 11") == (
        "《托育机构管理规范（试行）》第二十五条、第三十五条；《中华人民共和国未成年人保护法》第十一条")
    assert cite("设置标准 Art 20") == "《托育机构设置标准（试行）》第二十条"
    assert cite("备案办法 Art 9") == "《托育机构登记和备案办法（试行）》第九条"
    # the checklists' way of writing it
    assert cite("管理规范第4条；WS/T 821 4.1.4") == (
        "《托育机构管理规范（试行）》第四条；WS/T 821—2023《托育机构质量评估标准》第4.1.4条")
    assert cite("76号令第14条") == "《托儿所幼儿园卫生保健管理办法》第十四条"
    assert cite("") == ""


def test_every_registered_rule_cites_a_known_document():
    for rule in all_rules():
        text = cite(rule.basis)
        assert "Art" not in text, rule.code
        for short in ("管理规范", "设置标准", "备案办法", "76号令"):
            assert f"{short} " not in text and not text.startswith(short), (rule.code, text)


def test_the_alert_page_shows_the_full_basis(client_for, district_regulator, centre_a):
    alert = alert_on(centre_a, centre_a, rule="A18")
    body = zh(client_for(district_regulator), reverse("supervision:alert-detail", args=[alert.pk]))
    assert "《托育机构管理规范（试行）》第四条" in body
    assert "管理规范 Art 4" not in body


def test_the_basis_of_a_platform_rule_is_said_in_chinese(client_for, district_regulator,
                                                        centre_a):
    """CATALOGUE."""
    alert = alert_on(centre_a, centre_a, rule="A35")
    body = zh(client_for(district_regulator), reverse("supervision:alert-detail", args=[alert.pk]))
    assert "本平台规则" in body and "proposal" not in body


# --- subject -------------------------------------------------------------------------------------


def test_a_filing_subject_is_named_and_linked(client_for, district_regulator, manager,
                                              centre_a):
    filing = filing_for(centre_a, Filing.Status.FILED)
    Filing.objects.filter(pk=filing.pk).update(filing_no="510502-2026-0007")
    alert = alert_on(filing, centre_a, rule="A38", repr_="510502-2026-0007")
    url = reverse("supervision:alert-detail", args=[alert.pk])
    regulator_about = about(zh(client_for(district_regulator), url))
    assert centre_a.name in regulator_about and "备案" in regulator_about
    assert reverse("registry:review", args=[centre_a.pk]) in regulator_about
    manager_about = about(zh(client_for(manager), url))
    assert centre_a.name in manager_about
    assert reverse("registry:filing-detail", args=[centre_a.pk]) in manager_about


def test_a_staff_subject_is_named_and_linked_for_the_regulator(client_for, district_regulator,
                                                               centre_a):
    person = StaffFactory(centre=centre_a, name="王保育")
    alert = alert_on(person, centre_a, rule="A12", repr_=str(person.pk))
    text = about(zh(client_for(district_regulator),
                    reverse("supervision:alert-detail", args=[alert.pk])))
    assert "工作人员" in text and "王保育" in text
    assert reverse("registry:centre-detail", args=[centre_a.pk]) in text


# --- first seen ----------------------------------------------------------------------------------


def test_the_demo_never_runs_the_checks_in_the_future():
    from luhuituo.demo.management.commands.seed_demo import first_check_time

    morning = dt.datetime(2026, 11, 26, 9, 0, tzinfo=TZ)  # a Thursday, a working day
    with time_machine.travel(morning, tick=False):
        at = first_check_time()
    assert at <= morning
    evening = dt.datetime(2026, 11, 26, 20, 0, tzinfo=TZ)
    with time_machine.travel(evening, tick=False):
        assert first_check_time() == dt.datetime(2026, 11, 26, 16, 0, tzinfo=TZ)


# --- default assignee ----------------------------------------------------------------------------


@pytest.fixture
def support_admin(db):
    admin = RegulatorFactory(username="admin", name="平台管理员", region_code="510500",
                             is_staff=True, is_superuser=True)
    return admin


def selected_option(body: str) -> str | None:
    select = re.search(r'<select name="assignee".*?</select>', body, re.S).group(0)
    match = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return match.group(1) if match else None


def test_the_proposed_assignee_is_a_regulator_of_the_district(client_for, support_admin,
                                                             city_regulator,
                                                             district_regulator, centre_a):
    alert = alert_on(centre_a, centre_a)
    body = zh(client_for(city_regulator), reverse("supervision:alert-detail", args=[alert.pk]))
    assert selected_option(body) == str(district_regulator.pk)
    assert "平台管理员" not in body


def test_without_a_district_regulator_nobody_is_proposed(client_for, support_admin,
                                                        city_regulator, centre_a):
    alert = alert_on(centre_a, centre_a)
    body = zh(client_for(city_regulator), reverse("supervision:alert-detail", args=[alert.pk]))
    assert selected_option(body) in (None, "")
    assert "平台管理员" not in body


def test_an_assignee_already_chosen_stays_selected(client_for, city_regulator,
                                                  district_regulator, centre_a):
    alert = alert_on(centre_a, centre_a)
    Alert.objects.filter(pk=alert.pk).update(assignee=city_regulator)
    RegulatorScope.objects.get_or_create(user=city_regulator, region=region("510500"))
    body = zh(client_for(city_regulator), reverse("supervision:alert-detail", args=[alert.pk]))
    assert selected_option(body) == str(city_regulator.pk)
