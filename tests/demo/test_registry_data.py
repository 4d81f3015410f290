
"""The generated demo centres of ``seed_demo`` (luhuituo.demo.registry_data): every filing
state, valid identifiers, a duplicate-employment pair, coordinates inside their district,
idempotent."""

import math
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from stdnum.cn import ric, uscc

from luhuituo.core.models import AuditEvent, RegulatorScope, User
from luhuituo.core.validators import validate_id_number
from luhuituo.core.workdays import WorkingDayCalendar
from luhuituo.demo import registry_data as demo
from registry import services
from registry.models import (
    Centre,
    CentreMembership,
    ClassGroup,
    FeeSchedule,
    Filing,
    FilingMaterial,
    FilingNumberSequence,
    Staff,
    StaffTrainingRecord,
)
from registry.validators import validate_phone, validate_uscc

from .seeding import DEMO_CENTRES, seed

pytestmark = pytest.mark.django_db
S = Filing.Status
FILING_NO = re.compile(r"^(\d{6})-(\d{4})-(\d{4})$")
DEMO_CENTRE_NAME = "江阳区示范托育中心"


def snapshot() -> dict:
    """Row counts, statuses, filing numbers and sequences: what a second run must not change."""
    models = [User, RegulatorScope, Centre, CentreMembership, ClassGroup, Staff,
              StaffTrainingRecord, FeeSchedule, Filing, FilingMaterial, FilingNumberSequence,
              AuditEvent]
    return {
        **{model._meta.label: model.objects.count() for model in models},
        "filings": sorted(Filing.objects.values_list("centre__uscc", "status", "filing_no")),
        "sequences": sorted(FilingNumberSequence.objects.values_list("region__code", "year",
                                                                     "last")),
    }


def plans(count: int):
    today = timezone.localdate()
    calendar = WorkingDayCalendar(today - timedelta(days=demo.HISTORY_DAYS + 60),
                                  today + timedelta(days=60))
    with demo.quiet_calendar():
        return demo.build_plans(count, today=today, calendar=calendar)


def test_the_centres_cover_every_state_with_valid_data_and_a_second_run_adds_nothing(demo_db):
    assert Centre.objects.count() == DEMO_CENTRES + 1  # the generated ones + the demo centre
    statuses = Counter(Filing.objects.values_list("status", flat=True))
    assert set(statuses) == set(S.values)

    for centre in Centre.objects.select_related("region"):
        validate_uscc(centre.uscc)
        assert centre.uscc[:17] + uscc.calc_check_digit(centre.uscc[:17]) == centre.uscc
        assert not set(centre.uscc) & set("IOZSV")
        assert centre.uscc[2:8] == centre.region.code
        validate_phone(centre.contact_phone)
        district = demo.DISTRICT_BY_CODE[centre.region.code]
        assert district.contains(centre.latitude, centre.longitude), centre.name
        centre.full_clean()
        assert 2 <= centre.classes.count() <= demo.MAX_CLASSES
        assert sum(c.capacity for c in centre.classes.all()) <= centre.approved_places
        for class_group in centre.classes.all():
            assert class_group.capacity <= settings.CLASS_TYPES[class_group.class_type][
                "max_size"]
        roles = Counter(centre.staff.values_list("role", flat=True))
        # Carers for the classes' ratios, one short at a few centres (demo.SHORT_OF_CARERS).
        needed = sum(math.ceil(c.capacity / settings.CLASS_TYPES[c.class_type]["ratio"])
                     for c in centre.classes.all())
        assert needed - 1 <= roles[Staff.Role.CARER] <= needed
        assert roles[Staff.Role.PRINCIPAL] == 1 and roles[Staff.Role.HEALTH] == 1
        assert roles[Staff.Role.COOK] == centre.provides_meals
        # One schedule from registration; an operating centre may have republished its fees
        # within the year (luhuituo.demo.rules_data, alert A28).
        assert 1 <= centre.fee_schedules.count() <= 2
        assert CentreMembership.objects.filter(centre=centre, role="manager").exists()

    for member in Staff.objects.select_related("centre__region"):
        validate_id_number(member.id_number)
        assert ric.calc_check_digit(member.id_number[:17] + "0") == member.id_number[-1]
        born = ric.get_birth_date(member.id_number)
        assert 1970 <= born.year <= 2002
        codes = {code for _since, code in demo.ID_REGION_CODES[member.centre.region.code]}
        assert member.id_number[:6] in codes
        validate_phone(member.mobile)
        assert member.training_records.count() >= 1

    doubled = Staff.objects.employed_elsewhere()
    assert doubled.values("id_number_digest").distinct().count() == 2
    assert doubled.values("centre").distinct().count() >= 3

    now = timezone.now()
    assert Filing.objects.filter(status=S.SUBMITTED, receipt_due__lt=now).exists()
    assert Filing.objects.filter(status=S.SUBMITTED, centre__region__code="510502").exists()
    jiangyang = User.objects.get(username="jiangyang")
    assert services.filings_for_queue(jiangyang).filter(status=S.SUBMITTED).exists()

    sequences = {(s.region.code, s.year): s.last
                 for s in FilingNumberSequence.objects.select_related("region")}
    numbers = Filing.objects.exclude(filing_no=None).select_related("centre__region")
    assert numbers.count() == Filing.objects.exclude(
        status__in=[S.DRAFT, S.SUBMITTED, S.RETURNED]).count()
    for filing in numbers:
        code, year, seq = FILING_NO.match(filing.filing_no).groups()
        assert code == filing.centre.region.code
        assert int(year) == timezone.localdate(filing.filed_at).year
        assert 1 <= int(seq) <= sequences[(code, int(year))]
    for filing in Filing.objects.exclude(status=S.DRAFT):
        assert filing.first_submitted_at <= filing.submitted_at < now
        assert filing.first_submitted_at > now - timedelta(days=demo.HISTORY_DAYS + 1)
        assert filing.commitment_signed_by is not None
        if filing.status != S.RETURNED:
            assert services.missing_materials(filing) == [], filing
    assert FilingMaterial.objects.filter(verdict=FilingMaterial.Verdict.RETURNED).exists()
    material = FilingMaterial.objects.first()
    assert material.file.storage.exists(material.file.name)
    assert material.file.read().startswith(b"%PDF-")

    before = snapshot()
    seed()
    assert snapshot() == before


def test_the_next_filing_number_continues_after_the_demo_numbers(demo_db):
    filing = Filing.objects.filter(status=S.SUBMITTED).select_related("centre__region").first()
    year = timezone.localdate().year
    taken = set(Filing.objects.exclude(filing_no=None).values_list("filing_no", flat=True))
    number = services.next_filing_number(filing.centre, year)
    assert number not in taken
    same_year = [n for n in taken if n.startswith(f"{filing.centre.region.code}-{year}-")]
    assert int(number[-4:]) == len(same_year) + 1


def test_a_full_plan_matches_luzhou():
    """215 centres: states, 普惠 share, places, districts — planned, not written."""
    _demo_plan, centres = plans(demo.DEFAULT_CENTRES)
    assert len(centres) == 215
    states = Counter(p.state for p in centres)
    assert states[S.VERIFIED] == 150
    assert set(states) == set(S.values)
    assert all(states[s] >= 3 for s in S.values)
    assert sum(p.fields["is_inclusive"] for p in centres) == 150
    assert 17_500 <= sum(p.fields["approved_places"] for p in centres) <= 20_500
    by_district = Counter(p.district.code for p in centres)
    assert by_district == {d.code: d.weight for d in demo.DISTRICTS}
    assert by_district.most_common(2)[0][0] in {"510502", "510521"}
    submitted = [p for p in centres if p.state == S.SUBMITTED]
    in_jiangyang = [p for p in submitted if p.district.code == "510502"]
    assert len(in_jiangyang) >= 5 and sum(p.overdue for p in in_jiangyang) >= 2
    assert len({p.name for p in centres}) == len({p.uscc for p in centres}) == 215
    ids = Counter(s.id_number for p in centres for s in p.staff)
    assert sorted(ids.values())[-2:] == [2, 2] and sorted(ids.values())[-3] == 1
    through_services = Counter(p.state for p in centres if p.via_services)
    assert set(through_services) == set(S.values)
    assert 20 <= sum(through_services.values()) <= 30
    short = [p for p in centres if p.short_lease]
    assert short and all(p.state == S.DRAFT and not p.via_services for p in short)


def test_plans_are_deterministic_and_inside_the_city():
    demo.check_districts()
    (lat_lo, lat_hi), (lng_lo, lng_hi) = (settings.CITY_BOUNDS["lat"],
                                          settings.CITY_BOUNDS["lng"])
    first_demo, first = plans(30)
    second_demo, second = plans(30)
    assert first_demo.uscc == second_demo.uscc
    assert [(p.name, p.uscc, p.state, [s.id_number for s in p.staff]) for p in first] == [
        (p.name, p.uscc, p.state, [s.id_number for s in p.staff]) for p in second]
    for plan in [first_demo, *first]:
        lat, lng = float(plan.fields["latitude"]), float(plan.fields["longitude"])
        assert lat_lo <= lat <= lat_hi and lng_lo <= lng <= lng_hi
        assert plan.district.contains(lat, lng)


def test_small_counts_work(empty_db):
    seed(0)
    assert Centre.objects.count() == 1
    seed(3)
    assert Centre.objects.count() == 4


def test_inclusive_centres_are_recognised_by_their_district_and_a29_fires(demo_db):
    """Issue "Rules that can be dodged", item 5: the demo's inclusive centres are recognised
    through registry.inclusive (a decision with its basis, by the district's regulator), and
    A29 is open exactly for the operating ones whose care fee is above the cap."""
    from registry.inclusive import RECOGNISABLE_STATUSES, PriceCaps, current_schedule, fees_above
    from registry.models import InclusiveDecision
    from supervision.models import Alert

    inclusive = list(Centre.objects.filter(is_inclusive=True).select_related(
        "filing", "region__parent").prefetch_related("fee_schedules"))
    assert inclusive
    decisions = {d.centre_id: d for d in InclusiveDecision.objects.filter(
        action="recognised").select_related("decided_by")}
    # one centre has applied (in 江阳区 when it has a candidate): an application to answer
    application = InclusiveDecision.objects.get(action="applied")
    assert not application.centre.is_inclusive
    for centre in inclusive:
        decision = decisions[centre.pk]
        assert decision.action == "recognised" and "认定" in decision.basis
        assert decision.decided_by.is_regulator
        assert centre.filing.status in RECOGNISABLE_STATUSES
    assert AuditEvent.objects.filter(verb="inclusive_recognised").count() == len(inclusive)
    caps, today = PriceCaps(), timezone.localdate()
    above = {c.pk for c in inclusive if c.filing.status in {
        S.FILED, S.UNDER_VERIFICATION, S.VERIFIED, S.NONCONFORMING, S.RECTIFYING}
        and fees_above(current_schedule(c.fee_schedules.all(), today),
                       caps.for_region(c.region))}
    assert above, "the demo should show A29 firing"
    assert set(Alert.objects.open().filter(rule="A29").values_list("centre_id", flat=True)) \
        == above


def test_every_filing_tells_one_timeline(demo_db):
    """Item 16: what the queue, the receipt and the history say about a back-dated filing
    agree: the receipt names the submission dates of the history, the last one the queue's; no
    history entry (audit trail, change history, notification) of a generated filing carries the
    time of the seed run."""
    from django.apps import apps
    from django.template.loader import render_to_string

    from luhuituo.core.models import Notification

    local = timezone.localdate
    today = local()
    generated = Filing.objects.exclude(centre__name=DEMO_CENTRE_NAME)
    filing_type = ContentType.objects.get_for_model(Filing)
    submissions = {"filing_submitted", "filing_resubmitted"}
    checked = 0
    for filing in generated.exclude(status=S.DRAFT).select_related("centre"):
        events = list(AuditEvent.objects.filter(target_type=filing_type,
                                                target_id=str(filing.pk)).order_by("created_at"))
        submitted = [e for e in events if e.verb in submissions]
        assert submitted, filing
        assert local(submitted[0].created_at) == local(filing.first_submitted_at), filing
        assert local(submitted[-1].created_at) == local(filing.submitted_at), filing
        assert all(local(e.created_at) < today for e in events), filing
        if filing.filing_no:
            receipt = render_to_string("pdf/filing_receipt.html", {
                "filing": filing, "centre": filing.centre, "verify_url": "", "qr": ""})
            said = re.search(r"你单位于(.*?)收悉", receipt).group(1)
            dates = [tuple(map(int, d)) for d in re.findall(r"(\d{4})年(\d{1,2})月(\d{1,2})日",
                                                              said)]
            last = local(filing.submitted_at)
            first = local(filing.first_submitted_at)
            assert dates[-1] == (last.year, last.month, last.day), (filing, said)
            assert dates[0] == (first.year, first.month, first.day), (filing, said)
            checked += 1
    assert checked >= 10
    history = apps.get_model("registry", "FilingEvent")
    assert not history.objects.filter(pgh_obj__in=generated,
                                      pgh_created_at__date__gte=today).exists()
    assert not Notification.objects.filter(created_at__date__gte=today).exclude(
        url__contains=f"/{Centre.objects.get(name=DEMO_CENTRE_NAME).pk}/").filter(
        url__contains="/filing").exists()
