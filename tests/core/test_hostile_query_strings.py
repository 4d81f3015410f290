"""Hostile query strings never crash a page (docs/architecture.md#privacy-and-security: "bad
input anywhere gets a form error … never a 500").

The pages come from the URL resolver, not from a hand-kept list: every named URL that takes no
argument or only a ``centre_id``, less the few in ``SKIPPED`` (with the reason), plus the
pages with other arguments that read query parameters (``WITH_OBJECT``) — 64 pages when this
was written, 22 of them with a filter, search, sort or page parameter (``FILTERED``, all of
which must be among them). For each page, the personas that may open it are found by asking
(a GET that is neither a 4xx nor a redirect to the login page), and its parameter names are
read from the page itself: the fields of its GET forms and the query keys of its links, plus
``COMMON_NAMES``; the values it offers (options, links) are kept, so a valid value can stand
beside a hostile one and filters hit real rows of ``world``.

- ``test_nasty_values``: a fixed list of nasty values (NUL, 2**70, "2026-13-45", …), each in
  every parameter of the page at once, as the first persona that may open it;
- ``test_hostile_query_strings``: hypothesis builds query strings — known, random and
  repeated names; control characters, 10,000-character strings, astral-plane characters, RTL
  and combining marks, huge and negative numbers, bad dates — sent by the personas that may
  open the page, as full pages and as htmx requests.

Both assert that no answer is a 500, and list every failing page. About 1,400 requests: some
20 s (nasty values) and 35 s (hypothesis) of one core, run side by side under xdist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from evaluation.models import Review
from luhuituo.core.models import Notification
from registry.models import Filing
from supervision.models import Alert, Incident, Severity
from tests.conftest import PERSONAS
from tests.factories import CentreFactory, ClassGroupFactory, StaffFactory, filing_for
from tests.factories.reviews import placed_child, review
from tests.factories.supervision import (
    ChildFactory,
    ComplaintFactory,
    InspectionFactory,
    RectificationOrderFactory,
    enrolled_child,
)

pytestmark = pytest.mark.django_db

# Named URLs with no argument (or only centre_id) that are not tested here, and why.
SKIPPED = {
    "admin": "Django's own admin, behind its own login",
    "set_language": "Django's view, POST only",
    "core:logout": "POST only",
    "core:notification-read-all": "POST only",
    "core:healthz": "monitoring JSON; reads no parameter",
    "registry:receipt-pdf": "a PDF of the filing; reads no parameter",
    "registry:notice-pdf": "a PDF of the filing; reads no parameter",
    "registry:import-template": "an Excel file; reads no parameter",
    "supervision:public-centre-random-results": "one centre's public results; reads no "
                                                "parameter",
}
# Pages with other arguments that read query parameters: name → the world's key of each arg.
WITH_OBJECT = {
    "supervision:regulator-child-detail": {"centre_id": "centre_a", "pk": "child"},
    # a public page of a centre on the public list (centre_a's filing is only submitted)
    "evaluation:public-rating": {"centre_id": "centre_b"},
    "parents:centre-profile": {"centre_id": "centre_b"},
}
# Parameter names every page gets besides its own: the ones list pages use anywhere.
COMMON_NAMES = ["page", "q", "sort", "status", "region", "district", "centre", "date",
                "format", "next", "kind", "purpose", "note", "date_from", "date_to"]

NASTY = ["\x00", str(2**70), "9" * 10_000, "2026-13-45", "0001-01-01", "-1", "ｚ",
         "' OR 1=1 --", "\u202e\u0301𠀀"]


def list_pages() -> dict[str, set[str]]:
    """{name: its arguments} of the URLs that take no argument or only a centre_id, less
    ``SKIPPED``, and of the ``WITH_OBJECT`` pages."""
    pages: dict[str, set[str]] = {name: set(args) for name, args in WITH_OBJECT.items()}

    def walk(resolver: URLResolver, namespace: str, args: set[str]) -> None:
        for pattern in resolver.url_patterns:
            own = args | set(getattr(pattern.pattern, "converters", {}))
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = pattern.namespace or ""
                prefix = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
                walk(pattern, prefix, own)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if own <= {"centre_id"} and name not in SKIPPED:
                    pages[name] = own

    walk(get_resolver(), "", set())
    return pages


PAGE_ARGS = list_pages()
PAGES = sorted(PAGE_ARGS)
# Pages with a filter, search, sort or page parameter: all must be among PAGES, and they get
# more hypothesis examples.
FILTERED = {
    "core:notification-list", "registry:filing-queue", "registry:centre-list",
    "registry:centre-export", "registry:staff-list", "registry:public-centres",
    "registry:public-disclosures", "supervision:child-list", "supervision:regulator-child-list",
    "supervision:regulator-child-detail", "supervision:daily-today",
    "supervision:incident-list", "supervision:safety-records",
    "supervision:regulator-incident-list", "supervision:inspection-plan",
    "supervision:inspection-list", "supervision:rectification-list",
    "supervision:rectification-create", "supervision:complaint-list",
    "supervision:complaint-create", "supervision:alert-inbox", "supervision:centre-alerts",
    "supervision:draw-list", "supervision:conflict-list", "supervision:public-random-results",
    "evaluation:review-list",
    "evaluation:ban-list", "evaluation:ban-create",
    "evaluation:assessment-list", "evaluation:assessment-export", "evaluation:assessment-assign",
    "evaluation:assessor-list", "evaluation:rating-list", "evaluation:rating-export",
    "evaluation:rating-reviews",
    "parents:articles", "parents:regulator-articles",
    "parents:centre-profile", "parents:compare",
    "parents:search", "parents:api-centres",
}


# --- the world: personas and a few rows of every kind a list shows --------------------------


@pytest.fixture
def world(personas, centre_a, centre_b):
    filing_for(centre_a, Filing.Status.SUBMITTED)
    filing_for(centre_b, Filing.Status.VERIFIED)
    filing_for(CentreFactory(name="江阳区整改托育园"), Filing.Status.NONCONFORMING)
    group = ClassGroupFactory(centre=centre_a)
    child = enrolled_child(group)
    ChildFactory(centre=centre_a, guardian__user=personas["parent"])
    StaffFactory(centre=centre_a)
    Incident.objects.create(centre=centre_a, child=child, class_group=group,
                            occurred_at=timezone.now() - dt.timedelta(hours=3),
                            kind=Incident.Kind.INJURY, severity=Incident.Severity.MINOR,
                            description="擦伤")
    lead = personas["district_regulator"]
    InspectionFactory(centre=centre_a, lead=lead)
    RectificationOrderFactory(centre=centre_a, issued_by=lead,
                              deadline=timezone.localdate() - dt.timedelta(days=1))
    ComplaintFactory(centre=centre_a)
    review(placed_child(centre_a, personas["parent"]), status=Review.Status.PENDING)
    review(placed_child(centre_a, personas["parent"]), status=Review.Status.PUBLISHED)
    ct = ContentType.objects.get_for_model(centre_a)
    for rule, for_regulator in (("A22", False), ("A37", True)):
        Alert.objects.create(rule=rule, severity=Severity.YELLOW,
                             initial_severity=Severity.YELLOW, centre=centre_a,
                             subject_type=ct, subject_id=centre_a.pk, subject_repr=centre_a.name,
                             message="预警", for_regulator=for_regulator)
    for user in personas.values():
        if user is not None:
            Notification.objects.create(recipient=user, title="通知", url="/home/")
    return {"personas": personas, "centre_a": centre_a, "centre_b": centre_b, "child": child}


def page_url(name: str, world) -> str:
    keys = WITH_OBJECT.get(name, {"centre_id": "centre_a"})
    return reverse(name, kwargs={arg: world[keys[arg]].pk for arg in PAGE_ARGS[name]})


class _Names(HTMLParser):
    """The parameter names of a page (its GET forms' fields, its links' query keys) and the
    values offered for them (options, hidden inputs, link values)."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.names: set[str] = set()
        self.values: set[str] = set()
        self._get_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._get_form = (attrs.get("method") or "get").lower() == "get"
        elif tag in {"input", "select", "textarea"} and self._get_form and attrs.get("name"):
            self.names.add(attrs["name"])
            if attrs.get("value"):
                self.values.add(attrs["value"])
        elif tag == "option" and self._get_form and attrs.get("value"):
            self.values.add(attrs["value"])
        elif tag == "a" and attrs.get("href"):
            link = urlsplit(attrs["href"])
            if link.query and link.path in {"", self.path}:
                for key, value in parse_qsl(link.query, keep_blank_values=True):
                    self.names.add(key)
                    self.values.add(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._get_form = False


def _may_open(response) -> bool:
    if response.status_code >= 400:
        return False
    if response.status_code in {301, 302}:
        login = resolve_url(django_settings.LOGIN_URL)
        return urlsplit(response["Location"]).path != login
    return True


@dataclass
class Page:
    url: str
    clients: list  # (persona, logged-in client) of each persona that may open the page
    names: list[str]  # the page's parameter names and COMMON_NAMES
    values: list[str]  # the values the page offers (options, links)
    own: bool  # whether the page has parameters of its own (GET forms, query links)


def survey(name: str, world, client_for, *, first_only=False) -> Page:
    """The page as the personas see it. A page that only answers POST (every persona's GET is a
    405) is still asked, as the first persona whose GET reaches the method check."""
    url = page_url(name, world)
    clients, refused, names, values = [], [], set(), set()
    for persona in PERSONAS:
        client = client_for(world["personas"][persona])
        response = client.get(url)
        assert response.status_code < 500, f"{name} as {persona}: {response.status_code}"
        if response.status_code == 405:
            refused.append((persona, client))
        if not _may_open(response):
            continue
        clients.append((persona, client))
        if response.get("Content-Type", "").startswith("text/html"):
            parser = _Names(urlsplit(url).path)
            parser.feed(response.content.decode())
            names |= parser.names
            values |= parser.values
        if first_only:
            break
    return Page(url, clients or refused[:1], sorted(names | set(COMMON_NAMES)), sorted(values),
                own=bool(names))


def _describe(params) -> str:
    values = {value for _key, value in params}
    if len(values) == 1:
        return f"{values.pop()[:20]!r} in every parameter"
    return ", ".join(f"{key}={value[:20]!r}" for key, value in params)


def _get(client, url: str, params, *, htmx: bool = False):
    """The page with ``params``; in a savepoint, so that a database error of one request
    cannot spoil the test's transaction for the next ones."""
    headers = {"HX-Request": "true"} if htmx else {}
    with transaction.atomic():
        return client.get(f"{url}?{urlencode(params)}", headers=headers)


# --- the fixed list -------------------------------------------------------------------------


def test_every_list_page_is_covered():
    assert set(PAGES) >= FILTERED, sorted(FILTERED - set(PAGES))
    assert len(PAGES) >= 40, f"{len(PAGES)} pages: {PAGES}"


def test_nasty_values(world, client_for):
    """Every page, as the first persona that may open it. A page with parameters gets each
    nasty value in every parameter it knows at once, one request per value; a page without
    gets one request with a different nasty value in each common name. All failures are
    reported together."""
    failures = []
    for name in PAGES:
        page = survey(name, world, client_for, first_only=True)
        if not page.clients:
            failures.append(f"{name}: no persona may open it")
            continue
        persona, client = page.clients[0]
        client.raise_request_exception = False
        if page.own or name in FILTERED:
            queries = [[(key, value) for key in page.names] for value in NASTY]
        else:
            queries = [list(zip(page.names, NASTY * 2, strict=False))]
        for params in queries:
            response = _get(client, page.url, params)
            if response.status_code >= 500:
                failures.append(f"{name} as {persona}: {_describe(params)} → "
                                f"{response.status_code}")
    assert not failures, "\n".join(failures)


# --- hypothesis -----------------------------------------------------------------------------

# Text that is hostile to a database, a parser or a template.
CONTROL = st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=5)
ODD_PIECES = st.sampled_from(["\u200f", "\u202e", "\u0301", "\u200b", "\ufeff", "𠀀", "😀",
                              "\U0010fffd", "ｚ", "１２", "\u3000", "\\", "%", "_", "'", '"',
                              "<", "&", ";", "\x7f", "a"])


def odd(min_size=1, max_size=8):
    """RTL and combining marks, astral-plane and full-width characters, SQL wildcards."""
    return st.lists(ODD_PIECES, min_size=min_size, max_size=max_size).map("".join)


NUMBERS = st.one_of(
    st.integers(-(2**80), 2**80).map(str),
    st.integers(4_000, 10_000).map(lambda n: "9" * n),  # beyond int()'s 4,300 digits
    st.sampled_from(["1e309", "NaN", "inf", "-0", "0x10", "1.5", "1_000", " 1", "٣", "１２"]),
)
DATES = st.sampled_from(["2026-13-45", "2026-02-30", "2025-02-29", "2026-04-31", "2026-00-10",
                         "0000-00-00", "9999-99-99", "0001-01-01", "1-1-1", "9999-12-31",
                         "10000-01-01", "20260101", "-2026-01-01", "2026-01-01T25:00"])
LONG = st.sampled_from(["x", "界", "\x00", "%00", "𠀀"]).map(lambda s: s * 10_000)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)  # no lone surrogate
SQL = st.sampled_from(["' OR 1=1 --", "", " ", "null", "[]", "%", "_"])


HOSTILE = [CONTROL, odd(), NUMBERS, DATES, LONG, TEXT, SQL]


def queries(names: list[str], offered: list[str]):
    """Query strings for a page: one kind of hostile value is picked, and each known name gets
    one of that kind, a value the page offers (so filters hit real rows), one of those spoiled
    by control or odd characters, or nothing; then up to three more pairs with random or
    repeated names."""
    real = st.sampled_from(offered) if offered else st.nothing()
    spoiled = st.tuples(real, st.one_of(CONTROL, odd(1, 3))).map("".join)

    def build(kind):
        value = st.one_of(kind, kind, real, spoiled)
        return st.tuples(
            st.fixed_dictionaries({key: st.none() | value for key in names}),
            st.lists(st.tuples(st.sampled_from(names) | TEXT, st.one_of(*HOSTILE, real)),
                     max_size=3),
        ).map(lambda pair: [(k, v) for k, v in pair[0].items() if v is not None] + pair[1])

    return st.sampled_from(HOSTILE).flatmap(build)


MANY, FEW = 10, 3  # random examples per page: with parameters of its own, and without


def hostile_check(name: str, page: Page):
    """The hypothesis test of one page: each example is a query string from ``queries``, sent
    by one of the personas that may open the page, as a full page or an htmx request; and one
    explicit example, NUL in every known parameter."""

    @settings(max_examples=MANY if page.own or name in FILTERED else FEW, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(params=queries(page.names, page.values), htmx=st.booleans(),
           who=st.integers(0, len(page.clients) - 1))
    def check(params, htmx, who):
        persona, client = page.clients[who]
        response = _get(client, page.url, params, htmx=htmx)
        assert response.status_code < 500, f"{name} as {persona}: {response.status_code}"

    return example(params=[(key, "\x00") for key in page.names], htmx=False, who=0)(check)


def test_hostile_query_strings(world, client_for):
    """Every page, every persona that may open it, hypothesis's query strings. One test for
    all pages (one set of fixtures, not one per page); a failing page does not stop the
    others, and all failures are reported together (each with hypothesis's minimal
    example above)."""
    failures = []
    for name in PAGES:
        page = survey(name, world, client_for)
        if not page.clients:
            failures.append(f"{name}: no persona may open it")
            continue
        try:
            hostile_check(name, page)()
        except Exception as error:  # every page is tried, failures listed together
            failures.append(f"{name}: {type(error).__name__}: {str(error)[:300]}")
    assert not failures, "\n".join(failures)
