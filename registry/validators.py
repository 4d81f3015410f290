"""Validators for the registry's identifiers, with messages in the user's language."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc

from luhuituo.core.validators import is_mobile

LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,5})?$")


def validate_uscc(value: str) -> None:
    """统一社会信用代码 (GB 32100): 18 characters with a valid check character."""
    try:
        uscc.validate(value)
    except uscc.InvalidChecksum:
        raise ValidationError(
            _("This credit code's check character is wrong: please check it was typed "
              "correctly."), code="invalid_uscc_checksum",
        ) from None
    except (uscc.InvalidLength, uscc.InvalidFormat, uscc.InvalidComponent, ValueError):
        raise ValidationError(
            _("A unified social credit code has 18 digits and capital letters."),
            code="invalid_uscc",
        ) from None


def normalise_uscc(value: str) -> str:
    return "".join((value or "").split()).upper()


def validate_phone(value: str) -> None:
    """A mainland mobile number, or a landline with its area code (0830-1234567)."""
    compact = re.sub(r"[\s()]", "", value or "")
    if is_mobile(compact) or LANDLINE_RE.match(compact):
        return
    raise ValidationError(
        _("Enter a mobile number or a landline with its area code, e.g. 0830-2345678."),
        code="invalid_phone",
    )
