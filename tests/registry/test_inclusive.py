"""Inclusive (普惠) status (issue "Rules that can be dodged", item 5): the district bureau (or the
city) recognises a centre as inclusive and revokes that, from a date and on a basis, with every
decision kept; the centre's own forms, change filings and the Excel import no longer set it."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils.translation import gettext

from luhuituo.core.models import AuditEvent, DisposableIncome, Notification, RegulatorScope
from registry import inclusive
from registry.changes import accept_change
from registry.forms import CentreProfileForm, ChangeFilingForm
from registry.imports import COLUMNS
from registry.models import Centre, ChangeFiling, Filing, ImportJob, InclusiveDecision
from tests.factories import FeeScheduleFactory, RegulatorFactory, filing_for, region
from tests.registry.test_centre_pages import profile_data
from tests.registry.test_import import good_row, run
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_ALLOWED, NOT_FOUND, Outcome, assert_role_matrix

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 28)
UNPROCESSABLE = Outcome("422 form error", 422)
BASIS = "江卫发〔2026〕12号"


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def decide(client, centre, action="recognise", **data):
    data = {"action": action, "effective_on": "2026-11-20", "basis": BASIS} | data
    return client.post(url("inclusive-decide", centre.pk), data)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2026, 11, 28, 2, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def filed(centre_a):
    filing_for(centre_a, Filing.Status.VERIFIED)
    return centre_a


# --- the centre can no longer grant it to itself ---------------------------------------------


def test_the_profile_form_offers_no_inclusive_checkbox(client_for, manager, centre_a):
    client = client_for(manager)
    page = client.get(url("centre-profile", centre_a.pk)).content.decode()
    assert 'name="is_inclusive"' not in page
    assert "is_inclusive" not in CentreProfileForm.base_fields
    response = client.post(url("centre-profile", centre_a.pk), profile_data(is_inclusive="on"))
    assert response.status_code == 302
    centre_a.refresh_from_db()
    assert centre_a.is_inclusive is False
    assert not InclusiveDecision.objects.exists()


def test_the_centre_sees_its_status_read_only(client_for, manager, district_regulator, filed):
    client = client_for(manager)
    page = client.get(url("centre-profile", filed.pk)).content.decode()
    assert gettext("Not recognised") in page
    inclusive.recognise_inclusive(centre=filed, by=district_regulator, effective_on=TODAY,
                                  basis=BASIS)
    page = client.get(url("centre-profile", filed.pk)).content.decode()
    assert gettext("Recognised by the district health bureau") in page


def test_a_change_filing_cannot_propose_it(filed, manager, district_regulator):
    assert "is_inclusive" not in ChangeFilingForm.base_fields
    assert "is_inclusive" not in ChangeFiling.FIELD_KINDS
    # a change proposed before the field left the form is applied without it
    change = ChangeFiling.objects.create(
        centre=filed, kinds=["name", "other"], reason="改名", submitted_by=manager,
        proposed={"name": "新名托育园", "is_inclusive": True})
    accept_change(change=change, by=district_regulator)
    filed.refresh_from_db()
    assert (filed.name, filed.is_inclusive) == ("新名托育园", False)


def test_an_import_never_marks_a_centre_inclusive(district_regulator):
    import io

    from openpyxl import Workbook

    assert "是否普惠" not in [column.header for column in COLUMNS]
    book = Workbook()
    headers = [c.header for c in COLUMNS] + ["是否普惠"]  # a file made from the old template
    book.active.append(headers)
    book.active.append([good_row(1).get(c.field) for c in COLUMNS] + ["是"])
    buffer = io.BytesIO()
    book.save(buffer)
    job = run(district_regulator, buffer.getvalue(), ImportJob.Mode.ALL)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Centre.objects.get(name="导入托育园1").is_inclusive is False


# --- the bureau recognises and revokes it ----------------------------------------------------


def test_the_district_recognises_and_revokes_with_history(
        client_for, district_regulator, manager, filed, django_capture_on_commit_callbacks):
    client = client_for(district_regulator)
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, filed)
    assert response.status_code == 302
    assert response["Location"] == url("centre-detail", filed.pk) + "#inclusive"
    filed.refresh_from_db()
    assert filed.is_inclusive is True
    first = InclusiveDecision.objects.get()
    assert (first.action, first.effective_on, first.basis, first.decided_by) == (
        "recognised", dt.date(2026, 11, 20), BASIS, district_regulator)
    event = AuditEvent.objects.get(verb="inclusive_recognised")
    assert event.actor == district_regulator and event.target_id == str(filed.pk)
    assert event.details["basis"] == BASIS and event.details["effective_on"] == "2026-11-20"
    assert Notification.objects.filter(recipient=manager, title__contains=filed.name).exists()
    assert client.get(url("centre-list"), {"inclusive": "yes"}).context["page"].object_list[
        0] == filed

    response = decide(client, filed, "revoke", effective_on="2026-11-27",
                      basis="年度复核未通过：收费超过普惠限价")
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.is_inclusive is False
    assert list(InclusiveDecision.objects.values_list("action", flat=True)) == [
        "revoked", "recognised"]
    assert AuditEvent.objects.filter(verb="inclusive_revoked", actor=district_regulator).exists()
    assert not client.get(url("centre-list"), {"inclusive": "yes"}).context["page"].object_list

    page = client.get(url("centre-detail", filed.pk)).content.decode()
    for shown in (BASIS, "年度复核未通过：收费超过普惠限价", "2026年11月20日", "2026年11月27日",
                  district_regulator.name, gettext("Recognised as inclusive"),
                  gettext("Recognition revoked")):
        assert shown in page, shown


def test_the_city_may_decide_for_any_district(client_for, city_regulator, centre_b):
    filing_for(centre_b, Filing.Status.FILED)
    assert decide(client_for(city_regulator), centre_b).status_code == 302
    centre_b.refresh_from_db()
    assert centre_b.is_inclusive


NO_BASIS = "Give the basis: the decision document's number, or the reason."
NO_DATE = "Give the date the decision takes effect."


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"basis": ""}, "basis", NO_BASIS),
    ({"basis": "   "}, "basis", NO_BASIS),
    ({"effective_on": ""}, "effective_on", NO_DATE),
    ({"effective_on": "2026-11-29"}, "effective_on", "The date cannot be in the future."),
    ({"effective_on": "2026-13-01"}, "effective_on", None),
    ({"basis": "x" * 501}, "basis", None),
])
def test_bad_inputs_are_refused_beside_the_field(client_for, district_regulator, filed, data,
                                                 field, message):
    response = decide(client_for(district_regulator), filed, **data)
    assert response.status_code == 422
    errors = response.context["inclusive_form"].errors
    assert field in errors
    if message:
        assert gettext(message) in errors[field], errors
    assert 'class="field-error"' in response.content.decode()
    filed.refresh_from_db()
    assert filed.is_inclusive is False
    assert not InclusiveDecision.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="inclusive").exists()


def test_revoking_a_centre_that_is_not_recognised_is_refused(client_for, district_regulator,
                                                            filed):
    response = decide(client_for(district_regulator), filed, "revoke")
    assert response.status_code == 422
    assert response.context["inclusive_form"].non_field_errors() == [
        gettext("This centre is not recognised as inclusive.")]
    assert not InclusiveDecision.objects.exists()


def test_a_double_submit_records_one_decision(client_for, district_regulator, filed):
    client = client_for(district_regulator)
    assert decide(client, filed).status_code == 302
    again = decide(client, filed)
    assert again.status_code == 422
    assert again.context["inclusive_form"].non_field_errors() == [
        gettext("This centre is already recognised as inclusive.")]
    assert InclusiveDecision.objects.count() == 1
    assert AuditEvent.objects.filter(verb="inclusive_recognised").count() == 1


def test_a_decision_cannot_predate_the_previous_one(district_regulator, filed):
    inclusive.recognise_inclusive(centre=filed, by=district_regulator,
                                  effective_on=dt.date(2026, 11, 20), basis=BASIS)
    with pytest.raises(inclusive.InclusiveError) as error:
        inclusive.revoke_inclusive(centre=filed, by=district_regulator,
                                   effective_on=dt.date(2026, 11, 1), basis="撤销")
    assert error.value.field == "effective_on"
    assert Centre.objects.get(pk=filed.pk).is_inclusive


@pytest.mark.parametrize("status", [Filing.Status.DRAFT, Filing.Status.SUBMITTED,
                                    Filing.Status.DEREGISTERED])
def test_only_a_filed_centre_can_be_recognised(client_for, district_regulator, centre_a, status):
    filing_for(centre_a, status)
    response = decide(client_for(district_regulator), centre_a)
    assert response.status_code == 422
    assert not Centre.objects.get(pk=centre_a.pk).is_inclusive


def test_the_service_checks_what_the_form_checks(district_regulator, filed):
    for kwargs in ({"effective_on": None, "basis": BASIS},
                   {"effective_on": TODAY + dt.timedelta(days=1), "basis": BASIS},
                   {"effective_on": TODAY, "basis": " "}):
        with pytest.raises(inclusive.InclusiveError):
            inclusive.recognise_inclusive(centre=filed, by=district_regulator, **kwargs)
    assert not InclusiveDecision.objects.exists()


def test_deregistration_ends_the_recognition(district_regulator, filed):
    from registry import services

    inclusive.recognise_inclusive(centre=filed, by=district_regulator,
                                  effective_on=dt.date(2026, 11, 1), basis=BASIS)
    Filing.objects.filter(centre=filed).update(status=Filing.Status.TERMINATING)
    services.deregister_filing(filing=filed.filing, by=district_regulator)
    filed.refresh_from_db()
    assert filed.is_inclusive is False
    last = filed.inclusive_decisions.first()
    assert (last.action, last.effective_on, last.basis) == (
        "revoked", TODAY, gettext("The centre's filing was deregistered."))


# --- who may decide ----------------------------------------------------------------------------


def test_decide_url_role_matrix(client_for, personas, filed):
    from tests.conftest import PERSONAS

    expect = {"city_regulator": UNPROCESSABLE, "district_regulator": UNPROCESSABLE,
              "other_regulator": NOT_FOUND, "manager": FORBIDDEN, "staff": FORBIDDEN,
              "other_staff": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
    # without a basis: a form error for those who may decide, nothing changes for anyone
    assert_role_matrix(client_for, personas, url("inclusive-decide", filed.pk), method="post",
                       data={"action": "recognise", "effective_on": "2026-11-20"}, expect=expect)
    assert_role_matrix(client_for, personas, url("inclusive-decide", filed.pk),
                       expect=dict.fromkeys(PERSONAS, NOT_ALLOWED))
    assert not InclusiveDecision.objects.exists()


def test_other_districts_and_assessors_cannot_decide(client_for, other_regulator, filed):
    assert decide(client_for(other_regulator), filed).status_code == 404
    assessor = RegulatorFactory(username="assessor_jy", region_code="510502")
    RegulatorScope.objects.filter(user=assessor).update(role=RegulatorScope.Role.ASSESSOR)
    assert decide(client_for(assessor), filed).status_code == 403
    page = client_for(assessor).get(url("centre-detail", filed.pk)).content.decode()
    assert url("inclusive-decide", filed.pk) not in page
    assert not InclusiveDecision.objects.exists()


def test_an_unknown_action_is_a_bad_request(client_for, district_regulator, filed):
    assert decide(client_for(district_regulator), filed, "grant").status_code == 400


# --- the price cap on the centre page ----------------------------------------------------------


def test_the_centre_page_shows_the_cap_its_source_and_the_fees_above_it(
        client_for, district_regulator, filed):
    DisposableIncome.objects.all().delete()
    DisposableIncome.objects.create(region=region("510500"), year=2025, kind="urban",
                                    annual_yuan=48_000, source="泸州市2025年统计公报")
    FeeScheduleFactory(centre=filed, effective_from=dt.date(2026, 1, 1),
                       toddler_small_fee=Decimal(1250))
    inclusive.recognise_inclusive(centre=filed, by=district_regulator, effective_on=TODAY,
                                  basis=BASIS)
    page = client_for(district_regulator).get(url("centre-detail", filed.pk)).content.decode()
    for shown in ("1200.00", "48000", "泸州市2025年统计公报", gettext("not verified"), "1250"):
        assert shown in page, shown


def test_the_centre_page_says_when_no_income_figure_is_loaded(client_for, district_regulator,
                                                             filed):
    DisposableIncome.objects.all().delete()
    response = client_for(district_regulator).get(url("centre-detail", filed.pk))
    assert response.context["price_cap"] is None
    assert "泸州市/江阳区" in response.context["price_cap_missing"]
    assert "A29" in response.content.decode()


# --- the centre applies; the bureau answers ---------------------------------------------------


def apply(client, centre, basis="保育费每月980元，低于普惠限价；提供托位80个"):
    return client.post(url("inclusive-status", centre.pk), {"basis": basis})


def test_the_manager_applies_and_the_district_recognises(
        client_for, manager, district_regulator, filed, django_capture_on_commit_callbacks):
    client = client_for(manager)
    page = client.get(url("inclusive-status", filed.pk)).content.decode()
    assert 'name="basis"' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert apply(client, filed).status_code == 302
    application = InclusiveDecision.objects.get()
    assert (application.action, application.decided_by) == ("applied", manager)
    assert AuditEvent.objects.filter(verb="inclusive_applied", actor=manager).exists()
    assert Notification.objects.filter(recipient=district_regulator).exists()
    filed.refresh_from_db()
    assert filed.is_inclusive is False  # applying grants nothing
    assert 'name="basis"' not in client.get(url("inclusive-status", filed.pk)).content.decode()

    bureau = client_for(district_regulator)
    page = bureau.get(url("centre-detail", filed.pk)).content.decode()
    assert "保育费每月980元" in page and 'name="decline-basis"' in page
    # the decision may take effect before the application's date (the document came first)
    assert decide(bureau, filed, effective_on="2026-11-20").status_code == 302
    filed.refresh_from_db()
    assert filed.is_inclusive
    page = client.get(url("inclusive-status", filed.pk)).content.decode()
    assert BASIS in page and "保育费每月980元" in page


def test_the_district_declines_and_the_centre_may_apply_again(client_for, manager,
                                                             district_regulator, filed):
    assert apply(client_for(manager), filed).status_code == 302
    bureau = client_for(district_regulator)
    response = bureau.post(url("inclusive-decide", filed.pk),
                           {"action": "decline", "decline-basis": "收费标准高于限价"})
    assert response.status_code == 302
    assert InclusiveDecision.objects.first().action == "declined"
    assert AuditEvent.objects.filter(verb="inclusive_declined").exists()
    assert not Centre.objects.get(pk=filed.pk).is_inclusive
    assert apply(client_for(manager), filed).status_code == 302


def test_bad_applications_are_refused(client_for, manager, district_regulator, filed, staff):
    client = client_for(manager)
    empty = apply(client, filed, basis="  ")
    assert empty.status_code == 422
    assert "basis" in empty.context["form"].errors
    assert client_for(staff).post(url("inclusive-status", filed.pk),
                                  {"basis": "x"}).status_code == 403
    assert not InclusiveDecision.objects.exists()
    assert apply(client, filed).status_code == 302
    twice = apply(client, filed)
    assert twice.status_code == 422
    assert twice.context["form"].non_field_errors() == [
        gettext("The centre's application is already waiting for the bureau.")]
    assert InclusiveDecision.objects.count() == 1


def test_a_centre_not_yet_filed_cannot_apply(client_for, manager, centre_a):
    client = client_for(manager)
    assert 'name="basis"' not in client.get(url("inclusive-status", centre_a.pk)).content.decode()
    assert apply(client, centre_a).status_code == 422
    assert not InclusiveDecision.objects.exists()


def test_bad_declines_are_refused(client_for, manager, district_regulator, filed):
    bureau = client_for(district_regulator)
    nothing = bureau.post(url("inclusive-decide", filed.pk),
                          {"action": "decline", "decline-basis": "不符合"})
    assert nothing.status_code == 422
    assert nothing.context["decline_form"].non_field_errors() == [
        gettext("There is no application waiting to be answered.")]
    apply(client_for(manager), filed)
    blank = bureau.post(url("inclusive-decide", filed.pk), {"action": "decline"})
    assert blank.status_code == 422 and "basis" in blank.context["decline_form"].errors
    assert list(InclusiveDecision.objects.values_list("action", flat=True)) == ["applied"]


def test_inclusive_status_page_role_matrix(client_for, personas, filed):
    from tests.registry.test_centre_pages import MEMBERS

    assert_role_matrix(client_for, personas, url("inclusive-status", filed.pk), expect=MEMBERS)
