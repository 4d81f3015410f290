"""Uploaded files, for every app: checked on the way in, stored under random names, served
only through a view that has checked who is asking (docs/architecture.md#privacy-and-security).

- ``check_upload``: pdf/jpg/png only, at most UPLOAD_MAX_BYTES, judged by content (magic
  bytes) rather than by name or the browser's claimed type.
- ``UploadPath("materials")``: a model field's ``upload_to`` giving a random name under a
  folder per month; the original name is kept in a field, never on disk.
- ``file_response``: a stored file for a view that has already fetched its object through
  ``visible_to(user)``: never cached by shared caches, never run as a page.
"""

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

SIGNATURES = [
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
]
EXTENSIONS = {"pdf": {".pdf"}, "jpg": {".jpg", ".jpeg"}, "png": {".png"}}


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    content_type: str
    size: int
    sha256: str


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
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedUpload(kind=kind, content_type=content_type, size=uploaded.size,
                         sha256=digest.hexdigest())


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
