"""Every transition of the filing workflow (docs/rules/filing.md#filing-workflow), legal and
illegal, with who may act."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.models import AuditEvent, Notification, RegulatorScope
from luhuituo.core.uploads import check_upload
from registry import services
from registry.models import (
    Centre,
    ClassGroup,
    Filing,
    FilingMaterial,
    MaterialKind,
    Staff,
    required_material_kinds,
)
from tests.factories import RegulatorFactory, pdf_bytes, region

pytestmark = pytest.mark.django_db
S = Filing.Status
SHANGHAI = ZoneInfo("Asia/Shanghai")
PDF = pdf_bytes("material")


def pdf(name="material.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def valid_uscc(n: int) -> str:
    """A distinct, valid unified social credit code for each n."""
    body = f"91510502MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def complete(centre: Centre) -> Centre:
    """Fill in everything a filing needs: details, a class, a staff member."""
    Centre.objects.filter(pk=centre.pk).update(
        legal_form=Centre.LegalForm.ENTERPRISE, uscc=valid_uscc(centre.pk),
        kind=Centre.Kind.COMMUNITY, address="江阳区大山坪街道1号", latitude="28.871",
        longitude="105.442", service_forms=["full_day"], approved_places=40,
        tenure=Centre.Tenure.OWNED, contact_phone="0830-2345678",
        legal_representative="张三", principal_name="张丽",
    )
    centre.refresh_from_db()
    ClassGroup.objects.create(centre=centre, name="小一班", class_type="toddler_small",
                              capacity=15)
    Staff.objects.create(centre=centre, name="刘芳", role=Staff.Role.CARER,
                         id_number="510502199001011248")
    Filing.objects.get_or_create(centre=centre)
    return centre


def upload_all(filing: Filing, by) -> None:
    for kind, staff in required_material_kinds(filing.centre):
        upload = pdf()
        services.upload_material(filing=filing, by=by, kind=kind, staff=staff, uploaded=upload,
                                 checked=check_upload(upload))


@pytest.fixture
def filing(centre_a, manager):
    centre = complete(centre_a)
    filing = centre.filing
    upload_all(filing, manager)
    return filing


def submit(filing, manager):
    return services.submit_filing(filing=filing, by=manager, commitment=True)


# The centre ``complete`` makes is enough to file, not in order for the reviewer's pre-flight
# check (tests/registry/test_preflight.py): these workflow tests accept it with a reason.
CHECKED_ON_SITE = "现场核实后受理"


def accept(filing, regulator):
    return services.accept_filing(filing=filing, by=regulator, findings_reason=CHECKED_ON_SITE)


STEPS = {
    "submit": lambda f, m, r: submit(f, m),
    "return": lambda f, m, r: services.return_filing(filing=f, by=r, reasons={}, note="补充材料"),
    "accept": lambda f, m, r: accept(f, r),
    "start": lambda f, m, r: services.start_verification(filing=f, by=r),
    "verify": lambda f, m, r: services.verify_filing(filing=f, by=r),
    "nonconforming": lambda f, m, r: services.find_nonconforming(filing=f, by=r,
                                                                 notice="户外场地不足"),
    "rectify": lambda f, m, r: services.submit_rectification(filing=f, by=m,
                                                             note="已扩建户外场地"),
    "suspend": lambda f, m, r: services.suspend_filing(filing=f, by=r, reason="停业整顿"),
    "terminate": lambda f, m, r: services.request_termination(
        filing=f, by=m, reason="停止办学", children_settled="已转至他园",
        staff_settled="已妥善安置", fees_refunded="已全额退还"),
    "deregister": lambda f, m, r: services.deregister_filing(filing=f, by=r),
}
# The steps that take a draft filing to each state along the workflow.
PATHS = {
    S.DRAFT: [],
    S.SUBMITTED: ["submit"],
    S.RETURNED: ["submit", "return"],
    S.FILED: ["submit", "accept"],
    S.UNDER_VERIFICATION: ["submit", "accept", "start"],
    S.VERIFIED: ["submit", "accept", "start", "verify"],
    S.NONCONFORMING: ["submit", "accept", "start", "nonconforming"],
    S.RECTIFYING: ["submit", "accept", "start", "nonconforming", "rectify"],
    S.SUSPENDED: ["submit", "accept", "suspend"],
    S.TERMINATING: ["submit", "accept", "terminate"],
    S.DEREGISTERED: ["submit", "accept", "terminate", "deregister"],
}


def to_status(filing, status, manager, regulator):
    for step in PATHS[status]:
        STEPS[step](filing, manager, regulator)
    filing.refresh_from_db()
    assert filing.status == status
    return filing


# --- the main path -------------------------------------------------------------------------


def test_submit_starts_the_five_working_day_clock_across_national_day(
        filing, manager, district_regulator, django_capture_on_commit_callbacks):
    # Submitted on 30 September 2026: 1–7 October are holidays, Saturday 10 October is a
    # make-up working day, so the fifth working day is Tuesday 13 October.
    with time_machine.travel(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        filing = submit(filing, manager)
    assert filing.status == S.SUBMITTED
    assert filing.receipt_due.astimezone(SHANGHAI).date() == date(2026, 10, 13)
    assert filing.commitment_signed_by == manager
    note = Notification.objects.get(recipient=district_regulator)
    assert filing.centre.name in note.title
    assert note.url == f"/regulator/filings/{filing.centre_id}/"
    event = AuditEvent.objects.get(verb="filing_submitted")
    assert event.actor == manager and event.details == {"from": "draft", "to": "submitted"}


def test_return_with_reasons_then_correct_and_resubmit(
        filing, manager, district_regulator, django_capture_on_commit_callbacks):
    submit(filing, manager)
    fire = next(m for m in filing.current_materials() if m.kind == MaterialKind.FIRE_SAFETY)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_filing(filing=filing, by=district_regulator,
                               reasons={fire.pk: "消防检查合格证明已过期"}, note="请补正")
    filing.refresh_from_db()
    fire.refresh_from_db()
    assert filing.status == S.RETURNED
    assert fire.verdict == FilingMaterial.Verdict.RETURNED
    assert fire.return_reason == "消防检查合格证明已过期"
    message = Notification.objects.get(recipient=manager)
    assert "消防检查合格证明已过期" in message.body

    # Not resubmittable until the returned material is replaced.
    with pytest.raises(services.FilingError, match=r"消防|fire|Fire"):
        submit(filing, manager)
    upload = pdf("新消防证明.pdf")
    services.upload_material(filing=filing, by=manager, kind=MaterialKind.FIRE_SAFETY,
                             uploaded=upload, checked=check_upload(upload))
    filing = submit(filing, manager)
    assert filing.status == S.SUBMITTED
    assert AuditEvent.objects.filter(verb="filing_resubmitted").count() == 1


def test_accept_issues_a_filing_number_per_district_and_year(
        filing, manager, district_regulator, centre_b, other_staff):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        submit(filing, manager)
        filing = accept(filing, district_regulator)
    assert filing.status == S.FILED
    assert filing.filing_no == "510502-2026-0001"
    assert filing.notice_due.astimezone(SHANGHAI).date() == date(2026, 11, 23)
    assert set(filing.materials.values_list("verdict", flat=True)) == {"accepted"}


def test_filing_numbers_count_up(centre_a, manager, district_regulator):
    from registry.models import FilingNumberSequence

    FilingNumberSequence.objects.create(region=region("510502"), year=2026, last=41)
    filing = complete(centre_a).filing
    upload_all(filing, manager)
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        submit(filing, manager)
        assert accept(filing, district_regulator).filing_no == \
            "510502-2026-0042"


def test_verification_rectification_and_public_listing(filing, manager, district_regulator):
    to_status(filing, S.NONCONFORMING, manager, district_regulator)
    assert not Centre.objects.listed_publicly().exists()
    assert filing.nonconformity_notice == "户外场地不足"
    services.submit_rectification(filing=filing, by=manager, note="已扩建户外场地")
    services.verify_filing(filing=filing, by=district_regulator, note="复核通过")
    filing.refresh_from_db()
    assert filing.status == S.VERIFIED
    assert list(Centre.objects.listed_publicly()) == [filing.centre]


def test_suspend_and_lift(filing, manager, district_regulator):
    to_status(filing, S.VERIFIED, manager, district_regulator)
    services.suspend_filing(filing=filing, by=district_regulator, reason="发生安全事故")
    filing.refresh_from_db()
    assert filing.status == S.SUSPENDED and not Centre.objects.listed_publicly().exists()
    services.lift_suspension(filing=filing, by=district_regulator)
    filing.refresh_from_db()
    assert filing.status == S.VERIFIED


def test_termination_then_deregistration(filing, manager, district_regulator):
    to_status(filing, S.DEREGISTERED, manager, district_regulator)
    assert filing.children_settled == "已转至他园" and filing.deregistered_at is not None


def test_termination_needs_every_settlement(filing, manager, district_regulator):
    to_status(filing, S.VERIFIED, manager, district_regulator)
    with pytest.raises(services.FilingError):
        services.request_termination(filing=filing, by=manager, reason="停办",
                                     children_settled="", staff_settled="x", fees_refunded="x")
    filing.refresh_from_db()
    assert filing.status == S.VERIFIED


# --- illegal transitions -----------------------------------------------------------------------

ACTIONS = {
    "submit": (lambda f, m, r: submit(f, m), {S.DRAFT, S.RETURNED}),
    "return": (lambda f, m, r: services.return_filing(filing=f, by=r, reasons={}, note="x"),
               {S.SUBMITTED}),
    "accept": (lambda f, m, r: accept(f, r), {S.SUBMITTED}),
    "start": (lambda f, m, r: services.start_verification(filing=f, by=r), {S.FILED}),
    "verify": (lambda f, m, r: services.verify_filing(filing=f, by=r),
               {S.UNDER_VERIFICATION, S.RECTIFYING}),
    "nonconforming": (lambda f, m, r: services.find_nonconforming(filing=f, by=r, notice="x"),
                      {S.UNDER_VERIFICATION, S.RECTIFYING}),
    "rectify": (lambda f, m, r: services.submit_rectification(filing=f, by=m, note="x"),
                {S.NONCONFORMING}),
    "suspend": (lambda f, m, r: services.suspend_filing(filing=f, by=r, reason="x"),
                {S.FILED, S.VERIFIED}),
    "lift": (lambda f, m, r: services.lift_suspension(filing=f, by=r), {S.SUSPENDED}),
    "terminate": (lambda f, m, r: services.request_termination(
        filing=f, by=m, reason="x", children_settled="x", staff_settled="x",
        fees_refunded="x"), set(S.values) - {S.DRAFT, S.TERMINATING, S.DEREGISTERED}),
    "deregister": (lambda f, m, r: services.deregister_filing(filing=f, by=r),
                   {S.TERMINATING}),
}
STATES = list(PATHS)


@pytest.mark.parametrize("state", STATES)
def test_every_illegal_transition_is_refused_and_changes_nothing(
        filing, manager, district_regulator, state):
    to_status(filing, state, manager, district_regulator)
    events = AuditEvent.objects.count()
    for name, (action, allowed_from) in ACTIONS.items():
        if state in allowed_from:
            continue
        with pytest.raises(services.FilingError):
            action(filing, manager, district_regulator)
        filing.refresh_from_db()
        assert filing.status == state, name
    assert AuditEvent.objects.count() == events


# --- who may act ---------------------------------------------------------------------------


def test_staff_cannot_submit(filing, staff):
    with pytest.raises(NotPermitted, match=r"manager|负责人"):
        submit(filing, staff)


@pytest.mark.parametrize("persona", ["other_regulator", "manager", "staff"])
def test_only_the_responsible_bureau_accepts(request, filing, manager, persona):
    submit(filing, manager)
    with pytest.raises(NotPermitted):
        accept(filing, request.getfixturevalue(persona))
    filing.refresh_from_db()
    assert filing.status == S.SUBMITTED


def test_an_assessor_cannot_decide_but_the_city_can(filing, manager, city_regulator):
    assessor = RegulatorFactory(region_code="510502")
    RegulatorScope.objects.filter(user=assessor).update(role=RegulatorScope.Role.ASSESSOR)
    submit(filing, manager)
    with pytest.raises(NotPermitted):
        accept(filing, assessor)
    assert accept(filing, city_regulator).status == S.FILED


# --- what blocks a submission -----------------------------------------------------------------


def test_an_incomplete_centre_cannot_submit(centre_a, manager):
    Filing.objects.get_or_create(centre=centre_a)
    with pytest.raises(services.FilingError) as excinfo:
        submit(centre_a.filing, manager)
    message = str(excinfo.value)
    assert "class" in message.lower() or "班级" in message
    assert centre_a.filing.status == S.DRAFT


def test_a_lease_under_three_years_blocks_filing(filing, manager):
    Centre.objects.filter(pk=filing.centre_id).update(
        tenure=Centre.Tenure.LEASED, lease_start=date(2026, 1, 1), lease_end=date(2028, 12, 31))
    filing.centre.refresh_from_db()
    assert not filing.centre.lease_is_long_enough()
    with pytest.raises(services.FilingError, match="3"):
        submit(filing, manager)
    Centre.objects.filter(pk=filing.centre_id).update(lease_end=date(2029, 1, 1))
    assert submit(filing, manager).status == S.SUBMITTED


def test_the_commitment_must_be_signed(filing, manager):
    with pytest.raises(services.FilingError):
        services.submit_filing(filing=filing, by=manager, commitment=False)


def test_a_missing_material_blocks_submission(filing, manager):
    filing.materials.filter(kind=MaterialKind.PREMISES).delete()
    with pytest.raises(services.FilingError):
        submit(filing, manager)


def test_meals_require_the_food_licence(filing, manager):
    Centre.objects.filter(pk=filing.centre_id).update(provides_meals=True)
    with pytest.raises(services.FilingError):
        submit(filing, manager)


def test_materials_cannot_change_after_submission(filing, manager):
    submit(filing, manager)
    upload = pdf()
    with pytest.raises(services.FilingError):
        services.upload_material(filing=filing, by=manager, kind=MaterialKind.LICENCE,
                                 uploaded=upload, checked=check_upload(upload))
