"""The reviewer's pre-flight check of a filing: what the platform can check by itself beside
the materials, and an explicit confirmation to accept a filing with open findings (issue
"Rules that can be dodged", item 8)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from luhuituo.core.models import AuditEvent
from luhuituo.core.verbs import Verb
from registry import checks, services
from registry.models import (
    Centre,
    ClassGroup,
    FeeSchedule,
    Filing,
    FilingMaterial,
    MaterialKind,
    Staff,
)
from tests.factories import id_number
from tests.queries import count_queries

from .test_filing_workflow import complete, submit, upload_all

pytestmark = pytest.mark.django_db
S = Filing.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 5)
NOW = datetime(2026, 11, 5, 10, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def on_a_fixed_day():
    with time_machine.travel(NOW, tick=False):
        yield


def make_clean(centre: Centre) -> Centre:
    """``complete`` plus everything the pre-flight check looks at, in order: 15 places in one
    younger-toddler class (1:5 → 3 carers), three carers with valid health certificates and
    criminal-record checks, 8 m² indoors and 3 m² outdoors per child, a complete fee schedule,
    owned premises."""
    centre = complete(centre)
    Centre.objects.filter(pk=centre.pk).update(approved_places=15, indoor_area_m2=150,
                                               outdoor_area_m2=60)
    Staff.objects.filter(centre=centre).update(
        health_cert_valid_until=date(2027, 6, 30), criminal_check_date=date(2026, 9, 1),
        criminal_check_result=Staff.CriminalCheck.CLEAR)
    for n in (2, 3):
        add_carer(centre, n)
    FeeSchedule.objects.create(centre=centre, effective_from=date(2026, 9, 1),
                               toddler_small_fee=1800)
    centre.refresh_from_db()
    return centre


def add_carer(centre, n, **fields):
    return Staff.objects.create(**{
        "centre": centre, "name": f"保育员{n}", "role": Staff.Role.CARER,
        "id_number": id_number(n), "health_cert_valid_until": date(2027, 6, 30),
        "criminal_check_date": date(2026, 9, 1),
        "criminal_check_result": Staff.CriminalCheck.CLEAR, **fields})


@pytest.fixture
def clean(centre_a, manager):
    centre = make_clean(centre_a)
    upload_all(centre.filing, manager)
    submit(centre.filing, manager)
    centre.filing.refresh_from_db()
    return centre.filing


def codes(filing) -> list[str]:
    return [f.code for f in checks.preflight(filing)]


def test_a_centre_in_order_has_no_findings(clean):
    assert checks.preflight(clean) == []


def _expired_health_cert(f):
    Staff.objects.filter(centre=f.centre, name="刘芳").update(
        health_cert_valid_until=date(2026, 10, 31))


def _missing_health_cert(f):
    Staff.objects.filter(centre=f.centre, name="刘芳").update(health_cert_valid_until=None)


def _missing_criminal_check(f):
    Staff.objects.filter(centre=f.centre, name="刘芳").update(criminal_check_date=None,
                                                             criminal_check_result="")


def _criminal_record(f):
    Staff.objects.filter(centre=f.centre, name="刘芳").update(
        criminal_check_result=Staff.CriminalCheck.RECORD)


def _more_class_places_than_approved(f):
    ClassGroup.objects.create(centre=f.centre, name="小二班", class_type="toddler_small",
                              capacity=10)
    add_carer(f.centre, 4)
    add_carer(f.centre, 5)
    Centre.objects.filter(pk=f.centre_id).update(indoor_area_m2=400, outdoor_area_m2=200)


def _approved_places_without_classes(f):
    Centre.objects.filter(pk=f.centre_id).update(approved_places=40, indoor_area_m2=400,
                                                  outdoor_area_m2=200)


def _too_few_carers(f):
    Staff.objects.filter(centre=f.centre, name="保育员3").update(
        employment_status=Staff.Employment.LEFT)


def _small_indoor_area(f):
    Centre.objects.filter(pk=f.centre_id).update(indoor_area_m2=100)


def _no_outdoor_area(f):
    Centre.objects.filter(pk=f.centre_id).update(outdoor_area_m2=None)


def _no_fee_schedule(f):
    FeeSchedule.objects.filter(centre=f.centre).delete()


def _fee_missing_for_a_class_type(f):
    ClassGroup.objects.filter(centre=f.centre).update(class_type="toddler_large")


def _short_lease_left(f):
    Centre.objects.filter(pk=f.centre_id).update(
        tenure=Centre.Tenure.LEASED, lease_start=date(2023, 12, 1), lease_end=date(2027, 3, 1))


def _expired_fire_certificate(f):
    FilingMaterial.objects.filter(filing=f, kind=MaterialKind.FIRE_SAFETY).update(
        valid_until=date(2026, 10, 1))


def _no_fire_certificate(f):
    FilingMaterial.objects.filter(filing=f, kind=MaterialKind.FIRE_SAFETY).delete()


BREAKS = {
    "health_cert": [_expired_health_cert, _missing_health_cert],
    "criminal_check": [_missing_criminal_check, _criminal_record],
    "places": [_more_class_places_than_approved, _approved_places_without_classes],
    "carers": [_too_few_carers],
    "indoor_area": [_small_indoor_area],
    "outdoor_area": [_no_outdoor_area],
    "fees": [_no_fee_schedule, _fee_missing_for_a_class_type],
    "lease": [_short_lease_left],
    "fire_certificate": [_expired_fire_certificate, _no_fire_certificate],
}


@pytest.mark.parametrize(("code", "breaks"), [
    (code, b) for code, bs in BREAKS.items() for b in bs], ids=lambda v: getattr(v, "__name__", v))
def test_each_check_finds_its_problem_with_the_rule_and_where_to_fix_it(clean, code, breaks):
    breaks(clean)
    clean.refresh_from_db()
    findings = checks.preflight(clean)
    assert [f.code for f in findings] == [code]
    finding = findings[0]
    assert finding.what and finding.why and finding.fix_url.startswith("/")


def test_the_review_page_lists_the_findings_with_links(client_for, district_regulator, clean):
    _expired_health_cert(clean)
    _no_fee_schedule(clean)
    response = client_for(district_regulator).get(
        reverse("registry:review", args=[clean.centre_id]))
    page = response.content.decode()
    assert [f.code for f in response.context["findings"]] == ["health_cert", "fees"]
    assert 'data-finding="health_cert"' in page and 'data-finding="fees"' in page
    for finding in response.context["findings"]:  # the bureau's view of the record
        assert f'href="{finding.record_url}"' in page
    assert 'name="confirm_findings"' in page


def test_the_centre_sees_the_same_findings_with_links_to_fix_them(client_for, manager, clean):
    _expired_health_cert(clean)
    response = client_for(manager).get(reverse("registry:filing-detail", args=[clean.centre_id]))
    page = response.content.decode()
    [finding] = response.context["findings"]
    person = Staff.objects.get(centre=clean.centre, name="刘芳")
    assert finding.fix_url == reverse("registry:staff-edit", args=[clean.centre_id, person.pk])
    assert f'href="{finding.fix_url}"' in page and 'data-finding="health_cert"' in page


def test_a_clean_filing_shows_no_findings_and_asks_no_confirmation(client_for,
                                                                   district_regulator, clean):
    response = client_for(district_regulator).get(
        reverse("registry:review", args=[clean.centre_id]))
    assert response.context["findings"] == []
    assert 'name="confirm_findings"' not in response.content.decode()
    response = client_for(district_regulator).post(
        reverse("registry:filing-decide", args=[clean.centre_id]), {"action": "accept"})
    assert response.status_code == 302
    clean.refresh_from_db()
    assert clean.status == S.FILED


@pytest.mark.parametrize("data", [
    {},
    {"confirm_findings": "on"},
    {"findings_reason": "已现场核实"},
    {"confirm_findings": "on", "findings_reason": "   "},
])
def test_accepting_with_open_findings_needs_an_explicit_confirmation(
        client_for, district_regulator, clean, data):
    _missing_criminal_check(clean)
    response = client_for(district_regulator).post(
        reverse("registry:filing-decide", args=[clean.centre_id]), {"action": "accept", **data})
    assert response.status_code == 422
    form = response.context["form"]
    assert form.errors.get("confirm_findings") or form.errors.get("findings_reason")
    clean.refresh_from_db()
    assert clean.status == S.SUBMITTED
    assert not AuditEvent.objects.filter(verb=Verb.FILING_ACCEPTED).exists()


def test_the_confirmation_is_recorded_and_shown_in_the_history(client_for, district_regulator,
                                                               clean):
    _missing_criminal_check(clean)
    client = client_for(district_regulator)
    response = client.post(reverse("registry:filing-decide", args=[clean.centre_id]), {
        "action": "accept", "confirm_findings": "on",
        "findings_reason": "无犯罪记录证明已现场查验，限一周内补录"})
    assert response.status_code == 302
    clean.refresh_from_db()
    assert clean.status == S.FILED
    event = AuditEvent.objects.get(verb=Verb.FILING_ACCEPTED)
    assert event.details["findings_reason"] == "无犯罪记录证明已现场查验，限一周内补录"
    assert [f["code"] for f in event.details["findings"]] == ["criminal_check"]
    page = client.get(reverse("registry:review", args=[clean.centre_id])).content.decode()
    assert "无犯罪记录证明已现场查验，限一周内补录" in page
    assert 'class="history-findings"' in page


def test_the_service_refuses_without_a_reason_whatever_the_page_showed(district_regulator,
                                                                      clean):
    _too_few_carers(clean)
    with pytest.raises(services.FilingError) as refused:
        services.accept_filing(filing=clean, by=district_regulator)
    assert refused.value.field == "findings_reason"
    filing = services.accept_filing(filing=clean, by=district_regulator,
                                    findings_reason="第三名保育员已入职，待补录")
    assert filing.status == S.FILED


def test_review_page_queries_do_not_grow_with_staff_and_classes(client_for, district_regulator,
                                                                 clean):
    client = client_for(district_regulator)
    url = reverse("registry:review", args=[clean.centre_id])
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for n in range(10, 16):
        add_carer(clean.centre, n, health_cert_valid_until=TODAY - timedelta(days=n))
        ClassGroup.objects.create(centre=clean.centre, name=f"班{n}", class_type="infant",
                                  capacity=5)
    with count_queries() as many:
        response = client.get(url)
    assert len(response.context["findings"]) > 6
    assert len(many) == len(few)
