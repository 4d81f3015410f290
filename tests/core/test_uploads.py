"""check_upload judges a file by its content (docs/architecture.md#privacy-and-security): a PDF
must parse, an image must decode and is re-encoded, so nothing appended to it or embedded in it
(HTML, EXIF with a child's GPS position) is stored. Where each app stores what check_upload
returned: tests/registry/test_upload_cleaning.py and the rectification tests."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter

from luhuituo.core.uploads import check_upload
from tests.factories import image_bytes, jpeg_bytes, pdf_bytes, png_bytes

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
PNG_END = b"IEND\xaeB`\x82"  # the IEND chunk and its CRC: the last bytes of a PNG


def check(name: str, content: bytes, **kwargs):
    return check_upload(SimpleUploadedFile(name, content), **kwargs)


def refused(name: str, content: bytes, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        check(name, content, **kwargs)
    return raised.value


def stored(checked) -> bytes:
    checked.file.seek(0)
    return checked.file.read()


def jpeg_with_gps(size=(8, 6), orientation=None) -> bytes:
    """A photo as a phone takes it: camera make and a GPS position in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "LuzhouPhone"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (28.0, 52.0, 17.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 26.0, 31.2)
    content = jpeg_bytes(size=size, exif=exif.tobytes())
    with Image.open(io.BytesIO(content)) as image:  # the input really carries them
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    return content


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


# --- PDF ---------------------------------------------------------------------------------------


def test_a_real_pdf_is_accepted_and_stored_as_uploaded():
    content = pdf_bytes("申请书", pages=2)
    checked = check("申请书.pdf", content)
    assert (checked.kind, checked.content_type, checked.size) == (
        "pdf", "application/pdf", len(content))
    assert stored(checked) == content  # a signed PDF stays valid: not rewritten


def test_a_pdf_made_by_weasyprint_is_accepted():
    from luhuituo.core.pdf import render_pdf

    content = render_pdf("pdf/base.html", {})
    assert check("receipt.pdf", content).kind == "pdf"


def test_a_polyglot_pdf_with_html_is_refused():
    error = refused("notice.pdf", b"%PDF-1.7\n" + HTML)
    assert error.code == "bad_pdf"


@pytest.mark.parametrize("content", [
    b"%PDF-1.4 fake",
    b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # a trailer without a /Root
    pdf_bytes()[:200],  # cut short
    b"%PDF-" + bytes(range(256)) * 40,
], ids=["text", "no-root", "truncated", "noise"])
def test_a_pdf_that_does_not_parse_is_refused(content):
    assert refused("file.pdf", content).code == "bad_pdf"


def test_a_pdf_without_any_page_is_refused():
    writer = PdfWriter()
    buffer = io.BytesIO()
    writer.write(buffer)
    assert len(PdfReader(io.BytesIO(buffer.getvalue())).pages) == 0
    assert refused("empty.pdf", buffer.getvalue()).code == "bad_pdf"


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt(user_password=user_password, owner_password="owner-secret",
                   algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_password_protected_pdf_is_refused_with_its_own_message():
    assert refused("locked.pdf", encrypted_pdf("1234")).code == "pdf_encrypted"


def test_a_pdf_that_opens_without_a_password_is_accepted():
    """Certificates are often encrypted with an owner password only (printing restricted)."""
    assert check("licence.pdf", encrypted_pdf("")).kind == "pdf"


# --- images ------------------------------------------------------------------------------------


def test_jpeg_magic_followed_by_html_is_refused():
    error = refused("photo.jpg", b"\xff\xd8\xff\xe0" + HTML)
    assert error.code == "bad_image"
    assert refused("photo.jpg", b"\xff\xd8\xff" + HTML).code == "bad_image"


def test_png_magic_followed_by_html_is_refused():
    assert refused("photo.png", b"\x89PNG\r\n\x1a\n" + HTML).code == "bad_image"


def test_a_truncated_image_is_refused():
    content = jpeg_bytes(size=(64, 64))
    assert refused("photo.jpg", content[: len(content) // 2]).code == "bad_image"


def test_html_appended_to_a_png_is_not_stored():
    original = png_bytes()
    checked = check("photo.png", original + HTML)
    content = stored(checked)
    assert HTML not in content
    assert content.endswith(PNG_END)
    assert checked.size == len(content)
    with Image.open(io.BytesIO(content)) as image:
        assert (image.format, image.size, image.getpixel((0, 0))) == ("PNG", (8, 6),
                                                                      (0, 128, 128))


def test_html_appended_to_a_jpeg_is_not_stored():
    content = stored(check("photo.jpg", jpeg_bytes() + HTML))
    assert HTML not in content
    assert content.endswith(b"\xff\xd9")  # the JPEG end-of-image marker


def test_exif_and_gps_are_removed_from_a_jpeg():
    content = stored(check("孩子.jpg", jpeg_with_gps()))
    assert b"Exif" not in content and b"LuzhouPhone" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert dict(image.getexif()) == {}
        assert image.format == "JPEG" and image.size == (8, 6)


def test_a_photo_is_turned_upright_before_its_exif_is_dropped():
    # Orientation 6: the camera was turned; viewers rotate it by 90° to show it.
    content = stored(check("side.jpg", jpeg_with_gps(size=(8, 4), orientation=6)))
    with Image.open(io.BytesIO(content)) as image:
        assert image.size == (4, 8)


def test_text_chunks_are_removed_from_a_png():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_text("GPS", "28.87N 105.44E")
    buffer = io.BytesIO()
    Image.new("RGBA", (5, 5), (255, 0, 0, 128)).save(buffer, "PNG", pnginfo=info)
    content = stored(check("logo.png", buffer.getvalue()))
    assert b"tEXt" not in content and b"script" not in content and b"GPS" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.mode == "RGBA" and image.getpixel((0, 0)) == (255, 0, 0, 128)


def test_a_palette_png_keeps_its_transparency():
    icon = Image.new("P", (3, 3), 0)
    icon.putpalette([255, 0, 0, 0, 255, 0])
    icon.putpixel((1, 1), 1)
    buffer = io.BytesIO()
    icon.save(buffer, "PNG", transparency=0)  # red is see-through
    with Image.open(io.BytesIO(stored(check("icon.png", buffer.getvalue())))) as image:
        assert image.mode == "P"
        rgba = image.convert("RGBA")
        assert rgba.getpixel((0, 0))[3] == 0 and rgba.getpixel((1, 1)) == (0, 255, 0, 255)


def test_sha256_and_size_are_those_of_the_stored_content():
    import hashlib

    checked = check("photo.png", png_bytes() + HTML)
    content = stored(checked)
    assert (checked.size, checked.sha256) == (len(content), hashlib.sha256(content).hexdigest())


def test_an_image_with_too_many_pixels_is_refused(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 1_000_000
    content = image_bytes("PNG", size=(1001, 1000))  # small file, one colour
    assert len(content) < 20_000
    error = refused("huge.png", content)
    assert error.code == "too_many_pixels"
    assert check("ok.png", image_bytes("PNG", size=(1000, 1000))).kind == "png"


def test_a_decompression_bomb_is_refused():
    """A PNG header claiming 100,000 × 100,000 pixels: refused before anything is decoded."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    bomb = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + png_chunk(b"IEND", b""))
    assert refused("bomb.png", bomb).code == "too_many_pixels"


# --- unchanged rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "code"), [
    ("empty.pdf", b"", "empty"),
    ("page.html", HTML, "bad_type"),
    ("photo.pdf", png_bytes(), "name_mismatch"),
    ("scan.png", pdf_bytes(), "name_mismatch"),
])
def test_type_name_and_size_rules_still_apply(name, content, code):
    assert refused(name, content).code == code


def test_a_pdf_is_refused_where_only_photos_are_allowed():
    assert refused("photo.pdf", pdf_bytes(), allowed=("jpg", "png")).code == "bad_type"
