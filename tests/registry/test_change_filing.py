"""Change filing (变更备案): proposed values wait for the bureau, then apply to the centre."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.uploads import check_upload
from registry import changes
from registry.models import Centre, ChangeFiling, Filing, FilingMaterial
from registry.services import FilingError
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix, redirect_to

from .test_filing_workflow import PDF, complete, to_status, upload_all

pytestmark = pytest.mark.django_db
C = ChangeFiling.Status
EVERYONE = ["city_regulator", "district_regulator", "other_regulator", "manager", "staff",
            "other_staff", "parent", "anonymous"]


@pytest.fixture
def filed(centre_a, manager, district_regulator):
    filing = complete(centre_a).filing
    upload_all(filing, manager)
    return to_status(filing, Filing.Status.VERIFIED, manager, district_regulator).centre


def pdf_pair(name):
    upload = SimpleUploadedFile(name, PDF)
    return upload, check_upload(upload)


def test_a_name_change_applies_on_acceptance_and_needs_no_new_verification(
        filed, manager, district_regulator):
    change = changes.submit_change(centre=filed, by=manager, proposed={"name": "江阳区阳光托育园"},
                                   reason="机构更名")
    assert [(r["before"], r["after"]) for r in change.rows()] == [
        ("江阳区阳光托育中心", "江阳区阳光托育园")]
    filed.refresh_from_db()
    assert filed.name == "江阳区阳光托育中心"  # unchanged until accepted
    assert change.kinds == ["name"] and not change.needs_verification
    changes.accept_change(change=change, by=district_regulator, note="同意")
    filed.refresh_from_db()
    change.refresh_from_db()
    assert filed.name == "江阳区阳光托育园"
    assert change.status == C.VERIFIED
    assert change.previous == {"name": "江阳区阳光托育中心"}
    assert [(r["before"], r["after"]) for r in change.rows()] == [
        ("江阳区阳光托育中心", "江阳区阳光托育园")]


def test_a_premises_change_needs_new_materials_and_a_new_verification(
        filed, manager, district_regulator):
    proposed = {"address": "江阳区蓝田街道2号", "tenure": "leased", "lease_start": "2026-01-01",
                "lease_end": "2030-12-31"}
    with pytest.raises(FilingError):
        changes.submit_change(centre=filed, by=manager, proposed=proposed, reason="搬迁")
    change = changes.submit_change(
        centre=filed, by=manager, proposed=proposed, reason="搬迁",
        materials={"premises": pdf_pair("租赁合同.pdf"), "fire_safety": pdf_pair("消防.pdf")})
    assert change.needs_verification and change.materials.count() == 2
    changes.accept_change(change=change, by=district_regulator)
    change.refresh_from_db()
    filed.refresh_from_db()
    assert change.status == C.ACCEPTED
    assert filed.address == "江阳区蓝田街道2号" and filed.lease_end.year == 2030
    assert set(change.materials.values_list("verdict", flat=True)) == {"accepted"}
    changes.verify_change(change=change, by=district_regulator, note="现场核实通过")
    change.refresh_from_db()
    assert change.status == C.VERIFIED


def test_a_returned_change_leaves_the_centre_alone(filed, manager, district_regulator):
    change = changes.submit_change(centre=filed, by=manager, proposed={"approved_places": 60},
                                   reason="扩班")
    with pytest.raises(FilingError):
        changes.return_change(change=change, by=district_regulator, note="")
    changes.return_change(change=change, by=district_regulator, note="请附扩建后的消防证明")
    filed.refresh_from_db()
    assert filed.approved_places == 40
    assert ChangeFiling.objects.get(pk=change.pk).status == C.RETURNED
    # A new change can be filed after a returned one.
    changes.submit_change(centre=filed, by=manager, proposed={"approved_places": 60},
                          reason="扩班")


def test_only_one_open_change_at_a_time(filed, manager):
    changes.submit_change(centre=filed, by=manager, proposed={"name": "新名"}, reason="更名")
    with pytest.raises(FilingError):
        changes.submit_change(centre=filed, by=manager, proposed={"principal_name": "李四"},
                              reason="换负责人")


@pytest.mark.parametrize(("status", "allowed"), [
    (Filing.Status.DRAFT, False), (Filing.Status.SUBMITTED, False), (Filing.Status.FILED, True),
    (Filing.Status.VERIFIED, True), (Filing.Status.SUSPENDED, False),
    (Filing.Status.TERMINATING, False),
])
def test_changes_need_a_filed_centre(centre_a, manager, district_regulator, status, allowed):
    filing = complete(centre_a).filing
    upload_all(filing, manager)
    to_status(filing, status, manager, district_regulator)
    if allowed:
        changes.submit_change(centre=centre_a, by=manager, proposed={"name": "新名"},
                              reason="更名")
    else:
        with pytest.raises(FilingError):
            changes.submit_change(centre=centre_a, by=manager, proposed={"name": "新名"},
                                  reason="更名")


def test_who_may_act(filed, manager, staff, other_regulator, district_regulator):
    with pytest.raises(NotPermitted):
        changes.submit_change(centre=filed, by=staff, proposed={"name": "x"}, reason="x")
    change = changes.submit_change(centre=filed, by=manager, proposed={"name": "x"}, reason="x")
    with pytest.raises(NotPermitted):
        changes.accept_change(change=change, by=other_regulator)
    with pytest.raises(FilingError):
        changes.verify_change(change=change, by=district_regulator)  # not accepted yet
    assert ChangeFiling.objects.get(pk=change.pk).status == C.SUBMITTED


def test_diff_ignores_unchanged_values(filed):
    cleaned = {f: getattr(filed, f) for f in ChangeFiling.FIELD_KINDS}
    assert changes.diff(filed, cleaned) == {}
    cleaned["service_forms"] = list(reversed(filed.service_forms))
    cleaned["approved_places"] = 45
    assert changes.diff(filed, cleaned) == {"approved_places": 45}


# --- pages -------------------------------------------------------------------------------------


def profile_post(centre, **overrides):
    data = {
        "name": centre.name, "legal_form": centre.legal_form, "uscc": centre.uscc,
        "kind": centre.kind, "address": centre.address, "latitude": str(centre.latitude),
        "longitude": str(centre.longitude), "service_forms": centre.service_forms,
        "approved_places": centre.approved_places, "tenure": centre.tenure,
        "contact_phone": centre.contact_phone,
        "legal_representative": centre.legal_representative,
        "principal_name": centre.principal_name, "reason": "机构更名",
    }
    data.update(overrides)
    return data


def test_change_pages_role_matrix(client_for, personas, filed):
    url = reverse("registry:change-list", args=[filed.pk])
    expect = dict.fromkeys(EVERYONE, FORBIDDEN) | {
        "manager": OK, "staff": OK, "other_staff": NOT_FOUND, "anonymous": LOGIN}
    assert_role_matrix(client_for, personas, url, expect=expect,
                       hidden={"other_staff": ["江阳区阳光托育中心"]})
    create = reverse("registry:change-create", args=[filed.pk])
    assert_role_matrix(client_for, personas, create, expect=expect | {"staff": NOT_FOUND})


def test_filing_a_change_through_the_page(client_for, manager, filed):
    client = client_for(manager)
    url = reverse("registry:change-create", args=[filed.pk])
    response = client.post(url, profile_post(filed, name="江阳区阳光托育园"))
    assert response.status_code == 302
    change = ChangeFiling.objects.get()
    assert change.proposed == {"name": "江阳区阳光托育园"} and change.status == C.SUBMITTED
    filed.refresh_from_db()
    assert filed.name == "江阳区阳光托育中心"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"latitude": "39.9"}, "latitude"),                              # Beijing, not Luzhou
    ({"reason": ""}, "reason"),
    ({"tenure": "leased", "lease_start": "2026-01-01", "lease_end": "2025-01-01"},
     "lease_end"),
    ({"address": "江阳区新址1号"}, "premises_file"),                  # premises need materials
])
def test_bad_change_input_keeps_what_was_typed(client_for, manager, filed, overrides, field):
    response = client_for(manager).post(
        reverse("registry:change-create", args=[filed.pk]),
        profile_post(filed, name="江阳区阳光托育园", **overrides))
    assert response.status_code == 422
    body = response.content.decode()
    assert 'value="江阳区阳光托育园"' in body
    assert response.context["form"].has_error(field)
    assert not ChangeFiling.objects.exists()


def test_nothing_changed_is_an_error(client_for, manager, filed):
    response = client_for(manager).post(reverse("registry:change-create", args=[filed.pk]),
                                        profile_post(filed))
    assert response.status_code == 422
    assert not ChangeFiling.objects.exists()


def test_deciding_a_change(client_for, personas, filed, manager):
    change = changes.submit_change(centre=filed, by=manager, proposed={"name": "新名"},
                                   reason="更名")
    url = reverse("registry:change-decide", args=[change.pk])
    expect = dict.fromkeys(EVERYONE, FORBIDDEN) | {
        "other_regulator": NOT_FOUND, "anonymous": LOGIN,
        "city_regulator": redirect_to(), "district_regulator": redirect_to()}
    # An unknown action changes nothing, for everyone who gets in.
    assert_role_matrix(client_for, personas, url, method="post", data={"action": "nope"},
                       expect=expect)
    assert ChangeFiling.objects.get(pk=change.pk).status == C.SUBMITTED
    review = client_for(personas["district_regulator"]).get(
        reverse("registry:review", args=[filed.pk]))
    assert "新名" in review.content.decode()
    client_for(personas["district_regulator"]).post(url, {"action": "accept"})
    filed.refresh_from_db()
    assert filed.name == "新名"


def test_change_materials_are_kept_with_the_filing(filed, manager):
    change = changes.submit_change(
        centre=filed, by=manager, proposed={"address": "新址"}, reason="搬迁",
        materials={"premises": pdf_pair("a.pdf"), "fire_safety": pdf_pair("b.pdf")})
    assert FilingMaterial.objects.filter(change=change).count() == 2
    assert Centre.objects.get(pk=filed.pk).filing.materials.filter(change=change).exists()


def test_a_refused_change_says_its_files_must_be_chosen_again(client_for, manager, filed):
    """Item 15: every file chosen is named as not kept, beside its field."""
    response = client_for(manager).post(
        reverse("registry:change-create", args=[filed.pk]),
        profile_post(filed, address="江阳区新址1号", reason="",
                     premises_file=pdf_pair("premises.pdf")[0]))
    assert response.status_code == 422
    assert response.content.decode().count('class="help file-dropped"') == 1
