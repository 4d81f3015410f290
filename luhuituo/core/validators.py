"""Validators for mainland mobile numbers and resident identity numbers, with messages in the
user's language."""

import re
from datetime import date

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


# Province-level prefixes of GB/T 2260 (the first two digits of a resident ID number).
PROVINCE_CODES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}


def validate_id_number(value: str) -> None:
    """Resident identity number (居民身份证号码, GB 11643): 18 characters with a valid check
    digit, a real birth date and a province code.

    The region part is checked only at province level on purpose: it records where the number
    was issued, so a person born in 1980 can genuinely carry a county code created in 1995
    (纳溪区 510503, 龙马潭区 510504), which stdnum's year-by-year lookup would reject.
    """
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters."), code="invalid_id_length"
        )
    if not number[:17].isdigit() or number[17] not in "0123456789X":
        raise ValidationError(
            _("This is not a valid resident ID number (region or birth date is wrong)."),
            code="invalid_id",
        )
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(
            _("This ID number's check digit is wrong: please check it was typed correctly."),
            code="invalid_id_checksum",
        )
    try:
        born = ric.get_birth_date(number)
    except (ric.InvalidComponent, ValueError):
        born = None
    if born is None or born > date.today() or number[:2] not in PROVINCE_CODES:  # noqa: DTZ011
        raise ValidationError(
            _("This is not a valid resident ID number (region or birth date is wrong)."),
            code="invalid_id",
        )
