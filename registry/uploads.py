"""Checking uploaded files: pdf/jpg/png only, at most UPLOAD_MAX_BYTES, judged by content (magic
bytes) rather than by name or the browser's claimed type (DESIGN §9)."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
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
