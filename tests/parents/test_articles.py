"""Articles for parents (parents.models.Article, parents.views.articles): bodies cleaned of
anything that runs, regulators write for their regions only, the public reads what is
published, the role matrix, bad inputs and query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from luhuituo.core.models import AuditEvent
from luhuituo.core.verbs import Verb
from parents.models import Article, clean_body
from tests.factories import region
from tests.queries import count_queries
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix, redirect_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def article(author, *, title="托育补贴政策解读", code="510502", published=True, **fields):
    return Article.objects.create(
        title=title, category=Article.Category.SUBSIDY,
        region=region(code) if code else None, body="<p>每月补贴</p>", created_by=author,
        published_at=timezone.now() if published else None, **fields)


def test_the_body_keeps_structure_and_loses_what_runs():
    dirty = ('<h2 style="color:red">标题</h2><p onclick="steal()">正文<script>alert(1)</script>'
             '</p><a href="javascript:alert(1)">坏链接</a><a href="https://www.gov.cn/">好链接</a>'
             '<img src="https://x/y.png"><iframe src="https://x"></iframe>')
    clean = clean_body(dirty)
    for gone in ("style=", "onclick", "<script", "javascript:", "<img", "<iframe", "alert(1)"):
        assert gone not in clean
    assert "<h2>标题</h2>" in clean and 'href="https://www.gov.cn/"' in clean


def test_a_district_regulator_writes_for_the_district_only(client_for, district_regulator):
    client = client_for(district_regulator)
    url = reverse("parents:article-create")
    data = {"title": "如何选择托育机构", "category": "guide", "region": region("510503").pk,
            "body": "<p>看备案、看星级</p>"}
    response = client.post(url, data)
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode() or \
        "regions you oversee" in response.content.decode()
    response = client.post(url, data | {"region": ""})
    assert response.status_code == 422 and not Article.objects.exists()
    response = client.post(url, data | {"region": region("510502").pk})
    assert response.status_code == 302
    saved = Article.objects.get()
    assert saved.created_by == district_regulator and not saved.is_published
    assert AuditEvent.objects.filter(verb=Verb.ARTICLE_SAVED).count() == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "Give the article a title."),
    ("category", "news", "Select a valid choice"),
    ("body", "", "Write the article"),
    ("body", "<script>alert(1)</script>", "Nothing of the text is left"),
    ("title", "标题\x00", "Null characters are not allowed"),
])
def test_bad_input_is_refused_and_kept(client_for, city_regulator, field, value, message):
    data = {"title": "补贴", "category": "subsidy", "region": "", "body": "<p>正文</p>",
            "summary": "摘要保留"}
    response = client_for(city_regulator).post(reverse("parents:article-create"),
                                               data | {field: value})
    assert response.status_code == 422
    page = response.content.decode()
    assert message in page and "摘要保留" in page
    assert not Article.objects.exists()


def test_publishing_shows_it_to_the_public_and_withdrawing_hides_it(client_for,
                                                                     district_regulator):
    draft = article(district_regulator, published=False)
    public = client_for(None)
    assert public.get(reverse("parents:article", args=[draft.pk])).status_code == 404
    assert draft.title not in public.get(reverse("parents:articles")).content.decode()
    publish = reverse("parents:article-publish", args=[draft.pk])
    client_for(district_regulator).post(publish, {"publish": "1"})
    page = public.get(reverse("parents:article", args=[draft.pk]))
    assert page.status_code == 200 and "每月补贴" in page.content.decode()
    client_for(district_regulator).post(publish, {"publish": "0"})
    assert public.get(reverse("parents:article", args=[draft.pk])).status_code == 404


def test_role_matrix(client_for, personas, district_regulator, other_regulator):
    mine = article(district_regulator, title="江阳区托育补贴")
    theirs = article(other_regulator, title="纳溪区托育补贴", code="510503", published=False)
    anyone = dict.fromkeys(("city_regulator", "district_regulator", "other_regulator",
                            "manager", "staff", "other_staff", "parent", "anonymous"), OK)
    assert_role_matrix(client_for, personas, reverse("parents:articles"), expect=anyone,
                       hidden={"parent": ["纳溪区托育补贴"]}, shown={"parent": ["江阳区托育补贴"]})
    assert_role_matrix(client_for, personas, reverse("parents:article", args=[mine.pk]),
                       expect=anyone)
    regulators_only = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                       "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                       "parent": FORBIDDEN, "anonymous": LOGIN}
    assert_role_matrix(client_for, personas, reverse("parents:regulator-articles"),
                       expect=regulators_only, hidden={"district_regulator": ["纳溪区托育补贴"]},
                       shown={"other_regulator": ["纳溪区托育补贴"]})
    assert_role_matrix(client_for, personas, reverse("parents:article-create"),
                       expect=regulators_only)
    assert_role_matrix(client_for, personas, reverse("parents:article-edit", args=[theirs.pk]),
                       expect=regulators_only | {"district_regulator": NOT_FOUND})
    assert_role_matrix(client_for, personas,
                       reverse("parents:article-publish", args=[theirs.pk]), method="post",
                       data={"publish": "1"},
                       expect=regulators_only | {"city_regulator": redirect_to(),
                                                 "other_regulator": redirect_to(),
                                                 "district_regulator": NOT_FOUND})


def test_an_assessor_reads_but_does_not_edit(client_for, district_regulator):
    from tests.factories.evaluation import assessor

    reader = assessor()
    mine = article(district_regulator)
    assert client_for(reader).get(reverse("parents:article-edit", args=[mine.pk])) \
        .status_code == 403


def test_list_queries_do_not_grow(client_for, city_regulator):
    article(city_regulator, title="第一篇")
    urls = [reverse("parents:articles"), reverse("parents:regulator-articles")]
    client = client_for(city_regulator)
    counts = []
    for url in urls:
        client.get(url)
        with count_queries() as few:
            client.get(url)
        counts.append(len(few))
    for n in range(6):
        article(city_regulator, title=f"文章{n}", code=None)
    for url, count in zip(urls, counts, strict=True):
        client.get(url)
        with count_queries() as many:
            client.get(url)
        assert len(many) == count, url
