"""Open data (parents:api-centres, parents:api-docs): the listed centres as JSON and CSV for
anyone — the fields, no personal data, the district filter, nearest first with distance_m,
page links, 400 on bad parameters, constant queries, CSV safety, CORS and caching."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.models import CreditRecord, StarRating
from registry.models import Centre, Filing
from tests.conftest import PERSONAS
from tests.evaluation.rating_data import assessor_for, file_centre, rated
from tests.factories import CentreFactory, ClassGroupFactory, StaffFactory, filing_for
from tests.factories.core import region
from tests.factories.registry import FeeScheduleFactory
from tests.factories.supervision import ChildFactory, enrolled_child
from tests.rolematrix import OK, assert_role_matrix

pytestmark = pytest.mark.django_db

URL = reverse("parents:api-centres")
DOCS = reverse("parents:api-docs")
HOME = (28.86, 105.45)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def listed(name, lat=None, lng=None, *, code="510502", **fields) -> Centre:
    centre = CentreFactory(
        name=name, region=region(code),
        latitude=None if lat is None else Decimal(str(lat)),
        longitude=None if lng is None else Decimal(str(lng)), **fields)
    filing_for(centre, Filing.Status.VERIFIED)
    return centre


@pytest.fixture
def world():
    """sunny (江阳区, at HOME, a class of 12 with one child, fees), far (江阳区, ~11 km north),
    dragon (龙马潭区, no location), draft (filing only submitted: never published)."""
    sunny = listed("江阳区阳光托育中心", *HOME, is_inclusive=True, kind=Centre.Kind.COMMUNITY,
                   address="大山坪街道酒城大道三段18号", approved_places=40,
                   contact_name="联系人甄秘密", contact_phone="13800009999",
                   legal_representative="法人钱隐私", principal_name="园长孙保密")
    group = ClassGroupFactory(centre=sunny, class_type="toddler_small", capacity=12)
    enrolled_child(group, name="幼儿赵独特", checks=False)
    StaffFactory(centre=sunny, name="保育员李罕见", mobile="13700001111")
    FeeScheduleFactory(centre=sunny, toddler_small_fee=1100, infant_fee=1500)
    CreditRecord.objects.create(centre=sunny, points=0, grade="trustworthy")
    far = listed("江阳区远方托育园", 28.96, 105.45)
    dragon = listed("龙马潭区龙马托育园", code="510504")
    draft = CentreFactory(name="未核实托育园", region=region("510502"))
    filing_for(draft, Filing.Status.SUBMITTED)
    return {"sunny": sunny, "far": far, "dragon": dragon, "draft": draft}


def get_json(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def test_fields_and_headers(client, world):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    data = response.json()
    assert data["count"] == 3
    assert {r["name"] for r in data["results"]} == {"江阳区远方托育园", "江阳区阳光托育中心",
                                                    "龙马潭区龙马托育园"}
    sunny = next(r for r in data["results"] if r["id"] == world["sunny"].pk)
    assert sunny == {
        "id": world["sunny"].pk, "name": "江阳区阳光托育中心", "kind": "community",
        "inclusive": True, "district": "510502", "district_name": "江阳区",
        "address": "大山坪街道酒城大道三段18号",
        "full_address": "泸州市江阳区大山坪街道酒城大道三段18号",
        "latitude": 28.86, "longitude": 105.45, "approved_places": 40, "vacancies_now": 11,
        "fee_from": 1100.0,
        "fees": {"infant": 1500.0, "toddler_small": 1100.0,
                 "toddler_large": sunny["fees"]["toddler_large"],
                 "mixed": sunny["fees"]["mixed"]},
        "stars": None, "credit_grade": "trustworthy", "distance_m": None,
    }
    dragon = next(r for r in data["results"] if r["id"] == world["dragon"].pk)
    assert dragon["latitude"] is None and dragon["credit_grade"] is None
    assert "未核实托育园" not in response.content.decode()


PRIVATE = ["联系人甄秘密", "13800009999", "法人钱隐私", "园长孙保密", "幼儿赵独特",
           "保育员李罕见", "13700001111", "13912345678", "的妈妈"]


def test_no_personal_data_in_json_or_csv(client, world):
    ChildFactory(centre=world["sunny"], name="幼儿钱特别")
    for params in ({}, {"format": "csv"}, {"lat": HOME[0], "lng": HOME[1]}):
        text = client.get(URL, params).content.decode("utf-8")
        assert "江阳区阳光托育中心" in text
        for secret in [*PRIVATE, "幼儿钱特别"]:
            assert secret not in text, (params, secret)


def test_district_filter(client, world):
    data = get_json(client, district="510504")
    assert [r["name"] for r in data["results"]] == ["龙马潭区龙马托育园"]
    assert data["count"] == 1
    data = get_json(client, district="510502")
    assert {r["name"] for r in data["results"]} == {"江阳区阳光托育中心", "江阳区远方托育园"}


def test_nearest_first_with_distance(client, world):
    data = get_json(client, lat=28.95, lng=105.45)
    names = [r["name"] for r in data["results"]]
    assert names == ["江阳区远方托育园", "江阳区阳光托育中心"]  # dragon has no location
    distances = [r["distance_m"] for r in data["results"]]
    assert 1_000 < distances[0] < 1_200 and 9_900 < distances[1] < 10_100
    data = get_json(client, lat=HOME[0], lng=HOME[1], district="510502")
    assert data["results"][0]["name"] == "江阳区阳光托育中心"
    assert data["results"][0]["distance_m"] == 0


def test_pagination_links(client):
    for n in range(51):
        listed(f"托育园{n:03d}")
    first = get_json(client)
    assert first["count"] == 51 and len(first["results"]) == 50
    assert first["previous"] is None
    assert first["next"].startswith("http://testserver" + URL) and "page=2" in first["next"]
    second = client.get(first["next"].removeprefix("http://testserver")).json()
    assert [r["name"] for r in second["results"]] == ["托育园050"]
    assert second["next"] is None
    assert "page=1" in second["previous"] and second["previous"].startswith("http://")
    with_district = get_json(client, district="510502")
    assert "district=510502" in with_district["next"]


@pytest.mark.parametrize(("params", "field"), [
    ({"district": "999999"}, "district"),
    ({"district": "\x00"}, "district"),
    ({"lat": "abc", "lng": "105"}, "lat"),
    ({"lat": "91", "lng": "105"}, "lat"),
    ({"lat": "28.8"}, "lng"),
    ({"lng": "105.4"}, "lat"),
    ({"lat": "NaN", "lng": "inf"}, "lat"),
    ({"page": "0"}, "page"),
    ({"page": "x"}, "page"),
    ({"page": "9" * 5000}, "page"),
    ({"page": "2"}, "page"),
    ({"format": "xml"}, "format"),
])
def test_bad_parameters_answer_400(client, world, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    errors = response.json()["errors"]
    assert field in errors and all(isinstance(m, str) and m for m in errors[field])


def test_bad_page_message_is_clear(client, world):
    errors = client.get(URL, {"page": "5"}).json()["errors"]
    assert errors["page"] == ["There is no page 5: the last page is 1."]


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"lat": HOME[0], "lng": HOME[1]}, {"format": "csv"}])
def test_queries_constant(client, params):
    sunny = listed("一号托育园", *HOME, address="酒城大道1号")
    FeeScheduleFactory(centre=sunny, toddler_small_fee=1000)
    ClassGroupFactory(centre=sunny)
    one = _queries(client, params)
    for n in range(29):
        centre = listed(f"托育园{n:02d}", HOME[0] + n / 1000, HOME[1], code="510503")
        FeeScheduleFactory(centre=centre, toddler_small_fee=1000 + n)
        ClassGroupFactory(centre=centre)
        CreditRecord.objects.create(centre=centre, points=0, grade="basic")
    assert _queries(client, params) == one


def test_csv_has_bom_and_is_safe(client, world):
    listed("=HYPERLINK(\"http://x\")托育", *HOME, address='+1,"引号"路')
    response = client.get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    assert {"name", "fee_infant", "fee_toddler_small", "distance_m", "credit_grade"} <= set(header)
    named = {row[header.index("name")]: row for row in rows[1:]}
    assert len(rows) == 1 + 4
    assert "'=HYPERLINK(\"http://x\")托育" in named
    assert named["'=HYPERLINK(\"http://x\")托育"][header.index("address")] == "'+1,\"引号\"路"
    sunny = named["江阳区阳光托育中心"]
    assert sunny[header.index("fee_toddler_small")] == "1100.0"
    assert sunny[header.index("inclusive")] == "1"


def test_role_matrix(client_for, personas, world):
    everyone = dict.fromkeys(PERSONAS, OK)
    assert_role_matrix(client_for, personas, URL, expect=everyone,
                       shown={name: ["江阳区阳光托育中心"] for name in PERSONAS},
                       hidden=dict.fromkeys(PERSONAS, PRIVATE))
    assert_role_matrix(client_for, personas, DOCS, expect=everyone)


def test_post_not_allowed(client, world):
    assert client.post(URL).status_code == 405


def test_docs_page(client, world):
    response = client.get(DOCS)
    assert response.status_code == 200
    text = response.content.decode()
    for word in ("district", "distance_m", "credit_grade", "format", "http://testserver" + URL,
                 "510502"):
        assert word in text
    home = client.get(reverse("parents:index")).content.decode()
    assert f'href="{DOCS}"' in home



def test_stars_in_force(client, district_regulator):
    sunny = listed("江阳区阳光托育中心", *HOME)
    file_centre(sunny)
    rated(sunny, regulator=district_regulator, assessor=assessor_for())
    filing_for(sunny, Filing.Status.VERIFIED)
    StarRating.objects.filter(centre=sunny).update(stars=4, stars_awarded=4)
    assert get_json(client)["results"][0]["stars"] == 4
    StarRating.objects.filter(centre=sunny).update(status=StarRating.Status.WITHDRAWN)
    assert get_json(client)["results"][0]["stars"] is None
