import pytest

from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.core.leaky_urls")]

REGULATORS_ONLY = {
    "city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
    "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
    "parent": FORBIDDEN, "anonymous": LOGIN,
}
HIDDEN = {"district_regulator": ["纳溪区星星托育园"], "other_regulator": ["江阳区阳光托育中心"]}


def test_catches_a_list_that_leaks_another_district(client_for, personas):
    with pytest.raises(AssertionError) as excinfo:
        assert_role_matrix(client_for, personas, "/leaky/", expect=REGULATORS_ONLY, hidden=HIDDEN)
    message = str(excinfo.value)
    assert "district_regulator: page leaks '纳溪区星星托育园'" in message
    assert "other_regulator: page leaks '江阳区阳光托育中心'" in message


def test_passes_the_scoped_list(client_for, personas):
    assert_role_matrix(
        client_for, personas, "/scoped/", expect=REGULATORS_ONLY, hidden=HIDDEN,
        shown={"city_regulator": ["纳溪区星星托育园", "江阳区阳光托育中心"]},
    )


def test_catches_a_detail_view_without_scope(client_for, personas, centre_a):
    expect = dict(REGULATORS_ONLY, other_regulator=NOT_FOUND)
    with pytest.raises(AssertionError, match="other_regulator: expected 404 Not Found, got 200"):
        assert_role_matrix(client_for, personas, f"/leaky/{centre_a.pk}/", expect=expect)
    assert_role_matrix(client_for, personas, f"/scoped/{centre_a.pk}/", expect=expect)


def test_refuses_a_matrix_that_forgets_a_persona(client_for, personas):
    incomplete = {k: v for k, v in REGULATORS_ONLY.items() if k != "parent"}
    with pytest.raises(AssertionError, match=r"no expectation for \['parent'\]"):
        assert_role_matrix(client_for, personas, "/scoped/", expect=incomplete)
