"""Renewing certificates after filing: the service's rules, the centre's form and its bad
inputs, the regulator's view and review, who may do what, and alert A18 clearing.

"Now" is Thursday 2026-11-26 11:00 in Luzhou."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from luhuituo.core.exceptions import NotPermitted
from luhuituo.core.models import AuditEvent, Notification
from luhuituo.core.uploads import check_upload
from registry import services
from registry.certificates import certificate_rows
from registry.models import Centre, Filing, FilingMaterial, MaterialKind
from tests.conftest import PERSONAS
from tests.factories import CentreUserFactory, MembershipFactory, RegulatorFactory, filing_for
from tests.rolematrix import (
    FORBIDDEN,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    Outcome,
    assert_role_matrix,
)

from .test_filing_workflow import PDF, complete, to_status, upload_all

pytestmark = pytest.mark.django_db
S = Filing.Status
TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 26, 11, 0, tzinfo=TZ)
TODAY = NOW.date()
NEXT_YEAR = TODAY + relativedelta(years=1)
UNPROCESSABLE = Outcome("422 form errors", 422)
REDIRECT = Outcome("302 redirect", 302)
OPERATING = [S.FILED, S.UNDER_VERIFICATION, S.VERIFIED, S.NONCONFORMING, S.RECTIFYING]
NOT_OPERATING = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.SUSPENDED, S.TERMINATING,
                 S.DEREGISTERED]


@pytest.fixture(autouse=True)
def _frozen():
    """Frozen time; service messages in English, whatever the translations say."""
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def draft(centre_a, manager):
    """centre_a's complete filing with every material uploaded, still a draft."""
    filing = complete(centre_a).filing
    upload_all(filing, manager)
    return filing


@pytest.fixture
def verified(draft, manager, district_regulator):
    return to_status(draft, S.VERIFIED, manager, district_regulator)


def pdf(name="renewed.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def renew(filing, by, *, kind=MaterialKind.FIRE_SAFETY, valid_until=NEXT_YEAR,
          issuer="江阳区消防救援大队", number="JY-2026-088", upload=None):
    upload = upload or pdf()
    return services.renew_certificate(
        filing=filing, by=by, kind=kind, uploaded=upload, checked=check_upload(upload),
        issuer=issuer, number=number, valid_until=valid_until)


def fire_versions(filing):
    return list(filing.materials.filter(kind=MaterialKind.FIRE_SAFETY)
                .order_by("uploaded_at", "id"))


# --- the service -------------------------------------------------------------------------------


def test_renewal_is_a_new_pending_version_and_keeps_the_old_one(
        verified, manager, district_regulator, staff, django_capture_on_commit_callbacks):
    [old] = fire_versions(verified)
    assert old.verdict == FilingMaterial.Verdict.ACCEPTED
    with django_capture_on_commit_callbacks(execute=True):
        material = renew(verified, manager)
    assert fire_versions(verified) == [old, material]
    old.refresh_from_db()
    assert old.verdict == FilingMaterial.Verdict.ACCEPTED  # history untouched
    assert (material.verdict, material.valid_until, material.issuer, material.number,
            material.uploaded_by, material.staff, material.change) == (
        FilingMaterial.Verdict.PENDING, NEXT_YEAR, "江阳区消防救援大队", "JY-2026-088", manager,
        None, None)
    assert material.file.read() == PDF
    event = AuditEvent.objects.get(verb="certificate_renewed")
    assert event.actor == manager and event.target_id == str(verified.pk)
    assert event.details["kind"] == "fire_safety"
    assert event.details["valid_until"] == NEXT_YEAR.isoformat()
    note = Notification.objects.get(recipient=district_regulator)
    assert "江阳区阳光托育中心" in note.title
    assert note.url == reverse("registry:centre-detail", args=[verified.centre_id])
    assert not Notification.objects.filter(recipient__in=[manager, staff]).exists()
    filing = Filing.objects.get(pk=verified.pk)
    assert filing.status == S.VERIFIED  # renewing does not move the filing


@pytest.mark.parametrize("status", OPERATING)
def test_renewal_is_allowed_while_operating(draft, manager, district_regulator, status):
    filing = to_status(draft, status, manager, district_regulator)
    renew(filing, manager)
    assert len(fire_versions(filing)) == 2


@pytest.mark.parametrize("status", NOT_OPERATING)
def test_renewal_is_refused_when_not_operating(draft, manager, district_regulator, status):
    filing = to_status(draft, status, manager, district_regulator)
    with pytest.raises(services.FilingError, match="operating"):
        renew(filing, manager)
    assert len(fire_versions(filing)) == 1
    assert not AuditEvent.objects.filter(verb="certificate_renewed").exists()


def test_only_the_centres_manager_can_renew(verified, staff, district_regulator, other_staff,
                                            centre_b):
    other_manager = CentreUserFactory()
    MembershipFactory(user=other_manager, centre=centre_b, role="manager")
    for user in (staff, district_regulator, other_staff, other_manager):
        with pytest.raises(NotPermitted, match="manager"):
            renew(verified, user)
    assert len(fire_versions(verified)) == 1


@pytest.mark.parametrize("kind", [MaterialKind.LICENCE, MaterialKind.PREMISES,
                                  MaterialKind.STAFF_CERTS, MaterialKind.OTHER, "nonsense", ""])
def test_only_renewable_kinds(verified, manager, kind):
    count = verified.materials.count()
    with pytest.raises(services.FilingError, match="cannot be renewed"):
        renew(verified, manager, kind=kind)
    assert verified.materials.count() == count


def test_food_licence_only_when_the_centre_provides_meals(verified, manager):
    with pytest.raises(services.FilingError, match="cannot be renewed"):
        renew(verified, manager, kind=MaterialKind.FOOD_LICENCE)
    Centre.objects.filter(pk=verified.centre_id).update(provides_meals=True)
    verified.centre.refresh_from_db()
    material = renew(verified, manager, kind=MaterialKind.FOOD_LICENCE)
    assert material.kind == MaterialKind.FOOD_LICENCE


def test_health_evaluation_is_renewable(verified, manager):
    material = renew(verified, manager, kind=MaterialKind.HEALTH_EVALUATION)
    assert material.kind == MaterialKind.HEALTH_EVALUATION


def test_renewable_kinds_come_from_settings(settings, verified, manager):
    settings.RENEWABLE_MATERIALS = ["health_evaluation"]
    with pytest.raises(services.FilingError, match="cannot be renewed"):
        renew(verified, manager)
    assert [row["kind"] for row in certificate_rows(verified)] == ["health_evaluation"]


@pytest.mark.parametrize(("valid_until", "message"), [
    (None, "Give the date"),
    (TODAY, "after today"),
    (TODAY - dt.timedelta(days=1), "after today"),
    (dt.date(2020, 1, 1), "after today"),
])
def test_valid_until_is_required_and_in_the_future(verified, manager, valid_until, message):
    with pytest.raises(services.FilingError, match=message):
        renew(verified, manager, valid_until=valid_until)
    assert len(fire_versions(verified)) == 1


def test_issuer_is_required(verified, manager):
    with pytest.raises(services.FilingError, match="issued"):
        renew(verified, manager, issuer="  ")
    assert len(fire_versions(verified)) == 1


@pytest.mark.parametrize(("name", "content"), [
    ("empty.pdf", b""),
    ("notes.pdf", b"just some text, not a PDF"),
    ("renewed.txt", PDF),                         # name does not match the content
    ("photo.gif", b"GIF89a\x01\x00\x01\x00"),
])
def test_bad_files_are_refused_before_the_service(name, content):
    """The service takes a CheckedUpload: callers run check_upload first, which refuses these."""
    with pytest.raises(ValidationError):
        check_upload(SimpleUploadedFile(name, content))


def test_too_large_file_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError):
        check_upload(pdf())


# --- the centre's page and form ----------------------------------------------------------------


def renew_url(filing):
    return reverse("registry:certificate-renew", args=[filing.centre_id])


def filing_url(filing):
    return reverse("registry:filing-detail", args=[filing.centre_id])


def post(client, filing, **overrides):
    data = {"kind": "fire_safety", "file": pdf(), "issuer": "江阳区消防救援大队",
            "number": "JY-2026-088", "valid_until": NEXT_YEAR.isoformat()}
    data.update(overrides)
    return client.post(renew_url(filing), {k: v for k, v in data.items() if v is not None})


def test_manager_renews_from_the_filing_page(client_for, manager, verified):
    client = client_for(manager)
    page = client.get(filing_url(verified)).content.decode()
    assert 'id="certificates"' in page
    assert f'action="{renew_url(verified)}"' in page
    response = post(client, verified)
    assert response.status_code == 302 and response["Location"] == filing_url(verified)
    [_old, new] = fire_versions(verified)
    assert new.valid_until == NEXT_YEAR and new.original_name == "renewed.pdf"
    page = client.get(filing_url(verified)).content.decode()
    assert reverse("registry:material-file", args=[new.pk]) in page
    history = client.get(filing_url(verified)).context["history"]
    assert history[0].verb == "certificate_renewed"


@pytest.mark.parametrize(("overrides", "field"), [
    ({"file": None}, "file"),
    ({"valid_until": None}, "valid_until"),
    ({"valid_until": ""}, "valid_until"),
    ({"valid_until": TODAY.isoformat()}, "valid_until"),
    ({"valid_until": "2025-01-01"}, "valid_until"),
    ({"valid_until": "2026-13-40"}, "valid_until"),
    ({"issuer": ""}, "issuer"),
    ({"issuer": "局" * 101}, "issuer"),
    ({"number": "9" * 101}, "number"),
    ({"file": SimpleUploadedFile("fake.pdf", b"<html>not a pdf</html>")}, "file"),
    ({"file": SimpleUploadedFile("renewed.png", PDF)}, "file"),
    ({"file": SimpleUploadedFile("empty.pdf", b"")}, "file"),
    ({"kind": "licence"}, "kind"),
    ({"kind": "food_licence"}, "kind"),  # this centre provides no meals
    ({"kind": ""}, "kind"),
])
def test_bad_input_rerenders_with_errors_and_saves_nothing(client_for, manager, verified,
                                                           overrides, field):
    count = FilingMaterial.objects.count()
    response = post(client_for(manager), verified, **({"number": "JY-留着"} | overrides))
    assert response.status_code == 422
    form = response.context["renewal_form"]
    assert field in form.errors
    assert FilingMaterial.objects.count() == count
    assert not AuditEvent.objects.filter(verb="certificate_renewed").exists()
    body = response.content.decode()
    if field not in {"kind", "number"}:
        assert 'value="JY-留着"' in body  # typed values kept in the open form
    assert 'role="alert"' in body


def test_too_large_upload_is_a_form_error(settings, client_for, manager, verified):
    settings.UPLOAD_MAX_BYTES = 10
    response = post(client_for(manager), verified)
    assert response.status_code == 422 and "file" in response.context["renewal_form"].errors
    assert len(fire_versions(verified)) == 1


def test_renewal_while_not_operating_is_refused_with_a_message(client_for, manager,
                                                               district_regulator, draft):
    filing = to_status(draft, S.SUBMITTED, manager, district_regulator)
    response = post(client_for(manager), filing)
    assert response.status_code == 422
    assert response.context["renewal_form"].non_field_errors()
    assert response.context["renewal_elsewhere"] is True  # errors shown above the cards
    body = response.content.decode()
    assert 'id="certificates"' not in body
    assert str(response.context["renewal_form"].non_field_errors()[0]) in body
    assert len(fire_versions(filing)) == 1


def test_certificates_section_only_while_operating(client_for, manager, staff, draft,
                                                   district_regulator):
    assert 'id="certificates"' not in client_for(manager).get(filing_url(draft)).content.decode()
    to_status(draft, S.FILED, manager, district_regulator)
    page = client_for(manager).get(filing_url(draft))
    assert [row["kind"] for row in page.context["certificates"]] == [
        "fire_safety", "health_evaluation"]
    assert page.context["can_renew"] is True
    staff_page = client_for(staff).get(filing_url(draft))
    assert 'id="certificates"' in staff_page.content.decode()
    assert renew_url(draft) not in staff_page.content.decode()  # staff see, managers renew


def test_validity_states_on_the_centre_page(client_for, manager, verified):
    FilingMaterial.objects.filter(filing=verified, kind="fire_safety").update(
        valid_until=TODAY - dt.timedelta(days=1))
    FilingMaterial.objects.filter(filing=verified, kind="health_evaluation").update(
        valid_until=TODAY + dt.timedelta(days=30))
    page = client_for(manager).get(filing_url(verified))
    states = {row["kind"]: row["state"] for row in page.context["certificates"]}
    assert states == {"fire_safety": "expired", "health_evaluation": "expiring"}
    body = page.content.decode()
    assert 'class="overdue"' in body and 'class="expiring"' in body


def test_fire_certificate_without_a_date_counts_twelve_months(verified):
    FilingMaterial.objects.filter(filing=verified).update(
        valid_until=None, uploaded_at=NOW - relativedelta(months=11))
    rows = {row["kind"]: row for row in certificate_rows(verified, TODAY)}
    assert rows["fire_safety"]["estimated"] is True
    assert rows["fire_safety"]["state"] == "expiring"
    assert rows["health_evaluation"]["state"] == "unknown"


def test_renew_url_role_matrix(client_for, personas, verified, centre_b):
    url = renew_url(verified)
    expect = {"manager": UNPROCESSABLE, "staff": NOT_FOUND, "other_staff": NOT_FOUND,
              "parent": FORBIDDEN, "city_regulator": FORBIDDEN,
              "district_regulator": FORBIDDEN, "other_regulator": FORBIDDEN,
              "anonymous": LOGIN}
    # An incomplete POST: who gets in, and that nobody gets a 500 or saves anything.
    assert_role_matrix(client_for, personas, url, method="post",
                       data={"kind": "fire_safety", "issuer": "某大队"}, expect=expect)
    assert_role_matrix(client_for, personas, url, expect=dict.fromkeys(PERSONAS, NOT_ALLOWED))
    assert len(fire_versions(verified)) == 1


def test_manager_cannot_renew_for_another_centre(client_for, manager, verified, centre_b):
    filing_b = filing_for(centre_b, S.VERIFIED)
    response = post(client_for(manager), filing_b)
    assert response.status_code == 404
    assert not filing_b.materials.exists()


# --- the regulator's centre page ---------------------------------------------------------------


def detail_url(filing):
    return reverse("registry:centre-detail", args=[filing.centre_id])


def review_url(filing, material):
    return reverse("registry:certificate-review", args=[filing.centre_id, material.pk])


def test_regulator_sees_certificates_with_validity_and_files(client_for, district_regulator,
                                                             manager, verified):
    [old] = fire_versions(verified)
    FilingMaterial.objects.filter(pk=old.pk).update(valid_until=TODAY - dt.timedelta(days=3))
    FilingMaterial.objects.filter(filing=verified, kind="health_evaluation").update(
        valid_until=TODAY + dt.timedelta(days=10))
    page = client_for(district_regulator).get(detail_url(verified))
    body = page.content.decode()
    assert 'id="certificates"' in body
    assert reverse("registry:material-file", args=[old.pk]) in body
    assert 'class="overdue"' in body and 'class="expiring"' in body
    assert {r["kind"]: r["state"] for r in page.context["certificates"]} == {
        "fire_safety": "expired", "health_evaluation": "expiring"}
    assert review_url(verified, old) not in body  # accepted at filing: nothing to review

    new = renew(verified, manager)
    page = client_for(district_regulator).get(detail_url(verified))
    body = page.content.decode()
    [fire] = [r for r in page.context["certificates"] if r["kind"] == "fire_safety"]
    assert fire["material"] == new and fire["earlier"] == [old] and fire["state"] == "valid"
    assert reverse("registry:material-file", args=[new.pk]) in body
    assert reverse("registry:material-file", args=[old.pk]) in body  # earlier version
    assert review_url(verified, new) in body


def test_only_the_responsible_regulator_gets_the_review_form(client_for, city_regulator,
                                                             manager, verified):
    from luhuituo.core.models import RegulatorScope

    new = renew(verified, manager)
    assessor = RegulatorFactory(region_code="510502")
    RegulatorScope.objects.filter(user=assessor).update(role=RegulatorScope.Role.ASSESSOR)
    body = client_for(assessor).get(detail_url(verified)).content.decode()
    assert 'id="certificates"' in body and review_url(verified, new) not in body
    response = client_for(assessor).post(review_url(verified, new), {"verdict": "accepted"})
    assert response.status_code == 403  # a wrong actor is refused, not a form error
    new.refresh_from_db()
    assert new.verdict == FilingMaterial.Verdict.PENDING


@pytest.mark.parametrize("versions", [1, 6])
def test_centre_detail_query_count_does_not_grow_with_versions(
        client_for, city_regulator, manager, verified, versions, django_assert_num_queries):
    for _i in range(versions):
        renew(verified, manager)
    client = client_for(city_regulator)
    client.get(detail_url(verified))
    with django_assert_num_queries(17):  # the same for any number of versions (+2: inclusive card)
        page = client.get(detail_url(verified))
    [fire] = [r for r in page.context["certificates"] if r["kind"] == "fire_safety"]
    assert len(fire["earlier"]) == versions


def test_regulator_accepts_a_renewal(client_for, district_regulator, manager, verified,
                                     django_capture_on_commit_callbacks):
    new = renew(verified, manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(district_regulator).post(review_url(verified, new),
                                                       {"verdict": "accepted"})
    assert response.status_code == 302 and response["Location"] == detail_url(verified)
    new.refresh_from_db()
    assert (new.verdict, new.reviewed_by) == (FilingMaterial.Verdict.ACCEPTED,
                                             district_regulator)
    assert AuditEvent.objects.filter(verb="certificate_accepted", actor=district_regulator
                                     ).exists()
    assert Notification.objects.filter(recipient=manager).exists()
    again = client_for(district_regulator).post(review_url(verified, new),
                                                {"verdict": "returned", "reason": "x"})
    assert again.status_code == 422  # already reviewed


def test_regulator_returns_a_renewal_with_a_reason(client_for, district_regulator, manager,
                                                   verified):
    new = renew(verified, manager)
    client = client_for(district_regulator)
    response = client.post(review_url(verified, new), {"verdict": "returned", "reason": " "})
    assert response.status_code == 422
    assert "reason" in response.context["review_form"].errors
    new.refresh_from_db()
    assert new.verdict == FilingMaterial.Verdict.PENDING
    response = client.post(review_url(verified, new),
                           {"verdict": "returned", "reason": "证书编号看不清"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert (new.verdict, new.return_reason) == (FilingMaterial.Verdict.RETURNED, "证书编号看不清")
    page = client_for(manager).get(filing_url(verified)).content.decode()
    assert "证书编号看不清" in page


@pytest.mark.parametrize("data", [{}, {"verdict": "maybe"}, {"verdict": ""}])
def test_review_bad_inputs(client_for, district_regulator, manager, verified, data):
    new = renew(verified, manager)
    response = client_for(district_regulator).post(review_url(verified, new), data)
    assert response.status_code == 422
    new.refresh_from_db()
    assert new.verdict == FilingMaterial.Verdict.PENDING


def test_review_refuses_old_versions_and_other_materials(client_for, district_regulator,
                                                         manager, verified):
    [old] = fire_versions(verified)
    FilingMaterial.objects.filter(pk=old.pk).update(verdict=FilingMaterial.Verdict.PENDING)
    renew(verified, manager)
    client = client_for(district_regulator)
    response = client.post(review_url(verified, old), {"verdict": "accepted"})
    assert response.status_code == 422 and response.context["review_form"].non_field_errors()
    old.refresh_from_db()
    assert old.verdict == FilingMaterial.Verdict.PENDING
    licence = verified.materials.get(kind=MaterialKind.LICENCE)
    response = client.post(review_url(verified, licence), {"verdict": "accepted"})
    assert response.status_code == 422


def test_review_of_a_material_under_another_centres_url_is_404(
        client_for, district_regulator, manager, verified):
    new = renew(verified, manager)
    other = Centre.objects.create(name="别家", region=verified.centre.region)
    url = reverse("registry:certificate-review", args=[other.pk, new.pk])
    assert client_for(district_regulator).post(url, {"verdict": "accepted"}).status_code == 404


def test_review_url_role_matrix(client_for, personas, manager, verified):
    new = renew(verified, manager)
    expect = {"city_regulator": UNPROCESSABLE, "district_regulator": UNPROCESSABLE,
              "other_regulator": NOT_FOUND, "manager": FORBIDDEN, "staff": FORBIDDEN,
              "other_staff": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
    # returning without a reason: a form error for those who get in, nothing changes
    assert_role_matrix(client_for, personas, review_url(verified, new), method="post",
                       data={"verdict": "returned"}, expect=expect)
    new.refresh_from_db()
    assert new.verdict == FilingMaterial.Verdict.PENDING
    assert_role_matrix(client_for, personas, review_url(verified, new),
                       expect=dict.fromkeys(PERSONAS, NOT_ALLOWED))


# --- alert A18 clears ------------------------------------------------------------------------


def test_renewal_clears_the_fire_certificate_alert(verified, manager):
    from supervision.checks import engine
    from supervision.models import Alert, Severity

    FilingMaterial.objects.filter(filing=verified, kind=MaterialKind.FIRE_SAFETY).update(
        valid_until=TODAY - dt.timedelta(days=5))
    engine.run_rule("A18", NOW)
    [alert] = Alert.objects.open().filter(rule="A18", centre=verified.centre)
    assert alert.severity == Severity.RED

    renew(verified, manager, valid_until=TODAY + relativedelta(years=1))
    engine.run_rule("A18", NOW)
    assert not Alert.objects.open().filter(rule="A18", centre=verified.centre).exists()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED


def test_a_refused_renewal_says_the_file_must_be_chosen_again(client_for, manager, verified):
    """Item 15: the file input comes back empty, and the page says so beside it."""
    response = post(client_for(manager), verified, issuer="")
    assert response.status_code == 422
    assert 'class="help file-dropped"' in response.content.decode()
