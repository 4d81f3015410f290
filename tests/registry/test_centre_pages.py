"""A centre's own pages: home, registration, overview, profile, fees, classes, staff, training
and accounts — across the role matrix, with data in place that could leak."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from stdnum.cn import uscc

from luhuituo.core.models import AccessLog, AuditEvent, Region
from registry.models import (
    Centre,
    CentreMembership,
    ClassGroup,
    FeeSchedule,
    Filing,
    Staff,
    StaffTrainingRecord,
)
from tests.factories import (
    CentreUserFactory,
    ClassGroupFactory,
    FeeScheduleFactory,
    MembershipFactory,
    StaffFactory,
    StaffTrainingRecordFactory,
    filing_for,
    id_number,
    region,
)
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

pytestmark = pytest.mark.django_db

S = Filing.Status
TODAY = dt.date(2026, 11, 28)
NOT_MEMBERS = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
MEMBERS = NOT_MEMBERS | {"manager": OK, "staff": OK, "other_staff": NOT_FOUND}
MANAGERS = NOT_MEMBERS | {"manager": OK, "staff": NOT_FOUND, "other_staff": NOT_FOUND}
CENTRE_ACCOUNTS = NOT_MEMBERS | {"manager": OK, "staff": OK, "other_staff": OK}
# Query budgets, measured once and pinned: the same for 1 row and for many.
QUERIES = {"centre-home": 4, "class-list": 5, "staff-list": 6, "member-list": 5}


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def zh(message) -> str:
    """A msgid (or lazy message) as the Chinese-first interface shows it, whether or not the
    catalogue has been compiled yet."""
    with translation.override("zh-hans"):
        return translation.gettext(message) if isinstance(message, str) else str(message)


def valid_uscc(n: int) -> str:
    body = f"91510502MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def errors(response, field: str = "__all__") -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def snapshot(queryset) -> list[dict]:
    return list(queryset.order_by("pk").values())


@pytest.fixture
def leaky(personas, centre_a, centre_b):
    """Each centre has a class, a staff member and fees; centre_b's must never show at A."""
    ClassGroupFactory(centre=centre_a, name="阳光托小一班")
    ClassGroupFactory(centre=centre_b, name="星星秘密班", class_type="infant", capacity=8)
    StaffFactory(centre=centre_a, name="王阳光", id_number=id_number(11))
    StaffFactory(centre=centre_b, name="赵星星", id_number=id_number(12))
    FeeScheduleFactory(centre=centre_a, toddler_small_fee=Decimal("1180"))
    FeeScheduleFactory(centre=centre_b, toddler_small_fee=Decimal("2468"))
    Centre.objects.filter(pk=centre_b.pk).update(address="纳溪区秘密路1号")
    return personas


B_SECRETS = ["纳溪区星星托育园", "星星秘密班", "赵星星", "2468", "纳溪区秘密路1号", "何保育"]


def hidden_for_a(*names):
    return dict.fromkeys(names or ("manager", "staff"), B_SECRETS)


# --- role matrix: every view ---------------------------------------------------------------------


def test_centre_home_lists_your_centres_with_their_filing_status(client_for, leaky):
    assert_role_matrix(
        client_for, leaky, url("centre-home"), expect=CENTRE_ACCOUNTS,
        shown={"manager": ["江阳区阳光托育中心", zh(S.DRAFT.label), url("centre-create"),
                           url("centre-overview", leaky["manager"].centre_memberships.get()
                               .centre_id)],
               "other_staff": ["纳溪区星星托育园"]},
        hidden={"manager": ["纳溪区星星托育园"], "staff": ["纳溪区星星托育园"],
                "other_staff": ["江阳区阳光托育中心"]},
    )


def test_centre_create_page_is_for_centre_accounts(client_for, personas):
    assert_role_matrix(client_for, personas, url("centre-create"), expect=CENTRE_ACCOUNTS)


def test_overview(client_for, leaky, centre_a):
    assert_role_matrix(client_for, leaky, url("centre-overview", centre_a.pk), expect=MEMBERS,
                       shown={"manager": ["江阳区阳光托育中心", url("filing-detail", centre_a.pk)],
                              "staff": ["江阳区阳光托育中心"]},
                       hidden=hidden_for_a())


def test_profile(client_for, leaky, centre_a):
    assert_role_matrix(client_for, leaky, url("centre-profile", centre_a.pk), expect=MEMBERS,
                       shown={"manager": ['id="profile-form"'], "staff": ["江阳区阳光托育中心"]},
                       hidden=hidden_for_a() | {"staff": [*B_SECRETS, 'id="profile-form"']})


def test_fees(client_for, leaky, centre_a):
    assert_role_matrix(client_for, leaky, url("fee-schedule", centre_a.pk), expect=MEMBERS,
                       shown={"manager": ["1180", 'name="effective_from"'], "staff": ["1180"]},
                       hidden=hidden_for_a() | {"staff": [*B_SECRETS, 'name="effective_from"']})


def test_class_list(client_for, leaky, centre_a):
    assert_role_matrix(client_for, leaky, url("class-list", centre_a.pk), expect=MEMBERS,
                       shown={"manager": ["阳光托小一班", url("class-create", centre_a.pk)],
                              "staff": ["阳光托小一班"]},
                       hidden=hidden_for_a() | {"staff": [*B_SECRETS, url("class-create",
                                                                          centre_a.pk)]})


def test_class_create_and_edit_pages_are_for_managers(client_for, leaky, centre_a):
    class_a = centre_a.classes.get()
    assert_role_matrix(client_for, leaky, url("class-create", centre_a.pk), expect=MANAGERS,
                       hidden=hidden_for_a("manager"))
    assert_role_matrix(client_for, leaky, url("class-edit", centre_a.pk, class_a.pk),
                       expect=MANAGERS, shown={"manager": ["阳光托小一班"]},
                       hidden=hidden_for_a("manager"))
    assert_role_matrix(client_for, leaky, url("class-delete", centre_a.pk, class_a.pk),
                       expect=MANAGERS, shown={"manager": ["阳光托小一班"]})


def test_another_centres_class_is_404_through_your_centre(client_for, leaky, centre_a, centre_b):
    class_b = centre_b.classes.get()
    client = client_for(leaky["manager"])
    for name in ("class-edit", "class-delete"):
        assert client.get(url(name, centre_a.pk, class_b.pk)).status_code == 404
        assert client.post(url(name, centre_a.pk, class_b.pk), {
            "name": "改名", "class_type": "infant", "capacity": 5}).status_code == 404
    class_b.refresh_from_db()
    assert class_b.name == "星星秘密班"


def test_staff_pages_are_for_managers(client_for, leaky, centre_a):
    person = centre_a.staff.get()
    assert_role_matrix(client_for, leaky, url("staff-list", centre_a.pk), expect=MANAGERS,
                       shown={"manager": ["王阳光"]}, hidden=hidden_for_a("manager"))
    assert_role_matrix(client_for, leaky, url("staff-create", centre_a.pk), expect=MANAGERS)
    assert_role_matrix(client_for, leaky, url("staff-edit", centre_a.pk, person.pk),
                       expect=MANAGERS, shown={"manager": ["王阳光"]},
                       hidden=hidden_for_a("manager"))
    assert_role_matrix(client_for, leaky, url("training-add", centre_a.pk, person.pk),
                       expect=MANAGERS, shown={"manager": ["王阳光"]})


def test_another_centres_staff_is_404_through_your_centre(client_for, leaky, centre_a, centre_b):
    person_b = centre_b.staff.get()
    client = client_for(leaky["manager"])
    assert client.get(url("staff-edit", centre_a.pk, person_b.pk)).status_code == 404
    assert client.get(url("training-add", centre_a.pk, person_b.pk)).status_code == 404
    response = client.post(url("training-add", centre_a.pk, person_b.pk), {
        "course": "x", "hours": "2", "completed_on": "2025-01-01"})
    assert response.status_code == 404
    assert not StaffTrainingRecord.objects.exists()


def test_member_list_is_for_managers(client_for, leaky, centre_a):
    assert_role_matrix(client_for, leaky, url("member-list", centre_a.pk), expect=MANAGERS,
                       shown={"manager": ["张园长", "刘保育", "staff_a"]},
                       hidden=hidden_for_a("manager"))


@pytest.mark.parametrize("name", ["centre-profile", "fee-schedule"])
def test_staff_may_read_but_not_post(client_for, leaky, centre_a, name):
    before = snapshot(Centre.objects.all()), snapshot(FeeSchedule.objects.all())
    expect = NOT_MEMBERS | {"manager": OK, "staff": FORBIDDEN, "other_staff": NOT_FOUND}
    # The manager posts nothing valid here (an empty form re-renders); the others are refused.
    assert_role_matrix(client_for, leaky, url(name, centre_a.pk), method="post",
                       data={"name": "被改名"}, expect=expect)
    assert (snapshot(Centre.objects.all()), snapshot(FeeSchedule.objects.all())) == before


@pytest.mark.parametrize("name", ["member-list", "class-create", "staff-create"])
def test_manager_only_posts(client_for, leaky, centre_a, name):
    before = [snapshot(m.objects.all()) for m in (CentreMembership, ClassGroup, Staff)]
    expect = NOT_MEMBERS | {"manager": OK, "staff": NOT_FOUND, "other_staff": NOT_FOUND}
    assert_role_matrix(client_for, leaky, url(name, centre_a.pk), method="post",
                       data={"action": "invite"}, expect=expect)
    assert [snapshot(m.objects.all()) for m in (CentreMembership, ClassGroup, Staff)] == before


# --- home and registration -----------------------------------------------------------------------


def test_centre_home_without_a_centre_offers_registration(client_for, db):
    user = CentreUserFactory()
    body = client_for(user).get(url("centre-home")).content.decode()
    assert url("centre-create") in body


def test_register_a_centre(client_for, personas, manager):
    jiangyang = region("510502")
    response = client_for(manager).post(url("centre-create"), {
        "name": "江阳区第二托育中心", "region": jiangyang.pk, "legal_form": "enterprise",
        "uscc": " " + valid_uscc(7)[:9].lower() + " " + valid_uscc(7)[9:] + " ",
    })
    centre = Centre.objects.get(name="江阳区第二托育中心")
    assert response.status_code == 302
    assert response["Location"] == url("centre-overview", centre.pk)
    assert centre.uscc == valid_uscc(7)  # normalised
    assert centre.region == jiangyang
    assert centre.filing.status == S.DRAFT
    membership = CentreMembership.objects.get(centre=centre)
    assert (membership.user, membership.role, membership.is_active) == (
        manager, CentreMembership.Role.MANAGER, True)
    assert AuditEvent.objects.filter(verb="centre_registered", actor=manager,
                                     target_id=str(centre.pk)).exists()
    # and the new centre is one of the account's centres now
    assert client_for(manager).get(url("centre-overview", centre.pk)).status_code == 200


def test_registration_offers_only_the_seven_districts(client_for, manager):
    form = client_for(manager).get(url("centre-create")).context["form"]
    codes = sorted(form.fields["region"].queryset.values_list("code", flat=True))
    assert codes == ["510502", "510503", "510504", "510521", "510522", "510524", "510525"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name", "", "这个字段是必填项。"),
    ("region", "city", None),
    ("legal_form", "", "这个字段是必填项。"),
    ("uscc", "91510502MA6XXXXXX1", None),
    ("uscc", "12345", None),
])
def test_registration_errors_keep_what_was_typed(client_for, manager, field, value, message):
    data = {"name": "江阳区第二托育中心", "region": region("510502").pk,
            "legal_form": "enterprise", "uscc": valid_uscc(8)}
    data[field] = Region.objects.get(code="510500").pk if value == "city" else value
    before = snapshot(Centre.objects.all())
    response = client_for(manager).post(url("centre-create"), data)
    assert response.status_code == 200
    assert errors(response, field)
    if message:
        assert errors(response, field) == [message]
    assert snapshot(Centre.objects.all()) == before
    assert not Filing.objects.filter(centre__name="江阳区第二托育中心").exists()
    body = response.content.decode()
    for other, typed in data.items():
        if other != field and other != "region":
            assert f'value="{typed}"' in body or f'value="{typed}" selected' in body


def test_a_credit_code_registers_one_centre_only(client_for, manager, centre_a, centre_b):
    Centre.objects.filter(pk=centre_b.pk).update(uscc=valid_uscc(9))
    response = client_for(manager).post(url("centre-create"), {
        "name": "江阳区第二托育中心", "region": region("510502").pk,
        "legal_form": "enterprise", "uscc": valid_uscc(9).lower()})
    assert response.status_code == 200
    assert errors(response, "uscc") == [
        zh("A centre with this credit code is already registered.")]
    assert "纳溪区星星托育园" not in response.content.decode()
    assert not Centre.objects.filter(name="江阳区第二托育中心").exists()
    # the same on the profile page, where the centre's own code is of course fine
    response = client_for(manager).post(url("centre-profile", centre_a.pk),
                                        profile_data(uscc=valid_uscc(9)))
    assert errors(response, "uscc") == [
        zh("A centre with this credit code is already registered.")]
    Centre.objects.filter(pk=centre_a.pk).update(uscc=valid_uscc(10))
    response = client_for(manager).post(url("centre-profile", centre_a.pk),
                                        profile_data(uscc=valid_uscc(10)))
    assert response.status_code == 302


@pytest.mark.parametrize("centres", [1, 5])
def test_centre_home_query_count_does_not_grow(client_for, django_assert_num_queries, centres):
    user = CentreUserFactory()
    for _i in range(centres):
        MembershipFactory(user=user)
    client = client_for(user)
    client.get(url("centre-home"))
    with django_assert_num_queries(QUERIES["centre-home"]):
        response = client.get(url("centre-home"))
    assert len(response.context["memberships"]) == centres


def test_a_regulator_cannot_register_a_centre(client_for, district_regulator):
    from django.core.exceptions import PermissionDenied

    from registry.centres import register_centre

    with pytest.raises(PermissionDenied):
        register_centre(by=district_regulator, name="x", region=region("510502"))
    assert client_for(district_regulator).post(url("centre-create"), {
        "name": "x", "region": region("510502").pk, "legal_form": "enterprise"}
    ).status_code == 403
    assert not Centre.objects.filter(name="x").exists()


# --- overview ------------------------------------------------------------------------------------


def test_overview_counts_and_blockers(client_for, manager, centre_a):
    ClassGroupFactory(centre=centre_a, capacity=12)
    ClassGroupFactory(centre=centre_a, class_type="infant", capacity=9)
    StaffFactory(centre=centre_a)
    StaffFactory(centre=centre_a, left_on=dt.date(2025, 1, 1),
                 employment_status=Staff.Employment.LEFT)
    response = client_for(manager).get(url("centre-overview", centre_a.pk))
    context = response.context
    assert (context["class_count"], context["class_places"], context["active_staff"]) == (2, 21, 1)
    assert context["blockers"] == centre_a.filing_blockers()
    body = response.content.decode()
    for problem in context["blockers"]:
        assert problem in body
    assert url("filing-detail", centre_a.pk) in body


def test_overview_after_submission_shows_no_blockers(client_for, manager, centre_a):
    filing_for(centre_a, S.SUBMITTED)
    context = client_for(manager).get(url("centre-overview", centre_a.pk)).context
    assert context["blockers"] == [] and context["editable"] is False


# --- profile -------------------------------------------------------------------------------------


def profile_data(**overrides) -> dict:
    data = {
        "name": "江阳区阳光托育中心", "region": region("510502").pk, "legal_form": "enterprise",
        "uscc": valid_uscc(1), "kind": "community", "is_inclusive": "on",
        "address": "江阳区大山坪街道1号", "latitude": "28.871000", "longitude": "105.442000",
        "service_forms": ["full_day", "hourly"], "approved_places": "60",
        "opens_at": "07:30", "closes_at": "18:00", "opening_days": "周一至周五",
        "provides_meals": "on", "tenure": "leased", "lease_start": "2024-01-01",
        "lease_end": "2030-01-01", "indoor_area_m2": "420.5", "outdoor_area_m2": "180",
        "contact_name": "张园长", "contact_phone": "0830-2345678",
        "legal_representative": "张三", "principal_name": "张丽",
    }
    return data | overrides


def test_profile_saves_every_field(client_for, manager, centre_a):
    response = client_for(manager).post(url("centre-profile", centre_a.pk), profile_data())
    assert response.status_code == 302
    assert response["Location"] == url("centre-profile", centre_a.pk)
    centre_a.refresh_from_db()
    assert centre_a.uscc == valid_uscc(1)
    assert centre_a.service_forms == ["full_day", "hourly"]
    assert centre_a.latitude == Decimal("28.871000")
    assert (centre_a.opens_at, centre_a.closes_at) == (dt.time(7, 30), dt.time(18))
    assert centre_a.lease_end == dt.date(2030, 1, 1)
    assert centre_a.provides_meals
    assert not centre_a.is_inclusive  # posted, but only the district recognises it
    event = AuditEvent.objects.get(verb="centre_profile_updated")
    assert event.actor == manager and "service_forms" in event.details["fields"]


def test_profile_page_shows_fieldsets_and_the_registering_authority(client_for, manager,
                                                                    centre_a):
    Centre.objects.filter(pk=centre_a.pk).update(legal_form="social_service_org")
    body = client_for(manager).get(url("centre-profile", centre_a.pk)).content.decode()
    assert body.count('<fieldset class="form-section">') == 5
    assert zh(Centre.REGISTERING_AUTHORITY["social_service_org"]) in body
    assert 'type="time"' in body and 'step="0.000001"' in body
    assert 'hx-post="{}"'.format(url("centre-profile", centre_a.pk)) in body
    assert 'action="{}"'.format(url("centre-profile", centre_a.pk)) in body


def test_profile_htmx_valid_post_redirects_the_client(client_for, manager, centre_a):
    response = client_for(manager).post(url("centre-profile", centre_a.pk), profile_data(),
                                        headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == url("centre-profile", centre_a.pk)
    centre_a.refresh_from_db()
    assert centre_a.address == "江阳区大山坪街道1号"


def test_profile_htmx_invalid_post_returns_only_the_form(client_for, manager, centre_a):
    response = client_for(manager).post(
        url("centre-profile", centre_a.pk), profile_data(latitude="31.2304"),
        headers={"HX-Request": "true"})
    assert response.status_code == 422
    body = response.content.decode().strip()
    assert body.startswith('<form id="profile-form"') and body.endswith("</form>")
    assert "<html" not in body and "subnav" not in body
    assert "江阳区大山坪街道1号" in body  # the other typed values are kept


BAD_PROFILE = [
    ("latitude", {"latitude": "31.230400"}),
    ("longitude", {"longitude": "121.473700"}),
    ("longitude", {"longitude": ""}),
    ("closes_at", {"closes_at": "07:00"}),
    ("lease_start", {"lease_start": ""}),
    ("lease_end", {"lease_end": ""}),
    ("lease_end", {"lease_end": "2023-12-31"}),
    ("uscc", {"uscc": "91510502MA6XXXXXX1"}),
    ("contact_phone", {"contact_phone": "12345"}),
    ("indoor_area_m2", {"indoor_area_m2": "-5"}),
    ("name", {"name": ""}),
    ("service_forms", {"service_forms": ["weekly"]}),
]


@pytest.mark.parametrize(("field", "bad"), BAD_PROFILE)
@pytest.mark.parametrize("htmx", [False, True])
def test_profile_errors_save_nothing_and_keep_what_was_typed(
        client_for, manager, centre_a, field, bad, htmx):
    before = snapshot(Centre.objects.all())
    data = profile_data(**bad)
    response = client_for(manager).post(url("centre-profile", centre_a.pk), data,
                                        headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == (422 if htmx else 200)
    assert errors(response, field)
    assert snapshot(Centre.objects.all()) == before
    body = response.content.decode()
    for name in ("address", "opening_days", "contact_name", "legal_representative",
                 "indoor_area_m2", "outdoor_area_m2", "approved_places"):
        if name not in bad:
            assert f'value="{data[name]}"' in body, name
    if "service_forms" not in bad:
        assert re.search(r'value="hourly"[^>]*checked', body)


def test_location_errors_are_clear(client_for, manager, centre_a):
    response = client_for(manager).post(url("centre-profile", centre_a.pk),
                                        profile_data(latitude="31.230400"))
    (message,) = errors(response, "latitude")
    assert "27.6" in message and "29.4" in message and "WGS-84" in message


def test_a_short_lease_is_a_warning_not_an_error(client_for, manager, centre_a, settings):
    settings.MIN_LEASE_YEARS = 3
    client = client_for(manager)
    response = client.post(url("centre-profile", centre_a.pk),
                           profile_data(lease_start="2025-01-01", lease_end="2027-01-01"))
    assert response.status_code == 302
    centre_a.refresh_from_db()
    assert centre_a.lease_end == dt.date(2027, 1, 1)
    assert not centre_a.lease_is_long_enough()
    page = client.get(url("centre-profile", centre_a.pk))
    assert page.context["lease_warning"]
    assert page.context["lease_warning"] in page.content.decode()
    # an invalid form with a short lease shows the warning too
    response = client.post(url("centre-profile", centre_a.pk), profile_data(
        lease_start="2025-01-01", lease_end="2027-01-01", name=""))
    assert response.context["lease_warning"]


def test_owned_premises_drop_the_lease_dates(client_for, manager, centre_a):
    client_for(manager).post(url("centre-profile", centre_a.pk), profile_data(tenure="owned"))
    centre_a.refresh_from_db()
    assert (centre_a.tenure, centre_a.lease_start, centre_a.lease_end) == ("owned", None, None)


def test_staff_see_the_profile_read_only(client_for, staff, centre_a):
    Centre.objects.filter(pk=centre_a.pk).update(address="江阳区大山坪街道1号",
                                                 service_forms=["full_day"])
    response = client_for(staff).get(url("centre-profile", centre_a.pk))
    body = response.content.decode()
    assert response.context["form"] is None
    assert "江阳区大山坪街道1号" in body and "<form id" not in body


@pytest.mark.parametrize("status", [S.SUBMITTED, S.FILED, S.VERIFIED, S.NONCONFORMING])
def test_profile_is_read_only_after_submission(client_for, manager, centre_a, status):
    filing_for(centre_a, status)
    client = client_for(manager)
    page = client.get(url("centre-profile", centre_a.pk))
    assert page.context["form"] is None
    assert "变更备案" in page.content.decode()
    before = snapshot(Centre.objects.all())
    response = client.post(url("centre-profile", centre_a.pk), profile_data(name="新名字"))
    assert response.status_code == 403
    response = client.post(url("centre-profile", centre_a.pk), profile_data(name="新名字"),
                           headers={"HX-Request": "true"})
    assert response.status_code == 403 and response["HX-Refresh"] == "true"
    assert snapshot(Centre.objects.all()) == before
    assert not AuditEvent.objects.filter(verb="centre_profile_updated").exists()


def test_profile_can_be_corrected_when_returned(client_for, manager, centre_a):
    filing_for(centre_a, S.RETURNED)
    response = client_for(manager).post(url("centre-profile", centre_a.pk), profile_data())
    assert response.status_code == 302
    centre_a.refresh_from_db()
    assert centre_a.address == "江阳区大山坪街道1号"


def test_the_service_refuses_a_locked_centre_too(manager, centre_a):
    from registry.centres import CentreDataLocked, save_centre_profile

    filing_for(centre_a, S.SUBMITTED)
    with pytest.raises(CentreDataLocked):
        save_centre_profile(centre=centre_a, by=manager, data={"name": "新名字"})
    centre_a.refresh_from_db()
    assert centre_a.name == "江阳区阳光托育中心"


# --- fees ----------------------------------------------------------------------------------------


def fee_data(**overrides) -> dict:
    data = {"effective_from": "2026-12-01", "infant_fee": "1500", "toddler_small_fee": "1200",
            "toddler_large_fee": "1000", "mixed_fee": "", "meal_fee": "300",
            "other_fees": "床品费 200 元/年", "prepayment_months": "3"}
    return data | overrides


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_a_new_fee_version_keeps_the_history(client_for, manager, staff, centre_a):
    old = FeeScheduleFactory(centre=centre_a, effective_from=dt.date(2025, 9, 1),
                             toddler_small_fee=Decimal("1100"))
    response = client_for(manager).post(url("fee-schedule", centre_a.pk), fee_data())
    assert response.status_code == 302
    assert FeeSchedule.objects.filter(centre=centre_a).count() == 2
    old.refresh_from_db()
    assert old.toddler_small_fee == Decimal("1100")  # never edited in place
    new = FeeSchedule.objects.exclude(pk=old.pk).get()
    assert (new.infant_fee, new.prepayment_months) == (Decimal("1500"), 3)
    assert AuditEvent.objects.filter(verb="fee_schedule_added", actor=manager).exists()
    # the new version starts next month: the old one is still in force today
    page = client_for(staff).get(url("fee-schedule", centre_a.pk))
    assert page.context["current"] == old
    assert [s.pk for s in page.context["schedules"]] == [new.pk, old.pk]
    assert "2026年12月1日" in page.content.decode()
    with time_machine.travel(dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC)):
        assert client_for(staff).get(url("fee-schedule", centre_a.pk)).context["current"] == new


@pytest.mark.parametrize(("field", "bad"), [
    ("prepayment_months", {"prepayment_months": "13"}),
    ("prepayment_months", {"prepayment_months": "-1"}),
    ("infant_fee", {"infant_fee": "-100"}),
    ("effective_from", {"effective_from": "2026-13-01"}),
    ("__all__", {"infant_fee": "", "toddler_small_fee": "", "toddler_large_fee": ""}),
])
def test_fee_errors_save_nothing(client_for, manager, centre_a, field, bad):
    data = fee_data(**bad)
    response = client_for(manager).post(url("fee-schedule", centre_a.pk), data)
    assert response.status_code == 200
    assert errors(response, field)
    assert not FeeSchedule.objects.exists()
    body = response.content.decode()
    assert "床品费 200 元/年" in body
    assert 'value="300"' in body


# --- classes -------------------------------------------------------------------------------------


def test_create_edit_and_delete_a_class(client_for, manager, centre_a):
    client = client_for(manager)
    response = client.post(url("class-create", centre_a.pk), {
        "name": "乳儿一班", "class_type": "infant", "capacity": "10", "room": "101"})
    assert response.status_code == 302 and response["Location"] == url("class-list", centre_a.pk)
    group = ClassGroup.objects.get(centre=centre_a)
    assert (group.name, group.capacity) == ("乳儿一班", 10)
    client.post(url("class-edit", centre_a.pk, group.pk), {
        "name": "乳儿一班", "class_type": "infant", "capacity": "8", "room": "102"})
    group.refresh_from_db()
    assert (group.capacity, group.room) == (8, "102")
    # a GET of the delete page deletes nothing; the POST does
    assert client.get(url("class-delete", centre_a.pk, group.pk)).status_code == 200
    assert ClassGroup.objects.filter(pk=group.pk).exists()
    assert client.post(url("class-delete", centre_a.pk, group.pk)).status_code == 302
    assert not ClassGroup.objects.filter(pk=group.pk).exists()
    assert list(AuditEvent.objects.filter(target_id=str(group.pk)).order_by("id")
                .values_list("verb", flat=True)) == ["class_created", "class_updated",
                                                     "class_deleted"]


@pytest.mark.parametrize(("class_type", "max_size"), [
    ("infant", 10), ("toddler_small", 15), ("toddler_large", 20), ("mixed", 18)])
def test_class_size_is_capped_by_its_type(client_for, manager, centre_a, class_type, max_size):
    client = client_for(manager)
    response = client.post(url("class-create", centre_a.pk), {
        "name": "大班", "class_type": class_type, "capacity": str(max_size + 1), "room": "201"})
    assert response.status_code == 200
    (message,) = errors(response, "capacity")
    assert str(max_size) in message
    assert not ClassGroup.objects.exists()
    body = response.content.decode()
    assert 'value="大班"' in body and 'value="201"' in body
    response = client.post(url("class-create", centre_a.pk), {
        "name": "大班", "class_type": class_type, "capacity": str(max_size)})
    assert response.status_code == 302


def test_class_names_are_unique_per_centre(client_for, manager, centre_a, centre_b):
    ClassGroupFactory(centre=centre_a, name="小一班")
    ClassGroupFactory(centre=centre_b, name="大一班")
    client = client_for(manager)
    response = client.post(url("class-create", centre_a.pk), {
        "name": "小一班", "class_type": "infant", "capacity": "5"})
    assert response.status_code == 200
    assert errors(response, "name") == [zh("This centre already has a class with this name.")]
    assert ClassGroup.objects.filter(centre=centre_a).count() == 1
    # another centre's class name is free here
    assert client.post(url("class-create", centre_a.pk), {
        "name": "大一班", "class_type": "infant", "capacity": "5"}).status_code == 302


@pytest.mark.parametrize(("field", "bad"), [
    ("name", {"name": ""}), ("class_type", {"class_type": "weekly"}),
    ("capacity", {"capacity": "0"}), ("capacity", {"capacity": "abc"}),
])
def test_class_errors_save_nothing(client_for, manager, centre_a, field, bad):
    data = {"name": "托大一班", "class_type": "toddler_large", "capacity": "18",
            "room": "二楼东"} | bad
    response = client_for(manager).post(url("class-create", centre_a.pk), data)
    assert response.status_code == 200 and errors(response, field)
    assert not ClassGroup.objects.exists()
    assert 'value="二楼东"' in response.content.decode()


def test_class_list_warns_when_classes_exceed_approved_places(client_for, staff, centre_a):
    Centre.objects.filter(pk=centre_a.pk).update(approved_places=20)
    ClassGroupFactory(centre=centre_a, capacity=15)
    ClassGroupFactory(centre=centre_a, class_type="infant", capacity=10)
    response = client_for(staff).get(url("class-list", centre_a.pk))
    assert response.context["total_places"] == 25 and response.context["over_approved"]
    body = response.content.decode()
    assert '<progress class="places" value="25" max="20"' in body
    assert "1:3" in body and "1:5" in body  # the types' ratios


@pytest.mark.parametrize("rows", [1, 20])
def test_class_list_query_count_does_not_grow(client_for, manager, centre_a,
                                              django_assert_num_queries, rows):
    for i in range(rows):
        ClassGroupFactory(centre=centre_a, name=f"班{i}")
    client = client_for(manager)
    client.get(url("class-list", centre_a.pk))  # warm the session
    with django_assert_num_queries(QUERIES["class-list"]):
        response = client.get(url("class-list", centre_a.pk))
    assert len(response.context["classes"]) == rows


@pytest.mark.parametrize("status", [S.SUBMITTED, S.VERIFIED])
def test_classes_are_frozen_after_submission(client_for, manager, centre_a, status):
    group = ClassGroupFactory(centre=centre_a, name="小一班")
    filing_for(centre_a, status)
    client = client_for(manager)
    before = snapshot(ClassGroup.objects.all())
    assert client.post(url("class-create", centre_a.pk), {
        "name": "新班", "class_type": "infant", "capacity": "5"}).status_code == 403
    assert client.post(url("class-edit", centre_a.pk, group.pk), {
        "name": "改名", "class_type": "infant", "capacity": "5"}).status_code == 403
    assert client.post(url("class-delete", centre_a.pk, group.pk)).status_code == 403
    assert snapshot(ClassGroup.objects.all()) == before
    response = client.get(url("class-edit", centre_a.pk, group.pk))
    assert response.status_code == 302 and response["Location"] == url("class-list", centre_a.pk)
    listing = client.get(url("class-list", centre_a.pk)).content.decode()
    assert url("class-create", centre_a.pk) not in listing and "变更备案" in listing


# --- staff ---------------------------------------------------------------------------------------


def staff_data(**overrides) -> dict:
    data = {"name": "李保育", "role": "carer", "id_number": id_number(21), "mobile": "13800005678",
            "is_full_time": "on", "education": "大专", "qualification": "保育师 No.123",
            "qualification_valid_until": "2028-06-30", "health_cert_valid_until": "2027-03-01",
            "criminal_check_date": "2026-09-01", "criminal_check_result": "clear",
            "hired_on": "2026-09-15", "left_on": ""}
    return data | overrides


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_add_a_staff_member_with_a_loosely_typed_id(client_for, manager, centre_a):
    number = id_number(5)
    typed = f" {number[:6]} {number[6:14]} {number[14:].lower()} "
    response = client_for(manager).post(url("staff-create", centre_a.pk),
                                        staff_data(id_number=typed))
    assert response.status_code == 302 and response["Location"] == url("staff-list", centre_a.pk)
    person = Staff.objects.get(centre=centre_a)
    assert person.id_number == number.upper()
    assert person.employment_status == Staff.Employment.ACTIVE
    event = AuditEvent.objects.get(verb="staff_created")
    assert number[6:14] not in str(event.details)


@pytest.mark.parametrize(("field", "bad", "message"), [
    ("id_number", {"id_number": "51050219900101123"}, "身份证号应为18位。"),
    ("id_number", {"id_number": id_number(21)[:17] + ("0" if id_number(21)[-1] != "0"
                                                      else "1")}, None),
    ("id_number", {"id_number": ""}, "这个字段是必填项。"),
    ("name", {"name": ""}, "这个字段是必填项。"),
    ("criminal_check_date", {"criminal_check_date": "2026-12-01"}, None),
    ("criminal_check_result", {"criminal_check_result": ""}, None),
    ("left_on", {"left_on": "2026-09-01"}, None),
    ("left_on", {"left_on": "2027-01-01"}, None),
    ("health_cert_valid_until", {"health_cert_valid_until": "2027-02-30"}, None),
    ("mobile", {"mobile": "555"}, None),
])
@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_staff_errors_save_nothing_and_keep_what_was_typed(
        client_for, manager, centre_a, field, bad, message):
    data = staff_data(**bad)
    response = client_for(manager).post(url("staff-create", centre_a.pk), data)
    assert response.status_code == 200
    assert errors(response, field)
    if message:
        assert errors(response, field) == [message]
    assert not Staff.objects.exists()
    body = response.content.decode()
    for name in ("education", "qualification", "qualification_valid_until"):
        assert f'value="{data[name]}"' in body


def test_the_same_person_twice_at_one_centre_is_a_form_error(client_for, manager, centre_a):
    StaffFactory(centre=centre_a, id_number=id_number(30))
    response = client_for(manager).post(url("staff-create", centre_a.pk),
                                        staff_data(id_number=id_number(30).lower()))
    assert response.status_code == 200
    assert errors(response, "id_number") == [zh("This person is already on this centre's "
                                                 "staff.")]
    assert Staff.objects.count() == 1


def test_a_person_employed_at_another_centre_is_saved_without_naming_it(
        client_for, manager, centre_a, centre_b):
    StaffFactory(centre=centre_b, id_number=id_number(31))
    response = client_for(manager).post(url("staff-create", centre_a.pk),
                                        staff_data(id_number=id_number(31)), follow=True)
    assert response.status_code == 200
    assert Staff.objects.filter(centre=centre_a).count() == 1
    assert "纳溪区星星托育园" not in response.content.decode()
    assert Staff.objects.employed_elsewhere().count() == 2  # the regulator side flags it


def test_editing_keeps_the_id_number_when_left_empty(client_for, manager, centre_a):
    person = StaffFactory(centre=centre_a, id_number=id_number(40))
    client = client_for(manager)
    page = client.get(url("staff-edit", centre_a.pk, person.pk)).content.decode()
    assert id_number(40) not in page
    assert f'placeholder="{id_number(40)[:6]}********{id_number(40)[-4:]}"' in page
    assert AccessLog.objects.filter(target_id=str(person.pk)).exists()
    response = client.post(url("staff-edit", centre_a.pk, person.pk),
                           staff_data(id_number="", name="王改名"))
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.id_number) == ("王改名", id_number(40))
    # an invalid edit does not put the stored number back into the page either
    response = client.post(url("staff-edit", centre_a.pk, person.pk),
                           staff_data(id_number="", name=""))
    assert response.status_code == 200 and id_number(40) not in response.content.decode()
    # and a new number replaces it
    client.post(url("staff-edit", centre_a.pk, person.pk), staff_data(id_number=id_number(41)))
    person.refresh_from_db()
    assert person.id_number == id_number(41)


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_a_leaving_date_marks_the_person_as_left(client_for, manager, centre_a):
    person = StaffFactory(centre=centre_a, hired_on=dt.date(2025, 1, 1))
    client = client_for(manager)
    client.post(url("staff-edit", centre_a.pk, person.pk),
                staff_data(id_number="", hired_on="2025-01-01", left_on="2026-11-01"))
    person.refresh_from_db()
    assert (person.employment_status, person.left_on) == ("left", dt.date(2026, 11, 1))
    assert client.get(url("staff-list", centre_a.pk)).context["rows"] == []
    left = client.get(url("staff-list", centre_a.pk) + "?status=left").context["rows"]
    assert [row["staff"] for row in left] == [person]
    client.post(url("staff-edit", centre_a.pk, person.pk),
                staff_data(id_number="", hired_on="2025-01-01", left_on=""))
    person.refresh_from_db()
    assert person.employment_status == "active"


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_staff_list_masks_ids_and_flags_certificates(client_for, manager, centre_a):
    expired = StaffFactory(centre=centre_a, name="过期", id_number=id_number(51),
                           health_cert_valid_until=dt.date(2026, 11, 27),
                           criminal_check_date=dt.date(2026, 1, 1))
    expiring = StaffFactory(centre=centre_a, name="将到期", id_number=id_number(52),
                            health_cert_valid_until=dt.date(2026, 12, 28),
                            criminal_check_date=dt.date(2025, 11, 1))
    fine = StaffFactory(centre=centre_a, name="正常", id_number=id_number(53),
                        health_cert_valid_until=dt.date(2026, 12, 29),
                        criminal_check_date=dt.date(2026, 1, 1))
    StaffTrainingRecordFactory(staff=fine, hours=Decimal("12.5"))
    StaffTrainingRecordFactory(staff=fine, hours=Decimal("8"))
    response = client_for(manager).get(url("staff-list", centre_a.pk))
    rows = {row["staff"].name: row for row in response.context["rows"]}
    assert rows["过期"]["health"] == "expired"
    assert rows["将到期"]["health"] == "expiring" and rows["将到期"]["check_due"]
    assert rows["正常"]["health"] == "" and not rows["正常"]["check_due"]
    assert rows["正常"]["staff"].training_total == Decimal("20.5")
    body = response.content.decode()
    for person in (expired, expiring, fine):
        assert person.id_number not in body
        assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in body
    assert "2026年11月27日" in body and "20.5" in body


@pytest.mark.parametrize("rows", [1, 20])
def test_staff_list_query_count_does_not_grow(client_for, manager, centre_a,
                                              django_assert_num_queries, rows):
    for i in range(rows):
        person = StaffFactory(centre=centre_a, id_number=id_number(100 + i))
        StaffTrainingRecordFactory(staff=person)
    client = client_for(manager)
    client.get(url("staff-list", centre_a.pk))
    with django_assert_num_queries(QUERIES["staff-list"]):
        response = client.get(url("staff-list", centre_a.pk))
    assert len(response.context["rows"]) == rows


def test_no_page_shows_an_id_number_in_clear(client_for, leaky, centre_a):
    person = centre_a.staff.get()
    StaffTrainingRecordFactory(staff=person)
    client = client_for(leaky["manager"])
    pages = [url("centre-home"), url("centre-overview", centre_a.pk),
             url("centre-profile", centre_a.pk), url("staff-list", centre_a.pk),
             url("staff-list", centre_a.pk) + "?status=all",
             url("staff-edit", centre_a.pk, person.pk),
             url("training-add", centre_a.pk, person.pk), url("member-list", centre_a.pk)]
    numbers = [s.id_number for s in Staff.objects.all()]
    for page in pages:
        body = client.get(page).content.decode()
        for number in numbers:
            assert number not in body and number[6:14] not in body, page


# --- training ------------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_add_a_training_record(client_for, manager, centre_a):
    person = StaffFactory(centre=centre_a)
    response = client_for(manager).post(url("training-add", centre_a.pk, person.pk), {
        "course": "婴幼儿照护岗位培训", "provider": "泸州市妇幼保健院", "hours": "60",
        "completed_on": "2026-11-28", "certificate_no": "LZ-2026-001"})
    assert response.status_code == 302
    assert response["Location"] == url("staff-edit", centre_a.pk, person.pk)
    record = person.training_records.get()
    assert (record.hours, record.completed_on) == (Decimal("60"), dt.date(2026, 11, 28))
    assert person.training_hours == Decimal("60")
    assert AuditEvent.objects.filter(verb="training_record_added").exists()


@pytest.mark.parametrize(("field", "bad"), [
    ("hours", {"hours": "0.2"}), ("hours", {"hours": "501"}), ("hours", {"hours": ""}),
    ("completed_on", {"completed_on": "2026-11-29"}), ("course", {"course": ""}),
])
@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_training_errors_save_nothing(client_for, manager, centre_a, field, bad):
    person = StaffFactory(centre=centre_a)
    data = {"course": "安全培训", "provider": "江阳区卫健局", "hours": "4",
            "completed_on": "2026-10-01", "certificate_no": "AQ-7"} | bad
    response = client_for(manager).post(url("training-add", centre_a.pk, person.pk), data)
    assert response.status_code == 200 and errors(response, field)
    assert not StaffTrainingRecord.objects.exists()
    body = response.content.decode()
    assert 'value="江阳区卫健局"' in body and 'value="AQ-7"' in body


# --- accounts ------------------------------------------------------------------------------------


def test_invite_by_username_or_mobile(client_for, manager, centre_a):
    by_name = CentreUserFactory(username="new_carer", name="新保育")
    by_mobile = CentreUserFactory(username="new_cook", name="新厨师", mobile="13900001111")
    client = client_for(manager)
    client.post(url("member-list", centre_a.pk), {"action": "invite", "account": "new_carer",
                                                  "role": "staff"})
    client.post(url("member-list", centre_a.pk), {"action": "invite",
                                                  "account": "139 0000 1111", "role": "manager"})
    roles = dict(CentreMembership.objects.filter(centre=centre_a, is_active=True)
                 .values_list("user__username", "role"))
    assert roles[by_name.username] == "staff" and roles[by_mobile.username] == "manager"
    assert AuditEvent.objects.filter(verb="member_invited").count() == 2
    # the new member can open the centre now
    assert client_for(by_name).get(url("centre-overview", centre_a.pk)).status_code == 200


@pytest.mark.parametrize("account", ["nobody", "parent1", "city_reg", "staff_a"])
def test_invite_errors(client_for, personas, manager, centre_a, account):
    before = snapshot(CentreMembership.objects.all())
    response = client_for(manager).post(url("member-list", centre_a.pk), {
        "action": "invite", "account": account, "role": "staff"})
    assert response.status_code == 200
    assert errors(response, "account")
    assert snapshot(CentreMembership.objects.all()) == before
    assert f'value="{account}"' in response.content.decode()


def test_deactivate_a_member_but_not_yourself(client_for, manager, staff, centre_a, centre_b):
    client = client_for(manager)
    mine = manager.centre_memberships.get()
    theirs = staff.centre_memberships.get()
    client.post(url("member-list", centre_a.pk), {"action": "deactivate",
                                                  "membership": mine.pk})
    mine.refresh_from_db()
    assert mine.is_active
    client.post(url("member-list", centre_a.pk), {"action": "deactivate",
                                                  "membership": theirs.pk})
    theirs.refresh_from_db()
    assert not theirs.is_active
    assert client_for(staff).get(url("centre-overview", centre_a.pk)).status_code == 404
    assert AuditEvent.objects.filter(verb="member_deactivated", actor=manager).count() == 1
    # another centre's membership cannot be reached through this centre
    other = MembershipFactory(centre=centre_b)
    response = client.post(url("member-list", centre_a.pk), {"action": "deactivate",
                                                             "membership": other.pk})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.is_active
    # re-inviting restores access
    client.post(url("member-list", centre_a.pk), {"action": "invite", "account": "staff_a",
                                                  "role": "staff"})
    theirs.refresh_from_db()
    assert theirs.is_active


@pytest.mark.parametrize("members", [1, 20])
def test_member_list_query_count_does_not_grow(client_for, manager, centre_a,
                                               django_assert_num_queries, members):
    for _i in range(members):
        MembershipFactory(centre=centre_a)
    client = client_for(manager)
    client.get(url("member-list", centre_a.pk))
    with django_assert_num_queries(QUERIES["member-list"]):
        response = client.get(url("member-list", centre_a.pk))
    assert len(response.context["memberships"]) == members + 1


# --- messages in Chinese -------------------------------------------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_every_form_error_is_in_chinese(client_for, manager, centre_a):
    client = client_for(manager)
    StaffFactory(centre=centre_a, id_number=id_number(60))
    ClassGroupFactory(centre=centre_a, name="小一班")
    person = StaffFactory(centre=centre_a, id_number=id_number(61))
    posts = [
        *[(url("centre-profile", centre_a.pk), profile_data(**bad)) for _f, bad in BAD_PROFILE],
        (url("fee-schedule", centre_a.pk), fee_data(infant_fee="", toddler_small_fee="",
                                                    toddler_large_fee="")),
        (url("class-create", centre_a.pk), {"name": "小一班", "class_type": "infant",
                                            "capacity": "11"}),
        (url("staff-create", centre_a.pk), staff_data(id_number=id_number(60))),
        (url("staff-create", centre_a.pk), staff_data(criminal_check_date="2026-12-01",
                                                      left_on="2026-09-01")),
        (url("staff-create", centre_a.pk), staff_data(criminal_check_result="")),
        (url("training-add", centre_a.pk, person.pk), {"course": "x", "hours": "1",
                                                       "completed_on": "2027-01-01"}),
        (url("member-list", centre_a.pk), {"action": "invite", "account": "nobody",
                                           "role": "staff"}),
    ]
    untranslated = []
    for page, data in posts:
        form = client.post(page, data).context["form"]
        untranslated += [e for errs in form.errors.values() for e in errs if not CJK.search(e)]
    assert untranslated == []


def test_anonymous_posts_go_to_login(client_for, centre_a):
    response = client_for(None).post(url("centre-create"), {"name": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Centre.objects.filter(name="x").exists()
