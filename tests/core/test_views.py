"""Role matrix for every view of the platform foundation."""

import pytest
from django.urls import reverse

from luhuituo.core.notify import notify
from tests.factories import CentreFactory, region
from tests.rolematrix import (
    FORBIDDEN,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    assert_role_matrix,
    redirect_to,
)

pytestmark = pytest.mark.django_db

EVERYONE = dict.fromkeys(
    ["city_regulator", "district_regulator", "other_regulator", "manager", "staff",
     "other_staff", "parent", "anonymous"], OK)
LOGGED_IN = dict(EVERYONE, anonymous=LOGIN)


def only(ok: set[str]) -> dict:
    return {name: (OK if name in ok else FORBIDDEN) for name in EVERYONE} | {"anonymous": LOGIN}


REGULATORS = {"city_regulator", "district_regulator", "other_regulator"}
CENTRE_ACCOUNTS = {"manager", "staff", "other_staff"}


def test_public_front_page(client_for, personas):
    assert_role_matrix(client_for, personas, reverse("parents:index"), expect=EVERYONE,
                       hidden={name: ["江阳区阳光托育中心"] for name in EVERYONE})


def test_login_page_is_public(client_for, personas):
    # A logged-in user is sent home; anyone else sees the form.
    expect = dict.fromkeys(EVERYONE, redirect_to()) | {"anonymous": OK}
    assert_role_matrix(client_for, personas, reverse("core:login"), expect=expect)


def test_regulator_home(client_for, personas):
    assert_role_matrix(
        client_for, personas, reverse("dashboard:home"), expect=only(REGULATORS),
        shown={"city_regulator": ["江阳区", "纳溪区", "古蔺县"],
               "district_regulator": ["江阳区"], "other_regulator": ["纳溪区"]},
        hidden={"district_regulator": ["纳溪区", "古蔺县"], "other_regulator": ["江阳区"]},
    )


def test_regulator_home_counts_only_centres_in_scope(client_for, district_regulator, centre_a,
                                                     centre_b):
    CentreFactory(name="另一家", region=region("510503"))
    page = client_for(district_regulator).get(reverse("dashboard:home"))
    assert [(r.code, r.centre_count) for r in page.context["regions"]] == [("510502", 1)]
    assert page.context["centre_count"] == 1


@pytest.mark.parametrize("centres", [1, 50])
def test_regulator_home_query_count_does_not_grow_with_centres(
    client_for, city_regulator, django_assert_max_num_queries, centres
):
    for i in range(centres):
        CentreFactory(region=region(["510502", "510503", "510525"][i % 3]))
    client = client_for(city_regulator)
    # 16: the open alerts by severity added one query, the assessments to approve or score and
    # the open downgrade reviews three; it stays the same for 1 and 50 centres.
    with django_assert_max_num_queries(16):
        page = client.get(reverse("dashboard:home"))
    assert page.context["centre_count"] == centres


def test_centre_home(client_for, personas):
    assert_role_matrix(
        client_for, personas, reverse("registry:centre-home"), expect=only(CENTRE_ACCOUNTS),
        shown={"manager": ["江阳区阳光托育中心"], "other_staff": ["纳溪区星星托育园"]},
        hidden={"manager": ["纳溪区星星托育园"], "staff": ["纳溪区星星托育园"],
                "other_staff": ["江阳区阳光托育中心"]},
    )


def test_parent_home(client_for, personas):
    assert_role_matrix(client_for, personas, reverse("parents:home"), expect=only({"parent"}))


def test_account_page_shows_only_your_own_account(client_for, personas):
    assert_role_matrix(
        client_for, personas, reverse("core:account"), expect=LOGGED_IN,
        shown={"manager": ["manager_a"], "parent": ["parent1"]},
        hidden={"manager": ["staff_a", "parent1"], "parent": ["manager_a"]},
    )


def test_notifications_are_private(client_for, personas):
    note = notify(personas["manager"], "备案已受理：江阳区阳光托育中心")
    assert_role_matrix(
        client_for, personas, reverse("core:notification-list"), expect=LOGGED_IN,
        shown={"manager": ["备案已受理"]},
        hidden={name: ["备案已受理"] for name in EVERYONE if name != "manager"},
    )
    expect = dict.fromkeys(EVERYONE, NOT_FOUND) | {"anonymous": LOGIN}
    expect["manager"] = redirect_to()
    assert_role_matrix(client_for, personas, note.get_absolute_url(), expect=expect)


def test_mark_all_read_is_post_only(client_for, personas):
    expect = dict.fromkeys(EVERYONE, NOT_ALLOWED) | {"anonymous": LOGIN}
    assert_role_matrix(client_for, personas, reverse("core:notification-read-all"),
                       expect=expect)


def test_home_sends_each_persona_to_its_own_page(client_for, personas):
    targets = {
        "city_regulator": "/regulator/", "district_regulator": "/regulator/",
        "other_regulator": "/regulator/", "manager": "/centre/", "staff": "/centre/",
        "other_staff": "/centre/", "parent": "/parents/",
    }
    for name, target in targets.items():
        assert client_for(personas[name]).get(reverse("core:home"))["Location"] == target
    assert client_for(None).get(reverse("core:home"))["Location"].startswith("/login/")


def test_support_admin_is_for_support_staff_only(client_for, personas):
    expect = dict.fromkeys(EVERYONE, redirect_to())  # none of them is support staff
    assert_role_matrix(client_for, personas, "/support/", expect=expect)


def test_error_pages_are_in_chinese(client_for, parent):
    response = client_for(None).get("/no-such-page/")
    assert response.status_code == 404
    assert '<html lang="zh-CN">' in response.content.decode()
    response = client_for(parent).get(reverse("dashboard:home"))
    assert response.status_code == 403
    assert '<html lang="zh-CN">' in response.content.decode()
