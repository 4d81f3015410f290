"""Validators for mainland mobile numbers and resident identity numbers, with messages in the
user's language."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_mobile(value: str) -> str:
    """'+86 138-0000-5678' → '13800005678'. Returns the input stripped if it is not a number."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def is_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(normalise_mobile(value)))


def validate_mobile(value: str) -> None:
    if not is_mobile(value):
        raise ValidationError(
            _("Enter a valid mainland mobile number: 11 digits starting with 13–19."),
            code="invalid_mobile",
        )


def normalise_id_number(value: str) -> str:
    return "".join((value or "").split()).upper()


def validate_id_number(value: str) -> None:
    """Resident identity number (居民身份证号码, GB 11643): 18 characters with a valid region,
    birth date and check digit."""
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters."), code="invalid_id_length"
        )
    try:
        ric.validate(number)
    except ric.InvalidChecksum:
        raise ValidationError(
            _("This ID number's check digit is wrong: please check it was typed correctly."),
            code="invalid_id_checksum",
        ) from None
    except (ric.InvalidComponent, ric.InvalidFormat, ric.InvalidLength, ValueError):
        raise ValidationError(
            _("This is not a valid resident ID number (region or birth date is wrong)."),
            code="invalid_id",
        ) from None
