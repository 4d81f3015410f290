"""A parent's complaint about a publicly listed centre, filed through supervision's complaint
service with up to three checked photos: bad input saves nothing, the district's regulators
see it (and are told), the parent sees their own complaints only, and the photos are served
only to the parent who filed it and the regulators responsible for the centre."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import Notification, User
from luhuituo.core.uploads import check_upload
from parents.models import ComplaintPhoto
from parents.services import complaints as service
from registry.models import Filing
from supervision.models import Complaint
from supervision.services import complaints as supervision_service
from tests.factories import CentreFactory, UserFactory, jpeg_bytes, pdf_bytes, png_bytes
from tests.factories.registry import filing_for
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, Outcome, assert_role_matrix

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC)
INVALID = Outcome("422 form errors", 422)
PARENT_ONLY = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "manager": FORBIDDEN, "staff": FORBIDDEN,
               "other_staff": FORBIDDEN, "parent": OK, "anonymous": LOGIN}
SUMMARY = "十月学费重复收取"
TOKEN = "t" * 24


@pytest.fixture(autouse=True)
def _now(settings):
    settings.LANGUAGE_CODE = "en"
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(personas, centre_a, centre_b):
    filing_for(centre_a, Filing.Status.VERIFIED)
    filing_for(centre_b, Filing.Status.VERIFIED)
    return personas


def png(name="photo.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def jpeg(name="photo.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def form_data(the_centre, **changes):
    data = {"centre": str(the_centre.pk), "category": "fees", "summary": SUMMARY,
            "details": "十月的保育费收了两次，园方不退。", "phone": "13800001111",
            "photos": [png(), jpeg()]}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def file(world, centre, *, parent=None, photos=1, summary=SUMMARY) -> Complaint:
    return service.file_complaint(
        parent=parent or world["parent"], centre=centre, category="fees", summary=summary,
        details="详情", photos=[(f, check_upload(f)) for f in (png() for _ in range(photos))])


def test_role_matrix(client_for, world, centre_a):
    complaint = file(world, centre_a)
    photo = complaint.photos.get()
    assert_role_matrix(client_for, world, reverse("parents:complaint-list"), expect=PARENT_ONLY,
                       shown={"parent": [SUMMARY]})
    assert_role_matrix(client_for, world, reverse("parents:complaint-create")
                       + f"?centre={centre_a.pk}", expect=PARENT_ONLY)
    assert_role_matrix(client_for, world, reverse("parents:complaint-create"), method="post",
                       data={"summary": ""}, expect=PARENT_ONLY | {"parent": INVALID})
    assert_role_matrix(client_for, world, reverse("parents:complaint-detail",
                                                  args=[complaint.pk]),
                       expect=PARENT_ONLY, shown={"parent": [SUMMARY]})
    assert_role_matrix(client_for, world, reverse("parents:complaint-photo", args=[photo.pk]),
                       expect={"city_regulator": OK, "district_regulator": OK,
                               "other_regulator": NOT_FOUND, "manager": NOT_FOUND,
                               "staff": NOT_FOUND, "other_staff": NOT_FOUND, "parent": OK,
                               "anonymous": NOT_FOUND})


def test_file_a_complaint_with_photos(client_for, world, centre_a,
                                      django_capture_on_commit_callbacks):
    client = client_for(world["parent"])
    page = client.get(reverse("parents:complaint-create") + f"?centre={centre_a.pk}")
    assert f'<option value="{centre_a.pk}" selected>' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("parents:complaint-create"), form_data(centre_a))
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("parents:complaint-detail", args=[complaint.pk])
    assert (complaint.channel, complaint.parent, complaint.centre) == (
        Complaint.Channel.PORTAL, world["parent"], centre_a)
    assert complaint.complainant_name == world["parent"].get_full_name()
    assert complaint.complainant_phone == "13800001111"
    photos = list(complaint.photos.order_by("id"))
    assert [(p.content_type, p.original_name) for p in photos] == [
        ("image/png", "photo.png"), ("image/jpeg", "photo.jpg")]
    assert photos[0].file.name.startswith("complaints/")
    told = Notification.objects.filter(recipient=world["district_regulator"])
    assert told.filter(title__contains=SUMMARY).exists()
    assert not Notification.objects.filter(recipient=world["other_regulator"]).exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"details": ""}, "details"),
    ({"details": "  "}, "details"),
    ({"details": "长" * 4001}, "details"),
    ({"summary": ""}, "summary"),
    ({"summary": "长" * 201}, "summary"),
    ({"category": "gossip"}, "category"),
    ({"phone": "call me maybe"}, "phone"),
    ({"photos": [SimpleUploadedFile("fake.jpg", b"\xff\xd8\xff\xe0 not really a jpeg",
                                    content_type="image/jpeg")]}, "photos"),
    ({"photos": "pdf"}, "photos"),
    ({"photos": "four"}, "photos"),
    ({"centre": "unlisted"}, "centre"),
    ({"centre": "abc"}, "centre"),
    ({"centre": "999999"}, "centre"),
    ({"centre": ""}, "centre"),
])
def test_bad_input_saves_nothing(client_for, world, centre_a, change, field):
    if change.get("photos") == "four":
        change = {"photos": [png(), png(), jpeg(), jpeg()]}
    elif change.get("photos") == "pdf":
        change = {"photos": [SimpleUploadedFile("a.pdf", pdf_bytes("x"),
                                                content_type="application/pdf")]}
    if change.get("centre") == "unlisted":
        change = {"centre": str(CentreFactory(name="未核实的托育园").pk)}
    response = client_for(world["parent"]).post(reverse("parents:complaint-create"),
                                                 form_data(centre_a, **change))
    assert response.status_code == 422
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not Complaint.objects.exists()
    assert not ComplaintPhoto.objects.exists()
    if field != "summary":
        assert SUMMARY in response.content.decode()  # what was typed is kept


def test_the_service_refuses_an_unlisted_centre(world):
    with pytest.raises(DomainError):
        service.file_complaint(parent=world["parent"], centre=CentreFactory(), category="fees",
                               summary="s", details="d")
    assert not Complaint.objects.exists()


def test_double_submit_makes_one_complaint(client_for, world, centre_a):
    client = client_for(world["parent"])
    url = reverse("parents:complaint-create")
    first = client.post(url, form_data(centre_a, submission=TOKEN))
    second = client.post(url, form_data(centre_a, submission=TOKEN))
    assert Complaint.objects.count() == 1
    assert ComplaintPhoto.objects.count() == 2
    assert first["Location"] == second["Location"]


def test_regulators_of_the_district_see_it(client_for, world, centre_a):
    complaint = file(world, centre_a)
    url = reverse("supervision:complaint-list")
    assert SUMMARY in client_for(world["district_regulator"]).get(url).content.decode()
    assert SUMMARY not in client_for(world["other_regulator"]).get(url).content.decode()
    assert complaint in Complaint.objects.visible_to(world["district_regulator"])
    assert complaint not in Complaint.objects.visible_to(world["other_regulator"])


def test_parent_sees_only_their_own(client_for, world, centre_a):
    other = UserFactory(username="parent2", name="吴家长", account_type=User.AccountType.PARENT)
    theirs = file(world, centre_a, parent=other, summary="别人的投诉")
    mine = file(world, centre_a)
    client = client_for(world["parent"])
    page = client.get(reverse("parents:complaint-list")).content.decode()
    assert SUMMARY in page and "别人的投诉" not in page
    assert client.get(reverse("parents:complaint-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("parents:complaint-detail", args=[mine.pk])).status_code == 200
    photo = theirs.photos.get()
    assert client.get(reverse("parents:complaint-photo", args=[photo.pk])).status_code == 404
    own = client_for(other).get(reverse("parents:complaint-photo", args=[photo.pk]))
    assert own.status_code == 200
    assert own["Content-Type"] == "image/png"
    assert own["Cache-Control"] == "private, no-store"


def test_the_answer_notification_links_to_the_parents_complaint_page(
        client_for, world, centre_a, django_capture_on_commit_callbacks):
    complaint = file(world, centre_a)
    with django_capture_on_commit_callbacks(execute=True):
        supervision_service.answer_complaint(complaint=complaint,
                                             by=world["district_regulator"],
                                             outcome="已责令退还多收费用。", upheld=True)
    note = Notification.objects.get(recipient=world["parent"])
    assert note.url == reverse("parents:complaint-detail", args=[complaint.pk])
    page = client_for(world["parent"]).get(note.url)
    assert page.status_code == 200
    assert "已责令退还多收费用。" in page.content.decode()


def test_detail_shows_the_outcome(client_for, world, centre_a):
    complaint = file(world, centre_a)
    supervision_service.answer_complaint(complaint=complaint, by=world["district_regulator"],
                                         outcome="已责令退还多收费用。", upheld=True)
    client = client_for(world["parent"])
    page = client.get(reverse("parents:complaint-detail", args=[complaint.pk])).content.decode()
    assert "已责令退还多收费用。" in page and "Upheld" in page and "Answered on" in page
    listing = client.get(reverse("parents:complaint-list")).content.decode()
    assert "已责令退还多收费用。" in listing


def test_list_queries_do_not_grow_with_rows(client_for, world, centre_a, centre_b):
    client = client_for(world["parent"])
    url = reverse("parents:complaint-list")
    file(world, centre_a)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(4):
        file(world, centre_b if i % 2 else centre_a, photos=2, summary=f"投诉{i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "投诉3" in response.content.decode()
    assert len(many) == len(few)


def test_links_from_parent_home_and_centre_profile(client_for, world, centre_a):
    client = client_for(world["parent"])
    home = client.get(reverse("parents:home")).content.decode()
    assert reverse("parents:complaint-create") in home
    assert "Complaints are being built" not in home
    profile = client.get(reverse("parents:centre-profile", args=[centre_a.pk])).content.decode()
    assert f"{reverse('parents:complaint-create')}?centre={centre_a.pk}" in profile
    as_regulator = client_for(world["district_regulator"]).get(
        reverse("parents:centre-profile", args=[centre_a.pk])).content.decode()
    assert reverse("parents:complaint-create") not in as_regulator


def test_the_regulators_complaint_page_shows_the_parents_photos(client_for, world, centre_a):
    """parents' panel on supervision's complaint page: the photos the regulator may see,
    thumbnails that are links, with alt text; queries do not grow with the photos; a centre
    account still cannot fetch a photo."""
    complaint = file(world, centre_a, photos=1)
    url = reverse("supervision:complaint-detail", args=[complaint.pk])
    client = client_for(world["district_regulator"])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    html = page.content.decode()
    photo = complaint.photos.get()
    photo_url = reverse("parents:complaint-photo", args=[photo.pk])
    assert f'<a href="{photo_url}"><img class="photo" src="{photo_url}"' in html
    assert 'alt="Photo 1 attached by the parent"' in html
    for _ in range(2):
        extra = png()
        ComplaintPhoto.objects.create(complaint=complaint, file=extra, original_name="x.png",
                                      content_type="image/png", size=1)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count('class="photo-item"') == 3
    assert len(many) == len(few)
    assert client_for(world["city_regulator"]).get(photo_url).status_code == 200
    for centre_user in ("manager", "staff"):
        assert client_for(world[centre_user]).get(photo_url).status_code == 404
    assert client_for(world["other_regulator"]).get(url).status_code == 404


def test_no_photo_panel_for_a_complaint_without_photos(client_for, world, centre_a):
    complaint = file(world, centre_a, photos=0)
    html = client_for(world["district_regulator"]).get(
        reverse("supervision:complaint-detail", args=[complaint.pk])).content.decode()
    assert "attached by the parent" not in html
