import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from luhuituo.core.audit import audit, log_access
from luhuituo.core.models import AccessLog, AuditEvent, Notification, Region
from luhuituo.core.notify import notify
from registry.models import Centre

pytestmark = pytest.mark.django_db


def test_luzhou_and_its_seven_districts_are_seeded():
    city = Region.objects.get(code="510500")
    assert city.name == "泸州市" and city.population == 4_254_149
    assert city.population_year == 2020
    assert sorted(city.children.values_list("code", flat=True)) == [
        "510502", "510503", "510504", "510521", "510522", "510524", "510525"]
    assert set(city.children.values_list("name", flat=True)) == {
        "江阳区", "纳溪区", "龙马潭区", "泸县", "合江县", "叙永县", "古蔺县"}


def test_geo_extensions_are_enabled():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        names = {row[0] for row in cursor.fetchall()}
    assert {"cube", "earthdistance"} <= names


def test_centres_visible_to_each_persona(personas, centre_a, centre_b):
    expected = {
        "city_regulator": {centre_a, centre_b},
        "district_regulator": {centre_a},
        "other_regulator": {centre_b},
        "manager": {centre_a},
        "staff": {centre_a},
        "other_staff": {centre_b},
        "parent": set(),
    }
    for name, centres in expected.items():
        assert set(Centre.objects.visible_to(personas[name])) == centres, name
    from django.contrib.auth.models import AnonymousUser

    assert not Centre.objects.visible_to(AnonymousUser()).exists()


def test_inactive_membership_sees_nothing(staff, centre_a):
    staff.centre_memberships.update(is_active=False)
    assert not Centre.objects.visible_to(staff).exists()


def test_regions_visible_to_regulators(city_regulator, district_regulator, manager):
    assert Region.objects.visible_to(city_regulator).count() == 8
    assert list(Region.objects.visible_to(district_regulator).values_list("code", flat=True)) == [
        "510502"]
    assert not Region.objects.visible_to(manager).exists()


def test_audit_records_actor_target_ip_and_details(rf, district_regulator, centre_a):
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    event = audit("filing_accepted", actor=district_regulator, target=centre_a, request=request,
                  note="材料齐全", count=3)
    event.refresh_from_db()
    assert event.actor == district_regulator
    assert event.actor_repr == "江阳监管员"
    assert event.target_repr == "江阳区阳光托育中心"
    assert event.target_id == str(centre_a.pk)
    assert event.ip == "10.1.2.3"
    assert event.details == {"note": "材料齐全", "count": 3}


def test_audit_events_cannot_be_changed_or_deleted(district_regulator):
    event = audit("login", actor=district_regulator)
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="nothing happened")
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == "login"


def test_access_log_is_append_only(rf, district_regulator, centre_a):
    request = rf.get("/centre/1/", REMOTE_ADDR="10.1.2.3")
    request.user = district_regulator
    entry = log_access(request, centre_a, reason="投诉调查")
    assert entry.path == "/centre/1/" and entry.reason == "投诉调查"
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        AccessLog.objects.filter(pk=entry.pk).delete()


def test_a_user_with_audit_history_cannot_be_deleted(district_regulator):
    audit("login", actor=district_regulator)
    with pytest.raises(IntegrityError), transaction.atomic():
        district_regulator.delete()


def test_notifications_and_the_unread_count_in_the_header(client_for, parent, staff):
    client = client_for(parent)
    assert 'class="badge"' not in client.get("/parents/").content.decode()
    first = notify(parent, "申请状态已更新", body="您的托位申请已进入候补。", url="/parents/")
    notify(parent, "第二条消息")
    notify(staff, "不是给家长的")
    body = client.get("/parents/").content.decode()
    assert '>2</span>' in body
    response = client.get(first.get_absolute_url())
    assert response["Location"] == "/parents/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert Notification.objects.filter(recipient=parent).unread().count() == 1
