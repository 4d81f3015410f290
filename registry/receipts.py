"""Filing receipts (备案回执) and notices: the verification token printed as a QR code, and the
PDFs. The token is the filing number plus an HMAC, so a receipt cannot be forged by guessing
numbers, and the QR code stays short."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .models import Filing

S = Filing.Status


def receipt_token(filing: Filing) -> str:
    mac = hmac.new(settings.SECRET_KEY.encode(), f"receipt:{filing.filing_no}".encode(),
                   hashlib.sha256).hexdigest()[:16]
    return f"{filing.filing_no}.{mac}"


def filing_for_token(token: str) -> Filing | None:
    filing_no, _dot, _mac = token.rpartition(".")
    if not filing_no:
        return None
    filing = Filing.objects.select_related("centre__region").filter(filing_no=filing_no).first()
    if filing is None or not hmac.compare_digest(receipt_token(filing), token):
        return None
    return filing


def verification_url(filing: Filing, request=None) -> str:
    path = reverse("registry:verify", args=[receipt_token(filing)])
    if settings.SITE_URL:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path) if request is not None else path


# What a receipt means now, for the public verification page.
IN_EFFECT = Filing.IN_EFFECT_STATUSES
WITH_FINDINGS = {S.NONCONFORMING, S.RECTIFYING}
ENDED = {S.TERMINATING, S.DEREGISTERED}


def receipt_state(filing: Filing) -> str:
    if filing.status in IN_EFFECT:
        return "valid"
    if filing.status in WITH_FINDINGS:
        return "findings"
    if filing.status == S.SUSPENDED:
        return "suspended"
    return "ended"


def receipt_pdf(filing: Filing, request=None) -> bytes:
    from luhuituo.core.pdf import qr_svg_data_uri, render_pdf

    url = verification_url(filing, request)
    return render_pdf("pdf/filing_receipt.html", {
        "filing": filing, "centre": filing.centre, "verify_url": url,
        "qr": qr_svg_data_uri(url), "printed_at": timezone.now(),
    })


def notice_pdf(filing: Filing, request=None) -> bytes:
    from luhuituo.core.pdf import render_pdf

    return render_pdf("pdf/nonconformity_notice.html", {
        "filing": filing, "centre": filing.centre, "printed_at": timezone.now(),
    })
