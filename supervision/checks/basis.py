"""Legal bases as people read them: the short codes the rules register with
(``register(..., "管理规范 Art 4; WS/T 821 4.1.4")``) and the checklists store ("管理规范第4条")
written out as full document titles and articles: 《托育机构管理规范（试行）》第四条；WS/T
821—2023《托育机构质量评估标准》第4.1.4条. The one mapping of short names to documents is
``DOCUMENTS`` (docs/rules/sources.md lists the documents); every page that shows a basis uses
``cite`` (the ``legal_basis`` template filter). Like the registry, this module imports no models.

A part it cannot read is shown as written, so a new rule with an unusual basis is never hidden.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

# short name → full title, longest names first where one contains another
DOCUMENTS: dict[str, str] = {
    "托育机构设置标准": "《托育机构设置标准（试行）》",
    "托育机构管理规范": "《托育机构管理规范（试行）》",
    "设置标准": "《托育机构设置标准（试行）》",
    "管理规范": "《托育机构管理规范（试行）》",
    "备案办法": "《托育机构登记和备案办法（试行）》",
    "登记和备案办法": "《托育机构登记和备案办法（试行）》",
    "76号令": "《托儿所幼儿园卫生保健管理办法》",
    "未成年人保护法": "《中华人民共和国未成年人保护法》",
    "个人信息保护法": "《中华人民共和国个人信息保护法》",
    "学校和托幼机构传染病疫情报告工作规范": "《学校和托幼机构传染病疫情报告工作规范》",
}
STANDARD = "WS/T 821"
STANDARD_TITLE = "WS/T 821—2023《托育机构质量评估标准》"

# bases that are not legal texts
NOT_LAW = {
    "proposal": _("Platform rule agreed with the health bureau (not a legal requirement)"),
    "local practice": _("Local practice of the health bureau"),
    "supervision": _("The deadline set by the health bureau in the rectification order"),
}

_ARTICLES_EN = re.compile(r"^(?P<doc>.+?)\s*Art\.?\s*(?P<numbers>\d+(?:\s*[,、/]\s*\d+)*)$")
_ARTICLES_ZH = re.compile(r"^(?P<doc>.+?)第(?P<numbers>\d+(?:\s*[,、/]\s*\d+)*)条$")
_CLAUSES = re.compile(r"^WS/T\s*821(?:[-—]2023)?\s*(?P<clauses>[\d.]+(?:\s*[/,、]\s*[\d.]+)*)?$")

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 20 → 二十, 35 → 三十五, 101 → 一百零一 (article numbers)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if not rest else ("零" + chinese_number(rest) if rest < 10
                                else chinese_number(rest) if rest >= 20
                                else "一" + chinese_number(rest))
    return _DIGITS[n // 100] + "百" + tail


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", text)]


def _document(name: str) -> str:
    name = name.strip().strip("《》")
    return DOCUMENTS.get(name, f"《{name}》" if name and not name.isascii() else name)


def _cite_part(part: str) -> str:
    part = part.strip()
    if not part:
        return ""
    if part.lower() in NOT_LAW:
        return str(NOT_LAW[part.lower()])
    if match := _CLAUSES.match(part):
        clauses = re.split(r"\s*[/,、]\s*", match["clauses"]) if match["clauses"] else []
        return STANDARD_TITLE + "、".join(f"第{c}条" for c in clauses)
    if match := (_ARTICLES_EN.match(part) or _ARTICLES_ZH.match(part)):
        articles = "、".join(f"第{chinese_number(n)}条" for n in _numbers(match["numbers"]))
        return _document(match["doc"]) + articles
    return DOCUMENTS.get(part.strip("《》"), part)


def cite(basis: str | None) -> str:
    """'管理规范 Art 4; WS/T 821 4.1.4' → '《托育机构管理规范（试行）》第四条；WS/T 821—2023
    《托育机构质量评估标准》第4.1.4条'; "" for no basis."""
    parts = [_cite_part(p) for p in re.split(r"[;；]", basis or "")]
    return "；".join(p for p in parts if p)
