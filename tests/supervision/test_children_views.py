"""Children's pages on the centre, regulator and parent sides: the role matrix for every view
with children of two centres in place, the access log, masked identifiers, query counts."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from luhuituo.core.models import AccessLog
from supervision.models import Child, ChildrenReport, Guardian, HealthCheck
from tests.factories import ClassGroupFactory, id_number
from tests.factories.supervision import class_day, enrolled_child
from tests.rolematrix import (
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    OK,
    Outcome,
    assert_role_matrix,
    redirect_to,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)
INVALID = Outcome("422 form errors", 422)
NOT_CENTRE = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
              "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
MEMBERS = NOT_CENTRE | {"manager": OK, "staff": OK, "other_staff": NOT_FOUND}
NOBODY_AT_A = NOT_CENTRE | {"manager": NOT_FOUND, "staff": NOT_FOUND, "other_staff": NOT_FOUND}
REGULATORS = {"city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
              "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
              "parent": FORBIDDEN, "anonymous": LOGIN}
PARENT_ONLY = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "manager": FORBIDDEN, "staff": FORBIDDEN,
               "other_staff": FORBIDDEN, "parent": OK, "anonymous": LOGIN}
A_ID = id_number(41, born="20250528")
B_ID = id_number(42, region_code="510503", born="20250528")
GUARDIAN_ID = id_number(43)
B_SECRETS = ["星星宝宝", "星星秘密班", B_ID, "13700001111"]
REASON = {"purpose": "incident", "note": "事故调查 2026-11 号"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def each(names, texts) -> dict[str, list[str]]:
    """The same texts for several personas (each its own list)."""
    return {name: list(texts) for name in names}


def url(name: str, *args) -> str:
    return reverse(f"supervision:{name}", args=args)


@pytest.fixture
def leaky(personas, centre_a, centre_b):
    """A child at each centre; the parent is the guardian of centre_a's child only."""
    group_a = ClassGroupFactory(centre=centre_a, name="阳光托小班")
    group_b = ClassGroupFactory(centre=centre_b, name="星星秘密班")
    child_a = enrolled_child(group_a, name="阳光宝宝", id_number=A_ID,
                             guardian__user=personas["parent"])
    Guardian.objects.filter(child=child_a).update(mobile="13812345678")
    Guardian.objects.create(child=child_a, name="阳光爸爸", relation="father",
                            mobile="13698765432", id_number=GUARDIAN_ID)
    child_b = enrolled_child(group_b, name="星星宝宝", id_number=B_ID)
    Guardian.objects.filter(child=child_b).update(mobile="13700001111")
    return personas | {"child_a": child_a, "child_b": child_b, "group_a": group_a,
                       "group_b": group_b}


def people(leaky) -> dict:
    return {k: v for k, v in leaky.items()
            if k not in {"child_a", "child_b", "group_a", "group_b"}}


def hidden_b(*names) -> dict:
    return each(names or ("manager", "staff"), B_SECRETS)


# --- centre side: role matrix ---------------------------------------------------------------


def test_child_list(client_for, leaky, centre_a):
    assert_role_matrix(client_for, people(leaky), url("child-list", centre_a.pk),
                       expect=MEMBERS, shown=each(("manager", "staff"), ["阳光宝宝"]),
                       hidden=hidden_b())


def test_child_list_of_centre_b_is_for_its_own_staff(client_for, leaky, centre_b):
    assert_role_matrix(client_for, people(leaky), url("child-list", centre_b.pk),
                       expect=NOT_CENTRE | {"manager": NOT_FOUND, "staff": NOT_FOUND,
                                            "other_staff": OK},
                       shown={"other_staff": ["星星宝宝"]},
                       hidden={"other_staff": ["阳光宝宝"]})


def test_child_create_page(client_for, leaky, centre_a):
    assert_role_matrix(client_for, people(leaky), url("child-create", centre_a.pk),
                       expect=MEMBERS, shown={"manager": ["阳光托小班", "2026-11"]},
                       hidden=hidden_b())


def test_child_detail(client_for, leaky, centre_a):
    child = leaky["child_a"]
    assert_role_matrix(
        client_for, people(leaky), url("child-detail", centre_a.pk, child.pk), expect=MEMBERS,
        shown={"manager": ["阳光宝宝", "阳光爸爸", "510502********", "138****5678",
                           url("child-withdraw", centre_a.pk, child.pk)],
               "staff": ["阳光宝宝", url("child-health-check", centre_a.pk, child.pk)]},
        hidden={"manager": [*B_SECRETS, A_ID, GUARDIAN_ID, "13812345678", "13698765432"],
                "staff": [*B_SECRETS, A_ID, url("child-withdraw", centre_a.pk, child.pk)]})


def test_a_child_of_centre_b_is_not_found_through_centre_a(client_for, leaky, centre_a,
                                                            centre_b):
    child_b = leaky["child_b"]
    assert_role_matrix(client_for, people(leaky), url("child-detail", centre_a.pk, child_b.pk),
                       expect=NOBODY_AT_A | {"manager": NOT_FOUND, "staff": NOT_FOUND})
    assert_role_matrix(client_for, people(leaky), url("child-detail", centre_b.pk, child_b.pk),
                       expect=NOT_CENTRE | {"manager": NOT_FOUND, "staff": NOT_FOUND,
                                            "other_staff": OK},
                       shown={"other_staff": ["星星宝宝"]})


@pytest.mark.parametrize("name", ["child-health-check", "child-vaccination",
                                  "child-guardian-add", "child-consent-add", "child-move",
                                  "child-readmit"])
def test_member_actions_on_a_child(client_for, leaky, centre_a, name):
    """Both managers and staff may; an empty form is a form error (422), nothing saved."""
    child = leaky["child_a"]
    assert_role_matrix(client_for, people(leaky), url(name, centre_a.pk, child.pk),
                       method="post", data={},
                       expect=NOT_CENTRE | {"manager": INVALID, "staff": INVALID,
                                            "other_staff": NOT_FOUND},
                       hidden=each(("manager", "staff"), [A_ID, *B_SECRETS]))
    # …and the same action on centre_b's child through centre_a's address is 404.
    assert_role_matrix(client_for, people(leaky), url(name, centre_a.pk, leaky["child_b"].pk),
                       method="post", data={}, expect=NOBODY_AT_A)


def test_withdraw_is_for_managers(client_for, leaky, centre_a):
    child = leaky["child_a"]
    assert_role_matrix(client_for, people(leaky), url("child-withdraw", centre_a.pk, child.pk),
                       method="post", data={},
                       expect=NOT_CENTRE | {"manager": INVALID, "staff": NOT_FOUND,
                                            "other_staff": NOT_FOUND})


def test_consent_withdraw_is_for_managers(client_for, leaky, centre_a):
    child = leaky["child_a"]
    consent = child.consents.get()
    assert_role_matrix(client_for, people(leaky),
                       url("consent-withdraw", centre_a.pk, child.pk, consent.pk),
                       method="post",
                       expect=NOT_CENTRE | {"manager": redirect_to(), "staff": NOT_FOUND,
                                            "other_staff": NOT_FOUND})
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    # centre_b's consent through centre_a's child: 404, untouched.
    other = leaky["child_b"].consents.get()
    response = client_for(leaky["manager"]).post(
        url("consent-withdraw", centre_a.pk, child.pk, other.pk))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.withdrawn_at is None


def test_children_report_page(client_for, leaky, centre_a):
    send = f'action="{url("children-report", centre_a.pk)}"'
    assert_role_matrix(client_for, people(leaky), url("children-report", centre_a.pk),
                       expect=MEMBERS, shown={"manager": [send, "阳光托育中心"]},
                       hidden={"staff": [send, *B_SECRETS], "manager": B_SECRETS})


def test_children_report_is_sent_by_managers(client_for, leaky, centre_a):
    assert_role_matrix(client_for, people(leaky), url("children-report", centre_a.pk),
                       method="post",
                       expect=NOT_CENTRE | {"manager": redirect_to(), "staff": FORBIDDEN,
                                            "other_staff": NOT_FOUND})
    report = ChildrenReport.objects.get()
    assert report.centre == centre_a and report.enrolled == 1
    assert report.submitted_by == leaky["manager"]
    body = client_for(leaky["manager"]).get(url("children-report", centre_a.pk)).content
    assert "2027年2月26日".encode() in body  # next due: 90 days later


# --- regulator side ---------------------------------------------------------------------------


def test_regulator_child_list_shows_totals_not_names_without_a_reason(client_for, leaky,
                                                                      centre_a):
    assert_role_matrix(client_for, people(leaky), url("regulator-child-list", centre_a.pk),
                       expect=REGULATORS,
                       shown=each(("city_regulator", "district_regulator"),
                                           ['name="purpose"', "江阳区阳光托育中心"]),
                       hidden=each(("city_regulator", "district_regulator"),
                                            ["阳光宝宝", *B_SECRETS]))
    assert not AccessLog.objects.filter(target_repr="阳光宝宝").exists()


def test_regulator_child_list_names_with_a_reason_are_logged(client_for, leaky, centre_a):
    assert_role_matrix(client_for, people(leaky), url("regulator-child-list", centre_a.pk)
                       + "?purpose=incident&note=" + "事故调查", expect=REGULATORS,
                       shown=each(("city_regulator", "district_regulator"),
                                           ["阳光宝宝"]),
                       hidden=each(("city_regulator", "district_regulator"),
                                            [*B_SECRETS, A_ID]))
    logs = AccessLog.objects.filter(target_id=str(leaky["child_a"].pk))
    assert {log.user for log in logs} == {leaky["city_regulator"], leaky["district_regulator"]}
    assert all("incident" in log.reason and "事故调查" in log.reason for log in logs)


def test_regulator_reason_form_bad_input(client_for, leaky, centre_a):
    client = client_for(leaky["district_regulator"])
    for query in ({"purpose": "curiosity", "note": "看看"}, {"purpose": "incident", "note": ""}):
        response = client.get(url("regulator-child-list", centre_a.pk), query)
        assert response.status_code == 200
        assert response.context["form"].errors
        assert "阳光宝宝" not in response.content.decode()
    assert not AccessLog.objects.filter(target_repr="阳光宝宝").exists()


def test_regulator_child_detail(client_for, leaky, centre_a):
    child = leaky["child_a"]
    detail = url("regulator-child-detail", centre_a.pk, child.pk)
    assert_role_matrix(client_for, people(leaky), detail, expect=REGULATORS,
                       hidden=each(("city_regulator", "district_regulator"),
                                            ["阳光宝宝", "阳光爸爸"]))
    assert not AccessLog.objects.exists()
    assert_role_matrix(client_for, people(leaky), detail, data=REASON, expect=REGULATORS,
                       shown=each(("city_regulator", "district_regulator"),
                                           ["阳光宝宝", "阳光爸爸", "510502********"]),
                       hidden=each(("city_regulator", "district_regulator"),
                                            [A_ID, GUARDIAN_ID, "13812345678", *B_SECRETS]))
    assert AccessLog.objects.filter(target_id=str(child.pk)).count() == 2


def test_regulator_child_detail_of_another_centre_is_not_found(client_for, leaky, centre_a):
    """centre_b's child under centre_a's address: 404 even for the city regulator."""
    response = client_for(leaky["city_regulator"]).get(
        url("regulator-child-detail", centre_a.pk, leaky["child_b"].pk), REASON)
    assert response.status_code == 404


def test_regulator_of_the_other_district_sees_centre_b(client_for, leaky, centre_b):
    response = client_for(leaky["other_regulator"]).get(
        url("regulator-child-list", centre_b.pk), REASON)
    assert "星星宝宝" in response.content.decode()
    response = client_for(leaky["district_regulator"]).get(
        url("regulator-child-list", centre_b.pk), REASON)
    assert response.status_code == 404


# --- parent side ---------------------------------------------------------------------------------


def test_my_children(client_for, leaky):
    assert_role_matrix(client_for, people(leaky), url("my-children"), expect=PARENT_ONLY,
                       shown={"parent": ["阳光宝宝", "阳光托小班"]},
                       hidden={"parent": B_SECRETS})


def test_my_child_detail(client_for, leaky, centre_a):
    child = leaky["child_a"]
    class_day(leaky["group_a"], TODAY - dt.timedelta(days=1), present=[child])
    assert_role_matrix(client_for, people(leaky), url("my-child-detail", child.pk),
                       expect=PARENT_ONLY,
                       shown={"parent": ["阳光宝宝", "2026年11月27日", "江阳区妇幼保健院"]},
                       hidden={"parent": [A_ID, *B_SECRETS]})
    log = AccessLog.objects.get()
    assert (log.user, log.target_id) == (leaky["parent"], str(child.pk))


def test_a_parent_who_is_not_the_guardian_gets_404(client_for, leaky):
    assert_role_matrix(client_for, people(leaky), url("my-child-detail", leaky["child_b"].pk),
                       expect=PARENT_ONLY | {"parent": NOT_FOUND})
    assert not AccessLog.objects.exists()


def test_the_guardian_parent_cannot_use_centre_or_regulator_pages(client_for, leaky,
                                                                   centre_a):
    client = client_for(leaky["parent"])
    child = leaky["child_a"]
    for page in (url("child-detail", centre_a.pk, child.pk), url("child-list", centre_a.pk),
                 url("regulator-child-detail", centre_a.pk, child.pk)):
        assert client.get(page).status_code == 403


# --- access log and masking -------------------------------------------------------------------


def test_every_read_of_a_childs_record_is_logged(client_for, leaky, centre_a):
    child = leaky["child_a"]
    client = client_for(leaky["staff"])
    client.get(url("child-detail", centre_a.pk, child.pk))
    client.get(url("child-detail", centre_a.pk, child.pk))
    logs = AccessLog.objects.filter(target_id=str(child.pk))
    assert {(log.user, log.reason) for log in logs} == {(leaky["staff"], "centre record")}
    assert logs.count() == 2
    # a form with errors shows the record again: logged too
    client.post(url("child-health-check", centre_a.pk, child.pk), {})
    assert AccessLog.objects.filter(target_id=str(child.pk)).count() == 3


def test_full_identifiers_never_reach_the_page(client_for, leaky, centre_a):
    child = leaky["child_a"]
    body = client_for(leaky["manager"]).get(url("child-detail", centre_a.pk, child.pk)
                                            ).content.decode()
    assert A_ID[:6] + "********" + A_ID[-4:] in body
    assert GUARDIAN_ID[:6] + "********" + GUARDIAN_ID[-4:] in body
    for secret in (A_ID, GUARDIAN_ID, "13812345678", "13698765432"):
        assert secret not in body


# --- list filters and query counts -------------------------------------------------------------


def test_child_list_filters(client_for, leaky, centre_a, manager):
    other_group = ClassGroupFactory(centre=centre_a, name="托大一班", class_type="toddler_large")
    enrolled_child(other_group, name="大班孩子", birth_date=TODAY - dt.timedelta(days=800))
    gone = enrolled_child(leaky["group_a"], name="离园孩子")
    Child.objects.filter(pk=gone.pk).update(status="withdrawn", withdrawn_on=TODAY)
    client = client_for(manager)

    def names(**query):
        response = client.get(url("child-list", centre_a.pk), query)
        return {row["child"].name for row in response.context["rows"]}

    assert names() == {"阳光宝宝", "大班孩子"}
    assert names(status="withdrawn") == {"离园孩子"}
    assert names(status="all") == {"阳光宝宝", "大班孩子", "离园孩子"}
    assert names(q="大班") == {"大班孩子"}
    assert names(class_group=other_group.pk) == {"大班孩子"}
    # a class of another centre, or nonsense, is ignored rather than refused
    assert names(class_group=leaky["group_b"].pk) == {"阳光宝宝", "大班孩子"}
    assert names(status="bogus", page="x") == {"阳光宝宝", "大班孩子"}
    response = client.get(url("child-list", centre_a.pk), headers={"HX-Request": "true"})
    assert b'id="results"' in response.content and b"<html" not in response.content


def test_child_list_shows_age_class_and_missing_checks(client_for, leaky, centre_a, manager):
    enrolled_child(leaky["group_a"], name="缺体检", checks=False)
    body = client_for(manager).get(url("child-list", centre_a.pk)).content.decode()
    assert "缺体检" in body and "阳光托小班" in body and ">18<" in body
    response = client_for(manager).get(url("child-list", centre_a.pk), {"q": "缺体检"})
    assert [m.code for m in response.context["rows"][0]["missing"]] == [
        "entry_check", "vaccination"]


@pytest.mark.parametrize("rows", [2, 15])
def test_child_list_query_count_does_not_grow(client_for, manager, centre_a,
                                              django_assert_num_queries, rows):
    groups = [ClassGroupFactory(centre=centre_a, capacity=15) for _i in range(2)]
    for i in range(rows):
        child = enrolled_child(groups[i % 2])
        HealthCheck.objects.create(child=child, kind="periodic", result="passed",
                                   checked_on=TODAY, institution="医院")
    client = client_for(manager)
    client.get(url("child-list", centre_a.pk))
    with django_assert_num_queries(12):
        response = client.get(url("child-list", centre_a.pk), {"class_group": groups[0].pk})
    assert len(response.context["rows"]) == (rows + 1) // 2
    with django_assert_num_queries(11):
        response = client.get(url("child-list", centre_a.pk))
    assert len(response.context["rows"]) == rows


@pytest.mark.parametrize("rows", [2, 15])
def test_regulator_child_list_query_count_does_not_grow(client_for, district_regulator,
                                                        centre_a, django_assert_num_queries,
                                                        rows):
    group = ClassGroupFactory(centre=centre_a, capacity=15)
    for _i in range(rows):
        enrolled_child(group)
    client = client_for(district_regulator)
    client.get(url("regulator-child-list", centre_a.pk))
    with django_assert_num_queries(16):
        response = client.get(url("regulator-child-list", centre_a.pk), REASON)
    assert len(response.context["rows"]) == rows
    assert AccessLog.objects.count() == rows  # one entry per child shown; the warm-up had no reason
