"""A manager creates an account for a new colleague; the colleague sets their own password
through a one-time link."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from luhuituo.core.models import AuditEvent, User
from registry.models import CentreMembership
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, assert_role_matrix

pytestmark = pytest.mark.django_db
EVERYONE = ["city_regulator", "district_regulator", "other_regulator", "manager", "staff",
            "other_staff", "parent", "anonymous"]


def create(client, centre, **data):
    return client.post(reverse("registry:member-list", args=[centre.pk]),
                       {"action": "create", "name": "王小丫", "mobile": "13987654321",
                        "role": "staff", **data})


def the_link(client, centre) -> str:
    body = client.get(reverse("registry:member-list", args=[centre.pk])).content.decode()
    start = body.index("/account/setup/")
    return body[start:body.index('"', start)]


def test_a_manager_creates_an_account_and_the_colleague_sets_a_password(
        client_for, manager, centre_a):
    client = client_for(manager)
    response = create(client, centre_a)
    assert response.status_code == 302
    user = User.objects.get(mobile="13987654321")
    assert user.account_type == User.AccountType.CENTRE and user.name == "王小丫"
    assert not user.has_usable_password()
    assert CentreMembership.objects.filter(user=user, centre=centre_a, is_active=True).exists()
    assert AuditEvent.objects.filter(verb="member_account_created", actor=manager).exists()
    link = the_link(client, centre_a)

    newcomer = client_for(None)
    assert newcomer.get(link).status_code == 200
    response = newcomer.post(link, {"new_password1": "Jiangyang-Baby-42",
                                    "new_password2": "Jiangyang-Baby-42"})
    assert response["Location"] == reverse("core:login")
    response = newcomer.post(reverse("core:login"), {"username": "13987654321",
                                                     "password": "Jiangyang-Baby-42"})
    assert response.status_code == 302
    # The link works once.
    assert client_for(None).get(link).status_code == 404


def test_the_link_expires(client_for, manager, centre_a):
    client = client_for(manager)
    create(client, centre_a)
    link = the_link(client, centre_a)
    # Django's token clock is naive local time, so stay clear of the 3-day edge by a day.
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        assert client_for(None).get(link).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        assert client_for(None).get(link).status_code == 404


def test_a_lost_link_can_be_issued_again(client_for, manager, centre_a):
    client = client_for(manager)
    create(client, centre_a)
    the_link(client, centre_a)  # shown once, then gone from the page
    body = client.get(reverse("registry:member-list", args=[centre_a.pk])).content.decode()
    assert "/account/setup/" not in body
    membership = CentreMembership.objects.get(user__mobile="13987654321")
    client.post(reverse("registry:member-list", args=[centre_a.pk]),
                {"action": "link", "membership": membership.pk})
    assert the_link(client, centre_a).startswith("/account/setup/")


@pytest.mark.parametrize(("data", "field"), [
    ({"mobile": "1234"}, "mobile"),
    ({"name": ""}, "name"),
    ({"role": "owner"}, "role"),
])
def test_bad_input_keeps_what_was_typed(client_for, manager, centre_a, data, field):
    response = create(client_for(manager), centre_a, **data)
    assert response.status_code == 200
    assert response.context["new_form"].has_error(field)
    body = response.content.decode()
    assert ('value="王小丫"' in body) or data.get("name") == ""
    assert not User.objects.filter(mobile="13987654321").exists()


def test_an_existing_mobile_number_is_refused(client_for, manager, centre_a, staff):
    response = create(client_for(manager), centre_a, mobile=staff.mobile)
    assert response.status_code == 200
    assert response.context["new_form"].has_error("mobile")


def test_only_the_manager_creates_accounts(client_for, personas, centre_a):
    expect = dict.fromkeys(EVERYONE, FORBIDDEN) | {
        "staff": NOT_FOUND, "other_staff": NOT_FOUND, "anonymous": LOGIN}
    expect.pop("manager")
    url = reverse("registry:member-list", args=[centre_a.pk])
    data = {"action": "create", "name": "王小丫", "mobile": "13987654321", "role": "manager"}
    for name, outcome in expect.items():
        response = client_for(personas[name]).post(url, data)
        assert outcome.matches(response), name
    assert not User.objects.filter(mobile="13987654321").exists()


def test_a_forged_link_is_refused(client):
    assert client.get("/account/setup/MQ/abc-123/").status_code == 404
    assert client.get("/account/setup/!!/abc-123/").status_code == 404


def test_role_matrix_still_holds_for_the_members_page(client_for, personas, centre_a):
    expect = dict.fromkeys(EVERYONE, FORBIDDEN) | {
        "staff": NOT_FOUND, "other_staff": NOT_FOUND, "anonymous": LOGIN}
    from tests.rolematrix import OK

    expect["manager"] = OK
    assert_role_matrix(client_for, personas,
                       reverse("registry:member-list", args=[centre_a.pk]), expect=expect)


def test_members_page_title_is_just_the_title(client_for, manager, centre_a):
    body = client_for(manager).get(
        reverse("registry:member-list", args=[centre_a.pk])).content.decode()
    title = body[body.index("<title>"):body.index("</title>")]
    assert "<section" not in title and centre_a.name in title
    assert body.count("action\" value=\"create\"") == 1
