"""Credit records (evaluation.services.credit; docs/rules/credit-records.md): event types as data,
the idempotent scan of supervision's records, expiry, grades at their edges, appeals decided
both ways, commendations, rule A44, the pages' role matrix, query counts and the navigation."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from evaluation.checks import inclusive_untrustworthy
from evaluation.models import (
    CreditAppeal,
    CreditEvent,
    CreditEventType,
    CreditGrade,
    CreditRecord,
    grade_for,
)
from evaluation.services import credit
from luhuituo.core.models import AuditEvent, Notification
from supervision.checks import engine
from supervision.checks.registry import get as get_rule
from supervision.models import Alert, Finding, Incident, Inspection, RectificationOrder, Severity
from tests.factories import CentreFactory, region
from tests.factories.supervision import (
    ComplaintFactory,
    InspectionFactory,
    RectificationOrderFactory,
)
from tests.queries import count_queries
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

ES = CreditEvent.Status


@pytest.fixture
def en(client_for):
    """client_for, in English: messages are matched in their source text."""

    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def event_type(code: str) -> CreditEventType:
    return CreditEventType.objects.get(code=code)


def add_event(centre, code="finding-major", *, days_ago=10, points=None, status=ES.ACTIVE,
              source=None) -> CreditEvent:
    kind = event_type(code)
    occurred = timezone.localdate() - timedelta(days=days_ago)
    return CreditEvent.objects.create(
        centre=centre, type=kind, points=kind.points if points is None else points,
        occurred_on=occurred, expires_on=kind.expiry(occurred), status=status,
        source_type=ContentType.objects.get_for_model(source) if source else None,
        source_id=source.pk if source else None)


def issued_finding(centre, severity=Finding.Severity.MAJOR,
                   status=Inspection.Status.FINDINGS_ISSUED):
    inspection = InspectionFactory(centre=centre, status=status,
                                   finished_at=timezone.now() - timedelta(days=3))
    return Finding.objects.create(inspection=inspection, severity=severity,
                                  description="消防通道堵塞")


def incident(centre, *, severity=Incident.Severity.SERIOUS, hours_ago=30, reported_after=None):
    occurred = timezone.now() - timedelta(hours=hours_ago)
    return Incident.objects.create(
        centre=centre, occurred_at=occurred, kind=Incident.Kind.INJURY, severity=severity,
        description="摔伤", reported_to_authority_at=(
            occurred + timedelta(hours=reported_after) if reported_after is not None else None))


# --- item: event types as data -----------------------------------------------------------------


@pytest.mark.django_db
def test_event_types_are_loaded_as_data_with_signed_points():
    types = {t.code: t for t in CreditEventType.objects.all()}
    assert set(credit.SOURCES) <= set(types)
    assert types["finding-critical"].points < types["finding-minor"].points < 0
    assert types["commendation"].points > 0
    assert types["commendation"].source == CreditEventType.Source.REGULATOR
    assert types["unfiled-operation"].source == CreditEventType.Source.ALERT
    assert not any(t.verified for t in types.values())  # a proposal until agreed


# --- item: grades at their edges ---------------------------------------------------------------


@pytest.mark.parametrize(("points", "grade"), [
    (3, CreditGrade.TRUSTWORTHY), (0, CreditGrade.TRUSTWORTHY), (-5, CreditGrade.TRUSTWORTHY),
    (-6, CreditGrade.BASIC), (-15, CreditGrade.BASIC), (-16, CreditGrade.UNTRUSTWORTHY),
    (-30, CreditGrade.UNTRUSTWORTHY), (-31, CreditGrade.SERIOUS),
])
def test_grade_thresholds_include_their_floor(points, grade):
    assert grade_for(points) == grade


def test_grade_floors_are_settings(settings):
    settings.CREDIT_GRADE_FLOORS = {"trustworthy": 0, "basic": -1, "untrustworthy": -2}
    assert grade_for(-1) == CreditGrade.BASIC
    assert grade_for(-3) == CreditGrade.SERIOUS


# --- item: the scan ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_scan_turns_supervision_records_into_events(centre_a):
    finding = issued_finding(centre_a, Finding.Severity.CRITICAL)
    issued_finding(centre_a, Finding.Severity.MINOR, status=Inspection.Status.IN_PROGRESS)
    overdue = RectificationOrderFactory(centre=centre_a,
                                        deadline=timezone.localdate() - timedelta(days=4))
    RectificationOrderFactory(centre=centre_a, deadline=timezone.localdate() - timedelta(days=4),
                              status=RectificationOrder.Status.CLOSED)
    ComplaintFactory(centre=centre_a, upheld=True, answered_at=timezone.now())
    ComplaintFactory(centre=centre_a, upheld=False)
    serious = incident(centre_a, reported_after=1)  # serious, reported in time
    late = incident(centre_a, reported_after=None)  # serious, never reported
    incident(centre_a, severity=Incident.Severity.MINOR)
    Alert.objects.create(rule="A36", severity=Severity.RED, initial_severity=Severity.RED,
                         centre=centre_a, subject_type=ContentType.objects.get_for_model(centre_a),
                         subject_id=centre_a.pk, subject_repr=centre_a.name, message="未备案")

    added = credit.scan()

    assert added["finding-critical"] == 1 and added["finding-minor"] == 0
    assert added["rectification-overdue"] == 1
    assert added["complaint-upheld"] == 1
    assert added["incident-serious"] == 2
    assert added["incident-late-report"] == 1
    assert added["unfiled-operation"] == 1
    event = CreditEvent.objects.get(type__code="rectification-overdue")
    assert event.source == overdue and event.occurred_on == overdue.deadline + timedelta(days=1)
    assert CreditEvent.objects.get(type__code="finding-critical").source == finding
    assert CreditEvent.objects.get(type__code="incident-late-report").source == late
    assert CreditEvent.objects.filter(type__code="incident-serious", source_id=serious.pk).exists()
    total = sum(CreditEvent.objects.values_list("points", flat=True))
    record = CreditRecord.objects.get(centre=centre_a)
    assert record.points == total == -10 - 5 - 3 - 5 - 5 - 10 - 20
    assert record.grade == CreditGrade.SERIOUS


@pytest.mark.django_db
def test_scan_is_idempotent(centre_a):
    issued_finding(centre_a)
    ComplaintFactory(centre=centre_a, upheld=True)
    first = credit.scan()
    second = credit.scan()
    assert first["finding-major"] == 1 and first["complaint-upheld"] == 1
    assert second["finding-major"] == second["complaint-upheld"] == 0
    assert CreditEvent.objects.count() == 2


@pytest.mark.django_db
def test_one_event_per_source_and_type_is_a_database_constraint(centre_a):
    from django.db import IntegrityError, transaction

    finding = issued_finding(centre_a)
    add_event(centre_a, source=finding)
    with pytest.raises(IntegrityError), transaction.atomic():
        add_event(centre_a, source=finding)


@pytest.mark.django_db
def test_scan_queries_do_not_grow_with_records(centre_a, centre_b):
    issued_finding(centre_a)
    ComplaintFactory(centre=centre_a, upheld=True)
    with count_queries() as few:
        credit.scan()
    for _ in range(4):
        issued_finding(centre_b)
        ComplaintFactory(centre=centre_b, upheld=True)
    with count_queries() as many:
        credit.scan()
    assert len(many) == len(few)


# --- item: points and expiry -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_counts_until_it_expires(centre_a):
    kind = event_type("finding-major")
    assert kind.points == -3 and kind.months == 24
    live = add_event(centre_a, days_ago=10)
    old = add_event(centre_a, days_ago=800)  # 24 months have passed
    assert old.expires_on <= timezone.localdate() < live.expires_on
    result = credit.scan()
    assert result["expired"] == 1
    old.refresh_from_db()
    assert old.status == ES.EXPIRED
    assert CreditRecord.objects.get(centre=centre_a).points == -3


@pytest.mark.django_db
def test_an_old_source_gives_an_event_that_is_already_expired(centre_a):
    ComplaintFactory(centre=centre_a, upheld=True,
                     answered_at=timezone.now() - timedelta(days=400))  # 12 months
    credit.scan()
    assert CreditEvent.objects.get().status == ES.EXPIRED
    assert CreditRecord.objects.get(centre=centre_a).grade == CreditGrade.TRUSTWORTHY


@pytest.mark.django_db
def test_the_daily_task_runs_the_scan_once_per_tick(centre_a, settings):
    from evaluation.tasks import scan_credit

    assert settings.CELERY_BEAT_SCHEDULE["evaluation-credit-scan"]["task"] == (
        "evaluation.tasks.scan_credit")
    assert "evaluation-credit-scan" in settings.CATCH_UP_ENTRIES
    issued_finding(centre_a)
    assert scan_credit()["finding-major"] == 1
    assert scan_credit() == {"skipped": "this tick has been run"}


# --- item: appeals -----------------------------------------------------------------------------


def appeal_url(event):
    return reverse("evaluation:credit-appeal", args=[event.centre_id, event.pk])


def decide_url(appeal):
    return reverse("evaluation:credit-appeal-decide", args=[appeal.pk])


@pytest.mark.django_db
def test_the_centre_appeals_once_and_the_district_is_told(en, manager, district_regulator,
                                                          centre_a,
                                                          django_capture_on_commit_callbacks):
    event = add_event(centre_a)
    client = en(manager)
    form = client.get(appeal_url(event)).context["form"]
    token = form["submission"].value()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(appeal_url(event), {"reason": "该问题已当场整改",
                                                    "submission": token})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == ES.APPEALED and event.appeal.reason == "该问题已当场整改"
    assert AuditEvent.objects.filter(verb="credit_appealed").count() == 1
    assert Notification.objects.filter(recipient=district_regulator).exists()
    # the same form sent again (a double click): nothing new
    again = client.post(appeal_url(event), {"reason": "该问题已当场整改", "submission": token})
    assert again.status_code == 302 and CreditAppeal.objects.count() == 1
    # a second appeal, from a fresh form
    second = client.post(appeal_url(event), {"reason": "再次申诉"})
    assert second.status_code == 200
    assert "already been appealed" in second.content.decode()
    assert CreditAppeal.objects.count() == 1


@pytest.mark.django_db
def test_an_appeal_without_a_reason_is_refused_beside_the_field(en, manager, centre_a):
    event = add_event(centre_a)
    response = en(manager).post(appeal_url(event), {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Give the reason for the appeal."]
    assert not CreditAppeal.objects.exists()
    event.refresh_from_db()
    assert event.status == ES.ACTIVE


@pytest.mark.django_db
def test_an_expired_or_withdrawn_event_cannot_be_appealed(manager, centre_a):
    from evaluation.services.credit import CreditError

    event = add_event(centre_a, status=ES.EXPIRED)
    with pytest.raises(CreditError, match="Only an event that counts"):
        credit.appeal(event=event, by=manager, reason="理由")


def appealed(centre, by, points=None):
    event = add_event(centre, code="finding-critical", points=points)
    credit.recompute()
    return credit.appeal(event=event, by=by, reason="已整改")


@pytest.mark.django_db
def test_an_upheld_appeal_withdraws_the_event_and_recomputes_the_grade(
        en, manager, district_regulator, centre_a, django_capture_on_commit_callbacks):
    appeal = appealed(centre_a, manager)
    add_event(centre_a, code="finding-major")
    credit.recompute()
    assert CreditRecord.objects.get(centre=centre_a).points == -13  # appealed still counts
    with django_capture_on_commit_callbacks(execute=True):
        response = en(district_regulator).post(
            decide_url(appeal), {"decision": "upheld", "reason": "证据表明检查当日已整改"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == CreditAppeal.Status.UPHELD and appeal.decided_by == district_regulator
    assert appeal.event.status == ES.WITHDRAWN
    record = CreditRecord.objects.get(centre=centre_a)
    assert record.points == -3 and record.grade == CreditGrade.TRUSTWORTHY
    assert AuditEvent.objects.filter(verb="credit_appeal_upheld").exists()
    assert Notification.objects.filter(recipient=manager, title__contains="upheld").exists()


@pytest.mark.django_db
def test_a_rejected_appeal_leaves_the_event_counting(en, manager, district_regulator,
                                                     centre_a):
    appeal = appealed(centre_a, manager)
    response = en(district_regulator).post(
        decide_url(appeal), {"decision": "rejected", "reason": "整改证据不足"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.status == CreditAppeal.Status.REJECTED
    assert appeal.event.status == ES.ACTIVE
    assert CreditRecord.objects.get(centre=centre_a).points == -10
    assert AuditEvent.objects.filter(verb="credit_appeal_rejected").exists()
    # deciding twice
    again = en(district_regulator).post(
        decide_url(appeal), {"decision": "upheld", "reason": "改判"})
    assert again.status_code == 200
    assert "already been decided" in again.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == CreditAppeal.Status.REJECTED


@pytest.mark.django_db
def test_a_decision_needs_a_choice_and_a_reason(en, manager, district_regulator,
                                                centre_a):
    appeal = appealed(centre_a, manager)
    response = en(district_regulator).post(decide_url(appeal), {"reason": ""})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["decision"] == ["Choose a decision."]
    assert errors["reason"] == ["Give the reason for the decision."]
    appeal.refresh_from_db()
    assert appeal.status == CreditAppeal.Status.PENDING


@pytest.mark.django_db
def test_deciding_outside_the_scope_is_404(client_for, manager, other_regulator, centre_a):
    appeal = appealed(centre_a, manager)
    response = client_for(other_regulator).post(
        decide_url(appeal), {"decision": "upheld", "reason": "越权"})
    assert response.status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == CreditAppeal.Status.PENDING


# --- item: commendations -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_regulator_enters_a_commendation(client_for, district_regulator, manager, centre_a):
    url = reverse("evaluation:regulator-centre-credit", args=[centre_a.pk])
    kind = event_type("commendation")
    response = client_for(district_regulator).post(url, {
        "type": kind.pk, "occurred_on": timezone.localdate().isoformat(), "note": "应急演练示范"})
    assert response.status_code == 302
    event = CreditEvent.objects.get(centre=centre_a)
    assert event.points == 3 and event.created_by == district_regulator
    assert CreditRecord.objects.get(centre=centre_a).points == 3
    assert AuditEvent.objects.filter(verb="credit_commended").exists()


@pytest.mark.django_db
def test_a_commendation_refuses_bad_input(en, district_regulator, centre_a):
    url = reverse("evaluation:regulator-centre-credit", args=[centre_a.pk])
    scanned = event_type("finding-minor")
    response = en(district_regulator).post(url, {
        "type": scanned.pk, "occurred_on": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "note": ""})
    errors = response.context["form"].errors
    assert errors["type"] == ["Choose a type that regulators enter."]
    assert errors["note"] == ["Say what is commended."]
    response = en(district_regulator).post(url, {
        "type": event_type("commendation").pk, "occurred_on": "2026-02-30", "note": "好"})
    assert response.context["form"].errors["occurred_on"] == ["Enter a valid date."]
    response = en(district_regulator).post(url, {
        "type": event_type("commendation").pk,
        "occurred_on": (timezone.localdate() + timedelta(days=2)).isoformat(), "note": "好"})
    assert response.context["form"].errors["occurred_on"] == ["The date cannot be in the future."]
    assert not CreditEvent.objects.exists()


# --- item: rule A44 ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a44_flags_an_inclusive_centre_graded_seriously_untrustworthy(centre_a, centre_b):
    for centre in (centre_a, centre_b):
        centre.is_inclusive = True
        centre.save(update_fields=["is_inclusive"])
    not_inclusive = CentreFactory(region=region("510502"))
    for centre in (centre_a, not_inclusive):
        add_event(centre, code="unfiled-operation")
        add_event(centre, code="finding-critical")
        add_event(centre, code="finding-minor")  # -31: 严重失信
    add_event(centre_b, code="unfiled-operation")  # -20: 失信 only
    credit.recompute()
    hits = list(inclusive_untrustworthy(timezone.now()))
    assert [hit.centre_id for hit in hits] == [centre_a.pk]
    assert "suspended pending review" in hits[0].message
    rule = get_rule("A44")
    assert rule.severity == Severity.ORANGE
    result = engine.run_rule("A44")
    assert result.created == 1
    alert = Alert.objects.get(rule="A44")
    # the subject is the centre: the regulator's link goes to the centre's page
    assert (alert.subject_type.model, alert.subject_id) == ("centre", centre_a.pk)
    centre_a.refresh_from_db()
    assert centre_a.is_inclusive  # nothing is revoked silently


@pytest.mark.django_db
def test_a44_alert_links_to_the_regulators_centre_page(client_for, district_regulator, centre_a):
    centre_a.is_inclusive = True
    centre_a.save(update_fields=["is_inclusive"])
    add_event(centre_a, code="unfiled-operation", points=-40)
    credit.recompute()
    engine.run_rule("A44")
    alert = Alert.objects.get(rule="A44")
    body = client_for(district_regulator).get(
        reverse("supervision:alert-detail", args=[alert.pk])).content.decode()
    assert reverse("registry:centre-detail", args=[centre_a.pk]) in body


# --- item: pages, role matrix ------------------------------------------------------------------

CENTRE_PAGE = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "manager": OK, "staff": OK,
               "other_staff": NOT_FOUND, "parent": FORBIDDEN, "anonymous": LOGIN}
REGULATOR_LIST = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                  "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                  "parent": FORBIDDEN, "anonymous": LOGIN}
REGULATOR_ONE = {**REGULATOR_LIST, "other_regulator": NOT_FOUND}


@pytest.mark.django_db
def test_role_matrix_centre_credit_record(client_for, personas, centre_a):
    add_event(centre_a)
    assert_role_matrix(client_for, personas,
                       reverse("evaluation:centre-credit", args=[centre_a.pk]),
                       expect=CENTRE_PAGE, shown={"manager": ["检查发现较重问题"]})


@pytest.mark.django_db
def test_role_matrix_credit_appeal(client_for, personas, centre_a):
    event = add_event(centre_a)
    assert_role_matrix(client_for, personas, appeal_url(event), expect=CENTRE_PAGE)


@pytest.mark.django_db
def test_role_matrix_credit_list_and_export(client_for, personas, centre_a, centre_b):
    credit.recompute()
    for name in ("evaluation:credit-list", "evaluation:credit-export"):
        assert_role_matrix(client_for, personas, reverse(name), expect=REGULATOR_LIST,
                           shown={"district_regulator": [centre_a.name]},
                           hidden={"district_regulator": [centre_b.name],
                                   "other_regulator": [centre_a.name]})


@pytest.mark.django_db
def test_role_matrix_regulator_centre_credit(client_for, personas, centre_a):
    add_event(centre_a)
    assert_role_matrix(client_for, personas,
                       reverse("evaluation:regulator-centre-credit", args=[centre_a.pk]),
                       expect=REGULATOR_ONE,
                       shown={"district_regulator": ["检查发现较重问题", 'name="note"']})


@pytest.mark.django_db
def test_role_matrix_credit_appeals(client_for, personas, centre_a):
    appealed(centre_a, personas["manager"])
    assert_role_matrix(client_for, personas, reverse("evaluation:credit-appeals"),
                       expect=REGULATOR_LIST, shown={"district_regulator": [centre_a.name]},
                       hidden={"other_regulator": [centre_a.name]})


@pytest.mark.django_db
def test_role_matrix_credit_appeal_decide(client_for, personas, centre_a):
    appeal = appealed(centre_a, personas["manager"])
    assert_role_matrix(client_for, personas, decide_url(appeal), expect=REGULATOR_ONE,
                       shown={"district_regulator": ['name="decision"']})


@pytest.mark.django_db
def test_a_regulator_outside_the_district_cannot_commend(client_for, other_regulator, centre_a):
    url = reverse("evaluation:regulator-centre-credit", args=[centre_a.pk])
    response = client_for(other_regulator).post(url, {
        "type": event_type("commendation").pk, "occurred_on": timezone.localdate().isoformat(),
        "note": "越权"})
    assert response.status_code == 404
    assert not CreditEvent.objects.exists()


# --- item: the list: filters, sorting, export, query counts ------------------------------------


@pytest.mark.django_db
def test_the_list_filters_by_district_and_grade_and_sorts(client_for, city_regulator, centre_a,
                                                          centre_b):
    add_event(centre_b, code="unfiled-operation")
    credit.recompute()
    client = client_for(city_regulator)
    url = reverse("evaluation:credit-list")
    names = lambda response: [r.centre.name for r in response.context["page"].object_list]  # noqa: E731
    assert names(client.get(url, {"district": "510503"})) == [centre_b.name]
    assert names(client.get(url, {"grade": "untrustworthy"})) == [centre_b.name]
    assert names(client.get(url, {"sort": "points"}))[0] == centre_b.name
    assert names(client.get(url, {"sort": "-points"}))[0] == centre_a.name
    assert names(client.get(url, {"grade": "nonsense", "sort": "bogus"}))  # ignored, no 500


@pytest.mark.django_db
def test_the_csv_export_holds_the_filtered_list(client_for, city_regulator, centre_a, centre_b):
    add_event(centre_b, code="unfiled-operation")
    credit.recompute()
    response = client_for(city_regulator).get(reverse("evaluation:credit-export"),
                                              {"grade": "untrustworthy"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == centre_b.name and rows[1][3] == "-20"
    assert AuditEvent.objects.filter(verb="credit_export").exists()


@pytest.mark.django_db
def test_list_queries_are_constant_in_rows(client_for, city_regulator, centre_a):
    client = client_for(city_regulator)
    url = reverse("evaluation:credit-list")
    credit.recompute()
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for _ in range(5):
        add_event(CentreFactory(region=region("510503")))
    credit.recompute()
    with count_queries() as many:
        client.get(url)
    assert len(many) == len(few)


@pytest.mark.django_db
def test_record_and_appeal_pages_queries_are_constant_in_rows(client_for, manager,
                                                              district_regulator, centre_a):
    centre_page = reverse("evaluation:centre-credit", args=[centre_a.pk])
    appeals = reverse("evaluation:credit-appeals")
    regulator_page = reverse("evaluation:regulator-centre-credit", args=[centre_a.pk])
    appealed(centre_a, manager)
    counts = []
    for _ in range(2):
        with count_queries() as a:
            client_for(manager).get(centre_page)
        with count_queries() as b:
            client_for(district_regulator).get(appeals)
        with count_queries() as c:
            client_for(district_regulator).get(regulator_page)
        counts.append((len(a), len(b), len(c)))
        for _ in range(4):
            appealed(centre_a, manager)
            add_event(centre_a)
    assert counts[0] == counts[1]


# --- item: navigation --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_credit_record_is_a_section_of_the_centre_and_regulator_pages(
        client_for, manager, district_regulator, centre_a):
    url = reverse("evaluation:centre-credit", args=[centre_a.pk])
    body = client_for(manager).get(reverse("supervision:centre-alerts", args=[centre_a.pk]))
    assert url in body.content.decode()
    page = client_for(district_regulator).get(reverse("registry:centre-detail",
                                                      args=[centre_a.pk]))
    assert reverse("evaluation:regulator-centre-credit", args=[centre_a.pk]) in (
        page.content.decode())


# --- item: hooks where cheap -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_upheld_complaint_is_recorded_at_once(centre_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = ComplaintFactory(centre=centre_a)
    assert not CreditEvent.objects.exists()
    complaint.upheld = True
    with django_capture_on_commit_callbacks(execute=True):
        complaint.save()
    event = CreditEvent.objects.get()
    assert event.source == complaint and event.type.code == "complaint-upheld"
    assert CreditRecord.objects.get(centre=centre_a).points == -3
    assert credit.scan()["complaint-upheld"] == 0  # the night finds nothing more


@pytest.mark.django_db
def test_issued_findings_are_recorded_at_once(centre_a, django_capture_on_commit_callbacks):
    inspection = InspectionFactory(centre=centre_a, status=Inspection.Status.IN_PROGRESS)
    Finding.objects.create(inspection=inspection, severity=Finding.Severity.MAJOR,
                           description="晨检记录缺失")
    inspection.status = Inspection.Status.FINDINGS_ISSUED
    inspection.finished_at = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        inspection.save()
    assert CreditEvent.objects.get().type.code == "finding-major"


# --- item: event types editable in the support administration ----------------------------------


@pytest.mark.django_db
def test_support_edits_an_event_types_points(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="support", password="x-Secret-1")
    client.force_login(admin)
    kind = event_type("complaint-upheld")
    url = reverse("admin:evaluation_crediteventtype_change", args=[kind.pk])
    assert client.get(reverse("admin:evaluation_crediteventtype_changelist")).status_code == 200
    response = client.post(url, {"name": kind.name, "points": -4, "months": 18, "active": "on"})
    assert response.status_code == 302
    kind.refresh_from_db()
    assert (kind.code, kind.points, kind.months) == ("complaint-upheld", -4, 18)
