"""The registry's create forms sent twice make one record (luhuituo.core.submissions):
registering a centre, uploading a filing material, a photo, adding a class, a staff member, a
fee schedule and a training record. The second submission goes to the first one's result."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from luhuituo.core.models import Submission
from registry.models import (
    Centre,
    CentrePhoto,
    ClassGroup,
    FeeSchedule,
    FilingMaterial,
    MaterialKind,
    Staff,
    StaffTrainingRecord,
)
from tests.factories import StaffFactory, id_number, region

from .test_centre_pages import fee_data, staff_data
from .test_filing_workflow import PDF, complete
from .test_photos import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC), tick=False):
        yield


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def token_of(response, after: str = "") -> str:
    body = response.content.decode()
    body = body[body.index(after):] if after else body
    return re.search(r'name="submission" value="([^"]+)"', body).group(1)


def twice(client, page, data, *, form_page=None, after=""):
    """POST the form of ``form_page`` (default ``page``) twice with its token."""
    token = token_of(client.get(form_page or page), after)
    first = client.post(page, {**data, "submission": token})
    again = client.post(page, {**data, "submission": token}, follow=True)
    assert first.status_code == 302, getattr(first, "context", None) and \
        first.context["form"].errors
    assert again.redirect_chain[0] == (first["Location"], 302)
    assert Submission.objects.filter(token=token).count() == 1
    return first


def test_a_centre_registered_twice_is_registered_once(client_for, manager):
    """Without a credit code nothing else tells the two apart."""
    twice(client_for(manager), url("centre-create"), {
        "name": "江阳区第二托育中心", "region": region("510502").pk,
        "legal_form": "enterprise", "uscc": ""})
    assert Centre.objects.filter(name="江阳区第二托育中心").count() == 1


def test_a_material_uploaded_twice_is_stored_once(client_for, manager, centre_a):
    complete(centre_a)
    client = client_for(manager)
    page = url("filing-detail", centre_a.pk)
    token = token_of(client.get(page), 'value="licence"')
    data = {"kind": MaterialKind.LICENCE, "issuer": "江阳区市场监管局", "submission": token}
    for _ in range(2):
        response = client.post(url("material-upload", centre_a.pk), {
            **data, "file": SimpleUploadedFile("licence.pdf", PDF)})
        assert response.status_code == 302 and response["Location"] == page
    assert FilingMaterial.objects.filter(kind=MaterialKind.LICENCE).count() == 1


def test_a_photo_uploaded_twice_is_stored_once(client_for, manager, centre_a):
    client = client_for(manager)
    token = token_of(client.get(url("photo-list", centre_a.pk)))
    for _ in range(2):
        response = client.post(url("photo-upload", centre_a.pk), {
            "image": SimpleUploadedFile("door.png", PNG), "caption": "大门",
            "submission": token})
        assert response.status_code == 302
    assert CentrePhoto.objects.filter(centre=centre_a).count() == 1


def test_a_class_added_twice_is_added_once(client_for, manager, centre_a):
    twice(client_for(manager), url("class-create", centre_a.pk),
          {"name": "乳儿一班", "class_type": "infant", "capacity": "10", "room": "101"})
    assert ClassGroup.objects.filter(centre=centre_a).count() == 1


def test_a_staff_member_added_twice_is_added_once(client_for, manager, centre_a):
    twice(client_for(manager), url("staff-create", centre_a.pk),
          staff_data(id_number=id_number(31)))
    assert Staff.objects.filter(centre=centre_a).count() == 1


def test_fees_added_twice_are_added_once(client_for, manager, centre_a):
    twice(client_for(manager), url("fee-schedule", centre_a.pk), fee_data())
    assert FeeSchedule.objects.filter(centre=centre_a).count() == 1


def test_a_training_record_added_twice_is_added_once(client_for, manager, centre_a):
    person = StaffFactory(centre=centre_a)
    twice(client_for(manager), url("training-add", centre_a.pk, person.pk),
          {"course": "婴幼儿急救", "provider": "市妇幼", "hours": "8",
           "completed_on": "2026-10-01", "certificate_no": ""})
    assert StaffTrainingRecord.objects.filter(staff=person).count() == 1
