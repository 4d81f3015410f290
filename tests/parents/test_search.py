"""The parents' centre search (parents:search, parents.services.search): every filter narrows,
nearest first with the right distance, the KNN query reads the GiST index, constant queries,
bad parameters give a form error (never a 500), no personal data on the anonymous page."""

import math
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluation.models import StarRating
from parents.services.search import NEARBY_INDEX, Criteria, search_centres
from registry.models import Centre, Filing
from supervision.models import Enrolment
from tests.evaluation.rating_data import assessor_for, file_centre, rated
from tests.factories import CentreFactory, ClassGroupFactory, filing_for
from tests.factories.core import region
from tests.factories.registry import FeeScheduleFactory
from tests.factories.supervision import ChildFactory
from tests.rolematrix import OK, assert_role_matrix

pytestmark = pytest.mark.django_db

URL = reverse("parents:search")
HOME = (28.86, 105.45)  # a point in 江阳区
EARTH_RADIUS_M = 6378168  # earthdistance's earth()


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def listed(name, lat, lng, *, code="510502", **fields) -> Centre:
    centre = CentreFactory(name=name, region=region(code), latitude=Decimal(str(lat)),
                           longitude=Decimal(str(lng)), **fields)
    filing_for(centre, Filing.Status.VERIFIED)
    return centre


def great_circle_m(a, b) -> float:
    (lat1, lng1), (lat2, lng2) = [(math.radians(x), math.radians(y)) for x, y in (a, b)]
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


@pytest.fixture
def world(district_regulator):
    """sunny: 江阳区, at HOME, inclusive, community, full-day and hourly, a 托小班 (12–24 months)
    with places, 1,100 yuan, 4 stars. star: 江阳区, ~1.1 km north, kindergarten, half-day, a full
    乳儿班 (6–12 months) of one place, 2,500 yuan (900 only from next month), not rated.
    dragon: 龙马潭区, an empty 托大班 (24–36 months), no fees. draft: at HOME, not listed."""
    sunny = listed("江阳区阳光托育中心", *HOME, is_inclusive=True, kind=Centre.Kind.COMMUNITY,
                   service_forms=["full_day", "hourly"],
                   address="泸州市江阳区大山坪街道酒城大道三段18号")
    ClassGroupFactory(centre=sunny, class_type="toddler_small", capacity=12)
    FeeScheduleFactory(centre=sunny, toddler_small_fee=1100)
    file_centre(sunny)
    rated(sunny, regulator=district_regulator, assessor=assessor_for())
    filing_for(sunny, Filing.Status.VERIFIED)
    StarRating.objects.filter(centre=sunny).update(stars=4, stars_awarded=4)

    star = listed("江阳区星星幼儿园托班", 28.87, 105.45, kind=Centre.Kind.KINDERGARTEN_INTEGRATED,
                  service_forms=["half_day"], address="泸州市江阳区南城街道钟鼓楼路2号")
    infants = ClassGroupFactory(centre=star, class_type="infant", capacity=1)
    Enrolment.objects.create(child=ChildFactory(centre=star), class_group=infants,
                             started_on=timezone.localdate() - timedelta(days=30))
    FeeScheduleFactory(centre=star, toddler_small_fee=None, infant_fee=2500)
    FeeScheduleFactory(centre=star, toddler_small_fee=None, infant_fee=900,
                       effective_from=timezone.localdate() + timedelta(days=30))

    dragon = listed("龙马潭区龙马托育园", 28.93, 105.42, code="510504",
                    kind=Centre.Kind.COMMUNITY, service_forms=["full_day"],
                    address="泸州市龙马潭区小市街道春雨路5号")
    ClassGroupFactory(centre=dragon, class_type="toddler_large", capacity=20)

    draft = CentreFactory(name="江阳区未备案托育点", region=region("510502"),
                          latitude=Decimal("28.860000"), longitude=Decimal("105.450000"),
                          is_inclusive=True)
    ClassGroupFactory(centre=draft, class_type="toddler_small", capacity=12)
    return {"sunny": sunny, "star": star, "dragon": dragon, "draft": draft}


def found(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return [c.name for c in response.context["page"].object_list]


def names(world, *keys) -> list[str]:
    return [world[k].name for k in keys]


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["dragon", "star", "sunny"]),                      # by name, the draft never
    ({"age": 8}, ["star"]),
    ({"age": 18}, ["sunny"]),
    ({"age": 30}, ["dragon"]),
    ({"age": 3}, []),                                       # no class takes under 6 months
    ({"inclusive": "on"}, ["sunny"]),
    ({"max_fee": 1500}, ["sunny"]),                         # star's 900 is not in force yet
    ({"max_fee": 3000}, ["star", "sunny"]),                 # no fee schedule: not under a ceiling
    ({"stars": 3}, ["sunny"]),
    ({"stars": 5}, []),
    ({"vacancies": "on"}, ["dragon", "sunny"]),             # star's one place is taken
    ({"vacancies": "on", "age": 8}, []),
    ({"care_form": "half_day"}, ["star"]),
    ({"care_form": "hourly"}, ["sunny"]),
    ({"kind": "kindergarten"}, ["star"]),
    ({"region": "510504"}, ["dragon"]),
    ({"name": "星星"}, ["star"]),
])
def test_each_filter_narrows(client, world, params, expected):
    assert found(client, **params) == sorted(names(world, *expected))


def test_near_a_point_nearest_first_with_the_distance(client, world):
    response = client.get(URL, {"lat": 28.94, "lng": 105.42})
    centres = list(response.context["page"].object_list)
    assert [c.name for c in centres] == names(world, "dragon", "star", "sunny")
    for centre in centres:
        expected = great_circle_m((28.94, 105.42), (float(centre.latitude),
                                                    float(centre.longitude)))
        assert centre.distance_m == pytest.approx(expected, rel=0.01)
    assert "1.1 km away" in response.content.decode()  # dragon: 0.01° of latitude


def test_distance_order_on_many_centres():
    rng = random.Random(7)
    points = [(round(28.7 + rng.random() * 0.4, 6), round(105.3 + rng.random() * 0.4, 6))
              for _ in range(60)]
    for i, (lat, lng) in enumerate(points):
        listed(f"托育{i}", lat, lng)
    distances = [c.distance_m for c in search_centres(Criteria(lat=HOME[0], lng=HOME[1]))]
    assert len(distances) == 60
    assert distances == sorted(distances)
    assert distances[0] == pytest.approx(min(great_circle_m(HOME, p) for p in points), rel=0.01)


def test_a_typed_district_or_street_is_the_point(client, world):
    assert found(client, place="龙马潭区") == names(world, "dragon", "star", "sunny")
    assert found(client, place="龙马潭") == names(world, "dragon", "star", "sunny")
    # A street the platform knows from the centres' addresses: the middle of those centres.
    assert found(client, place="南城街道")[0] == world["star"].name
    assert found(client, place="大山坪街道")[0] == world["sunny"].name
    # A typed place wins over coordinates left in the URL.
    assert found(client, place="龙马潭区", lat=HOME[0], lng=HOME[1])[0] == world["dragon"].name


def test_the_nearby_query_reads_the_gist_index():
    """10,000 listed centres: nearest first is a KNN scan of the GiST index, not a sort."""
    rng = random.Random(1)
    jiangyang = region("510502")
    centres = Centre.objects.bulk_create([
        Centre(name=f"托育中心{i}", region=jiangyang,
               latitude=Decimal(f"{27.7 + rng.random() * 1.6:.6f}"),
               longitude=Decimal(f"{105.0 + rng.random() * 1.5:.6f}"))
        for i in range(10_000)])
    Filing.objects.bulk_create([Filing(centre=c, status=Filing.Status.VERIFIED)
                                for c in centres])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_centre; ANALYZE registry_filing")
    for page in (slice(0, 20), slice(400, 420)):
        plan = search_centres(Criteria(lat=HOME[0], lng=HOME[1]))[page].explain()
        assert f"Index Scan using {NEARBY_INDEX}" in plan, plan
        assert "Order By:" in plan, plan      # the index returns the rows in distance order
        assert "Seq Scan on registry_centre" not in plan, plan


def test_queries_do_not_grow_with_the_results(client, django_assert_num_queries):
    def count(n: int) -> int:
        Centre.objects.all().delete()
        for i in range(n):
            centre = listed(f"托育{n}-{i}", HOME[0] + i / 1000, HOME[1])
            ClassGroupFactory(centre=centre, class_type="toddler_small", capacity=12)
            FeeScheduleFactory(centre=centre)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"lat": HOME[0], "lng": HOME[1], "age": 18,
                                        "vacancies": "on", "page": 3 if n > 40 else 1})
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == (10 if n > 40 else 1)
        return len(queries)

    assert count(1) == count(50)


@pytest.mark.parametrize("params", [
    {"lat": 999, "lng": 105.4},
    {"lat": 28.8},
    {"age": -3},
    {"age": "nonsense"},
    {"max_fee": "-1"},
    {"stars": "9"},
    {"kind": "castle"},
    {"place": "火星基地"},
    {"lng": "nan", "lat": 28.8},
    {"page": "x", "region": "999999", "care_form": "<script>"},
])
def test_bad_parameters_give_a_form_error(client, world, params):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(URL, params, headers=headers)
        assert response.status_code == 200
        page = response.content.decode()
        assert "was not understood" in page
        assert 'class="form-errors"' in page
        # The rest of the search still runs: the listed centres, never the draft.
        assert world["draft"].name not in page


def test_the_errors_name_the_field(client, world):
    page = client.get(URL, {"lat": 999, "lng": 105.4, "age": -3}).content.decode()
    assert "Latitude:" in page and "Child&#x27;s age (months):" in page


def test_anonymous_page_shows_no_personal_data(client, world):
    sunny = world["sunny"]
    Centre.objects.filter(pk=sunny.pk).update(
        contact_phone="13912345678", contact_name="王联系人", principal_name="李园长",
        legal_representative="赵法人")
    child = ChildFactory(centre=sunny, name="小明明")
    page = client.get(URL, {"lat": HOME[0], "lng": HOME[1]}).content.decode()
    assert sunny.name in page
    for secret in ["13912345678", "王联系人", "李园长", "赵法人", child.name, child.id_number,
                   "13912345678"[-4:] + "<"]:
        assert secret not in page


def test_results_show_what_parents_compare(client, world):
    page = client.get(URL, {"lat": HOME[0], "lng": HOME[1]}).content.decode()
    assert "0 m away" in page               # sunny is at the point
    assert "inclusive (普惠)" in page
    assert "4 stars" in page and "Not rated yet" in page
    assert "from ¥1,100 a month" in page and "from ¥2,500 a month" in page
    assert "12 to 24 months" in page and "6 to 12 months" in page
    assert reverse("evaluation:public-rating", args=[world["sunny"].pk]) in page


def test_htmx_swaps_only_the_results(client, world):
    response = client.get(URL, {"age": 18}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="results"')
    assert world["sunny"].name in page and world["star"].name not in page
    assert "<form" not in page


def test_without_javascript_the_form_reproduces_the_search(client, world):
    page = client.get(URL, {"age": 18, "inclusive": "on"}).content.decode()
    assert 'method="get"' in page and f'action="{URL}"' in page
    assert 'name="age"' in page and 'value="18"' in page


def test_front_pages_link_the_search(client, parent, client_for):
    assert URL in client.get(reverse("parents:index")).content.decode()
    assert URL in client_for(parent).get(reverse("parents:home")).content.decode()


def test_role_matrix(client_for, personas, centre_a):
    filing_for(centre_a, Filing.Status.VERIFIED)
    assert_role_matrix(client_for, personas, URL, expect=dict.fromkeys(personas, OK),
                       shown={"anonymous": ["江阳区阳光托育中心"]},
                       hidden={"anonymous": ["纳溪区星星托育园"]})


def test_the_map_only_with_a_tile_server(client, world, settings):
    settings.MAP_TILE_URL = ""
    page = client.get(URL, {"lat": HOME[0], "lng": HOME[1]}).content.decode()
    assert "leaflet" not in page and "data-search-map" not in page
    settings.MAP_TILE_URL = "https://{s}.tiles.example/{z}/{x}/{y}.png"
    page = client.get(URL, {"lat": HOME[0], "lng": HOME[1]}).content.decode()
    assert "vendor/leaflet/leaflet" in page and 'data-tiles="https://{s}.tiles.example/' in page
    # Each result carries its point for the map; the search point is on #results.
    assert 'data-lat="28.860000" data-lng="105.450000"' in page
    assert '<section id="results" aria-labelledby="results-heading" data-lat="28.86"' in page
