"""The support administration edits the framework (docs/rules/quality-assessment.md#editing):
a framework with its dimensions and grade bands, a dimension with its indicators, filters for
what is unverified, activation only when complete, and a copy as a new version."""

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse

from evaluation.admin import GradeBandInline
from evaluation.models import Framework, GradeBand, Indicator
from evaluation.services import assessments
from tests.factories import MembershipFactory
from tests.factories.evaluation import small_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(username="support", password="x-Secret-1")


@pytest.fixture
def support(client, superuser, settings):
    client.force_login(superuser)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages matched in English
    return client


def test_the_pages_show_the_framework_its_dimensions_indicators_and_bands(support):
    framework = Framework.objects.get(code="WS/T 821-2023", version=1)
    dimension = framework.dimensions.get(code="9")
    pages = {
        reverse("admin:evaluation_framework_changelist"): ["WS/T 821-2023"],
        reverse("admin:evaluation_framework_change", args=[framework.pk]): [
            "安全保障", "id_bands-0-min_total", "add up to 0, not its 200 points"],
        reverse("admin:evaluation_dimension_change", args=[dimension.pk]): [
            "9.4.3", "id_indicators-0-max_score"],
        reverse("admin:evaluation_indicator_changelist") + "?verified__exact=0": ["9.4.3"],
        reverse("admin:evaluation_dimension_changelist") + "?verified__exact=0": ["机构管理"],
        reverse("admin:evaluation_gradeband_changelist") + "?verified__exact=0": ["600"],
    }
    for url, expected in pages.items():
        response = support.get(url)
        assert response.status_code == 200, url
        for text in expected:
            assert text in response.content.decode(), (url, text)


def test_the_unverified_filter_leaves_out_what_is_verified(support):
    Indicator.objects.filter(code="4.1.4").update(verified=True)
    url = reverse("admin:evaluation_indicator_changelist")
    assert "4.1.4" not in support.get(url + "?verified__exact=0").content.decode()
    assert "4.1.4" in support.get(url + "?verified__exact=1").content.decode()


def band_formset(framework, rows, user):
    inline = GradeBandInline(Framework, admin.site)
    request = RequestFactory().post("/")
    request.user = user
    FormSet = inline.get_formset(request, framework)
    bands = list(framework.bands.order_by("min_total"))
    data = {"bands-TOTAL_FORMS": str(len(rows)), "bands-INITIAL_FORMS": str(len(bands)),
            "bands-MIN_NUM_FORMS": "0", "bands-MAX_NUM_FORMS": "1000"}
    for n, (grade, low, high, stars) in enumerate(rows):
        data |= {f"bands-{n}-grade": grade, f"bands-{n}-min_total": low,
                 f"bands-{n}-max_total": high, f"bands-{n}-stars": stars,
                 f"bands-{n}-framework": framework.pk}
        if n < len(bands):
            data[f"bands-{n}-id"] = bands[n].pk
    return FormSet(data, instance=framework, prefix="bands")


def test_bands_edited_together_may_move_a_shared_edge(superuser):
    framework = small_framework()
    formset = band_formset(framework, [("D", "0", "55", 1), ("C", "55", "75", 3),
                                       ("B", "75", "90", 4), ("A", "90", "", 5)],
                           superuser)
    assert formset.is_valid(), formset.errors
    formset.save()
    assert GradeBand.objects.get(framework=framework, grade="C").min_total == 55


def test_bands_edited_together_must_not_overlap(superuser):
    framework = small_framework()
    formset = band_formset(framework, [("D", "0", "65", 1), ("C", "60", "75", 3),
                                       ("B", "75", "90", 4), ("A", "90", "", 5)],
                           superuser)
    assert not formset.is_valid()
    assert "overlap" in " ".join(formset.non_form_errors())
    assert GradeBand.objects.get(framework=framework, grade="D").max_total == 60


def test_new_bands_added_together_must_not_overlap(superuser):
    framework = small_framework()
    GradeBand.objects.filter(framework=framework).delete()
    formset = band_formset(framework, [("D", "0", "", 1), ("A", "90", "", 5)],
                           superuser)
    assert not formset.is_valid()
    assert not framework.bands.exists()


def run_action(support, action, framework):
    return support.post(reverse("admin:evaluation_framework_changelist"),
                        {"action": action, "_selected_action": [framework.pk]}, follow=True)


def test_activating_an_incomplete_framework_is_refused_with_its_problems(support):
    framework = Framework.objects.get(code="WS/T 821-2023", version=1)
    response = run_action(support, "activate", framework)
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("4.1.4" in text for text in texts), texts
    framework.refresh_from_db()
    assert not framework.is_active


def test_activating_a_complete_framework(support):
    framework = small_framework()
    run_action(support, "activate", framework)
    framework.refresh_from_db()
    assert framework.is_active


def test_copying_a_framework_as_a_new_version(support):
    framework = Framework.objects.get(code="WS/T 821-2023", version=1)
    run_action(support, "copy_as_new_version", framework)
    copy = Framework.objects.get(code="WS/T 821-2023", version=3)  # version 2 is the working one
    assert copy.dimensions.count() == 7 and copy.bands.count() == 4
    assert Indicator.objects.filter(dimension__framework=copy).count() == 15
    assert not copy.is_active


def test_the_active_flag_is_not_edited_by_hand(support):
    framework = small_framework()
    response = support.get(reverse("admin:evaluation_framework_change", args=[framework.pk]))
    assert 'name="is_active"' not in response.content.decode()


def post_dimension(support, dimension, indicator):
    data = {"framework": dimension.framework_id, "order": dimension.order,
            "code": dimension.code, "name": dimension.name, "points": dimension.points,
            "indicators-TOTAL_FORMS": "1", "indicators-INITIAL_FORMS": "0",
            "indicators-MIN_NUM_FORMS": "0", "indicators-MAX_NUM_FORMS": "1000",
            "indicators-0-dimension": dimension.pk}
    data |= {f"indicators-0-{name}": value for name, value in indicator.items()}
    return support.post(reverse("admin:evaluation_dimension_change", args=[dimension.pk]), data)


@pytest.mark.parametrize(("indicator", "message"), [
    ({"code": "9.1"}, "has a code starting with 6."),
    ({"code": "6"}, "numbers joined by dots"),
    ({"code": "6.x"}, "numbers joined by dots"),
    ({"max_score": "-1"}, "greater than or equal to 0"),
    ({"max_score": "1.234"}, "2 decimal places"),
    ({"max_score": "abc"}, "Enter a number"),
    ({"text": ""}, "This field is required"),
])
def test_bad_indicators_are_refused_beside_the_field_and_nothing_is_saved(
        support, indicator, message):
    dimension = Framework.objects.get(code="WS/T 821-2023", version=1).dimensions.get(code="6")
    good = {"order": "1", "code": "6.1.1", "text": "新指标", "max_score": "10"}
    response = post_dimension(support, dimension, good | indicator)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not dimension.indicators.exists()
    assert post_dimension(support, dimension, good).status_code == 302
    assert dimension.indicators.get().max_score == 10


def test_a_version_in_use_is_read_only(support):
    working = Framework.objects.get(code="WS/T 821-2023", version=2)
    dimension = working.dimensions.get(code="9")
    indicator = dimension.indicators.get(code="9.4.3")
    pages = [reverse("admin:evaluation_framework_change", args=[working.pk]),
             reverse("admin:evaluation_dimension_change", args=[dimension.pk]),
             reverse("admin:evaluation_indicator_change", args=[indicator.pk])]
    assert 'name="max_score"' in support.get(pages[2]).content.decode()
    membership = MembershipFactory(role="manager")
    assessments.start_self_assessment(centre=membership.centre, by=membership.user)
    assert working.is_in_use
    for page in pages:
        body = support.get(page).content.decode()
        assert 'name="max_score"' not in body and 'name="points"' not in body, page
    response = support.post(pages[2], {"dimension": dimension.pk, "order": 1, "code": "9.4.3",
                                       "text": "x", "max_score": "99"})
    assert response.status_code == 403
    indicator.refresh_from_db()
    assert indicator.max_score == 10
