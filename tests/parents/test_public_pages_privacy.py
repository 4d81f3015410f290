"""No public page shows personal data. Every page an anonymous visitor can open is rendered on a
centre whose records hold a child, a guardian and staff with distinctive names, numbers and ID
numbers; none of them may appear — no full ID number, no personal phone number, no child's or
staff member's name. A page that answers anonymously but is not listed here fails the first
test, so a new public page is checked too."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from evaluation.models import Review
from luhuituo.core.models import User
from parents.models import Article
from registry.models import Filing
from tests.factories import CentreFactory, ClassGroupFactory, StaffFactory, UserFactory, region
from tests.factories.core import id_number
from tests.factories.evaluation import assessor, rated_centre
from tests.factories.reviews import placed_child, review
from tests.factories.supervision import enrolled_child

pytestmark = pytest.mark.django_db

CHILD = "隐私测试宝宝"
GUARDIAN_MOBILE = "13912345678"  # the guardian factory's number
STAFF = "隐私测试保育员"
STAFF_MOBILE = "13700001111"
STAFF_ID = id_number(777)
CHILD_ID = id_number(778, born="20250301")

SECRETS = (CHILD, GUARDIAN_MOBILE, STAFF, STAFF_MOBILE, STAFF_ID, CHILD_ID)

# Public pages that take an argument, and how the world fills it.
WITH_ARGS = {
    "parents:centre-profile": lambda w: [w["centre"].pk],
    "parents:article": lambda w: [w["article"].pk],
    "evaluation:public-rating": lambda w: [w["centre"].pk],
    "evaluation:rating-verify": lambda w: [w["rating"].token],
    "evaluation:public-centre-reviews": lambda w: [w["centre"].pk],
    "supervision:public-centre-random-results": lambda w: [w["centre"].pk],
}
QUERIES = {
    "parents:search": "?lat=28.87&lng=105.44&age=18",
    "parents:compare": "?c={centre}",
}


@pytest.fixture
def world(district_regulator):
    centre = CentreFactory(name="江阳区隐私测试托育园", region=region("510502"),
                           filing=Filing.Status.VERIFIED, latitude="28.870000",
                           longitude="105.440000")
    group = ClassGroupFactory(centre=centre)
    enrolled_child(group, name=CHILD, id_number=CHILD_ID)
    StaffFactory(centre=centre, name=STAFF, mobile=STAFF_MOBILE, id_number=STAFF_ID)
    rating = rated_centre(centre, regulator=district_regulator, assessor_user=assessor())
    for n in range(3):
        parent = UserFactory(username=f"privacy_parent{n}", account_type=User.AccountType.PARENT)
        review(placed_child(centre, user=parent), status=Review.Status.PUBLISHED,
               comment=f"很好{n}")
    article = Article.objects.create(
        title="托育补贴", category=Article.Category.SUBSIDY, region=centre.region,
        body="<p>补贴</p>", created_by=district_regulator, published_at=timezone.now())
    return {"centre": centre, "rating": rating, "article": article}


def _names(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                inner = pattern.namespace or ""
                yield from _names(pattern, f"{prefix}{inner}:" if inner else prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}", set(pattern.pattern.converters)


def public_urls(world, client) -> dict[str, str]:
    """name → URL of every page that answers an anonymous GET with 200."""
    urls = {}
    for name, args in _names():
        if args and name not in WITH_ARGS:
            continue
        url = reverse(name, args=WITH_ARGS[name](world)) if args else reverse(name)
        url += QUERIES.get(name, "").format(centre=world["centre"].pk)
        response = client.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith(
                ("text/html", "application/json", "text/csv")):
            urls[name] = url
    return urls


def test_every_public_page_is_rendered(world, client):
    urls = public_urls(world, client)
    assert set(WITH_ARGS) <= set(urls), sorted(set(WITH_ARGS) - set(urls))
    assert {"parents:index", "parents:search", "parents:compare", "parents:articles",
            "registry:public-centres"} <= set(urls)


def test_no_public_page_shows_personal_data(world, client):
    leaks = []
    for name, url in public_urls(world, client).items():
        body = client.get(url).content.decode("utf-8", errors="replace")
        leaks += [f"{name} ({url}) shows {secret}" for secret in SECRETS if secret in body]
    assert leaks == []


def test_the_check_would_see_a_leak(world, client, manager):
    """The secrets are really in the records: the centre's own child list shows the child."""
    from django.test import Client

    from registry.models import CentreMembership

    CentreMembership.objects.create(user=manager, centre=world["centre"],
                                    role=CentreMembership.Role.MANAGER)
    staff_client = Client()
    staff_client.force_login(manager, backend="luhuituo.core.auth.UsernameOrMobileBackend")
    body = staff_client.get(reverse("supervision:child-list", args=[world["centre"].pk]))
    assert CHILD in body.content.decode()
