"""The regulator's registry pages: the centre list (filters, sort, pages, htmx partial), its
export, one centre's file and staff at more than one centre — across the role matrix, with a
centre in another district that must never leak."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from stdnum.cn import uscc

from luhuituo.core.audit import audit
from luhuituo.core.models import AccessLog, AuditEvent
from registry.models import Centre, Filing, Staff
from tests.factories import (
    CentreFactory,
    ClassGroupFactory,
    FeeScheduleFactory,
    RegulatorFactory,
    StaffFactory,
    StaffTrainingRecordFactory,
    id_number,
    region,
)
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

pytestmark = pytest.mark.django_db

S = Filing.Status
TODAY = dt.date(2026, 11, 28)
REGULATORS_ONLY = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                   "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                   "parent": FORBIDDEN, "anonymous": LOGIN}
A, B = "江阳区阳光托育中心", "纳溪区星星托育园"
LEAKS = {"city_regulator": [], "district_regulator": [B], "other_regulator": [A]}
SHOWS = {"city_regulator": [A, B], "district_regulator": [A], "other_regulator": [B]}
SHARED_ID = id_number(77, born="19880808")


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def valid_uscc(n: int) -> str:
    body = f"91510502MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def names(response) -> list[str]:
    return [centre.name for centre in response.context["page"].object_list]


@pytest.fixture
def shared_person(personas, centre_a, centre_b):
    """The same person (same ID number) on the active staff of centre_a and centre_b."""
    at_a = StaffFactory(centre=centre_a, name="钱多岗", id_number=SHARED_ID)
    at_b = StaffFactory(centre=centre_b, name="钱多岗（纳溪）", id_number=SHARED_ID,
                        role=Staff.Role.COOK)
    return at_a, at_b


# --- access -------------------------------------------------------------------------------------


def test_centre_list_role_matrix(client_for, personas):
    assert_role_matrix(client_for, personas, url("centre-list"), expect=REGULATORS_ONLY,
                       hidden=LEAKS, shown=SHOWS)


def test_centre_list_partial_role_matrix(client_for, personas):
    headers = {"HX-Request": "true"}
    assert_role_matrix(client_for, personas, url("centre-list"), expect=REGULATORS_ONLY,
                       headers=headers, hidden=LEAKS, shown=SHOWS)
    page = client_for(personas["district_regulator"]).get(url("centre-list"), headers=headers)
    body = page.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert page["Vary"] and "HX-Request" in page["Vary"]


def test_centre_export_role_matrix(client_for, personas):
    for fmt in ("csv", "xlsx"):
        assert_role_matrix(client_for, personas, url("centre-export") + f"?format={fmt}",
                           expect=REGULATORS_ONLY,
                           hidden=LEAKS if fmt == "csv" else None,
                           shown=SHOWS if fmt == "csv" else None)


def test_centre_detail_role_matrix(client_for, personas, centre_a, shared_person):
    assert_role_matrix(
        client_for, personas, url("centre-detail", centre_a.pk),
        expect=REGULATORS_ONLY | {"other_regulator": NOT_FOUND},
        shown={"city_regulator": [A, "钱多岗", "510502********"],
               "district_regulator": [A, "钱多岗", "510502********"]},
        hidden={"city_regulator": [SHARED_ID, B, "钱多岗（纳溪）"],
                "district_regulator": [SHARED_ID, B, "钱多岗（纳溪）"]},
    )


def test_duplicate_staff_role_matrix(client_for, personas, shared_person):
    assert_role_matrix(
        client_for, personas, url("duplicate-staff"), expect=REGULATORS_ONLY,
        shown={"city_regulator": [A, B, "钱多岗"], "district_regulator": [A, "钱多岗"],
               "other_regulator": [B, "钱多岗（纳溪）"]},
        hidden={"city_regulator": [SHARED_ID], "district_regulator": [SHARED_ID, B, "纳溪"],
                "other_regulator": [SHARED_ID, A, "江阳"]},
    )


def test_an_unknown_centre_is_404(client_for, city_regulator):
    assert client_for(city_regulator).get(url("centre-detail", 999999)).status_code == 404


# --- the list -----------------------------------------------------------------------------------


@pytest.fixture
def many(city_regulator):
    """Centres in two districts with every filter dimension varied."""
    jy, lx = region("510502"), region("510521")
    rows = [
        ("甲托育园", jy, Centre.Kind.COMMUNITY, True, 80, S.VERIFIED, valid_uscc(1)),
        ("乙托育园", jy, Centre.Kind.EMPLOYER, False, 30, S.DRAFT, valid_uscc(2)),
        ("丙托育园", lx, Centre.Kind.COMMUNITY, False, 120, S.SUBMITTED, valid_uscc(3)),
        ("丁托育园", lx, Centre.Kind.MEDICAL_INTEGRATED, True, None, S.VERIFIED, ""),
    ]
    centres = {}
    for name, where, kind, inclusive, places, status, code in rows:
        centres[name] = CentreFactory(name=name, region=where, kind=kind, is_inclusive=inclusive,
                                      approved_places=places, filing=status, uscc=code)
    return centres


@pytest.mark.parametrize(("params", "expected"), [
    ({}, {"甲托育园", "乙托育园", "丙托育园", "丁托育园"}),
    ({"district": "510521"}, {"丙托育园", "丁托育园"}),
    ({"status": "verified"}, {"甲托育园", "丁托育园"}),
    ({"kind": "community"}, {"甲托育园", "丙托育园"}),
    ({"inclusive": "yes"}, {"甲托育园", "丁托育园"}),
    ({"inclusive": "no", "district": "510502"}, {"乙托育园"}),
    ({"q": "丙托"}, {"丙托育园"}),
    ({"q": valid_uscc(2)[-8:].lower()}, {"乙托育园"}),
    ({"status": "verified", "kind": "medical"}, {"丁托育园"}),
    ({"district": "510503"}, set()),  # 纳溪区 has no centre here
])
def test_filters(client_for, city_regulator, many, params, expected):
    page = client_for(city_regulator).get(url("centre-list"), params)
    assert set(names(page)) == expected
    assert page.context["page"].paginator.count == len(expected)


def test_a_district_outside_the_scope_is_not_a_way_in(client_for, district_regulator, many,
                                                      centre_b):
    page = client_for(district_regulator).get(url("centre-list"), {"district": "510503"})
    assert set(names(page)) == {"甲托育园", "乙托育园"}  # the filter is dropped, scope stays
    assert page.context["form"].errors["district"]
    choices = [code for code, _label in page.context["form"].fields["district"].choices]
    assert choices == ["", "510502"]


@pytest.mark.parametrize(("sort", "expected"), [
    ("places", ["乙托育园", "甲托育园", "丙托育园", "丁托育园"]),
    ("-places", ["丙托育园", "甲托育园", "乙托育园", "丁托育园"]),  # no number: always last
    ("district", ["乙托育园", "甲托育园", "丁托育园", "丙托育园"]),  # then by name
    ("-district", ["丁托育园", "丙托育园", "乙托育园", "甲托育园"]),
    ("status", ["乙托育园", "丙托育园", "丁托育园", "甲托育园"]),  # workflow order
    ("-status", ["丁托育园", "甲托育园", "丙托育园", "乙托育园"]),
])
def test_sort(client_for, city_regulator, many, sort, expected):
    assert names(client_for(city_regulator).get(url("centre-list"), {"sort": sort})) == expected


def test_sort_by_last_update_counts_the_filing_too(client_for, city_regulator, many):
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)):
        many["丙托育园"].filing.save()  # only the filing changes
    with time_machine.travel(dt.datetime(2031, 1, 1, tzinfo=dt.UTC)):
        many["乙托育园"].save()
    page = client_for(city_regulator).get(url("centre-list"), {"sort": "-updated"})
    assert names(page)[:2] == ["乙托育园", "丙托育园"]


def test_sort_links_toggle_and_keep_the_filters(client_for, city_regulator, many):
    body = client_for(city_regulator).get(
        url("centre-list"), {"sort": "places", "kind": "community"}).content.decode()
    assert 'aria-sort="ascending"' in body
    assert 'href="?sort=-places&amp;kind=community"' in body
    assert 'href="?sort=name&amp;kind=community"' in body
    assert 'name="sort" value="places" form="centre-filters"' in body


def test_pagination_keeps_the_filters(client_for, city_regulator):
    for i in range(30):
        CentreFactory(name=f"江阳{i:02d}托育", region=region("510502"), is_inclusive=True)
    CentreFactory(name="江阳非普惠", region=region("510502"), is_inclusive=False)
    client = client_for(city_regulator)
    first = client.get(url("centre-list"), {"inclusive": "yes"})
    assert names(first) == [f"江阳{i:02d}托育" for i in range(25)]
    body = first.content.decode()
    assert first.context["page"].paginator.count == 30
    assert re.search(r'<p class="muted">30\D', body)
    assert 'href="?inclusive=yes&amp;page=2"' in body
    second = client.get(url("centre-list"), {"inclusive": "yes", "page": 2})
    assert names(second) == [f"江阳{i:02d}托育" for i in range(25, 30)]
    assert 'href="?inclusive=yes&amp;page=1"' in second.content.decode()
    assert names(client.get(url("centre-list"), {"inclusive": "yes", "page": 99})) == names(
        second)


def test_rows_show_the_listed_columns(client_for, city_regulator, many):
    many["甲托育园"].filing.filing_no = "510502-2024-0007"
    many["甲托育园"].filing.save()
    body = client_for(city_regulator).get(url("centre-list"), {"q": "甲"}).content.decode()
    row = re.search(r"<tr>(?:(?!</tr>).)*甲托育园.*?</tr>", body, re.DOTALL).group(0)
    assert f'href="{url("centre-detail", many["甲托育园"].pk)}"' in row
    assert 'class="tag status-verified"' in row
    assert "510502-2024-0007" in row
    assert "江阳区" in row and ">80<" in row


@pytest.mark.parametrize("centres", [1, 50])
def test_centre_list_query_count_does_not_grow(client_for, city_regulator, centres,
                                               django_assert_num_queries):
    for i in range(centres):
        CentreFactory(region=region(["510502", "510503", "510521"][i % 3]),
                      approved_places=10 + i)
    client = client_for(city_regulator)
    client.get(url("centre-list"))  # warm caches (content types, translations)
    with django_assert_num_queries(8):
        page = client.get(url("centre-list"), {"sort": "-updated"})
    assert page.context["page"].paginator.count == centres


# --- the export -------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def test_csv_export_holds_the_filtered_list(client_for, city_regulator, many):
    many["甲托育园"].filing.filing_no = "510502-2024-0007"
    many["甲托育园"].filing.save()
    StaffFactory(centre=many["甲托育园"], id_number=SHARED_ID)
    response = client_for(city_regulator).get(
        url("centre-export"), {"format": "csv", "status": "verified", "sort": "-places",
                               "page": 2})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert len(header) == 9
    assert [row[:3] for row in rows] == [["甲托育园", valid_uscc(1), "江阳区"],
                                        ["丁托育园", "", "泸县"]]
    with translation.override("zh-hans"):
        community, yes = str(Centre.Kind.COMMUNITY.label), gettext("Yes")
        verified = str(S.VERIFIED.label)
    assert rows[0][3:8] == [community, yes, "80", verified, "510502-2024-0007"]
    assert rows[1][5] == ""
    assert SHARED_ID not in response.content.decode()
    event = AuditEvent.objects.get(verb="centre_export")
    assert event.actor == city_regulator
    assert event.details["rows"] == 2
    assert event.details["format"] == "csv"
    assert event.details["filters"] == {"status": "verified", "sort": "-places"}


def test_export_is_limited_to_the_scope(client_for, district_regulator, centre_a, centre_b):
    _header, *rows = read_csv(client_for(district_regulator).get(url("centre-export")))
    assert [row[0] for row in rows] == [A]


def test_xlsx_export_never_writes_formulas(client_for, city_regulator):
    CentreFactory(name="=HYPERLINK(\"http://evil\")托育", region=region("510502"))
    response = client_for(city_regulator).get(url("centre-export"), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=1)
    assert cell.value == "=HYPERLINK(\"http://evil\")托育"
    assert cell.data_type == "s"
    csv_rows = read_csv(client_for(city_regulator).get(url("centre-export")))
    assert csv_rows[1][0] == "'=HYPERLINK(\"http://evil\")托育"


def test_unknown_export_format_is_400(client_for, city_regulator):
    assert client_for(city_regulator).get(url("centre-export"), {"format": "pdf"}
                                          ).status_code == 400


# --- one centre -------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_centre_detail_shows_the_whole_file(client_for, district_regulator, centre_a):
    Centre.objects.filter(pk=centre_a.pk).update(
        legal_form=Centre.LegalForm.SOCIAL_SERVICE_ORG, tenure=Centre.Tenure.LEASED,
        lease_start=dt.date(2025, 1, 1), lease_end=dt.date(2027, 1, 1),
        service_forms=["full_day", "hourly"], contact_phone="13812345678")
    ClassGroupFactory(centre=centre_a, name="托大一班", class_type="toddler_large", capacity=18)
    FeeScheduleFactory(centre=centre_a, effective_from=dt.date(2025, 9, 1),
                       toddler_small_fee=Decimal("1100"))
    FeeScheduleFactory(centre=centre_a, effective_from=dt.date(2026, 9, 1),
                       toddler_small_fee=Decimal("1250"))
    expired = StaffFactory(centre=centre_a, name="过期证", health_cert_valid_until=TODAY
                           - dt.timedelta(days=1), criminal_check_date=dt.date(2026, 3, 1))
    StaffFactory(centre=centre_a, name="快到期", health_cert_valid_until=TODAY
                 + dt.timedelta(days=10))
    StaffTrainingRecordFactory(staff=expired, hours=Decimal("8"))
    StaffTrainingRecordFactory(staff=expired, hours=Decimal("4.5"))
    audit("filing_submitted", actor=None, target=centre_a.filing)
    audit("centre_profile_updated", actor=None, target=centre_a)
    other = CentreFactory(name="别家")
    audit("centre_profile_updated", actor=None, target=other)

    page = client_for(district_regulator).get(url("centre-detail", centre_a.pk))
    body = page.content.decode()
    assert "民政部门" in body  # who registers a social service organisation
    assert page.context["lease_ok"] is False
    assert [str(s.effective_from) for s in [page.context["fees"], *page.context["fee_history"]]
            ] == ["2026-09-01", "2025-09-01"]
    assert "13812345678" in body  # the centre's public number, not a person's (item 17)
    staff = {m.name: m for m in page.context["staff"]}
    assert staff["过期证"].cert_state == "expired"
    assert staff["快到期"].cert_state == "expiring"
    assert staff["过期证"].training_total == Decimal("12.5")
    assert "2026年3月1日" in body
    assert 'class="expiring"' in body and 'class="overdue"' in body
    assert [e.verb for e in page.context["history"]] == ["centre_profile_updated",
                                                         "filing_submitted"]
    assert f'href="{url("review", centre_a.pk)}"' in body
    log = AccessLog.objects.get()
    assert (log.user, log.target_id, log.reason) == (district_regulator, str(centre_a.pk),
                                                     "centre detail")


@pytest.mark.parametrize("people", [1, 20])
def test_centre_detail_query_count_does_not_grow(client_for, city_regulator, centre_a, people,
                                                 django_assert_num_queries):
    ClassGroupFactory(centre=centre_a)
    FeeScheduleFactory(centre=centre_a)
    for _i in range(people):
        member = StaffFactory(centre=centre_a)
        StaffTrainingRecordFactory(staff=member)
        StaffTrainingRecordFactory(staff=member)
    client = client_for(city_regulator)
    client.get(url("centre-detail", centre_a.pk))  # warm caches
    # + photos, + the change filings in the history, + the certificates (registry.certificates),
    # + the inclusive decisions and the income figures of the price cap (registry.inclusive)
    with django_assert_num_queries(17):
        page = client.get(url("centre-detail", centre_a.pk))
    assert len(page.context["staff"]) == people


# --- staff at more than one centre -----------------------------------------------------------


def test_same_person_at_two_centres_is_flagged(client_for, city_regulator, district_regulator,
                                               centre_a, shared_person):
    StaffFactory(centre=centre_a, name="只在这里")
    page = client_for(district_regulator).get(url("centre-detail", centre_a.pk))
    flags = {m.name: m.elsewhere for m in page.context["staff"]}
    assert flags == {"钱多岗": True, "只在这里": False}
    assert page.content.decode().count(f'href="{url("duplicate-staff")}"') == 1

    people = client_for(district_regulator).get(url("duplicate-staff")).context["people"]
    assert [(p["name"], [r.centre.name for r in p["records"]], p["hidden"]) for p in people
            ] == [("钱多岗", [A], 1)]
    people = client_for(city_regulator).get(url("duplicate-staff")).context["people"]
    assert [(len(p["records"]), p["hidden"]) for p in people] == [(2, 0)]


def test_a_person_who_left_one_centre_is_not_flagged(client_for, district_regulator, centre_a,
                                                     shared_person):
    _at_a, at_b = shared_person
    at_b.employment_status = Staff.Employment.LEFT
    at_b.left_on = dt.date(2026, 1, 31)
    at_b.save()
    page = client_for(district_regulator).get(url("centre-detail", centre_a.pk))
    assert [m.elsewhere for m in page.context["staff"]] == [False]
    assert client_for(district_regulator).get(url("duplicate-staff")).context["people"] == []


def test_two_centres_in_another_district_are_not_shown(client_for, district_regulator):
    nx = region("510503")
    for name in ("纳溪甲", "纳溪乙"):
        StaffFactory(centre=CentreFactory(name=name, region=nx), id_number=SHARED_ID)
    page = client_for(district_regulator).get(url("duplicate-staff"))
    assert page.context["people"] == []
    assert "纳溪甲" not in page.content.decode()


@pytest.mark.parametrize("pairs", [1, 10])
def test_duplicate_staff_query_count_does_not_grow(client_for, district_regulator, pairs,
                                                   django_assert_num_queries):
    jy, nx = region("510502"), region("510503")
    for i in range(pairs):
        number = id_number(500 + i, born="19850505")
        StaffFactory(centre=CentreFactory(region=jy), id_number=number)
        StaffFactory(centre=CentreFactory(region=nx), id_number=number)
    client = client_for(district_regulator)
    client.get(url("duplicate-staff"))
    with django_assert_num_queries(6):
        page = client.get(url("duplicate-staff"))
    assert len(page.context["people"]) == pairs


def test_regulator_with_two_scopes_sees_both(client_for):
    from luhuituo.core.models import RegulatorScope

    both = RegulatorFactory(region_code="510502")
    RegulatorScope.objects.create(user=both, region=region("510503"))
    CentreFactory(name=A)
    CentreFactory(name=B, region=region("510503"))
    CentreFactory(name="古蔺某园", region=region("510525"))
    assert set(names(client_for(both).get(url("centre-list")))) == {A, B}
