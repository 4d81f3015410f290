"""The staff ban list (从业禁止名单) and rule A15 (docs/rules/ban-list.md): entering, proposing,
confirming and lifting entries; the check whenever staff are saved; the red alert; the pages'
scope, bad inputs, and that no ID number is stored in clear."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from evaluation.models import BanListEntry
from evaluation.services import banlist as svc
from luhuituo.core.models import AccessLog, AuditEvent, Job
from registry.centres import save_staff
from registry.models import Staff
from supervision.checks import engine, registry
from supervision.models import Alert, Incident
from tests.factories import CentreFactory, StaffFactory, id_number, region

from ..queries import query_count
from ..rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, Outcome, assert_role_matrix

BS = BanListEntry.Status
TODAY = timezone.localdate()
UNPROCESSABLE = Outcome("422 form errors", 422)
A15_JOB = ("supervision.checks.engine.run_rules", {"codes": ["A15"]})
BANNED = id_number(901)


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English: the assertions below spell the English texts."""
    settings.LANGUAGE_CODE = "en"


def ban(number=BANNED, *, status=BS.ACTIVE, region_code="510502", days_ago=10, until=None,
        name="王禁止", **fields) -> BanListEntry:
    return BanListEntry.objects.create(
        id_number=number, name=name, reason=BanListEntry.Reason.DECISION,
        region=region(region_code), status=status,
        valid_from=TODAY - dt.timedelta(days=days_ago), valid_until=until, **fields)


def a15_hits():
    return list(registry.get("A15").func(timezone.now()))


def a15_jobs():
    return Job.objects.filter(task=A15_JOB[0], kwargs=A15_JOB[1]).count()


# --- item: the check whenever staff are added ------------------------------------------------


def staff_data(**overrides) -> dict:
    data = {"name": "王禁止", "role": "carer", "id_number": BANNED, "mobile": "13800005678",
            "is_full_time": "on", "education": "", "degree": "", "experience_since": "",
            "qualification": "", "qualification_valid_until": "",
            "health_cert_valid_until": (TODAY + dt.timedelta(days=300)).isoformat(),
            "criminal_check_date": TODAY.isoformat(), "criminal_check_result": "clear",
            "guard_licence_no": "", "hired_on": TODAY.isoformat(), "left_on": ""}
    return data | overrides


def test_adding_a_banned_person_through_the_staff_form_warns_the_manager_and_queues_a15(
        client_for, manager, centre_a):
    ban()
    client = client_for(manager)
    form = client.get(reverse("registry:staff-create", args=[centre_a.pk])).context["form"]
    response = client.post(reverse("registry:staff-create", args=[centre_a.pk]),
                           staff_data(submission=form["submission"].value()), follow=True)
    page = response.content.decode()
    assert Staff.objects.filter(centre=centre_a, name="王禁止").exists()  # refused nothing
    assert "matches an entry on the city&#x27;s staff ban list" in page
    assert a15_jobs() == 1


def test_adding_someone_not_on_the_list_gives_no_warning(client_for, manager, centre_a):
    ban(status=BS.LIFTED)
    ban(id_number(902))
    client = client_for(manager)
    form = client.get(reverse("registry:staff-create", args=[centre_a.pk])).context["form"]
    response = client.post(reverse("registry:staff-create", args=[centre_a.pk]),
                           staff_data(submission=form["submission"].value()), follow=True)
    assert "ban list" not in response.content.decode()
    assert a15_jobs() == 0


def test_save_staff_returns_the_ban_warning_for_an_entry_in_force_only(manager, centre_a):
    ban(until=TODAY - dt.timedelta(days=1))  # ended yesterday
    person = save_staff(staff=Staff(centre=centre_a, name="王禁止", role="carer",
                                    id_number=BANNED.lower()), by=manager)
    assert person.warnings == []
    ban()
    person = save_staff(staff=Staff.objects.get(pk=person.pk), by=manager)
    assert len(person.warnings) == 1 and "王禁止" in person.warnings[0]
    assert a15_jobs() == 1


def test_a_criminal_record_proposes_one_pending_entry(manager, centre_a):
    person = save_staff(staff=Staff(centre=centre_a, name="赵记录", role="cook",
                                    id_number=id_number(903), criminal_check_result="record",
                                    criminal_check_date=TODAY), by=manager)
    save_staff(staff=person, by=manager)  # saving again proposes nothing more
    entry = BanListEntry.objects.get()
    assert (entry.status, entry.reason, entry.staff, entry.region) == (
        BS.PENDING, BanListEntry.Reason.CRIMINAL_RECORD, person, centre_a.region)
    assert entry.id_number_digest == person.id_number_digest
    assert a15_hits() == []  # pending: no alert until a regulator confirms


# --- item: rule A15 --------------------------------------------------------------------------


def test_a15_raises_a_red_alert_for_employed_staff_matching_an_entry_in_force(centre_a):
    person = StaffFactory(centre=centre_a, id_number=BANNED)
    StaffFactory(centre=centre_a)
    ban()
    result = engine.run_rule("A15", timezone.now())
    alert = Alert.objects.get(rule="A15")
    assert result.created == 1
    assert (alert.centre, alert.subject_id, alert.severity) == (centre_a, person.pk, "red")
    assert "Decision" not in alert.message  # the centre sees the alert, not the reason


@pytest.mark.parametrize("entry", [
    {"status": BS.LIFTED}, {"status": BS.PENDING},
    {"until": TODAY - dt.timedelta(days=1)}, {"days_ago": -3},
], ids=["lifted", "pending", "expired", "not-yet-begun"])
def test_a15_ignores_entries_not_in_force(centre_a, entry):
    StaffFactory(centre=centre_a, id_number=BANNED)
    ban(**entry)
    assert a15_hits() == []


def test_a15_ignores_staff_who_left(centre_a):
    StaffFactory(centre=centre_a, id_number=BANNED, employment_status=Staff.Employment.LEFT)
    ban()
    assert a15_hits() == []


def test_a15_lifting_resolves_the_alert(city_regulator, centre_a):
    StaffFactory(centre=centre_a, id_number=BANNED)
    entry = ban()
    engine.run_rule("A15", timezone.now())
    svc.lift_ban(entry=entry, by=city_regulator, reason="法院撤销")
    engine.run_rule("A15", timezone.now())
    assert not Alert.objects.open().filter(rule="A15").exists()


def test_a15_is_one_query_whatever_the_number_of_centres(db):
    StaffFactory(centre=CentreFactory(), id_number=BANNED)
    ban()
    few, hits = query_count(a15_hits)
    for n in range(4):
        StaffFactory(centre=CentreFactory(), id_number=id_number(910 + n))
        ban(id_number(910 + n))
    many, more = query_count(a15_hits)
    assert (len(hits), len(more)) == (1, 5)
    assert few == many == 1


# --- item: nothing in clear ------------------------------------------------------------------


def test_no_id_number_is_stored_in_clear(client_for, city_regulator, centre_a):
    StaffFactory(centre=centre_a, id_number=id_number(904), criminal_check_result="record")
    client = client_for(city_regulator)
    form = client.get(reverse("evaluation:ban-create")).context["form"]
    client.post(reverse("evaluation:ban-create"), entry_data(submission=form["submission"].value()))
    save_staff(staff=Staff.objects.get(), by=centre_manager(centre_a))
    assert BanListEntry.objects.count() == 2
    with connection.cursor() as cursor:
        for table in ("evaluation_banlistentry", "evaluation_banlistentryevent",
                      "core_auditevent"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            dump = repr(cursor.fetchall())
            for number in (BANNED, id_number(904)):
                assert number not in dump and number[:14] not in dump, table


def centre_manager(centre):
    from registry.models import CentreMembership
    from tests.factories import CentreUserFactory, MembershipFactory

    user = CentreUserFactory()
    MembershipFactory(user=user, centre=centre, role=CentreMembership.Role.MANAGER)
    return user


# --- item: the regulator's pages -------------------------------------------------------------


def entry_data(**overrides) -> dict:
    data = {"id_number": BANNED, "name": "王禁止", "reason": "decision", "incident": "",
            "details": "区卫健局决定", "valid_from": TODAY.isoformat(), "valid_until": ""}
    return data | overrides


def test_a_regulator_enters_a_ban_and_a15_is_queued(client_for, district_regulator):
    client = client_for(district_regulator)
    form = client.get(reverse("evaluation:ban-create")).context["form"]
    response = client.post(reverse("evaluation:ban-create"), entry_data(
        id_number=BANNED[:6] + " " + BANNED[6:].lower(), submission=form["submission"].value()))
    entry = BanListEntry.objects.get()
    assert response.status_code == 302
    assert (entry.status, entry.entered_by, entry.region.code, entry.valid_until) == (
        BS.ACTIVE, district_regulator, "510502", None)
    assert entry.id_number == BANNED
    assert a15_jobs() == 1
    assert AuditEvent.objects.filter(verb="ban_entered").count() == 1


@pytest.mark.parametrize(("bad", "field", "message"), [
    ({"id_number": "510502199001011230"}, "id_number", ""),
    ({"id_number": ""}, "id_number", ""),
    ({"name": "   "}, "name", ""),
    ({"reason": "gossip"}, "reason", ""),
    ({"valid_from": "2026-02-30"}, "valid_from", ""),
    ({"valid_until": (TODAY - dt.timedelta(days=1)).isoformat()}, "valid_until",
     "The end of the ban cannot be before its start."),
    ({"incident": "999999"}, "incident", "Choose an abuse incident in your jurisdiction."),
    ({"details": ""}, "details", ""),
], ids=["check-digit", "no-id", "blank-name", "reason", "date", "until", "incident",
        "details"])
def test_bad_ban_entries_are_refused_beside_the_field(client_for, district_regulator, bad,
                                                     field, message):
    client = client_for(district_regulator)
    form = client.get(reverse("evaluation:ban-create")).context["form"]
    response = client.post(reverse("evaluation:ban-create"), entry_data(
        submission=form["submission"].value(), **bad))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors and (not message or message in errors[field])
    assert not BanListEntry.objects.exists()


def test_an_abuse_incident_outside_the_jurisdiction_is_refused(client_for, district_regulator,
                                                              centre_b):
    incident = Incident.objects.create(
        centre=centre_b, occurred_at=timezone.now(), kind=Incident.Kind.ABUSE,
        severity=Incident.Severity.SERIOUS, description="疑似虐童")
    client = client_for(district_regulator)
    form = client.get(reverse("evaluation:ban-create")).context["form"]
    response = client.post(reverse("evaluation:ban-create"), entry_data(
        reason="abuse", incident=incident.pk, submission=form["submission"].value()))
    assert response.status_code == 422
    assert not BanListEntry.objects.exists()


def test_confirming_and_lifting(client_for, district_regulator, centre_a):
    entry = ban(status=BS.PENDING)
    client = client_for(district_regulator)
    bad = client.post(reverse("evaluation:ban-confirm", args=[entry.pk]), {
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY - dt.timedelta(days=1)).isoformat()})
    assert bad.status_code == 422 and "valid_until" in bad.context["confirm_form"].errors
    client.post(reverse("evaluation:ban-confirm", args=[entry.pk]), {
        "valid_from": TODAY.isoformat(), "valid_until": ""})
    entry.refresh_from_db()
    assert (entry.status, entry.confirmed_by) == (BS.ACTIVE, district_regulator)
    empty = client.post(reverse("evaluation:ban-lift", args=[entry.pk]), {"lift_reason": "  "})
    assert empty.status_code == 422 and "lift_reason" in empty.context["lift_form"].errors
    client.post(reverse("evaluation:ban-lift", args=[entry.pk]), {"lift_reason": "复议撤销"})
    entry.refresh_from_db()
    assert (entry.status, entry.lifted_by, entry.lift_reason) == (
        BS.LIFTED, district_regulator, "复议撤销")
    again = client.post(reverse("evaluation:ban-lift", args=[entry.pk]), {"lift_reason": "再"})
    assert again.status_code == 422
    page = client.get(reverse("evaluation:ban-detail", args=[entry.pk])).content.decode()
    assert "lifted a ban list entry" in page and "复议撤销" in page


def test_the_list_is_scoped_searchable_and_masks_id_numbers(client_for, district_regulator,
                                                           city_regulator):
    ban(name="甲在册")                                             # 江阳, active
    ban(id_number(905), name="乙待定", status=BS.PENDING)            # 江阳, pending
    ban(id_number(906), name="丙纳溪", region_code="510503")         # 纳溪, active
    ban(id_number(907), name="丁纳溪待定", region_code="510503", status=BS.PENDING)
    ban(id_number(908), name="戊已撤", region_code="510503", status=BS.LIFTED)
    url = reverse("evaluation:ban-list")
    page = client_for(district_regulator).get(url).content.decode()
    for shown in ("甲在册", "乙待定", "丙纳溪"):
        assert shown in page
    for hidden in ("丁纳溪待定", "戊已撤", BANNED):
        assert hidden not in page
    assert BANNED[:6] + "********" + BANNED[-4:] in page
    city = client_for(city_regulator)
    assert "戊已撤" in city.get(url).content.decode()
    searched = city.get(url, {"q": "纳溪", "status": "pending"}).content.decode()
    assert "丁纳溪待定" in searched and "丙纳溪" not in searched


def test_reading_an_entry_is_logged(client_for, district_regulator):
    entry = ban()
    client_for(district_regulator).get(reverse("evaluation:ban-detail", args=[entry.pk]))
    log = AccessLog.objects.get()
    assert (log.user, log.target_id) == (district_regulator, str(entry.pk))


def test_the_list_queries_do_not_grow_with_entries(client_for, city_regulator):
    client = client_for(city_regulator)
    ban()
    client.get(reverse("evaluation:ban-list"))  # the session is saved on the first request
    few, _ = query_count(client.get, reverse("evaluation:ban-list"))
    for n in range(6):
        ban(id_number(920 + n), status=BS.PENDING)
    many, _ = query_count(client.get, reverse("evaluation:ban-list"))
    assert few == many


def test_the_regulator_navigation_links_the_ban_list(client_for, district_regulator, manager):
    link = reverse("evaluation:ban-list")
    assert link in client_for(district_regulator).get(reverse("core:home"),
                                                      follow=True).content.decode()
    assert link not in client_for(manager).get(reverse("core:home"),
                                               follow=True).content.decode()


CENTRES_NEVER = {"manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                 "parent": FORBIDDEN, "anonymous": LOGIN}


def test_role_matrix_of_the_list_and_the_form(client_for, personas):
    ban(name="甲在册")
    ban(id_number(905), name="丁纳溪待定", region_code="510503", status=BS.PENDING)
    everyone = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK}
    assert_role_matrix(client_for, personas, reverse("evaluation:ban-list"),
                       expect=everyone | CENTRES_NEVER,
                       hidden={"district_regulator": ["丁纳溪待定"]},
                       shown={"other_regulator": ["丁纳溪待定", "甲在册"]})
    assert_role_matrix(client_for, personas, reverse("evaluation:ban-create"),
                       expect=everyone | CENTRES_NEVER)


def test_role_matrix_of_an_entry_and_its_actions(client_for, personas):
    pending = ban(id_number(905), name="丁纳溪待定", region_code="510503", status=BS.PENDING)
    assert_role_matrix(client_for, personas, reverse("evaluation:ban-detail", args=[pending.pk]),
                       expect={"city_regulator": OK, "district_regulator": NOT_FOUND,
                               "other_regulator": OK} | CENTRES_NEVER)
    active = ban(name="甲在册")
    # every regulator reads an active entry; only its region's (and the city) change it
    assert_role_matrix(client_for, personas, reverse("evaluation:ban-lift", args=[active.pk]),
                       method="post", data={"lift_reason": ""},
                       expect={"city_regulator": UNPROCESSABLE, "district_regulator": UNPROCESSABLE,
                               "other_regulator": FORBIDDEN} | CENTRES_NEVER)
    assert_role_matrix(client_for, personas, reverse("evaluation:ban-confirm",
                                                     args=[pending.pk]),
                       method="post", data={"valid_from": ""},
                       expect={"city_regulator": UNPROCESSABLE, "district_regulator": NOT_FOUND,
                               "other_regulator": UNPROCESSABLE} | CENTRES_NEVER)


def test_a_ban_resting_on_an_abuse_incident_links_its_source(client_for, district_regulator,
                                                            centre_a):
    incident = Incident.objects.create(
        centre=centre_a, occurred_at=timezone.now(), kind=Incident.Kind.ABUSE,
        severity=Incident.Severity.SERIOUS, description="疑似虐童", status=Incident.Status.CLOSED)
    client = client_for(district_regulator)
    form = client.get(reverse("evaluation:ban-create")).context["form"]
    response = client.post(reverse("evaluation:ban-create"), entry_data(
        reason="abuse", incident=incident.pk, submission=form["submission"].value()))
    entry = BanListEntry.objects.get()
    assert entry.incident == incident
    page = client.get(response["Location"]).content.decode()
    assert reverse("supervision:regulator-incident-detail", args=[incident.pk]) in page
