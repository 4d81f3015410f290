"""History lists show what happened in words, never a code: every audit verb and every status
a transition records are rendered through their labels (Chinese first), on the shared history
component and on each page that shows one."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from luhuituo.core.models import AuditEvent
from luhuituo.core.verbs import Verb
from registry.models import Filing
from supervision.models import RectificationOrder
from supervision.services import rectification as rsvc

from ..supervision.inspection_utils import evidence, ordered


def events_for(obj, statuses, actor):
    """One event per verb, each moving ``obj`` to one of ``statuses`` in turn."""
    kind = ContentType.objects.get_for_model(obj)
    return [
        AuditEvent(actor=actor, actor_repr="张三", verb=verb, target_type=kind,
                   target_id=str(obj.pk), target_repr=str(obj),
                   details={"from": statuses[0], "to": statuses[i % len(statuses)]})
        for i, verb in enumerate(Verb.values)
    ]


def history_text(html: str) -> str:
    """The visible text of the page's history lists (class names and URLs are not text)."""
    lists = re.findall(r'<ol class="history">.*?</ol>', html, flags=re.S)
    assert lists, "no history list on the page"
    return re.sub(r"<[^>]+>", " ", " ".join(lists))


def codes_in(html: str, codes) -> set[str]:
    words = set(re.findall(r"[a-z][a-z_.]+[a-z]", history_text(html)))
    return {code for code in codes if code in words}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_history_component_shows_labels_for_every_verb_and_status(
        centre_a, manager, language):
    statuses = list(Filing.Status.values)
    events = events_for(centre_a.filing, statuses, manager)
    with translation.override(language):
        html = render_to_string("components/history.html", {"history": events})
        labels = [str(label) for label in Verb.labels]
        status_labels = [str(label) for label in Filing.Status.labels]
    codes = set(Verb.values) | set(statuses)
    if language == "en":  # "submitted" is a code and an English word; compare the codes only
        codes = {code for code in codes if "_" in code}
    assert codes_in(html, codes) == set()
    assert all(escape(label) in html for label in labels)
    assert all(escape(label) in html for label in status_labels)
    if language == "zh-hans":
        assert "提交备案" in html and "已备案" in html


def test_every_verb_has_a_translated_label():
    with translation.override("zh-hans"):
        untranslated = [verb for verb, label in Verb.choices if label == str(Verb(verb).label)
                        and re.fullmatch(r"[ -~]+", str(Verb(verb).label))]
    assert untranslated == []


def test_filing_pages_show_the_history_in_words(client_for, centre_a, manager,
                                                district_regulator):
    filing = centre_a.filing
    AuditEvent.objects.bulk_create(events_for(filing, list(Filing.Status.values), manager))
    for user, url in [(manager, reverse("registry:filing-detail", args=[centre_a.pk])),
                      (district_regulator, reverse("registry:review", args=[centre_a.pk])),
                      (district_regulator,
                       reverse("registry:centre-detail", args=[centre_a.pk]))]:
        html = client_for(user).get(url).content.decode()
        assert codes_in(html, set(Verb.values)) == set(), url
        assert "处置完成预警" in html, url  # the newest event: Verb.ALERT_RESOLVED


def test_the_rectification_history_shows_words(client_for, centre_a, district_regulator,
                                               manager):
    order = ordered(centre_a, district_regulator)
    rsvc.acknowledge_order(order=order, by=manager)
    rsvc.submit_rectification(order=order, by=manager, response="已整改", files=[evidence()])
    html = client_for(district_regulator).get(
        reverse("supervision:rectification-detail", args=[order.pk])).content.decode()
    codes = set(Verb.values) | set(RectificationOrder.Status.values)
    assert codes_in(html, codes) == set()
    with translation.override("zh-hans"):
        assert str(Verb.RECTIFICATION_SUBMITTED.label) in html
        assert str(RectificationOrder.Status.SUBMITTED.label) in html
