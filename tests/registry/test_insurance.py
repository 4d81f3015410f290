"""Liability insurance (WS/T 821 9.7.1, alert A25): the manager records policies on the centre's
page, members read them, the district regulator reads them on a read-only page, the scanned
policy is served only within scope — across the role matrix, with another centre's policy in
place that must not leak."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luhuituo.core.models import AuditEvent
from registry.centres import add_insurance_policy
from registry.models import InsurancePolicy
from tests.factories import pdf_bytes
from tests.queries import query_count
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 28)


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def policy(centre, user, number, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), *,
           file: bool = False):
    return add_insurance_policy(
        centre=centre, by=user,
        uploaded=SimpleUploadedFile("保单.pdf", pdf_bytes()) if file else None,
        data={"insurer": "人保财险泸州分公司", "policy_no": number, "cover_from": start,
              "cover_to": end})


@pytest.fixture
def policies(personas, centre_a, centre_b):
    """A policy at each centre (with a scanned copy); centre_b's must never show at A."""
    from registry.models import CentreMembership
    from tests.factories import CentreUserFactory, MembershipFactory

    manager_b = CentreUserFactory(username="manager_b")
    MembershipFactory(user=manager_b, centre=centre_b, role=CentreMembership.Role.MANAGER)
    return {"a": policy(centre_a, personas["manager"], "PA-2026-001", file=True),
            "b": policy(centre_b, manager_b, "PB-SECRET-999", file=True)}


@time_machine.travel(NOW)
def test_centre_insurance_page_role_matrix(client_for, personas, policies, centre_a):
    assert_role_matrix(
        client_for, personas, url("insurance", centre_a.pk),
        expect={"manager": OK, "staff": OK, "other_staff": NOT_FOUND,
                "city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
                "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN},
        shown={"manager": ["PA-2026-001"], "staff": ["PA-2026-001"]},
        hidden={"manager": ["PB-SECRET-999"], "staff": ["PB-SECRET-999"]},
    )


@time_machine.travel(NOW)
def test_regulator_insurance_page_role_matrix(client_for, personas, policies, centre_a):
    assert_role_matrix(
        client_for, personas, url("regulator-insurance", centre_a.pk),
        expect={"city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
                "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                "parent": FORBIDDEN, "anonymous": LOGIN},
        shown={"district_regulator": ["PA-2026-001", "2026年12月31日"]},
        hidden={"district_regulator": ["PB-SECRET-999"]},
    )


def test_scanned_policy_role_matrix(client_for, personas, policies):
    assert_role_matrix(
        client_for, personas, url("insurance-file", policies["a"].pk),
        expect={"manager": OK, "staff": OK, "other_staff": NOT_FOUND,
                "city_regulator": OK, "district_regulator": OK, "other_regulator": NOT_FOUND,
                "parent": NOT_FOUND, "anonymous": NOT_FOUND},
    )


def test_a_policy_without_a_file_has_no_file_url(client_for, manager, centre_a):
    bare = policy(centre_a, manager, "P-NOFILE")
    response = client_for(manager).get(url("insurance-file", bare.pk))
    assert response.status_code == 404


@time_machine.travel(NOW)
def test_staff_cannot_record_a_policy(client_for, staff, centre_a):
    page = client_for(staff).get(url("insurance", centre_a.pk))
    assert page.context["form"] is None
    response = client_for(staff).post(url("insurance", centre_a.pk), {
        "insurer": "某保险", "policy_no": "X1", "cover_from": "2026-01-01",
        "cover_to": "2026-12-31"})
    assert response.status_code == 403
    assert not InsurancePolicy.objects.exists()


def form_data(**overrides) -> dict:
    return {"insurer": "人保财险泸州分公司", "policy_no": "PA-2027-001",
            "cover_from": "2026-12-01", "cover_to": "2027-11-30"} | overrides


@time_machine.travel(NOW)
def test_the_manager_records_a_policy_with_its_scan(client_for, manager, centre_a):
    client = client_for(manager)
    page = client.get(url("insurance", centre_a.pk))
    token = page.context["form"]["submission"].value()
    data = form_data(submission=token, file=SimpleUploadedFile("policy.pdf", pdf_bytes()))
    response = client.post(url("insurance", centre_a.pk), data)
    assert response.status_code == 302
    saved = InsurancePolicy.objects.get()
    assert (saved.policy_no, saved.cover_to, saved.recorded_by) == (
        "PA-2027-001", dt.date(2027, 11, 30), manager)
    assert saved.file and saved.content_type == "application/pdf"
    assert AuditEvent.objects.filter(verb="insurance_policy_added").exists()
    # The same form sent again records nothing more.
    again = client.post(url("insurance", centre_a.pk), form_data(submission=token))
    assert again.status_code == 302 and InsurancePolicy.objects.count() == 1
    listing = client.get(url("insurance", centre_a.pk)).content.decode()
    assert "2027年11月30日" in listing


@pytest.mark.parametrize(("field", "bad"), [
    ("insurer", {"insurer": "  "}),
    ("policy_no", {"policy_no": ""}),
    ("policy_no", {"policy_no": "PA-2026-001"}),  # already recorded
    ("cover_from", {"cover_from": "2026-02-30"}),
    ("cover_to", {"cover_to": "2026-11-30"}),  # before the start
    ("cover_to", {"cover_to": ""}),
    ("file", {"file": SimpleUploadedFile("policy.pdf", b"not a pdf at all")}),
    ("file", {"file": SimpleUploadedFile("policy.pdf", b"")}),
])
@time_machine.travel(NOW)
def test_insurance_errors_save_nothing_and_keep_what_was_typed(
        client_for, manager, centre_a, field, bad):
    policy(centre_a, manager, "PA-2026-001")
    response = client_for(manager).post(url("insurance", centre_a.pk), form_data(**bad))
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert InsurancePolicy.objects.count() == 1
    body = response.content.decode()
    kept = [v for k, v in form_data().items() if k not in bad]
    for value in kept:
        assert f'value="{value}"' in body


@time_machine.travel(NOW)
def test_insurance_pages_query_count_does_not_grow(client_for, manager, district_regulator,
                                                   centre_a):
    centre_client, regulator_client = client_for(manager), client_for(district_regulator)

    def counts():
        n_centre, _r = query_count(centre_client.get, url("insurance", centre_a.pk))
        n_regulator, _r = query_count(regulator_client.get,
                                      url("regulator-insurance", centre_a.pk))
        return n_centre, n_regulator

    policy(centre_a, manager, "P0", file=True)
    counts()  # the sessions' first reads
    few = counts()
    for i in range(1, 12):
        policy(centre_a, manager, f"P{i}", dt.date(2014 + i, 1, 1), dt.date(2014 + i, 12, 31),
               file=i % 2 == 0)
    assert counts() == few
