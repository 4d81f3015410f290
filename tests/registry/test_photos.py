"""Centre photos: the members' page, upload and delete (managers), the photo file (public once
the centre is listed, else members and regulators in scope), and where the photos are shown —
the regulator's centre file and the public list."""

import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from luhuituo.core.models import AuditEvent
from registry.centres import MAX_CENTRE_PHOTOS, add_centre_photo
from registry.models import CentreMembership, CentrePhoto, Filing
from tests.factories import (
    CentreFactory,
    CentreUserFactory,
    MembershipFactory,
    filing_for,
    pdf_bytes,
)
from tests.queries import count_queries
from tests.rolematrix import (
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    OK,
    Outcome,
    assert_role_matrix,
    redirect_to,
)

pytestmark = pytest.mark.django_db

S = Filing.Status
FORM_ERROR = Outcome("422 form error", 422)
NOT_MEMBERS = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
MEMBERS = NOT_MEMBERS | {"manager": OK, "staff": OK, "other_staff": NOT_FOUND}
EVERYONE = ["city_regulator", "district_regulator", "other_regulator", "manager", "staff",
            "other_staff", "parent", "anonymous"]
RANDOM_NAME = re.compile(r"^photos/\d{4}/\d{2}/[0-9a-f]{32}\.(png|jpg)$")


def image(kind: str = "PNG", colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, kind)
    return buffer.getvalue()


PNG = image("PNG")
JPEG = image("JPEG")
PDF = pdf_bytes()


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def zh(message) -> str:
    """A msgid as the Chinese-first interface shows it, compiled catalogue or not."""
    with translation.override("zh-hans"):
        return translation.gettext(message)


def manager_of(centre):
    membership = centre.memberships.filter(role=CentreMembership.Role.MANAGER,
                                           is_active=True).select_related("user").first()
    if membership is not None:
        return membership.user
    user = CentreUserFactory()
    MembershipFactory(user=user, centre=centre, role=CentreMembership.Role.MANAGER)
    return user


def add_photo(centre, caption: str = "", *, name: str = "photo.png", content: bytes = PNG):
    return add_centre_photo(centre=centre, by=manager_of(centre), caption=caption,
                            uploaded=SimpleUploadedFile(name, content))


def stored_photos() -> list[str]:
    """Every file under photos/ in the (temporary) media storage."""
    found = []

    def walk(path):
        if not default_storage.exists(path):
            return
        dirs, files = default_storage.listdir(path)
        found.extend(f"{path}/{name}" for name in files)
        for name in dirs:
            walk(f"{path}/{name}")

    walk("photos")
    return found


@pytest.fixture
def photo_a(personas, centre_a, manager):
    return add_photo(centre_a, "阳光室内活动区")


@pytest.fixture
def photo_b(personas, centre_b):
    """纳溪区's photo: must never reach 江阳区's users."""
    return add_photo(centre_b, "星星秘密花园", name="garden.jpg", content=JPEG)


# --- role matrix -------------------------------------------------------------------------------


def test_photo_page_role_matrix(client_for, personas, centre_a, photo_a, photo_b):
    assert_role_matrix(
        client_for, personas, url("photo-list", centre_a.pk), expect=MEMBERS,
        shown={"manager": ["阳光室内活动区", url("photo-file", photo_a.pk), 'name="image"',
                           url("photo-delete", centre_a.pk, photo_a.pk)],
               "staff": ["阳光室内活动区", url("photo-file", photo_a.pk)]},
        hidden={"manager": ["星星秘密花园", url("photo-file", photo_b.pk)],
                "staff": ["星星秘密花园", url("photo-file", photo_b.pk), 'name="image"',
                          url("photo-delete", centre_a.pk, photo_a.pk)]},
    )


def test_photo_page_marks_the_photos_link_as_current(client_for, manager, centre_a):
    body = client_for(manager).get(url("photo-list", centre_a.pk)).content.decode()
    assert f'href="{url("photo-list", centre_a.pk)}" aria-current="page"' in body


def test_upload_is_for_the_manager_only(client_for, personas, centre_a):
    # The manager's empty POST is a form error: what matters here is who gets in.
    assert_role_matrix(
        client_for, personas, url("photo-upload", centre_a.pk), method="post",
        expect=NOT_MEMBERS | {"manager": FORM_ERROR, "staff": NOT_FOUND,
                              "other_staff": NOT_FOUND},
    )
    assert not CentrePhoto.objects.exists()


def test_upload_and_delete_are_post_only(client_for, manager, centre_a, photo_a):
    client = client_for(manager)
    assert client.get(url("photo-upload", centre_a.pk)).status_code == 405
    assert client.get(url("photo-delete", centre_a.pk, photo_a.pk)).status_code == 405
    assert CentrePhoto.objects.filter(pk=photo_a.pk).exists()


def test_delete_is_for_the_manager_only(client_for, personas, centre_a, photo_a, photo_b):
    assert_role_matrix(
        client_for, personas, url("photo-delete", centre_a.pk, photo_a.pk), method="post",
        expect=NOT_MEMBERS | {"manager": redirect_to(), "staff": NOT_FOUND,
                              "other_staff": NOT_FOUND},
    )
    assert list(CentrePhoto.objects.all()) == [photo_b]


def test_another_centres_photo_cannot_be_deleted(client_for, manager, centre_a, centre_b,
                                                  photo_b):
    client = client_for(manager)
    # Through the manager's own centre, and through the other centre's address.
    assert client.post(url("photo-delete", centre_a.pk, photo_b.pk)).status_code == 404
    assert client.post(url("photo-delete", centre_b.pk, photo_b.pk)).status_code == 404
    assert CentrePhoto.objects.filter(pk=photo_b.pk).exists()


def test_photo_file_of_a_centre_not_listed_is_for_members_and_regulators(
        client_for, personas, photo_a, photo_b):
    expect = dict.fromkeys(EVERYONE, NOT_FOUND) | {
        "manager": OK, "staff": OK, "district_regulator": OK, "city_regulator": OK}
    assert_role_matrix(client_for, personas, url("photo-file", photo_a.pk), expect=expect)
    response = client_for(personas["staff"]).get(url("photo-file", photo_a.pk))
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    # 纳溪区's draft centre: its own staff and regulators only.
    expect_b = dict.fromkeys(EVERYONE, NOT_FOUND) | {
        "other_staff": OK, "other_regulator": OK, "city_regulator": OK}
    assert_role_matrix(client_for, personas, url("photo-file", photo_b.pk), expect=expect_b)


def test_photo_file_is_public_once_the_centre_is_verified(client_for, personas, centre_a,
                                                          photo_a, photo_b):
    filing_for(centre_a, S.VERIFIED)
    assert_role_matrix(client_for, personas, url("photo-file", photo_a.pk),
                       expect=dict.fromkeys(EVERYONE, OK))
    response = client_for(None).get(url("photo-file", photo_a.pk))
    assert b"".join(response.streaming_content) == PNG
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "public" in response["Cache-Control"]
    # The other centre is still a draft: its photo stays hidden from the public.
    assert client_for(None).get(url("photo-file", photo_b.pk)).status_code == 404


@pytest.mark.parametrize("status", [S.SUSPENDED, S.DEREGISTERED])
def test_photo_file_is_hidden_again_when_the_centre_leaves_the_list(client_for, parent,
                                                                    centre_a, photo_a, status):
    filing_for(centre_a, S.VERIFIED)
    assert client_for(parent).get(url("photo-file", photo_a.pk)).status_code == 200
    filing_for(centre_a, status)
    assert client_for(parent).get(url("photo-file", photo_a.pk)).status_code == 404


def test_an_unknown_photo_is_404(client_for, manager):
    assert client_for(manager).get(url("photo-file", 999999)).status_code == 404


# --- uploads -----------------------------------------------------------------------------------


def upload(client, centre, name, content, caption="大门与接送区"):
    return client.post(url("photo-upload", centre.pk), {
        "image": SimpleUploadedFile(name, content), "caption": caption})


@pytest.mark.parametrize(("name", "content", "message"), [
    ("licence.pdf", PDF, "JPG、PNG"),                  # a PDF is not a photo
    ("photo.jpg", b"just some text, not an image", "JPG、PNG"),
    ("photo.jpg", b"", "The file is empty."),
    # JPEG's first bytes, then a web page (a polyglot): decoding it fails.
    ("photo.jpg", b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>",
     ("This file could not be read as a %(kind)s image: it may be damaged.", {"kind": "JPG"})),
])
def test_bad_uploads_get_a_form_error_and_keep_the_caption(client_for, manager, centre_a,
                                                           name, content, message):
    response = upload(client_for(manager), centre_a, name, content)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'class="field-error"' in body
    message, params = message if isinstance(message, tuple) else (message, {})
    assert zh(message) % params in body
    assert 'value="大门与接送区"' in body
    assert not CentrePhoto.objects.exists()
    assert stored_photos() == []


def test_an_upload_over_the_limit_is_refused(client_for, manager, centre_a, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = upload(client_for(manager), centre_a, "big.png", PNG + b"0" * 2048)
    assert response.status_code == 422
    body = response.content.decode()
    assert "1.0 KB" in body or "1.0\xa0KB" in body
    assert 'value="大门与接送区"' in body
    assert not CentrePhoto.objects.exists()


def test_a_thirteenth_photo_is_refused(client_for, manager, centre_a):
    for i in range(MAX_CENTRE_PHOTOS):
        add_photo(centre_a, f"照片{i}")
    client = client_for(manager)
    page = client.get(url("photo-list", centre_a.pk)).content.decode()
    assert 'name="image"' not in page  # the form gives way to the reason
    response = upload(client, centre_a, "one-more.png", PNG)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'class="form-errors"' in body
    assert zh("A centre can show at most %(n)d photos: delete one before adding another.") % {
        "n": MAX_CENTRE_PHOTOS} in body
    assert 'value="大门与接送区"' in body
    assert centre_a.photos.count() == MAX_CENTRE_PHOTOS
    assert len(stored_photos()) == MAX_CENTRE_PHOTOS


def test_a_caption_over_100_characters_is_refused(client_for, manager, centre_a):
    response = upload(client_for(manager), centre_a, "photo.png", PNG, caption="长" * 101)
    assert response.status_code == 422
    assert response.context["form"].errors["caption"]
    assert not CentrePhoto.objects.exists()


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.VERIFIED, S.SUSPENDED])
def test_a_good_upload_is_stored_under_a_random_name(client_for, manager, centre_a, status):
    filing_for(centre_a, status)  # photos are disclosure, not filing material
    response = upload(client_for(manager), centre_a, "我们的教室.jpg", JPEG, caption=" 教室 ")
    assert response.status_code == 302
    assert response["Location"] == url("photo-list", centre_a.pk)
    photo = CentrePhoto.objects.get()
    assert (photo.centre, photo.caption, photo.original_name, photo.content_type,
            photo.uploaded_by) == (centre_a, "教室", "我们的教室.jpg", "image/jpeg", manager)
    assert RANDOM_NAME.match(photo.image.name), photo.image.name
    assert "教室" not in photo.image.name
    with photo.image.open("rb") as stored:
        content = stored.read()
    # What is stored is the photo re-encoded (core.uploads drops metadata): the same picture.
    assert photo.size == len(content)
    with Image.open(io.BytesIO(content)) as stored_image:
        assert (stored_image.format, stored_image.size) == ("JPEG", (4, 4))
    event = AuditEvent.objects.get(verb="centre_photo_added")
    assert (event.actor, event.target_id, event.details["photo"]) == (
        manager, str(centre_a.pk), photo.pk)


def test_only_a_manager_can_add_a_photo(centre_a, staff):
    with pytest.raises(PermissionDenied):
        add_centre_photo(centre=centre_a, by=staff, uploaded=SimpleUploadedFile("a.png", PNG))
    assert not CentrePhoto.objects.exists()


# --- delete ------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.DRAFT, S.VERIFIED])
def test_delete_removes_the_row_and_then_the_file(client_for, manager, centre_a, photo_a,
                                                  status, django_capture_on_commit_callbacks):
    filing_for(centre_a, status)
    other = add_photo(centre_a, "留下的照片")
    name = photo_a.image.name
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(manager).post(url("photo-delete", centre_a.pk, photo_a.pk))
        assert default_storage.exists(name)  # not before the deletion is committed
    assert response.status_code == 302
    assert response["Location"] == url("photo-list", centre_a.pk)
    for callback in callbacks:
        callback()
    assert list(centre_a.photos.all()) == [other]
    assert not default_storage.exists(name)
    assert stored_photos() == [other.image.name]
    event = AuditEvent.objects.get(verb="centre_photo_deleted")
    assert (event.actor, event.target_id, event.details["caption"]) == (
        manager, str(centre_a.pk), "阳光室内活动区")


def test_the_delete_button_asks_for_confirmation(client_for, manager, centre_a, photo_a):
    body = client_for(manager).get(url("photo-list", centre_a.pk)).content.decode()
    form = re.search(r'<details class="photo-delete">.*?</details>', body, re.S).group(0)
    assert f'action="{url("photo-delete", centre_a.pk, photo_a.pk)}"' in form
    assert 'method="post"' in form and "csrfmiddlewaretoken" in form


# --- where the photos are shown ------------------------------------------------------------


def test_regulator_centre_file_shows_the_photos(client_for, district_regulator, centre_a,
                                                photo_a, photo_b):
    untitled = add_photo(centre_a)
    body = client_for(district_regulator).get(url("centre-detail", centre_a.pk)).content.decode()
    assert f'src="{url("photo-file", photo_a.pk)}" alt="阳光室内活动区"' in body
    assert f'src="{url("photo-file", untitled.pk)}" alt="江阳区阳光托育中心"' in body
    assert url("photo-file", photo_b.pk) not in body and "星星秘密花园" not in body
    assert 'style="' not in body  # CSP: sizes come from the stylesheet


def test_public_list_shows_each_centres_first_photo(client, centre_a, centre_b, photo_a,
                                                    photo_b):
    second = add_photo(centre_a, "第二张")
    filing_for(centre_a, S.VERIFIED)
    body = client.get(url("public-centres")).content.decode()
    assert f'class="photo-thumb" src="{url("photo-file", photo_a.pk)}" alt="阳光室内活动区"' in body
    assert url("photo-file", second.pk) not in body
    assert url("photo-file", photo_b.pk) not in body  # centre_b is not verified


def public_list_queries(client) -> tuple[int, int]:
    with count_queries() as captured:
        response = client.get(url("public-centres"))
    return len(captured), len(response.context["page"].object_list)


def make_verified_with_photos(n: int) -> None:
    for _i in range(n):
        centre = CentreFactory(filing=S.VERIFIED)
        add_photo(centre, "活动室")
        add_photo(centre, "户外场地")


def test_public_list_query_count_does_not_grow(client):
    make_verified_with_photos(1)
    client.get(url("public-centres"))  # warm the session and caches
    one, rows = public_list_queries(client)
    assert rows == 1
    make_verified_with_photos(9)
    ten, rows = public_list_queries(client)
    assert rows == 10
    assert one == ten


def test_photo_page_query_count_does_not_grow(client_for, manager, centre_a):
    client = client_for(manager)
    add_photo(centre_a, "第一张")
    client.get(url("photo-list", centre_a.pk))  # warm the session and caches
    with count_queries() as one:
        client.get(url("photo-list", centre_a.pk))
    for i in range(MAX_CENTRE_PHOTOS - 1):
        add_photo(centre_a, f"照片{i}")
    with count_queries() as twelve:
        response = client.get(url("photo-list", centre_a.pk))
    assert len(response.context["photos"]) == MAX_CENTRE_PHOTOS
    assert len(one) == len(twelve)


def test_a_refused_photo_says_the_file_must_be_chosen_again(client_for, manager, centre_a):
    """Item 15: a caption too long sends the form back; the photo must be chosen again."""
    response = upload(client_for(manager), centre_a, "photo.png", PNG, caption="长" * 101)
    assert response.status_code == 422
    assert 'class="help file-dropped"' in response.content.decode()
