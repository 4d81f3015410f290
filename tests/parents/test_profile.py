"""The public centre profile and the comparison (parents.views.profile): every section of the
disclosure for a rich centre, 404 for a centre off the public list, no personal data of a child,
a guardian or a member of staff, constant query counts, the comparison's ids (none, one, three,
four, bad, unknown, not public), distance, the cost estimate on both pages, the role matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import CreditRecord, Review
from luhuituo.core.models import RegulatorScope, SubsidyProgramme
from registry.models import CentrePhoto, Filing
from supervision.models import Finding, Inspection, RandomDraw, RandomDrawPick
from tests.conftest import PERSONAS
from tests.factories import (
    CentreFactory,
    ClassGroupFactory,
    FeeScheduleFactory,
    RegulatorFactory,
    StaffFactory,
    UserFactory,
    filing_for,
    id_number,
    region,
)
from tests.factories.evaluation import rated_centre
from tests.factories.reviews import placed_child, review
from tests.factories.supervision import RectificationOrderFactory, enrolled_child
from tests.queries import count_queries
from tests.rolematrix import OK, assert_role_matrix

CHILD_NAME = "欧阳怡然宝"
GUARDIAN_MOBILE = "13955501234"
STAFF_NAME = "司马若溪师"
STAFF_MOBILE = "13766604321"
STAFF_ID = id_number(77)
CHILD_ID = id_number(78, born="20250301")


@pytest.fixture(autouse=True)
def _english_pages(settings):
    settings.LANGUAGE_CODE = "en"


def listed_centre(name="江阳区彩虹托育园", **fields) -> object:
    centre = CentreFactory(
        name=name, address="江阳区彩虹路8号", kind="community", is_inclusive=True,
        service_forms=["full_day", "hourly"], approved_places=40,
        opens_at=dt.time(7, 30), closes_at=dt.time(18, 0), opening_days="周一至周五",
        provides_meals=True, contact_phone="0830-3123456", contact_name="联系人甲乙",
        principal_name="园长丙丁", legal_representative="法人戊己",
        latitude=Decimal("28.871000"), longitude=Decimal("105.442000"), **fields)
    filing = filing_for(centre, Filing.Status.VERIFIED)
    filing.filing_no = f"JY2026-{centre.pk:04d}"
    filing.verified_at = timezone.now()
    filing.save(update_fields=["filing_no", "verified_at"])
    return centre


def published_inspection(centre, lead, *, severity="major") -> Inspection:
    inspection = Inspection.objects.create(
        centre=centre, kind=Inspection.Kind.UNANNOUNCED, lead=lead,
        planned_on=timezone.localdate() - dt.timedelta(days=20),
        status=Inspection.Status.FINDINGS_ISSUED, summary="内部记录：检查组长的笔记")
    Finding.objects.create(inspection=inspection, severity=severity, description="消防通道堵塞")
    draw = RandomDraw.objects.create(
        region=centre.region, drawn_by=lead, seed="s", centres_wanted=1,
        inspectors_per_centre=1, weighted=False, window_start=timezone.localdate(),
        window_end=timezone.localdate(), digest="d" * 64)
    RandomDrawPick.objects.create(draw=draw, position=1, centre=centre, weight=1,
                                  inspection=inspection)
    return inspection


def make_rich(centre, *, regulator, classes=1, fees=1, reviews=1, photos=1) -> None:
    """Classes (one with a child placed), fee schedules, reviews, photos, orders, credit."""
    groups = [ClassGroupFactory(centre=centre, name=f"托小{n}班", capacity=12)
              for n in range(classes)]
    groups.append(ClassGroupFactory(centre=centre, name=f"乳儿班{classes}",
                                    class_type="infant", capacity=8))
    enrolled_child(groups[0], name=CHILD_NAME, id_number=CHILD_ID, guardian__user=None)
    from supervision.models import Guardian
    Guardian.objects.filter(child__name=CHILD_NAME).update(mobile=GUARDIAN_MOBILE)
    StaffFactory(centre=centre, name=STAFF_NAME, mobile=STAFF_MOBILE, id_number=STAFF_ID)
    for n in range(fees):
        FeeScheduleFactory(centre=centre, effective_from=dt.date(2025, 1, 1) + dt.timedelta(n),
                           toddler_small_fee=1100 + n, infant_fee=1500, meal_fee=300,
                           other_fees="被褥费每学期100元")
    for _n in range(reviews):
        review(placed_child(centre, UserFactory()), status=Review.Status.PUBLISHED)
    for n in range(photos):
        CentrePhoto.objects.create(centre=centre, image=f"photos/p{n}.jpg",
                                   original_name=f"p{n}.jpg", content_type="image/jpeg",
                                   size=10, caption=f"活动室{n}", uploaded_by=regulator)
    RectificationOrderFactory(centre=centre, issued_by=regulator,
                              deadline=timezone.localdate() - dt.timedelta(days=2))
    RectificationOrderFactory(centre=centre, issued_by=regulator)
    CreditRecord.objects.update_or_create(centre=centre, defaults={"grade": "basic",
                                                                    "points": -5})
    published_inspection(centre, regulator)


def profile_url(centre, **query) -> str:
    url = reverse("parents:centre-profile", args=[centre.pk])
    if query:
        from urllib.parse import urlencode
        url += "?" + urlencode(query, doseq=True)
    return url


def compare_url(*ids, **extra) -> str:
    from urllib.parse import urlencode
    return reverse("parents:compare") + "?" + urlencode([("c", i) for i in ids]
                                                        + list(extra.items()))


@pytest.fixture
def regulator(db):
    return RegulatorFactory(username="reg_profile", name="监管员", region_code="510502")


@pytest.fixture
def rich(regulator):
    centre = listed_centre()
    make_rich(centre, regulator=regulator)
    return centre


# --- the profile ----------------------------------------------------------------------------


def test_the_profile_shows_every_section(client, rich):
    response = client.get(profile_url(rich))
    assert response.status_code == 200
    body = response.content.decode()
    for text in [
        f"JY2026-{rich.pk:04d}", "Verified", "Community-run", "泸州市江阳区彩虹路8号",
        "07:30–18:00", "周一至周五", "Full-day", "Hourly",
        "Younger toddler class (12–24 months)", "Infant class (6–12 months)",
        # places and vacancies: two toddler classes of 12 (one made for the review) with a
        # child each, an infant class of 8
        "<td>24</td><td>22</td>", "<td>8</td><td>8</td>",
        "1100.00", "1500.00", "被褥费每学期100元", "¥300.00 a month",
        "No star rating in force", reverse("evaluation:public-rating", args=[rich.pk]),
        "Basically trustworthy", "Open rectification orders", "Overdue rectification orders",
        "critical 0, major 1, minor 0", reverse("evaluation:public-centre-reviews",
                                                args=[rich.pk]),
        "1 published review", reverse("registry:photo-file",
                                      args=[rich.photos.first().pk]), "活动室0",
        "0830-3123456", "Add to compare", compare_url(rich.pk).replace("&", "&amp;"),
    ]:
        assert text in body, text
    assert response.context["facts"].open_orders == 2
    assert response.context["facts"].overdue_orders == 1


def test_no_personal_data_of_a_child_a_guardian_or_staff(client, rich):
    body = client.get(profile_url(rich)).content.decode()
    for secret in [CHILD_NAME, GUARDIAN_MOBILE, STAFF_NAME, STAFF_MOBILE, STAFF_ID, CHILD_ID,
                   "联系人甲乙", "园长丙丁", "法人戊己", "内部记录", "消防通道堵塞"]:
        assert secret not in body, secret


def test_a_centre_off_the_public_list_is_404(client, regulator):
    for status in [Filing.Status.DRAFT, Filing.Status.FILED, Filing.Status.NONCONFORMING,
                   Filing.Status.SUSPENDED]:
        centre = CentreFactory(filing=status)
        assert client.get(profile_url(centre)).status_code == 404, status
    assert client.get(reverse("parents:centre-profile", args=[999999])).status_code == 404


def test_the_profile_shows_the_rating_in_force_and_its_dimensions(client, regulator):
    centre = listed_centre()
    assessor_user = RegulatorFactory(username="assessor_p", region_code="510502")
    RegulatorScope.objects.filter(user=assessor_user).update(role=RegulatorScope.Role.ASSESSOR)
    rating = rated_centre(centre, regulator=regulator, assessor_user=assessor_user)
    body = client.get(profile_url(centre)).content.decode()
    assert f"Grade {rating.grade}" in body
    assert f"{rating.stars} stars (out of 5)" in body
    dimensions = client.get(profile_url(centre)).context["facts"].dimensions
    assert dimensions and all(d.score is not None for d in dimensions)


def test_the_profile_query_count_does_not_grow_with_rows(client, regulator):
    few = listed_centre("江阳区少少托育园")
    make_rich(few, regulator=regulator, classes=1, fees=1, reviews=1, photos=1)
    many = listed_centre("江阳区多多托育园")
    make_rich(many, regulator=regulator, classes=5, fees=4, reviews=4, photos=3)
    published_inspection(many, regulator, severity="minor")
    client.get(profile_url(few))  # warm the caches (sessions, site settings)
    with count_queries() as one:
        assert client.get(profile_url(few)).status_code == 200
    with count_queries() as lots:
        assert client.get(profile_url(many)).status_code == 200
    assert len(lots) == len(one)


def test_vacancies_count_only_the_placements_running_today(regulator):
    from parents.services.profiles import centre_facts
    from supervision.models import Enrolment

    centre = listed_centre()
    group = ClassGroupFactory(centre=centre, capacity=10)
    enrolled_child(group)                                              # running
    ended = enrolled_child(group, started_on=timezone.localdate() - dt.timedelta(days=90))
    Enrolment.objects.filter(child=ended).update(ended_on=timezone.localdate())
    enrolled_child(group, started_on=timezone.localdate() + dt.timedelta(days=5))  # not yet
    [facts] = centre_facts([centre])
    assert (facts.places, facts.vacancies) == (10, 9)


def test_a_fee_schedule_of_the_future_is_not_yet_shown(client, regulator):
    centre = listed_centre()
    FeeScheduleFactory(centre=centre, effective_from=dt.date(2025, 1, 1), toddler_small_fee=900)
    FeeScheduleFactory(centre=centre, effective_from=timezone.localdate() + dt.timedelta(days=9),
                       toddler_small_fee=2000)
    facts = client.get(profile_url(centre)).context["facts"]
    assert facts.fee_rows == [("Younger toddler class (12–24 months)", Decimal("900.00"))]


def test_the_profile_carries_the_centres_chosen_to_compare(client, rich):
    other = listed_centre("江阳区另一托育园")
    response = client.get(profile_url(rich, c=[other.pk, "x", rich.pk]))
    assert response.context["add_to_compare_url"] == compare_url(other.pk, rich.pk)
    assert response.context["in_comparison"]


def test_the_profile_section_link_on_the_public_list(client, rich):
    body = client.get(reverse("registry:public-centres")).content.decode()
    assert profile_url(rich) in body


# --- the cost estimate on the profile -------------------------------------------------------


def test_the_profile_estimates_the_cost_with_subsidies(client, rich):
    year = timezone.localdate().year
    SubsidyProgramme.objects.create(region=region("510500"), year=year, name="育儿补贴",
                                    kind="per_child", amount=300, source="泸州市文件一号")
    SubsidyProgramme.objects.create(region=region("510502"), year=year, name="普惠托位补贴",
                                    kind="inclusive_place", amount=200, source="江阳区文件")
    SubsidyProgramme.objects.create(region=region("510503"), year=year, name="纳溪补贴",
                                    kind="per_child", amount=999, source="纳溪区文件")
    SubsidyProgramme.objects.create(region=region("510500"), year=year - 1, name="去年补贴",
                                    kind="per_child", amount=999, source="旧文件")
    response = client.get(profile_url(rich, class_type="toddler_small", under_three="yes"))
    estimate = response.context["estimate"]
    # 1100 fee + 300 meals − 300 − 200
    assert estimate.net == Decimal("900.00")
    body = response.content.decode()
    assert "泸州市文件一号" in body and "江阳区文件" in body
    assert "纳溪区文件" not in body and "旧文件" not in body
    not_under_three = client.get(profile_url(rich, class_type="toddler_small",
                                             under_three="no")).context["estimate"]
    assert not_under_three.net == Decimal("1200.00")


def test_a_bad_cost_form_shows_an_error_and_no_estimate(client, rich):
    response = client.get(profile_url(rich, class_type="nursery", under_three="maybe"))
    assert response.status_code == 200
    assert response.context["estimate"] is None
    assert response.context["cost_form"].errors.keys() == {"class_type", "under_three"}
    no_fee = client.get(profile_url(rich, class_type="mixed")).context["estimate"]
    assert not no_fee.available
    assert "The centre publishes no fee for this class." in client.get(
        profile_url(rich, class_type="mixed")).content.decode()


# --- the comparison -------------------------------------------------------------------------


@pytest.fixture
def four(regulator):
    centres = []
    for n in range(4):
        centre = listed_centre(f"江阳区比较托育园{n}")
        ClassGroupFactory(centre=centre, capacity=10 + n)
        FeeScheduleFactory(centre=centre, toddler_small_fee=1000 + 100 * n)
        centres.append(centre)
    return centres


def test_compare_with_no_centre(client, db):
    response = client.get(reverse("parents:compare"))
    assert response.status_code == 200
    assert response.context["columns"] == []
    assert "No centre is chosen yet" in response.content.decode()


def test_compare_one_and_three(client, four):
    one = client.get(compare_url(four[0].pk))
    assert [c["facts"].centre for c in one.context["columns"]] == [four[0]]
    three = client.get(compare_url(four[2].pk, four[0].pk, four[1].pk))
    assert [c["facts"].centre for c in three.context["columns"]] == [four[2], four[0], four[1]]
    body = three.content.decode()
    assert "1200.00" in body and "12 of 12" in body
    assert "table-stack" in body


def test_compare_four_keeps_the_first_three_and_says_so(client, four):
    response = client.get(compare_url(*[c.pk for c in four]), follow=True)
    assert [c["facts"].centre for c in response.context["columns"]] == four[:3]
    assert "At most 3 centres can be compared" in response.content.decode()


def test_compare_drops_bad_unknown_and_unlisted_ids_with_a_message(client, four):
    hidden = CentreFactory(name="未核实托育园", filing=Filing.Status.FILED)
    response = client.get(compare_url("abc", -1, 2**70, 999999, hidden.pk, four[0].pk,
                                      four[0].pk))
    assert response.status_code == 200
    assert [c["facts"].centre for c in response.context["columns"]] == [four[0]]
    body = response.content.decode()
    assert "5 centres in the address are not on the public list" in body
    assert "未核实托育园" not in body


def test_compare_reads_only_the_first_ids_of_a_long_address(client, four):
    response = client.get(compare_url(*range(10_000, 10_030), four[0].pk))
    assert response.context["columns"] == []
    body = response.content.decode()
    assert "20 centres in the address are not on the public list" in body
    assert "At most 3 centres can be compared" in body


def test_compare_shows_distance_when_a_point_is_given(client, four):
    response = client.get(compare_url(four[0].pk, lat="28.880000", lng="105.442000"))
    [column] = response.context["columns"]
    assert 990 < column["facts"].distance_m < 1010
    assert "1.0 km" in response.content.decode()
    without = client.get(compare_url(four[0].pk, lat="100", lng="105"))
    assert not without.context["has_distance"]


def test_compare_estimates_each_centres_cost(client, four):
    year = timezone.localdate().year
    SubsidyProgramme.objects.create(region=region("510502"), year=year, name="普惠托位补贴",
                                    kind="inclusive_place", amount=200, source="江阳区文件")
    response = client.get(compare_url(four[0].pk, four[1].pk, class_type="toddler_small",
                                      under_three="yes"))
    nets = [c["estimate"].net for c in response.context["columns"]]
    assert nets == [Decimal("1100.00"), Decimal("1200.00")]  # +300 meals −200


def test_compare_query_count_does_not_grow_with_centres(client, four):
    # each list is opened once first: the session remembers it then, not while counting
    client.get(compare_url(four[0].pk))
    with count_queries() as one:
        client.get(compare_url(four[0].pk, class_type="toddler_small"))
    client.get(compare_url(*[c.pk for c in four[:3]]))
    with count_queries() as three:
        client.get(compare_url(*[c.pk for c in four[:3]], class_type="toddler_small"))
    assert len(three) == len(one)


# --- who may see them -----------------------------------------------------------------------

EVERYONE_OK = dict.fromkeys(PERSONAS, OK)


def test_role_matrix(client_for, personas, centre_b):
    filing_for(centre_b, Filing.Status.VERIFIED)
    assert_role_matrix(client_for, personas, profile_url(centre_b), expect=EVERYONE_OK,
                       shown={"anonymous": [centre_b.name]})
    assert_role_matrix(client_for, personas, compare_url(centre_b.pk), expect=EVERYONE_OK,
                       shown={"parent": [centre_b.name]})


def test_the_comparison_is_remembered_between_pages(client, db):
    """A profile opened without ?c= (from the search) still knows the centres compared."""
    from registry.models import Filing
    from tests.factories import CentreFactory

    first = CentreFactory(name="江阳区记忆托育园一", filing=Filing.Status.VERIFIED)
    second = CentreFactory(name="江阳区记忆托育园二", filing=Filing.Status.VERIFIED)
    client.get(reverse("parents:compare"), {"c": [first.pk]})
    page = client.get(reverse("parents:centre-profile", args=[second.pk]))
    assert page.context["chosen"] == [first.pk]
    assert f"c={first.pk}&amp;c={second.pk}" in page.content.decode()
    again = client.get(reverse("parents:compare"))  # no ids in the address: the last ones
    assert [c["facts"].centre.pk for c in again.context["columns"]] == [first.pk]
