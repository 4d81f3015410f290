"""The risk score (whom to inspect first): its parts and weights, the 12-month window, the
plan list's order and its constant number of queries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.models import Centre
from supervision.models import Alert, Finding, Incident, RectificationOrder
from supervision.services import inspections as svc
from tests.factories import CentreFactory, region
from tests.factories.supervision import ComplaintFactory, RectificationOrderFactory
from tests.queries import count_queries

from .inspection_utils import alert, issued

pytestmark = pytest.mark.django_db


def incident(centre, severity, *, days_ago=1):
    return Incident.objects.create(
        centre=centre, occurred_at=timezone.now() - timedelta(days=days_ago),
        kind=Incident.Kind.INJURY, severity=severity, description="跌倒")


def test_parts_and_weights(centre_a, district_regulator):
    alert(centre_a, "red", rule="A1")
    alert(centre_a, "orange", rule="A2")
    alert(centre_a, "blue", rule="A13")
    resolved = alert(centre_a, "red", rule="A12")
    resolved.status = Alert.Status.RESOLVED
    resolved.save()
    issued(centre_a, district_regulator, severities=("critical", "minor"))
    ComplaintFactory(centre=centre_a)
    ComplaintFactory(centre=centre_a, upheld=True)
    ComplaintFactory(centre=centre_a, received_at=timezone.now() - timedelta(days=400))
    incident(centre_a, Incident.Severity.SERIOUS)
    incident(centre_a, Incident.Severity.MINOR)
    incident(centre_a, Incident.Severity.SERIOUS, days_ago=400)  # outside the window
    RectificationOrderFactory(centre=centre_a,
                              deadline=timezone.localdate() - timedelta(days=1))
    RectificationOrderFactory(centre=centre_a)  # not overdue
    RectificationOrderFactory(centre=centre_a, status=RectificationOrder.Status.SUBMITTED,
                              deadline=timezone.localdate() - timedelta(days=1))  # answered

    row = svc.with_risk(Centre.objects.filter(pk=centre_a.pk)).get()
    assert (row.risk_alerts, row.risk_findings, row.risk_complaints, row.risk_incidents,
            row.risk_overdue_orders) == (10 + 5 + 1, 8 + 1, 3 + 6, 10 + 1, 8)
    assert row.risk_score == 16 + 9 + 9 + 11 + 8
    assert svc.risk_scores(Centre.objects.all()) == {centre_a.pk: 53}


def test_old_findings_do_not_count(centre_a, district_regulator):
    inspection = issued(centre_a, district_regulator, severities=("major",))
    Finding.objects.filter(inspection=inspection).update(
        created_at=timezone.now() - timedelta(days=400))
    assert svc.risk_scores(Centre.objects.all()) == {centre_a.pk: 0}


def test_weights_are_settings(settings, centre_a):
    settings.RISK_WEIGHTS = {**settings.RISK_WEIGHTS,
                             "alert": {"red": 100, "orange": 0, "yellow": 0, "blue": 0}}
    alert(centre_a, "red")
    assert svc.risk_scores(Centre.objects.all()) == {centre_a.pk: 100}


def test_plan_list_is_ordered_by_risk(client_for, district_regulator, centre_a):
    quiet = CentreFactory(name="安静托育园")
    busy = CentreFactory(name="高风险托育园")
    alert(busy, "red")
    alert(busy, "orange", rule="A2")
    ComplaintFactory(centre=centre_a, upheld=True)
    response = client_for(district_regulator).get(reverse("supervision:inspection-plan"))
    assert [c.pk for c in response.context["page"].object_list] == [busy.pk, centre_a.pk,
                                                                     quiet.pk]
    body = response.content.decode()
    assert body.index("高风险托育园") < body.index("江阳区阳光托育中心") < body.index("安静托育园")


def test_plan_list_filters(client_for, district_regulator, city_regulator, centre_a, centre_b):
    CentreFactory(name="江阳区社区托育", kind=Centre.Kind.COMMUNITY)
    client = client_for(city_regulator)
    url = reverse("supervision:inspection-plan")
    names = lambda r: {c.name for c in r.context["page"].object_list}  # noqa: E731
    assert names(client.get(url, {"district": "510503"})) == {"纳溪区星星托育园"}
    assert names(client.get(url, {"q": "阳光"})) == {"江阳区阳光托育中心"}
    assert names(client.get(url, {"kind": "community"})) == {"江阳区社区托育"}
    # A district outside the scope is ignored, never widening the list.
    assert "纳溪区星星托育园" not in names(client_for(district_regulator).get(
        url, {"district": "510503"}))


def _populate(n: int, district_regulator):
    for i in range(n):
        centre = CentreFactory(region=region("510502"))
        alert(centre, "yellow")
        ComplaintFactory(centre=centre, upheld=i % 2 == 0)
        incident(centre, Incident.Severity.MODERATE)
        RectificationOrderFactory(centre=centre,
                                  deadline=timezone.localdate() - timedelta(days=2))
        if i % 3 == 0:
            issued(centre, district_regulator, severities=("minor",))


def _count(client, url) -> int:
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("view", ["inspection-plan", "inspection-list", "rectification-list",
                                  "complaint-list"])
def test_list_queries_do_not_grow_with_rows(client_for, district_regulator, view):
    client = client_for(district_regulator)
    url = reverse(f"supervision:{view}")
    _populate(3, district_regulator)
    client.get(url)  # the first request of a session does its own bookkeeping
    few = _count(client, url)
    _populate(27, district_regulator)
    many = _count(client, url)
    assert few == many
