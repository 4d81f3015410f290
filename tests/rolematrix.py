"""Role-matrix checks: one request per persona, every outcome asserted, leaks searched for.

    assert_role_matrix(
        client_for, personas, reverse("dashboard:home"),
        expect={"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                "parent": FORBIDDEN, "anonymous": LOGIN},
        hidden={"district_regulator": ["纳溪区星星托育园"]},   # must not appear in the page
        shown={"district_regulator": ["江阳区阳光托育中心"]},   # must appear
    )

Every persona must have an expectation, so a new persona cannot be forgotten. All mismatches
are reported together.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import resolve

from .conftest import PERSONAS
from .urlcoverage import COVERED


@dataclass(frozen=True)
class Outcome:
    label: str
    status: int
    login_redirect: bool = False

    def matches(self, response) -> bool:
        if response.status_code != self.status:
            return False
        if self.login_redirect:
            login_path = resolve_url(settings.LOGIN_URL)
            return urlparse(response["Location"]).path == login_path
        return True


OK = Outcome("200 OK", 200)
FORBIDDEN = Outcome("403 Forbidden", 403)
NOT_FOUND = Outcome("404 Not Found", 404)
LOGIN = Outcome("302 to the login page", 302, login_redirect=True)
NOT_ALLOWED = Outcome("405 Method Not Allowed", 405)


def redirect_to(status: int = 302) -> Outcome:
    return Outcome(f"{status} redirect", status)


def assert_role_matrix(
    client_for,
    personas: dict,
    url: str,
    *,
    expect: dict[str, Outcome],
    method: str = "get",
    data: dict | None = None,
    headers: dict | None = None,
    hidden: dict[str, list[str]] | None = None,
    shown: dict[str, list[str]] | None = None,
) -> None:
    missing = set(PERSONAS) - set(expect)
    unknown = set(expect) - set(PERSONAS)
    if missing or unknown:
        raise AssertionError(
            f"role matrix for {url}: no expectation for {sorted(missing)}; "
            f"unknown personas {sorted(unknown)}"
        )
    COVERED.add(resolve(urlparse(url).path).view_name)
    problems: list[str] = []
    for name in PERSONAS:
        client = client_for(personas[name])
        response = getattr(client, method)(url, data or {}, headers=headers or {})
        outcome = expect[name]
        if not outcome.matches(response):
            where = f" → {response['Location']}" if response.has_header("Location") else ""
            problems.append(
                f"{name}: expected {outcome.label}, got {response.status_code}{where}"
            )
            continue
        body = ""
        if response.status_code == 200:
            raw = (b"".join(response.streaming_content) if response.streaming
                   else response.content)
            body = raw.decode(errors="replace")
        problems.extend(
            f"{name}: page leaks {text!r}" for text in (hidden or {}).get(name, []) if text in body
        )
        problems.extend(
            f"{name}: page does not show {text!r}"
            for text in (shown or {}).get(name, []) if text not in body
        )
    if problems:
        raise AssertionError(f"role matrix for {method.upper()} {url}:\n  " + "\n  ".join(problems))
