"""Uploaded files, for every app: checked on the way in, stored under random names, served
only through a view that has checked who is asking (docs/architecture.md#privacy-and-security).

- ``check_upload``: pdf/jpg/png only, at most UPLOAD_MAX_BYTES, judged by content rather than
  by name or the browser's claimed type: a PDF must parse (pypdf) and have a page; an image
  must decode (Pillow) and is re-encoded, which drops whatever was appended to it or embedded
  in it (EXIF with a photo's GPS position, comments, text chunks). The result's ``file`` is
  what to store: ``field.save(uploaded.name, checked.file)``, never the upload itself.
- ``UploadPath("materials")``: a model field's ``upload_to`` giving a random name under a
  folder per month; the original name is kept in a field, never on disk.
- ``file_response``: a stored file for a view that has already fetched its object through
  ``visible_to(user)``: never cached by shared caches, never run as a page.
"""

import hashlib
import io
import logging
import secrets
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps
from pypdf import PdfReader

SIGNATURES = [
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
]
EXTENSIONS = {"pdf": {".pdf"}, "jpg": {".jpg", ".jpeg"}, "png": {".png"}}
PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG"}
JPEG_QUALITY = 90

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed ``check_upload``. ``file`` is the content to store (the PDF as
    uploaded, an image re-encoded); ``size`` and ``sha256`` are those of ``file``."""

    kind: str
    content_type: str
    size: int
    sha256: str
    file: File


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, kind, content_type in SIGNATURES:
        if head.startswith(magic):
            return kind, content_type
    return None


def check_upload(uploaded, *, allowed: tuple[str, ...] = ("pdf", "jpg", "png")) -> CheckedUpload:
    """Validate an UploadedFile; raise ValidationError with a message for the user."""
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if uploaded.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(uploaded.size),
                    "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)},
        )
    uploaded.seek(0)
    found = sniff(uploaded.read(16))
    names = "、".join(k.upper() for k in allowed)
    if found is None or found[0] not in allowed:
        raise ValidationError(
            _("Only %(types)s files can be uploaded; this file is something else."),
            code="bad_type", params={"types": names},
        )
    kind, content_type = found
    name = (uploaded.name or "").lower()
    if not any(name.endswith(ext) for ext in EXTENSIONS[kind]):
        raise ValidationError(
            _("The file's name does not match its content (%(kind)s): please check the file."),
            code="name_mismatch", params={"kind": kind.upper()},
        )
    uploaded.seek(0)
    if kind == "pdf":
        check_pdf(uploaded)
        stored = uploaded
    else:
        stored = ContentFile(reencode_image(uploaded, kind), name=uploaded.name)
    digest = hashlib.sha256()
    stored.seek(0)
    for chunk in stored.chunks():
        digest.update(chunk)
    stored.seek(0)
    return CheckedUpload(kind=kind, content_type=content_type, size=stored.size,
                         sha256=digest.hexdigest(), file=stored)


def check_pdf(uploaded) -> None:
    """The file parses as a PDF with a trailer and at least one page. pypdf reads leniently
    (strict=False), as viewers do; the size limit bounds its work."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(uploaded, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise ValidationError(
                    _("This PDF is protected by a password: upload it without the password."),
                    code="pdf_encrypted")
            has_trailer = "/Root" in reader.trailer
            pages = len(reader.pages) if has_trailer else 0
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on a damaged file
        logger.info("upload refused, not a readable PDF: %r", exc)
        pages = 0
    finally:
        uploaded.seek(0)
    if pages < 1:
        raise ValidationError(
            _("This file could not be read as a PDF: it may be damaged or not a PDF."),
            code="bad_pdf")


def reencode_image(uploaded, kind: str) -> bytes:
    """The image decoded and encoded again in its own format: the pixels only, turned upright
    as its EXIF orientation says. Anything after the image data and every metadata block
    (EXIF, GPS, XMP, comments, text chunks, colour profiles) is left behind."""
    too_many_pixels = ValidationError(
        _("The image has more than %(limit)d million pixels: please send a smaller one."),
        code="too_many_pixels",
        params={"limit": settings.UPLOAD_MAX_IMAGE_PIXELS // 1_000_000})
    out = io.BytesIO()
    try:
        with warnings.catch_warnings():
            # Pillow's own decompression-bomb limit, as an error, behind ours.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(uploaded, formats=[PILLOW_FORMATS[kind]]) as image:
                if image.width * image.height > settings.UPLOAD_MAX_IMAGE_PIXELS:
                    raise too_many_pixels
                transparency = image.info.get("transparency")
                clean = ImageOps.exif_transpose(image)  # decodes the whole image
                clean.info = {}  # no metadata is carried over to the new file
                if kind == "jpg":
                    if clean.mode not in {"L", "RGB", "CMYK"}:
                        clean = clean.convert("RGB")
                    clean.save(out, "JPEG", quality=JPEG_QUALITY)
                else:
                    options = {} if transparency is None else {"transparency": transparency}
                    clean.save(out, "PNG", **options)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except Exception as exc:  # Pillow raises many kinds of error on a damaged file
        logger.info("upload refused, not a readable %s image: %r", kind, exc)
        raise ValidationError(
            _("This file could not be read as a %(kind)s image: it may be damaged."),
            code="bad_image", params={"kind": kind.upper()}) from None
    finally:
        uploaded.seek(0)
    return out.getvalue()


@deconstructible
class UploadPath:
    """``upload_to`` for a FileField: ``<folder>/<year>/<month>/<32 random hex><suffix>``.
    The suffix is the file's own, lower-cased (``check_upload`` has matched it to the content),
    unless the field always stores one kind (``suffix=".xlsx"``)."""

    def __init__(self, folder: str, suffix: str | None = None):
        self.folder = folder
        self.suffix = suffix

    def __call__(self, instance, filename: str) -> str:
        suffix = self.suffix if self.suffix is not None else PurePath(filename).suffix.lower()[:8]
        return f"{self.folder}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}{suffix}"

    def __eq__(self, other) -> bool:
        return (isinstance(other, UploadPath) and self.folder == other.folder
                and self.suffix == other.suffix)

    def __hash__(self) -> int:
        return hash((self.folder, self.suffix))


def file_response(fieldfile, *, content_type: str, name: str = "", public: bool = False,
                  max_age: int = 0) -> FileResponse:
    """Serve a stored upload inline. The caller has checked the reader may see it.

    Documents may be framed by our own pages only and run nothing; ``public`` files (photos of
    listed centres) may be cached for ``max_age`` seconds, others are private and not stored.
    """
    response = FileResponse(fieldfile.open("rb"), content_type=content_type)
    response["Content-Disposition"] = (f"inline; filename*=UTF-8''{quote(name)}" if name
                                       else "inline")
    response["X-Content-Type-Options"] = "nosniff"
    if public or max_age:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        patch_cache_control(response, max_age=max_age,
                            **({"public": True} if public else {"private": True}))
    else:
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'self'"
        response["Cache-Control"] = "private, no-store"
    return response
