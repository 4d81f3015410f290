"""What alert A16 reads from the staff form (docs/rules/alert-rules.md#a16): the education
level, the start of related work, the security guard's certificate, and the kind of each
training record — saved by the manager, refused with a message beside the field when wrong."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from registry.models import Staff, StaffTrainingRecord
from tests.factories import StaffFactory, id_number

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC)


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def staff_data(**overrides) -> dict:
    data = {"name": "李园长", "role": "principal", "id_number": id_number(21),
            "mobile": "13800005678", "is_full_time": "on", "education": "学前教育",
            "degree": "bachelor", "experience_since": "2020-09-01", "qualification": "",
            "qualification_valid_until": "", "health_cert_valid_until": "2027-03-01",
            "criminal_check_date": "2026-09-01", "criminal_check_result": "clear",
            "guard_licence_no": "", "hired_on": "2026-09-15", "left_on": ""}
    return data | overrides


@time_machine.travel(NOW)
def test_the_staff_form_records_education_level_experience_and_guard_certificate(
        client_for, manager, centre_a):
    client = client_for(manager)
    page = client.get(url("staff-create", centre_a.pk)).content.decode()
    for name in ("degree", "experience_since", "guard_licence_no"):
        assert f'name="{name}"' in page
    response = client.post(url("staff-create", centre_a.pk), staff_data())
    assert response.status_code == 302
    principal = Staff.objects.get()
    assert (principal.degree, principal.experience_since) == (
        Staff.Degree.BACHELOR, dt.date(2020, 9, 1))
    response = client.post(url("staff-create", centre_a.pk), staff_data(
        name="王保安", role="guard", id_number=id_number(22), degree="", experience_since="",
        guard_licence_no="  川公保0012345 "))
    assert response.status_code == 302
    assert Staff.objects.get(role="guard").guard_licence_no == "川公保0012345"


@pytest.mark.parametrize(("field", "bad"), [
    ("experience_since", {"experience_since": "2026-11-29"}),
    ("experience_since", {"experience_since": "2026-02-30"}),
    ("degree", {"degree": "phd_honoris"}),
    ("guard_licence_no", {"guard_licence_no": "9" * 31}),
])
@time_machine.travel(NOW)
def test_staff_qualification_errors_save_nothing_and_keep_what_was_typed(
        client_for, manager, centre_a, field, bad):
    response = client_for(manager).post(url("staff-create", centre_a.pk), staff_data(**bad))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Staff.objects.exists()
    body = response.content.decode()
    assert 'value="学前教育"' in body and 'value="2026-09-15"' in body


@time_machine.travel(NOW)
def test_a_training_record_says_which_required_training_it_is(client_for, manager, centre_a):
    person = StaffFactory(centre=centre_a, role=Staff.Role.HEALTH)
    client = client_for(manager)
    response = client.post(url("training-add", centre_a.pk, person.pk), {
        "kind": "health_care", "course": "托幼机构卫生保健人员岗位培训",
        "provider": "泸州市妇幼保健院", "hours": "40", "completed_on": "2026-10-01",
        "certificate_no": ""})
    assert response.status_code == 302
    assert person.training_records.get().kind == StaffTrainingRecord.Kind.HEALTH_CARE
    page = client.get(url("staff-edit", centre_a.pk, person.pk)).content.decode()
    assert "妇幼保健机构" in page or "maternal and child health" in page


@time_machine.travel(NOW)
def test_an_unknown_training_kind_is_a_form_error(client_for, manager, centre_a):
    person = StaffFactory(centre=centre_a)
    response = client_for(manager).post(url("training-add", centre_a.pk, person.pk), {
        "kind": "wizardry", "course": "安全培训", "provider": "江阳区卫健局", "hours": "4",
        "completed_on": "2026-10-01", "certificate_no": "AQ-7"})
    assert response.status_code == 200 and response.context["form"].errors["kind"]
    assert not StaffTrainingRecord.objects.exists()
    assert 'value="AQ-7"' in response.content.decode()
