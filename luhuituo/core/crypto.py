"""Field encryption (Fernet) and the HMAC blind index used to find an encrypted value exactly.

``FIELD_ENCRYPTION_KEY`` holds one or more comma-separated Fernet keys: the first encrypts, all
decrypt, so keys can be rotated. The blind index is an HMAC-SHA256 of the normalised value under
``BLIND_INDEX_KEY`` (or a key derived from the first encryption key), so equal values give equal
digests without the value ever being stored in clear.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "blind_index", "decrypt", "encrypt", "normalise_identifier"]


@cache
def _keys() -> tuple[bytes, ...]:
    raw = [k.strip() for k in settings.FIELD_ENCRYPTION_KEY.split(",") if k.strip()]
    try:
        for key in raw:
            Fernet(key)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must hold url-safe base64 Fernet keys (32 bytes each)."
        ) from exc
    return tuple(k.encode() for k in raw)


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(k) for k in _keys()])


@cache
def _index_key() -> bytes:
    if settings.BLIND_INDEX_KEY:
        return settings.BLIND_INDEX_KEY.encode()
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"luhuituo blind index v1"
    ).derive(_keys()[0])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def normalise_identifier(value: str) -> str:
    """Identifiers compare without spaces and case: '510502 1990 0101 123x' == '…123X'."""
    return "".join(value.split()).upper()


def blind_index(value: str, purpose: str = "") -> str:
    """Hex HMAC-SHA256 of the normalised value; '' for an empty value."""
    value = normalise_identifier(value or "")
    if not value:
        return ""
    message = f"{purpose}:{value}".encode()
    return hmac.new(_index_key(), message, hashlib.sha256).hexdigest()


def clear_key_cache() -> None:
    """For tests that change the keys."""
    _keys.cache_clear()
    _fernet.cache_clear()
    _index_key.cache_clear()
