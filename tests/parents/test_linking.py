"""Linking codes: the centre issues a one-time code for one guardian of one enrolled child;
the parent enters it and is linked to that guardian only; the code is stored hashed, works
once, expires after LINKING_CODE_DAYS, is revoked by a newer one; wrong codes are limited per
account; every page answers only the right accounts."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from luhuituo.core.models import AuditEvent, User
from luhuituo.core.verbs import Verb
from parents.models import LinkingCode
from parents.services.linking import code_digest, issue_linking_code
from supervision.models import Child, Guardian
from tests.factories import ClassGroupFactory, UserFactory
from tests.factories.supervision import enrolled_child
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, Outcome, assert_role_matrix

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
CODE_RE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
NOT_CENTRE = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
              "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
MEMBERS = NOT_CENTRE | {"manager": OK, "staff": OK, "other_staff": NOT_FOUND}
NOBODY = NOT_CENTRE | {"manager": NOT_FOUND, "staff": NOT_FOUND, "other_staff": NOT_FOUND}
PARENT_ONLY = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "manager": FORBIDDEN, "staff": FORBIDDEN,
               "other_staff": FORBIDDEN, "parent": OK, "anonymous": LOGIN}
INVALID = Outcome("422 form errors", 422)


@pytest.fixture(autouse=True)
def _now(settings):
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def family(personas, centre_a, centre_b):
    """Two children at centre_a (the first with two guardians) and one at centre_b."""
    group_a = ClassGroupFactory(centre=centre_a, name="阳光托小班")
    child = enrolled_child(group_a, name="阳光宝宝")
    mother = child.guardians.get()
    father = Guardian.objects.create(child=child, name="阳光爸爸", relation="father",
                                     mobile="13698765432")
    sibling = enrolled_child(group_a, name="阳光二宝")
    other = enrolled_child(ClassGroupFactory(centre=centre_b, name="星星秘密班"),
                           name="星星宝宝")
    return personas | {"child": child, "mother": mother, "father": father,
                       "sibling": sibling, "other": other}


def issue_url(guardian) -> str:
    child = guardian.child
    return reverse("parents:linking-code-issue", args=[child.centre_id, child.pk, guardian.pk])


def issue(client, guardian) -> str:
    """Issue a code through the page; the plain code as shown."""
    response = client.post(issue_url(guardian))
    assert response.status_code == 200
    return CODE_RE.search(response.content.decode()).group()


def link(client, code):
    return client.post(reverse("parents:link"), {"code": code})


def test_urls():
    assert reverse("parents:link") == "/parents/link/"
    assert reverse("parents:linking-code-issue", args=[1, 2, 3]) == (
        "/centre/1/children/2/guardians/3/linking-code/")
    assert reverse("parents:linking-code-list", args=[1]) == "/centre/1/linking-codes/"


def test_role_matrix_link(client_for, personas):
    assert_role_matrix(client_for, personas, reverse("parents:link"), expect=PARENT_ONLY)
    assert_role_matrix(client_for, personas, reverse("parents:link"), method="post",
                       data={"code": "nope"}, expect=PARENT_ONLY | {"parent": INVALID})


def test_role_matrix_centre_pages(client_for, family, centre_a):
    mother = family["mother"]
    people = {k: v for k, v in family.items()
              if k not in {"child", "mother", "father", "sibling", "other"}}
    assert_role_matrix(client_for, people, reverse("parents:linking-code-list",
                                                   args=[centre_a.pk]),
                       expect=MEMBERS, shown={"manager": ["阳光宝宝", "阳光二宝", "阳光爸爸"]},
                       hidden={"manager": ["星星宝宝"], "staff": ["星星宝宝"]})
    assert_role_matrix(client_for, people, issue_url(mother), expect=MEMBERS,
                       shown={"staff": ["阳光宝宝", mother.name]})
    assert_role_matrix(client_for, people, issue_url(mother), method="post", expect=MEMBERS)
    # Another centre's child through this centre's address, and a guardian of another child.
    other = family["other"]
    other_guardian = other.guardians.get()
    for url in (
        reverse("parents:linking-code-issue", args=[centre_a.pk, other.pk, other_guardian.pk]),
        reverse("parents:linking-code-issue",
                args=[centre_a.pk, family["sibling"].pk, mother.pk]),
    ):
        assert_role_matrix(client_for, people, url, expect=NOBODY)
        assert_role_matrix(client_for, people, url, method="post", expect=NOBODY)
    assert not LinkingCode.objects.filter(guardian__in=[other_guardian]).exists()


def test_code_is_shown_once_and_stored_hashed(client_for, family):
    staff = client_for(family["staff"])
    code = issue(staff, family["mother"])
    stored = LinkingCode.objects.get()
    assert stored.guardian == family["mother"]
    assert stored.issued_by == family["staff"]
    assert stored.expires_at == NOW + dt.timedelta(days=14)
    assert stored.code_digest == code_digest(code)
    plain = code.replace("-", "")
    assert plain not in stored.code_digest and code not in stored.code_digest
    assert not AuditEvent.objects.filter(details__icontains=plain).exists()
    page = staff.get(issue_url(family["mother"])).content.decode()
    assert CODE_RE.search(page) is None  # never shown again
    assert "valid until" in page
    assert AuditEvent.objects.filter(verb=Verb.LINKING_CODE_ISSUED).count() == 1


def test_code_links_one_guardian_once(client_for, family):
    code = issue(client_for(family["manager"]), family["mother"])
    parent = client_for(family["parent"])
    response = link(parent, code.lower().replace("-", " "))
    child = family["child"]
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:my-child-detail", args=[child.pk])
    family["mother"].refresh_from_db()
    family["father"].refresh_from_db()
    assert family["mother"].user == family["parent"]
    assert family["father"].user is None
    assert list(Child.objects.visible_to(family["parent"])) == [child]
    assert parent.get(reverse("supervision:my-child-detail", args=[child.pk])).status_code == 200
    assert parent.get(reverse("supervision:my-child-detail",
                              args=[family["sibling"].pk])).status_code == 404
    assert LinkingCode.objects.get().used_by == family["parent"]
    assert AuditEvent.objects.filter(verb=Verb.LINKING_CODE_USED).count() == 1

    # Used: neither the same parent nor anyone else can use it again.
    stranger = UserFactory(username="stranger", account_type=User.AccountType.PARENT)
    for user in (family["parent"], stranger):
        response = link(client_for(user), code)
        assert response.status_code == 422
        assert "already been used" in str(response.context["form"].errors["code"])
    assert list(Child.objects.visible_to(stranger)) == []


def test_code_works_until_it_expires(client_for, family):
    code = issue(client_for(family["staff"]), family["mother"])
    with time_machine.travel(NOW + dt.timedelta(days=14, seconds=1), tick=False):
        response = link(client_for(family["parent"]), code)
    assert response.status_code == 422
    assert "expired" in str(response.context["form"].errors["code"])
    family["mother"].refresh_from_db()
    assert family["mother"].user is None
    with time_machine.travel(NOW + dt.timedelta(days=13, hours=23), tick=False):
        assert link(client_for(family["parent"]), code).status_code == 302
    family["mother"].refresh_from_db()
    assert family["mother"].user == family["parent"]


def test_new_code_revokes_the_previous(client_for, family):
    staff = client_for(family["staff"])
    first = issue(staff, family["mother"])
    second = issue(staff, family["mother"])
    assert first != second
    assert LinkingCode.objects.usable().count() == 1
    response = link(client_for(family["parent"]), first)
    assert response.status_code == 422
    assert "not valid" in str(response.context["form"].errors["code"])
    assert link(client_for(family["parent"]), second).status_code == 302


def test_codes_for_two_guardians_are_separate(client_for, family):
    staff = client_for(family["staff"])
    mother_code = issue(staff, family["mother"])
    father_code = issue(staff, family["father"])
    father = UserFactory(username="dad", account_type=User.AccountType.PARENT)
    assert link(client_for(father), father_code).status_code == 302
    family["mother"].refresh_from_db()
    assert family["mother"].user is None
    assert link(client_for(family["parent"]), mother_code).status_code == 302
    assert set(Guardian.objects.filter(user__isnull=False).values_list("user", flat=True)) == {
        father.pk, family["parent"].pk}


def test_guessing_is_limited(client_for, family, settings):
    settings.LINKING_FAILURE_LIMIT = 5
    code = issue(client_for(family["staff"]), family["mother"])
    parent = client_for(family["parent"])
    for n in range(5):
        response = link(parent, f"AAAA-BBBB-CCC{n + 2}")
        assert response.status_code == 422
        assert "not valid" in str(response.context["form"].errors["code"])
    response = link(parent, code)  # even the right code, now
    assert response.status_code == 422
    assert "Too many wrong codes" in str(response.context["form"].errors["code"])
    family["mother"].refresh_from_db()
    assert family["mother"].user is None
    assert AuditEvent.objects.filter(verb=Verb.LINKING_CODE_FAILED,
                                     actor=family["parent"]).count() == 5
    # The limit ends with its window.
    with time_machine.travel(NOW + dt.timedelta(minutes=61), tick=False):
        assert link(parent, code).status_code == 302


@pytest.mark.parametrize("code", ["", "ABCD", "ABCD-EFGH-JKLM-NPQR", "ABCD-EFGH-JKL"])
def test_malformed_code_is_a_form_error(client_for, family, code):
    response = link(client_for(family["parent"]), code)
    assert response.status_code == 422
    assert response.context["form"].errors["code"]
    assert f'value="{code}"' in response.content.decode() or not code
    assert not Guardian.objects.filter(user=family["parent"]).exists()


def test_not_issued_for_a_linked_guardian_or_a_withdrawn_child(client_for, family):
    staff = client_for(family["staff"])
    Guardian.objects.filter(pk=family["father"].pk).update(user=family["parent"])
    response = staff.post(issue_url(family["father"]))
    assert response.status_code == 422
    assert "already linked" in response.content.decode()
    Child.objects.filter(pk=family["child"].pk).update(status=Child.Status.WITHDRAWN)
    response = staff.post(issue_url(family["mother"]))
    assert response.status_code == 422
    assert "only for enrolled children" in response.content.decode()
    assert not LinkingCode.objects.exists()


def test_code_refused_once_the_child_has_left(client_for, family):
    code = issue(client_for(family["staff"]), family["mother"])
    Child.objects.filter(pk=family["child"].pk).update(status=Child.Status.WITHDRAWN)
    response = link(client_for(family["parent"]), code)
    assert response.status_code == 422
    assert "left the centre" in str(response.context["form"].errors["code"])


def test_only_a_member_of_the_childs_centre_issues(family):
    from luhuituo.core.exceptions import NotPermitted

    with pytest.raises(NotPermitted):
        issue_linking_code(family["mother"], by=family["other_staff"])
    assert not LinkingCode.objects.exists()


def test_list_queries_do_not_grow_with_rows(client_for, family, centre_a):
    client = client_for(family["manager"])
    url = reverse("parents:linking-code-list", args=[centre_a.pk])
    issue(client, family["mother"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    group = ClassGroupFactory(centre=centre_a, name="混龄班", class_type="mixed")
    for n in range(6):
        guardian = enrolled_child(group, name=f"孩子{n}").guardians.get()
        issue_linking_code(guardian, by=family["manager"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "孩子5" in response.content.decode()
    assert len(many) == len(few)


def test_parent_home_links_to_linking(client_for, family):
    page = client_for(family["parent"]).get(reverse("parents:home")).content.decode()
    assert reverse("parents:link") in page


def test_centre_navigation_links_to_the_list(client_for, family, centre_a):
    page = client_for(family["staff"]).get(
        reverse("supervision:child-list", args=[centre_a.pk])).content.decode()
    assert reverse("parents:linking-code-list", args=[centre_a.pk]) in page


def test_the_childs_page_offers_a_code_for_each_unlinked_guardian(client_for, family,
                                                                  centre_a):
    """The centre's page of the child (supervision's) carries parents' panel: a link to issue a
    code for each guardian without an account; a linked guardian is marked linked."""
    family["mother"].user = family["parent"]
    family["mother"].save(update_fields=["user"])
    child = family["child"]
    page_url = reverse("supervision:child-detail", args=[centre_a.pk, child.pk])
    for member in ("manager", "staff"):
        page = client_for(family[member]).get(page_url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Issue a linking code" in html and "linked to a parent account" in html
        assert issue_url(family["father"]) in html
        assert issue_url(family["mother"]) not in html
    target = client_for(family["staff"]).get(issue_url(family["father"]))
    assert target.status_code == 200
    assert "阳光爸爸" in target.content.decode()


def test_no_code_offered_for_a_child_who_left(client_for, family, centre_a):
    child = family["child"]
    Child.objects.filter(pk=child.pk).update(status=Child.Status.WITHDRAWN)
    html = client_for(family["manager"]).get(
        reverse("supervision:child-detail", args=[centre_a.pk, child.pk])).content.decode()
    assert "Issue a linking code" not in html
