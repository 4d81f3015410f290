"""Alert inboxes and the alert page: scope, filters, actions, bad input, query counts."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from luhuituo.core.models import AuditEvent
from supervision.models import Alert, Severity
from tests.factories import CentreFactory

from ..rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix, redirect_to

pytestmark = pytest.mark.django_db


def make_alert(centre, rule="A22", severity=Severity.YELLOW, message=None, **kwargs):
    ct = ContentType.objects.get_for_model(centre)
    return Alert.objects.create(
        rule=rule, severity=severity, initial_severity=severity, centre=centre,
        subject_type=ct, subject_id=centre.pk + Alert.objects.count() * 100000,
        subject_repr=centre.name, message=message or f"{centre.name} 的预警", **kwargs)


@pytest.fixture
def alerts(centre_a, centre_b):
    return {
        "a": make_alert(centre_a, message="阳光中心未开展应急演练"),
        "a_bureau": make_alert(centre_a, rule="A37", severity=Severity.ORANGE,
                               message="阳光中心备案回执逾期", for_regulator=True),
        "b": make_alert(centre_b, rule="A1", severity=Severity.RED,
                        message="星星托育园保育人员不足"),
    }


REGULATORS_ONLY = {"manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                   "parent": FORBIDDEN, "anonymous": LOGIN}


def test_regulator_inbox_role_matrix(client_for, personas, alerts):
    assert_role_matrix(
        client_for, personas, reverse("supervision:alert-inbox"),
        expect=REGULATORS_ONLY | {"city_regulator": OK, "district_regulator": OK,
                                  "other_regulator": OK},
        shown={"city_regulator": ["阳光中心未开展应急演练", "星星托育园保育人员不足"],
               "district_regulator": ["阳光中心未开展应急演练", "阳光中心备案回执逾期"],
               "other_regulator": ["星星托育园保育人员不足"]},
        hidden={"district_regulator": ["星星托育园保育人员不足"],
                "other_regulator": ["阳光中心未开展应急演练"]},
    )


def test_centre_inbox_role_matrix(client_for, personas, alerts, centre_a):
    assert_role_matrix(
        client_for, personas, reverse("supervision:centre-alerts", args=[centre_a.pk]),
        expect={"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
                "other_regulator": FORBIDDEN, "manager": OK, "staff": OK,
                "other_staff": NOT_FOUND, "parent": FORBIDDEN, "anonymous": LOGIN},
        shown={"manager": ["阳光中心未开展应急演练"], "staff": ["阳光中心未开展应急演练"]},
        # The bureau's own deadlines are not the centre's business; nor is centre_b.
        hidden={"manager": ["阳光中心备案回执逾期", "星星托育园保育人员不足"],
                "staff": ["阳光中心备案回执逾期", "星星托育园保育人员不足"]},
    )


def test_alert_detail_role_matrix(client_for, personas, alerts):
    assert_role_matrix(
        client_for, personas, reverse("supervision:alert-detail", args=[alerts["b"].pk]),
        expect={"city_regulator": OK, "district_regulator": NOT_FOUND, "other_regulator": OK,
                "manager": NOT_FOUND, "staff": NOT_FOUND, "other_staff": OK,
                "parent": FORBIDDEN, "anonymous": LOGIN},
        shown={"other_staff": ["星星托育园保育人员不足"]},
    )
    assert_role_matrix(
        client_for, personas, reverse("supervision:alert-detail", args=[alerts["a_bureau"].pk]),
        expect={"city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
                "manager": NOT_FOUND, "staff": NOT_FOUND, "other_staff": NOT_FOUND,
                "parent": FORBIDDEN, "anonymous": LOGIN},
    )


def test_alert_act_role_matrix(client_for, personas, alerts):
    url = reverse("supervision:alert-act", args=[alerts["b"].pk])
    assert_role_matrix(
        client_for, personas, url, method="post", data={"action": "note", "note": "看过"},
        expect={"city_regulator": redirect_to(), "district_regulator": NOT_FOUND,
                "other_regulator": redirect_to(), "manager": NOT_FOUND, "staff": NOT_FOUND,
                "other_staff": redirect_to(), "parent": FORBIDDEN, "anonymous": LOGIN},
    )
    alerts["b"].refresh_from_db()
    assert alerts["b"].note.count("看过") == 3


def test_filters_by_severity_rule_district_age_and_status(client_for, city_regulator, alerts,
                                                          centre_a):
    make_alert(centre_a, rule="A20", message="租约即将到期",
                first_seen=timezone.now() - dt.timedelta(days=10))
    make_alert(centre_a, rule="A13", severity=Severity.BLUE, message="健康证即将到期",
               status=Alert.Status.RESOLVED)
    client = client_for(city_regulator)
    url = reverse("supervision:alert-inbox")

    def texts(**params):
        body = client.get(url, params).content.decode()
        return {m for m in ["阳光中心未开展应急演练", "星星托育园保育人员不足", "租约即将到期",
                            "健康证即将到期", "阳光中心备案回执逾期"] if m in body}

    assert texts() == {"阳光中心未开展应急演练", "星星托育园保育人员不足", "租约即将到期",
                       "阳光中心备案回执逾期"}
    assert texts(severity="red") == {"星星托育园保育人员不足"}
    assert texts(rule="A20") == {"租约即将到期"}
    assert texts(district=centre_a.region_id) == {"阳光中心未开展应急演练", "租约即将到期",
                                                  "阳光中心备案回执逾期"}
    assert texts(age="7") == {"租约即将到期"}
    assert texts(status="resolved") == {"健康证即将到期"}
    assert texts(q="星星") == {"星星托育园保育人员不足"}
    # Nonsense in the query string falls back to the default list, never a 500.
    assert client.get(url, {"severity": "purple", "age": "x", "district": "abc"}).status_code == 200


def test_red_alerts_are_listed_first(client_for, city_regulator, alerts):
    body = client_for(city_regulator).get(reverse("supervision:alert-inbox")).content.decode()
    assert body.index("星星托育园保育人员不足") < body.index("阳光中心未开展应急演练")


def test_htmx_request_returns_only_the_results(client_for, city_regulator, alerts):
    response = client_for(city_regulator).get(reverse("supervision:alert-inbox"),
                                              headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'id="results"' in body and "<html" not in body


def test_staff_acknowledge_then_resolve_with_note(client_for, staff, alerts):
    alert = alerts["a"]
    client = client_for(staff)
    url = reverse("supervision:alert-act", args=[alert.pk])
    response = client.post(url, {"action": "acknowledge", "note": "已安排演练"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.acknowledged_by == staff
    assert "已安排演练" in alert.note
    response = client.post(url, {"action": "resolve", "note": "12月1日已演练"})
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED and alert.resolved_by == staff
    assert AuditEvent.objects.filter(verb__startswith="alert_").count() == 2


def test_resolving_without_a_note_is_a_form_error_and_changes_nothing(client_for, staff,
                                                                      alerts):
    alert = alerts["a"]
    response = client_for(staff).post(reverse("supervision:alert-act", args=[alert.pk]),
                                      {"action": "resolve", "note": "  "})
    assert response.status_code == 422
    assert "说明" in response.content.decode() or "Say what was done" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


@pytest.mark.parametrize("data", [{"action": "explode"}, {}, {"action": "note",
                                                              "note": "x" * 2001}])
def test_bad_action_is_a_form_error(client_for, staff, alerts, data):
    response = client_for(staff).post(
        reverse("supervision:alert-act", args=[alerts["a"].pk]), data)
    assert response.status_code == 422


def test_acknowledging_twice_is_refused_politely(client_for, staff, alerts):
    url = reverse("supervision:alert-act", args=[alerts["a"].pk])
    client = client_for(staff)
    client.post(url, {"action": "acknowledge"})
    assert client.post(url, {"action": "acknowledge"}).status_code == 422


def test_regulator_assigns_within_scope_only(client_for, district_regulator, other_regulator,
                                             city_regulator, alerts):
    url = reverse("supervision:alert-act", args=[alerts["a"].pk])
    client = client_for(city_regulator)
    assert client.post(url, {"action": "assign",
                             "assignee": other_regulator.pk}).status_code == 422
    assert client.post(url, {"action": "assign", "assignee": "x"}).status_code == 422
    assert client.post(url, {"action": "assign",
                             "assignee": district_regulator.pk}).status_code == 302
    alerts["a"].refresh_from_db()
    assert alerts["a"].assignee == district_regulator


def test_centre_staff_cannot_assign(client_for, staff, district_regulator, alerts):
    response = client_for(staff).post(
        reverse("supervision:alert-act", args=[alerts["a"].pk]),
        {"action": "assign", "assignee": district_regulator.pk})
    assert response.status_code == 403


def test_inbox_query_count_does_not_grow_with_alerts(client_for, city_regulator):
    client = client_for(city_regulator)
    url = reverse("supervision:alert-inbox")
    centres = [CentreFactory() for _ in range(3)]
    make_alert(centres[0])
    client.get(url)
    from tests.queries import count_queries

    with count_queries() as few:
        client.get(url)
    for i in range(25):
        make_alert(centres[i % 3], rule=f"A{i % 9 + 1}")
    with count_queries() as many:
        client.get(url)
    assert len(many) == len(few)


def test_alert_page_links_to_the_subject_for_each_side(client_for, staff, district_regulator,
                                                       centre_a):
    from supervision.models import Hazard

    hazard = Hazard.objects.create(centre=centre_a, found_on=timezone.localdate(),
                                   location="楼梯", description="护栏松动",
                                   deadline=timezone.localdate())
    ct = ContentType.objects.get_for_model(Hazard)
    alert = Alert.objects.create(rule="A34", severity="orange", initial_severity="orange",
                                 centre=centre_a, subject_type=ct, subject_id=hazard.pk,
                                 subject_repr=str(hazard), message="隐患逾期")
    url = reverse("supervision:alert-detail", args=[alert.pk])
    assert reverse("supervision:safety-records", args=[centre_a.pk]) in client_for(
        staff).get(url).content.decode()
    body = client_for(district_regulator).get(url).content.decode()
    assert reverse("supervision:safety-records", args=[centre_a.pk]) not in body
    assert reverse("supervision:rectification-create") in body  # the regulator can act


def test_child_alerts_name_the_child_masked(centre_a):
    from supervision.checks import engine
    from tests.factories import ClassGroupFactory, filing_for
    from tests.factories.supervision import enrolled_child

    filing_for(centre_a, "verified")
    group = ClassGroupFactory(centre=centre_a, class_type="mixed", capacity=10)
    enrolled_child(group, name="刘一诺", checks=False)
    engine.run_rule("A5")
    engine.run_rule("A3")
    for alert in Alert.objects.filter(rule__in=["A3", "A5"]):
        assert "刘一诺" not in alert.message and "刘一诺" not in alert.subject_repr
        assert "刘*诺" in alert.message
