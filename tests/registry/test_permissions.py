import pytest
from django.http import HttpResponse
from django.urls import include, path

from registry.permissions import centre_member_required
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@centre_member_required
def member_page(request, centre_id):
    return HttpResponse(f"{request.centre.name} · {request.membership.get_role_display()}")


@centre_member_required(manager=True)
def manager_page(request, centre_id):
    return HttpResponse(request.centre.name)


urlpatterns = [
    path("c/<int:centre_id>/", member_page),
    path("c/<int:centre_id>/manage/", manager_page),
    path("", include("luhuituo.urls")),
]

NOT_MEMBERS = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}


def test_members_of_the_centre_only(client_for, personas, centre_a):
    assert_role_matrix(
        client_for, personas, f"/c/{centre_a.pk}/",
        expect=NOT_MEMBERS | {"manager": OK, "staff": OK, "other_staff": NOT_FOUND},
        shown={"manager": ["江阳区阳光托育中心"], "staff": ["江阳区阳光托育中心"]},
    )


def test_managers_of_the_centre_only(client_for, personas, centre_a):
    assert_role_matrix(
        client_for, personas, f"/c/{centre_a.pk}/manage/",
        expect=NOT_MEMBERS | {"manager": OK, "staff": NOT_FOUND, "other_staff": NOT_FOUND},
    )


def test_a_centre_that_does_not_exist_is_404_for_members_too(client_for, manager):
    assert client_for(manager).get("/c/999999/").status_code == 404


def test_a_former_member_is_404(client_for, staff, centre_a):
    staff.centre_memberships.update(is_active=False)
    assert client_for(staff).get(f"/c/{centre_a.pk}/").status_code == 404
