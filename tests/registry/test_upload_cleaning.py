"""Every registry service that stores an upload stores what check_upload returned (the image
re-encoded), never the file as it arrived: HTML appended to a PNG and a photo's EXIF with its
GPS position never reach the storage. (check_upload itself: tests/core/test_uploads.py.)"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from luhuituo.core.uploads import check_upload
from registry import changes, services
from registry.centres import add_centre_photo
from registry.models import Filing, MaterialKind
from tests.core.test_uploads import HTML, PNG_END, jpeg_with_gps
from tests.factories import png_bytes

from .test_filing_workflow import complete, to_status, upload_all

pytestmark = pytest.mark.django_db


def polyglot_png(name="证明.png"):
    upload = SimpleUploadedFile(name, png_bytes() + HTML)
    return upload, check_upload(upload)


def assert_clean(fieldfile) -> None:
    with fieldfile.open("rb") as stored:
        content = stored.read()
    assert HTML not in content
    assert content.endswith(PNG_END)


@pytest.fixture
def draft(centre_a, manager):
    return complete(centre_a).filing


@pytest.fixture
def verified(draft, manager, district_regulator):
    upload_all(draft, manager)
    return to_status(draft, Filing.Status.VERIFIED, manager, district_regulator)


def test_a_filing_material(draft, manager):
    upload, checked = polyglot_png()
    material = services.upload_material(filing=draft, by=manager, kind=MaterialKind.PREMISES,
                                        uploaded=upload, checked=checked)
    assert_clean(material.file)
    assert material.size == checked.size < upload.size


def test_a_renewed_certificate(verified, manager):
    upload, checked = polyglot_png()
    material = services.renew_certificate(
        filing=verified, by=manager, kind=MaterialKind.FIRE_SAFETY, uploaded=upload,
        checked=checked, issuer="江阳区消防救援大队", number="JY-1",
        valid_until=timezone.localdate() + dt.timedelta(days=365))
    assert_clean(material.file)


def test_a_change_filing_material(verified, manager):
    change = changes.submit_change(
        centre=verified.centre, by=manager, reason="搬迁",
        proposed={"address": "江阳区蓝田街道2号", "tenure": "leased",
                  "lease_start": "2026-01-01", "lease_end": "2030-12-31"},
        materials={"premises": polyglot_png("租赁合同.png"),
                   "fire_safety": polyglot_png("消防.png")})
    assert change.materials.count() == 2
    for material in change.materials.all():
        assert_clean(material.file)


def test_a_centre_photo(centre_a, manager):
    photo = add_centre_photo(centre=centre_a, by=manager,
                             uploaded=SimpleUploadedFile("photo.png", png_bytes() + HTML))
    assert_clean(photo.image)


def test_a_centre_photo_loses_its_gps_position(centre_a, manager):
    photo = add_centre_photo(centre=centre_a, by=manager,
                             uploaded=SimpleUploadedFile("教室.jpg", jpeg_with_gps()))
    with photo.image.open("rb") as stored:
        content = stored.read()
    assert b"Exif" not in content and b"LuzhouPhone" not in content
    assert photo.size == len(content)
