"""Masking of people's identifiers for display and export
(docs/architecture.md#privacy-and-security): never show them in full. Only people's: an ID
number, a name, the mobile number of a staff member, a guardian, a complainant or an account
holder is personal data. An organisation's public contact number (a centre's 联系电话,
published for parents to call) is not, and is shown whole (``organisation_phone``)."""

from .validators import MOBILE_RE, normalise_id_number, normalise_mobile


def mask_id_number(value: str | None) -> str:
    """'510502199001011234' → '510502********1234'."""
    number = normalise_id_number(value or "")
    if not number:
        return ""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(value: str | None) -> str:
    """A person's number: '13800005678' → '138****5678'; other numbers keep only their last 4
    digits."""
    number = normalise_mobile(value or "")
    if not number:
        return ""
    if MOBILE_RE.match(number):
        return number[:3] + "****" + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


def organisation_phone(value: str | None) -> str:
    """An organisation's public contact number, whole (not personal data): '0830-3123456'."""
    return (value or "").strip()


def mask_name(value: str | None) -> str:
    """'刘一诺' → '刘*诺', '王芳' → '王*', '欧阳子涵' → '欧**涵': the surname's first character
    and (from three characters) the last one stay (common practice for 姓名脱敏)."""
    name = (value or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
