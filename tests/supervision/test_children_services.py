"""supervision.services.children: enrolment with consent, placement rules, checks, class moves,
withdrawal, readmission after a long absence, consents, and what a child lacks to attend."""

import datetime as dt

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.utils import translation

from luhuituo.core.models import AuditEvent
from supervision.models import (
    Child,
    ChildrenReport,
    Enrolment,
    Guardian,
    GuardianConsent,
    HealthCheck,
)
from supervision.services.children import (
    ChildError,
    MissingCheck,
    child_can_attend,
    children_figures,
    enrol_child,
    move_class,
    next_report_due,
    readmit_child,
    record_consent,
    record_health_check,
    record_vaccination_check,
    submit_children_report,
    with_checks,
    withdraw_child,
    withdraw_consent,
)
from tests.factories import ClassGroupFactory, id_number
from tests.factories.supervision import ChildFactory, enrolled_child

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _today():
    """A fixed day, and the service's messages in English (the msgids the tests match)."""
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC), tick=False), \
            translation.override("en"):
        yield


def born(months: int, days: int = 0) -> dt.date:
    return TODAY - relativedelta(months=months) - dt.timedelta(days=days)


def enrol(centre, actor, class_group, *, months=18, consent="paper", photos=False,
          started_on=TODAY, **child):
    return enrol_child(
        centre, by=actor,
        child_data={"name": "小明", "sex": "male", "birth_date": born(months), **child},
        guardian_data={"name": "王妈妈", "relation": "mother", "mobile": "13912345678"},
        consent_method=consent, photo_consent=photos, class_group=class_group,
        started_on=started_on, service_form="full_day")


def counts() -> tuple[int, ...]:
    return (Child.objects.count(), Guardian.objects.count(), GuardianConsent.objects.count(),
            Enrolment.objects.count())


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_records_child_guardian_consent_and_placement(manager, centre_a):
    group = ClassGroupFactory(centre=centre_a)
    child = enrol(centre_a, manager, group, id_number=id_number(7, born="20250528"))
    guardian = child.guardians.get()
    assert guardian.is_primary and guardian.mobile == "13912345678"
    consent = child.consents.get()
    assert (consent.purpose, consent.method, consent.rules_version, consent.recorded_by) == (
        "records", "paper", "2026-11", manager)
    enrolment = child.enrolments.get()
    assert (enrolment.class_group, enrolment.started_on, enrolment.ended_on) == (
        group, TODAY, None)
    assert child.status == Child.Status.ENROLLED and child.created_by == manager
    assert AuditEvent.objects.filter(verb="child_enrolled", target_id=str(child.pk)).exists()


def test_photo_consent_is_a_separate_record(staff, centre_a):
    child = enrol(centre_a, staff, ClassGroupFactory(centre=centre_a), photos=True)
    assert sorted(child.consents.values_list("purpose", flat=True)) == ["photos", "records"]


@pytest.mark.parametrize("consent", [None, "", "nodded"])
def test_no_records_consent_no_child(manager, centre_a, consent):
    with pytest.raises(ChildError, match="consent") as caught:
        enrol(centre_a, manager, ClassGroupFactory(centre=centre_a), consent=consent,
              photos=True)
    assert caught.value.field == "consent"
    assert counts() == (0, 0, 0, 0)


def test_a_class_of_another_centre_is_refused(manager, centre_a, centre_b):
    with pytest.raises(ChildError) as caught:
        enrol(centre_a, manager, ClassGroupFactory(centre=centre_b))
    assert caught.value.field == "class_group"
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("user", ["other_staff", "parent", "district_regulator"])
def test_only_the_centres_own_accounts_enrol(request, centre_a, user):
    with pytest.raises(PermissionDenied):
        enrol(centre_a, request.getfixturevalue(user), ClassGroupFactory(centre=centre_a))
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(("class_type", "months", "ok"), [
    ("infant", 5, False), ("infant", 6, True), ("infant", 11, True), ("infant", 12, False),
    ("toddler_small", 11, False), ("toddler_small", 12, True), ("toddler_small", 23, True),
    ("toddler_small", 24, False), ("toddler_large", 24, True), ("toddler_large", 35, True),
    ("toddler_large", 36, False), ("toddler_large", 40, False),
    ("mixed", 17, False), ("mixed", 18, True), ("mixed", 35, True), ("mixed", 36, False),
])
def test_age_in_months_on_the_start_day_must_fit_the_class_type(manager, centre_a,
                                                                class_type, months, ok):
    group = ClassGroupFactory(centre=centre_a, class_type=class_type, capacity=5)
    if ok:
        assert enrol(centre_a, manager, group, months=months).age_months(TODAY) == months
    else:
        with pytest.raises(ChildError) as caught:
            enrol(centre_a, manager, group, months=months)
        assert caught.value.field == "class_group"
        assert str(months) in str(caught.value)
        assert counts() == (0, 0, 0, 0)


def test_age_counts_whole_months_at_the_start_date_not_today(manager, centre_a):
    """17 months and 30 days today, 18 months on the start date a day later: fits mixed."""
    group = ClassGroupFactory(centre=centre_a, class_type="mixed", capacity=5)
    birth = dt.date(2025, 5, 29)
    with pytest.raises(ChildError, match="18"):
        enrol_child(centre_a, by=manager,
                    child_data={"name": "小", "sex": "male", "birth_date": birth},
                    guardian_data={"name": "妈", "relation": "mother", "mobile": "13912345678"},
                    consent_method="paper", photo_consent=False, class_group=group,
                    started_on=TODAY)
    child = enrol_child(centre_a, by=manager,
                        child_data={"name": "小", "sex": "male", "birth_date": birth},
                        guardian_data={"name": "妈", "relation": "mother",
                                       "mobile": "13912345678"},
                        consent_method="paper", photo_consent=False, class_group=group,
                        started_on=dt.date(2026, 11, 29))
    assert child.enrolments.get().started_on == dt.date(2026, 11, 29)


def test_under_six_months_only_when_the_setting_allows(manager, centre_a, settings):
    group = ClassGroupFactory(centre=centre_a, class_type="infant", capacity=5)
    with pytest.raises(ChildError, match="6 months"):
        enrol(centre_a, manager, group, months=4)
    settings.ALLOW_UNDER_SIX_MONTHS = True
    assert enrol(centre_a, manager, group, months=4).age_months(TODAY) == 4
    toddlers = ClassGroupFactory(centre=centre_a, class_type="toddler_small", capacity=5)
    with pytest.raises(ChildError):  # still only in an infant class
        enrol(centre_a, manager, toddlers, months=4)


def test_a_full_class_takes_no_more(manager, centre_a):
    group = ClassGroupFactory(centre=centre_a, capacity=2)
    enrolled_child(group)
    enrolled_child(group)
    with pytest.raises(ChildError, match="full") as caught:
        enrol(centre_a, manager, group)
    assert caught.value.field == "class_group"
    assert Child.objects.count() == 2


def test_places_never_exceed_the_class_types_maximum(manager, centre_a):
    """A capacity above the type's maximum (10 for an infant class) counts as 10."""
    group = ClassGroupFactory(centre=centre_a, class_type="infant", capacity=30)
    for _i in range(10):
        enrolled_child(group, birth_date=born(8))
    with pytest.raises(ChildError, match="10"):
        enrol(centre_a, manager, group, months=8)


def test_withdrawn_children_free_their_place(manager, centre_a):
    group = ClassGroupFactory(centre=centre_a, capacity=1)
    first = enrolled_child(group)
    withdraw_child(first, by=manager, on=TODAY, reason="搬家")
    assert enrol(centre_a, manager, group).enrolments.get().class_group == group


def test_the_same_id_number_twice_at_one_centre_is_refused(manager, centre_a):
    group = ClassGroupFactory(centre=centre_a)
    enrol(centre_a, manager, group, id_number=id_number(9, born="20250528"))
    with pytest.raises(ChildError, match="already registered") as caught:
        enrol(centre_a, manager, group, id_number=id_number(9, born="20250528"))
    assert caught.value.field == "id_number"
    assert Child.objects.count() == 1


# --- checks -------------------------------------------------------------------------------------


def test_checks_are_recorded_and_audited(staff, centre_a):
    child = ChildFactory(centre=centre_a)
    check = record_health_check(child, by=staff, data={
        "kind": "entry", "checked_on": TODAY, "institution": "江阳区妇幼保健院",
        "result": "passed", "notes": "体重偏轻"})
    assert check.recorded_by == staff and check.notes == "体重偏轻"
    vaccination = record_vaccination_check(child, by=staff, data={
        "checked_on": TODAY, "certificate_seen": True, "up_to_date": False,
        "missing": "麻腮风第二剂"})
    assert not vaccination.up_to_date
    assert set(AuditEvent.objects.values_list("verb", flat=True)) == {
        "health_check_recorded", "vaccination_check_recorded"}


def test_a_check_cannot_be_dated_in_the_future_or_before_birth(staff, centre_a):
    child = ChildFactory(centre=centre_a)
    for day in (TODAY + dt.timedelta(days=1), child.birth_date - dt.timedelta(days=1)):
        with pytest.raises(ChildError) as caught:
            record_health_check(child, by=staff, data={
                "kind": "entry", "checked_on": day, "institution": "医院", "result": "passed"})
        assert caught.value.field == "checked_on"
    assert not HealthCheck.objects.exists()


def test_other_centres_cannot_record_checks(other_staff, centre_a):
    child = ChildFactory(centre=centre_a)
    with pytest.raises(PermissionDenied):
        record_vaccination_check(child, by=other_staff, data={"checked_on": TODAY})


# --- class moves --------------------------------------------------------------------------------


def test_moving_class_closes_one_placement_and_opens_another(staff, centre_a):
    small = ClassGroupFactory(centre=centre_a, name="托小一班")
    mixed = ClassGroupFactory(centre=centre_a, name="混合班", class_type="mixed", capacity=5)
    child = enrolled_child(small, started_on=TODAY - dt.timedelta(days=30))
    new = move_class(child, by=staff, class_group=mixed, on=TODAY)
    old = child.enrolments.get(class_group=small)
    assert (old.ended_on, new.started_on, new.ended_on) == (TODAY, TODAY, None)
    assert "混合班" in old.end_reason
    assert AuditEvent.objects.filter(verb="child_moved").count() == 1


def test_a_move_follows_the_same_age_and_size_rules(staff, centre_a):
    small = ClassGroupFactory(centre=centre_a)
    infants = ClassGroupFactory(centre=centre_a, class_type="infant", capacity=5)
    full = ClassGroupFactory(centre=centre_a, capacity=1)
    enrolled_child(full)
    child = enrolled_child(small)  # 18 months old
    for group, text in ((infants, "18"), (full, "full"), (small, "already")):
        with pytest.raises(ChildError, match=text):
            move_class(child, by=staff, class_group=group, on=TODAY)
    assert child.enrolments.get().class_group == small


def test_a_withdrawn_child_is_readmitted_not_moved(manager, centre_a):
    small = ClassGroupFactory(centre=centre_a)
    child = enrolled_child(small)
    withdraw_child(child, by=manager, on=TODAY, reason="退托")
    with pytest.raises(ChildError, match="readmit"):
        move_class(child, by=manager, class_group=ClassGroupFactory(centre=centre_a),
                   on=TODAY)


# --- withdrawal ----------------------------------------------------------------------------------


def test_withdrawal_ends_the_placement(manager, centre_a):
    child = enrolled_child(ClassGroupFactory(centre=centre_a))
    withdraw_child(child, by=manager, on=TODAY, reason="家庭搬迁")
    child.refresh_from_db()
    assert (child.status, child.withdrawn_on, child.withdrawal_reason) == (
        "withdrawn", TODAY, "家庭搬迁")
    enrolment = child.enrolments.get()
    assert (enrolment.ended_on, enrolment.end_reason) == (TODAY, "家庭搬迁")
    with pytest.raises(ChildError, match="already"):
        withdraw_child(child, by=manager, on=TODAY, reason="again")


def test_only_managers_withdraw(staff, centre_a):
    child = enrolled_child(ClassGroupFactory(centre=centre_a))
    with pytest.raises(PermissionDenied):
        withdraw_child(child, by=staff, on=TODAY, reason="退托")
    assert Child.objects.get().status == "enrolled"


@pytest.mark.parametrize(("on", "reason", "field"), [
    (TODAY + dt.timedelta(days=1), "退托", "on"),
    (TODAY - dt.timedelta(days=365), "退托", "on"),  # before the placement started
    (TODAY, "  ", "reason"),
])
def test_withdrawal_bad_input(manager, centre_a, on, reason, field):
    child = enrolled_child(ClassGroupFactory(centre=centre_a))
    with pytest.raises(ChildError) as caught:
        withdraw_child(child, by=manager, on=on, reason=reason)
    assert caught.value.field == field
    assert Child.objects.get().status == "enrolled"
    assert child.enrolments.get().ended_on is None


# --- readmission ---------------------------------------------------------------------------------


@pytest.fixture
def left_child(manager, centre_a):
    """Withdrawn on 2026-08-28: three months before TODAY."""
    group = ClassGroupFactory(centre=centre_a, name="托小一班")
    child = enrolled_child(group, started_on=dt.date(2026, 3, 1))
    with time_machine.travel(dt.datetime(2026, 8, 28, 10, tzinfo=dt.UTC), tick=False):
        withdraw_child(child, by=manager, on=dt.date(2026, 8, 28), reason="回老家")
    child.refresh_from_db()
    return child


def test_back_within_three_months_needs_no_new_check(manager, left_child):
    group = left_child.enrolments.get().class_group
    enrolment = readmit_child(left_child, by=manager, class_group=group,
                              on=dt.date(2026, 11, 27))  # 2 months 30 days away
    left_child.refresh_from_db()
    assert left_child.status == "enrolled" and left_child.withdrawn_on is None
    assert enrolment.started_on == dt.date(2026, 11, 27)


def test_back_after_three_months_needs_a_new_health_check(manager, left_child):
    group = left_child.enrolments.get().class_group
    with pytest.raises(ChildError, match="new health check") as caught:
        readmit_child(left_child, by=manager, class_group=group, on=TODAY)
    assert caught.value.field == "on"
    left_child.refresh_from_db()
    assert left_child.status == "withdrawn" and left_child.enrolments.count() == 1


@pytest.mark.parametrize(("kind", "result", "checked_on", "ok"), [
    ("return", "passed", dt.date(2026, 11, 20), True),
    ("return", "failed", dt.date(2026, 11, 20), False),
    ("periodic", "passed", dt.date(2026, 11, 20), False),
    ("return", "passed", dt.date(2026, 8, 20), False),  # before the child left
])
def test_which_health_check_lets_the_child_back(manager, left_child, kind, result,
                                                 checked_on, ok):
    HealthCheck.objects.create(child=left_child, kind=kind, result=result,
                               checked_on=checked_on, institution="江阳区妇幼保健院")
    group = left_child.enrolments.get().class_group
    if ok:
        readmit_child(left_child, by=manager, class_group=group, on=TODAY)
        assert child_can_attend(left_child, TODAY) == []
    else:
        with pytest.raises(ChildError, match="new health check"):
            readmit_child(left_child, by=manager, class_group=group, on=TODAY)


def test_a_return_check_older_than_its_validity_does_not_count(manager, left_child, settings):
    settings.ENTRY_HEALTH_CHECK_VALID_MONTHS = 1
    HealthCheck.objects.create(child=left_child, kind="return", result="passed",
                               checked_on=dt.date(2026, 10, 1), institution="医院")
    group = left_child.enrolments.get().class_group
    with pytest.raises(ChildError, match="new health check"):
        readmit_child(left_child, by=manager, class_group=group, on=TODAY)


def test_readmission_follows_the_age_rules(manager, left_child, centre_a):
    infants = ClassGroupFactory(centre=centre_a, class_type="infant", capacity=5)
    HealthCheck.objects.create(child=left_child, kind="return", result="passed",
                               checked_on=TODAY, institution="医院")
    with pytest.raises(ChildError) as caught:
        readmit_child(left_child, by=manager, class_group=infants, on=TODAY)
    assert caught.value.field == "class_group"


def test_an_enrolled_child_cannot_be_readmitted(manager, centre_a):
    group = ClassGroupFactory(centre=centre_a)
    child = enrolled_child(group)
    with pytest.raises(ChildError, match="enrolled"):
        readmit_child(child, by=manager, class_group=group, on=TODAY)


# --- consents -----------------------------------------------------------------------------------


def test_withdrawing_records_consent_ends_the_placement_and_freezes_the_record(manager,
                                                                            centre_a):
    group = ClassGroupFactory(centre=centre_a)
    child = enrolled_child(group)
    guardian = child.guardians.get()
    photos = record_consent(child, by=manager, guardian=guardian, purpose="photos",
                            method="paper")
    records = child.consents.get(purpose="records")
    withdraw_consent(records, by=manager)
    child.refresh_from_db()
    assert child.status == "withdrawn" and child.enrolments.get().ended_on == TODAY
    photos.refresh_from_db()
    assert photos.withdrawn_at is not None  # photos rest on the records consent
    with pytest.raises(ChildError, match="withdrawn consent"):
        record_health_check(child, by=manager, data={
            "kind": "entry", "checked_on": TODAY, "institution": "医院", "result": "passed"})
    with pytest.raises(ChildError, match="withdrawn consent"):
        readmit_child(child, by=manager, class_group=group, on=TODAY)
    # A new records consent lets the centre record again.
    record_consent(child, by=manager, guardian=guardian, purpose="records", method="paper")
    readmit_child(child, by=manager, class_group=group, on=TODAY)
    assert Child.objects.get().status == "enrolled"


def test_withdrawing_photo_consent_leaves_the_placement(manager, centre_a):
    child = enrolled_child(ClassGroupFactory(centre=centre_a))
    photos = record_consent(child, by=manager, guardian=child.guardians.get(),
                            purpose="photos", method="online")
    withdraw_consent(photos, by=manager)
    child.refresh_from_db()
    assert child.status == "enrolled"
    assert child.consents.get(purpose="records").withdrawn_at is None
    with pytest.raises(ChildError, match="already"):
        withdraw_consent(photos, by=manager)


def test_only_managers_record_a_withdrawn_consent(staff, centre_a):
    child = enrolled_child(ClassGroupFactory(centre=centre_a))
    with pytest.raises(PermissionDenied):
        withdraw_consent(child.consents.get(), by=staff)


def test_a_new_consent_replaces_the_active_one(staff, centre_a):
    child = ChildFactory(centre=centre_a)
    old = child.consents.get()
    new = record_consent(child, by=staff, guardian=child.guardians.get(), purpose="records",
                         method="in_person")
    old.refresh_from_db()
    assert old.withdrawn_at is not None and new.withdrawn_at is None


def test_a_consent_from_another_childs_guardian_is_refused(staff, centre_a):
    child, other = ChildFactory(centre=centre_a), ChildFactory(centre=centre_a)
    with pytest.raises(ChildError) as caught:
        record_consent(child, by=staff, guardian=other.guardians.get(), purpose="photos",
                       method="paper")
    assert caught.value.field == "guardian"


# --- can the child attend? ---------------------------------------------------------------------


def test_a_child_with_both_checks_can_attend(centre_a):
    child = enrolled_child(ClassGroupFactory(centre=centre_a))
    assert child_can_attend(child, TODAY) == []


def test_missing_checks_are_named(centre_a):
    child = enrolled_child(ClassGroupFactory(centre=centre_a), checks=False)
    assert [m.code for m in child_can_attend(child, TODAY)] == [
        MissingCheck.ENTRY_CHECK, MissingCheck.VACCINATION]
    HealthCheck.objects.create(child=child, kind="entry", result="failed", checked_on=TODAY,
                               institution="医院")
    assert MissingCheck.ENTRY_CHECK in [m.code for m in child_can_attend(child, TODAY)]


def test_a_return_after_a_long_gap_without_a_new_check_is_named(centre_a):
    group = ClassGroupFactory(centre=centre_a)
    child = enrolled_child(group, started_on=dt.date(2026, 1, 5))
    Enrolment.objects.filter(child=child).update(ended_on=dt.date(2026, 6, 1))
    Enrolment.objects.create(child=child, class_group=group, started_on=dt.date(2026, 10, 1))
    assert [m.code for m in child_can_attend(child, TODAY)] == [MissingCheck.RETURN_CHECK]
    # on a day of the first placement, nothing was missing
    assert child_can_attend(child, dt.date(2026, 3, 1)) == []
    HealthCheck.objects.create(child=child, kind="return", result="passed",
                               checked_on=dt.date(2026, 9, 25), institution="医院")
    assert child_can_attend(child, TODAY) == []


def test_child_can_attend_makes_no_query_with_the_prefetch(centre_a,
                                                            django_assert_num_queries):
    group = ClassGroupFactory(centre=centre_a)
    for _i in range(3):
        enrolled_child(group)
    with django_assert_num_queries(4):  # children + enrolments + health + vaccination
        children = list(with_checks(Child.objects.all()))
        for child in children:
            child_can_attend(child, TODAY)
            assert child.current_enrolment.class_group == group


# --- 定期报送 ---------------------------------------------------------------------------------


def test_report_figures_by_class_type_and_age(manager, centre_a, centre_b):
    small = ClassGroupFactory(centre=centre_a)
    large = ClassGroupFactory(centre=centre_a, class_type="toddler_large")
    enrolled_child(small, birth_date=born(13))
    enrolled_child(small, birth_date=born(20))
    enrolled_child(large, birth_date=born(30))
    gone = enrolled_child(large, birth_date=born(30))
    withdraw_child(gone, by=manager, on=TODAY, reason="退托")
    enrolled_child(ClassGroupFactory(centre=centre_b), birth_date=born(13))
    figures = children_figures(centre_a, TODAY)
    assert figures["enrolled"] == 3
    assert figures["by_class_type"] == {"infant": 0, "toddler_small": 2, "toddler_large": 1,
                                        "mixed": 0}
    assert figures["by_age_band"] == {"0-5": 0, "6-11": 0, "12-17": 1, "18-23": 1,
                                      "24-35": 1, "36+": 0}
    assert next_report_due(centre_a) == TODAY
    report = submit_children_report(centre_a, by=manager)
    assert report.enrolled == 3 and report.figures["by_class_type"]["toddler_small"] == 2
    assert next_report_due(centre_a) == TODAY + dt.timedelta(days=90)


def test_only_managers_submit_the_report(staff, centre_a):
    with pytest.raises(PermissionDenied):
        submit_children_report(centre_a, by=staff)
    assert not ChildrenReport.objects.exists()
