"""Random inspection pages (docs/rules/random-inspections.md): the role matrix of every view with
纳溪区's draw in place, bad input on the draw and conflict forms (nothing saved), the double
submit, verification, the public results (never a planned or running inspection) and query
counts that do not grow with rows."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from luhuituo.core.models import AuditEvent
from luhuituo.core.verbs import Verb
from registry.models import Filing
from supervision.models import Inspection, InspectorConflict, RandomDraw
from supervision.services import draws as dsvc
from supervision.services import inspections as isvc
from tests.factories import CentreFactory, RegulatorFactory, filing_for, region
from tests.queries import count_queries
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix

from .inspection_utils import fire_checklist

pytestmark = pytest.mark.django_db
A, B = "江阳区阳光托育中心", "纳溪区星星托育园"

REGULATORS = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
              "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
              "parent": FORBIDDEN, "anonymous": LOGIN}
DETAIL = REGULATORS | {"other_regulator": NOT_FOUND}
DISTRICT_ONLY = REGULATORS | {"city_regulator": FORBIDDEN}
PUBLIC = dict.fromkeys(REGULATORS, OK)


def window():
    today = timezone.localdate()
    return today + timedelta(days=1), today + timedelta(days=14)


def make(by, code, centres=1):
    start, end = window()
    return dsvc.make_draw(by=by, region=region(code), centres=centres, inspectors_per_centre=2,
                          weighted=True, window_start=start, window_end=end,
                          checklists=[fire_checklist()])


def complete(inspection, by, *, severities=()):
    isvc.start_inspection(inspection=inspection, by=by)
    for severity in severities:
        isvc.add_finding(inspection=inspection, by=by, severity=severity, description="通道堵塞")
    return isvc.issue_findings(inspection=inspection, by=by, summary="内部说明：张某某")


@pytest.fixture
def draws(personas, centre_a, centre_b, district_regulator, other_regulator):
    """A draw in each district, of its one operating centre, with a second inspector each."""
    filing_for(centre_a, Filing.Status.VERIFIED)
    filing_for(centre_b, Filing.Status.VERIFIED)
    RegulatorFactory(username="jy_second", name="江阳二号检查员")
    RegulatorFactory(username="nx_second", name="纳溪二号检查员", region_code="510503")
    return make(district_regulator, "510502"), make(other_regulator, "510503")


def pick_of(draw):
    return draw.picks.select_related("inspection").get()


# --- role matrix ----------------------------------------------------------------------------------


def test_draw_list_role_matrix(client_for, personas, draws):
    assert_role_matrix(
        client_for, personas, reverse("supervision:draw-list"), expect=REGULATORS,
        shown={"district_regulator": ["江阳监管员", 'href="/regulator/random-draws/new/"'],
               "city_regulator": ["江阳监管员", "纳溪监管员"], "other_regulator": ["纳溪监管员"]},
        hidden={"district_regulator": ["纳溪区", "纳溪监管员"],
                "other_regulator": ["江阳区", "江阳监管员"]})


def test_draw_detail_role_matrix_another_districts_draw_is_404(client_for, personas, draws):
    jy, nx = draws
    assert_role_matrix(
        client_for, personas, reverse("supervision:draw-detail", args=[jy.pk]), expect=DETAIL,
        shown={"district_regulator": [A, jy.seed], "city_regulator": [A, jy.seed]},
        hidden={"district_regulator": [B]})
    assert client_for(personas["district_regulator"]).get(
        reverse("supervision:draw-detail", args=[nx.pk])).status_code == 404


def test_new_draw_role_matrix_the_city_reads_only(client_for, personas, draws):
    assert_role_matrix(
        client_for, personas, reverse("supervision:draw-create"), expect=DISTRICT_ONLY,
        shown={"district_regulator": ['name="centres"', "江阳区"],
               "other_regulator": ["纳溪区"]},
        hidden={"district_regulator": ["纳溪区"]})
    city = client_for(personas["city_regulator"])
    assert 'href="/regulator/random-draws/new/"' not in city.get(
        reverse("supervision:draw-list")).content.decode()


def test_conflicts_role_matrix(client_for, personas, draws, centre_a, centre_b,
                               district_regulator, other_regulator):
    InspectorConflict.objects.create(inspector=district_regulator, centre=centre_a,
                                     reason="江阳的回避理由", declared_by=district_regulator)
    InspectorConflict.objects.create(inspector=other_regulator, centre=centre_b,
                                     reason="纳溪的回避理由", declared_by=other_regulator)
    assert_role_matrix(
        client_for, personas, reverse("supervision:conflict-list"), expect=REGULATORS,
        shown={"district_regulator": ["江阳的回避理由", 'name="reason"'],
               "city_regulator": ["江阳的回避理由", "纳溪的回避理由"]},
        hidden={"district_regulator": ["纳溪的回避理由"], "other_regulator": ["江阳的回避理由"],
                "city_regulator": ['name="reason"']})


def test_public_results_role_matrix(client_for, personas, draws, district_regulator,
                                    other_regulator):
    jy, _nx = draws
    complete(pick_of(jy).inspection, district_regulator, severities=["major", "minor"])
    assert_role_matrix(
        client_for, personas, reverse("supervision:public-random-results"), expect=PUBLIC,
        shown={name: [A] for name in PUBLIC}, hidden={name: [B] for name in PUBLIC})


def test_public_centre_results_role_matrix(client_for, personas, draws, district_regulator,
                                           centre_a):
    jy, _nx = draws
    complete(pick_of(jy).inspection, district_regulator, severities=["critical"])
    assert_role_matrix(
        client_for, personas,
        reverse("supervision:public-centre-random-results", args=[centre_a.pk]),
        expect=PUBLIC, shown={name: [A] for name in PUBLIC},
        hidden={name: ["张某某"] for name in PUBLIC})


# --- the public side ---------------------------------------------------------------------------


def test_a_planned_random_inspection_never_appears_on_the_public_page(
        client, draws, district_regulator, centre_a):
    jy, _nx = draws
    inspection = pick_of(jy).inspection
    urls = [reverse("supervision:public-random-results"),
            reverse("supervision:public-centre-random-results", args=[centre_a.pk])]
    for url in urls:
        body = client.get(url).content.decode()
        assert "无" in body or "No" in body
        assert inspection.planned_on.strftime("%Y年%-m月%-d日") not in body
    assert A not in client.get(urls[0]).content.decode()
    isvc.start_inspection(inspection=inspection, by=district_regulator)
    assert A not in client.get(urls[0]).content.decode()  # in progress: still not public
    complete_issue = isvc.issue_findings(inspection=inspection, by=district_regulator)
    assert complete_issue.status == Inspection.Status.FINDINGS_ISSUED
    assert A in client.get(urls[0]).content.decode()


def test_a_routine_inspection_is_not_a_random_result(client, centre_a, district_regulator):
    filing_for(centre_a, Filing.Status.VERIFIED)
    inspection = isvc.plan_inspection(centre=centre_a, by=district_regulator,
                                      kind=Inspection.Kind.UNANNOUNCED,
                                      planned_on=timezone.localdate(),
                                      checklists=[fire_checklist()])
    complete(inspection, district_regulator)
    assert A not in client.get(reverse("supervision:public-random-results")).content.decode()


def test_the_public_result_shows_findings_by_severity_and_rectification(
        client, draws, district_regulator, centre_a):
    from supervision.services import rectification as rsvc

    jy, _nx = draws
    inspection = complete(pick_of(jy).inspection, district_regulator,
                          severities=["critical", "major", "major", "minor"])
    url = reverse("supervision:public-centre-random-results", args=[centre_a.pk])
    body = client.get(url).content.decode()
    assert "严重 1，较重 2，轻微 1" in body or "critical 1, major 2, minor 1" in body
    rsvc.issue_rectification_order(inspection=inspection, by=district_regulator,
                                   findings=inspection.findings.all(), requirements="整改")
    body = client.get(url).content.decode()
    assert "整改中" in body or "Rectifying" in body


def test_the_public_list_filters_by_district(client, draws, district_regulator, other_regulator):
    jy, nx = draws
    complete(pick_of(jy).inspection, district_regulator)
    complete(pick_of(nx).inspection, other_regulator)
    url = reverse("supervision:public-random-results")
    body = client.get(url, {"region": "510503"}).content.decode()
    assert B in body and A not in body


def test_the_public_centre_page_of_an_unlisted_centre_is_404(client):
    draft = CentreFactory(name="草稿托育园")
    assert client.get(reverse("supervision:public-centre-random-results",
                              args=[draft.pk])).status_code == 404


def test_the_public_list_of_centres_links_to_their_results(client, centre_a):
    filing_for(centre_a, Filing.Status.VERIFIED)
    body = client.get(reverse("registry:public-centres")).content.decode()
    assert reverse("supervision:public-centre-random-results", args=[centre_a.pk]) in body


# --- the new draw form -------------------------------------------------------------------------


def form_data(**overrides):
    start, end = window()
    data = {"district": region("510502").pk, "centres": "1", "inspectors_per_centre": "2",
            "weighted": "on", "window_start": start.isoformat(), "window_end": end.isoformat(),
            "checklists": [fire_checklist().pk], "submission": "t" * 32}
    data.update(overrides)
    return data


@pytest.fixture
def jiangyang(centre_a, district_regulator):
    filing_for(centre_a, Filing.Status.VERIFIED)
    RegulatorFactory(username="jy_second", name="江阳二号检查员")
    return client_for_user(district_regulator)


def client_for_user(user):
    from django.test import Client

    client = Client()
    client.force_login(user, backend="luhuituo.core.auth.UsernameOrMobileBackend")
    return client


def test_a_draw_through_the_form_then_verified(jiangyang, centre_a):
    response = jiangyang.post(reverse("supervision:draw-create"), form_data())
    draw = RandomDraw.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:draw-detail", args=[draw.pk])
    assert draw.picks.get().centre == centre_a
    detail = reverse("supervision:draw-detail", args=[draw.pk])
    page = jiangyang.post(detail, {"action": "verify"})
    assert page.status_code == 200
    assert 'class="message message-success" id="verification"' in page.content.decode()
    assert AuditEvent.objects.filter(verb=Verb.RANDOM_DRAW_VERIFIED).count() == 1
    assert jiangyang.post(detail, {"action": "redraw"}).status_code == 400


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"centres": "2"}, "centres", "1"),
    ({"centres": "0"}, "centres", ""),
    ({"centres": "abc"}, "centres", ""),
    ({"inspectors_per_centre": "1"}, "inspectors_per_centre", "2"),
    ({"inspectors_per_centre": "3"}, "inspectors_per_centre", ""),
    ({"window_start": "2020-01-01"}, "window_start", ""),
    ({"window_end": "2020-01-01"}, "window_end", ""),
    ({"window_end": "2099-01-01"}, "window_end", ""),
    ({"window_start": "2026-13-45"}, "window_start", ""),
    ({"checklists": []}, "checklists", ""),
    ({"district": str(2**70)}, "district", ""),
])
def test_bad_draw_input_is_refused_beside_the_field_and_nothing_is_saved(
        jiangyang, overrides, field, message):
    response = jiangyang.post(reverse("supervision:draw-create"), form_data(**overrides))
    assert response.status_code == 422
    assert response.context["form"].errors.get(field), response.context["form"].errors
    if message:
        assert message in str(response.context["form"].errors[field])
    assert not RandomDraw.objects.exists() and not Inspection.objects.exists()


def test_another_districts_id_is_refused(jiangyang):
    response = jiangyang.post(reverse("supervision:draw-create"),
                              form_data(district=region("510503").pk))
    assert response.status_code == 422 and response.context["form"].errors["district"]
    assert not RandomDraw.objects.exists()


def test_not_enough_inspectors_without_conflicts_is_a_clear_message(jiangyang, centre_a,
                                                                     district_regulator):
    InspectorConflict.objects.create(inspector=district_regulator, centre=centre_a,
                                     reason="亲属", declared_by=district_regulator)
    response = jiangyang.post(reverse("supervision:draw-create"), form_data())
    assert response.status_code == 422
    assert A in str(response.context["form"].errors["inspectors_per_centre"])
    assert not RandomDraw.objects.exists() and not Inspection.objects.exists()


def test_the_same_draw_form_sent_twice_makes_one_draw(jiangyang):
    data = form_data()
    first = jiangyang.post(reverse("supervision:draw-create"), data)
    second = jiangyang.post(reverse("supervision:draw-create"), data)
    assert RandomDraw.objects.count() == 1 and Inspection.objects.count() == 1
    assert second.status_code == 302 and second["Location"] == first["Location"]


def test_the_city_cannot_post_a_draw(client_for, city_regulator, centre_a):
    filing_for(centre_a, Filing.Status.VERIFIED)
    response = client_for(city_regulator).post(reverse("supervision:draw-create"), form_data())
    assert response.status_code == 403
    assert not RandomDraw.objects.exists()


# --- conflicts form ----------------------------------------------------------------------------


def test_a_conflict_is_recorded_then_refused_twice(jiangyang, centre_a, district_regulator):
    url = reverse("supervision:conflict-list")
    data = {"inspector": district_regulator.pk, "centre": centre_a.pk, "reason": "配偶在园任职",
            "submission": "c" * 32}
    assert jiangyang.post(url, data).status_code == 302
    conflict = InspectorConflict.objects.get()
    assert conflict.reason == "配偶在园任职" and conflict.declared_by == district_regulator
    again = jiangyang.post(url, data | {"submission": "d" * 32})
    assert again.status_code == 422 and again.context["form"].errors["centre"]
    assert InspectorConflict.objects.count() == 1


@pytest.mark.parametrize("overrides", [
    {"reason": "   "}, {"reason": "x" * 201}, {"inspector": "999999"}, {"centre": "abc"},
])
def test_bad_conflict_input_is_refused(jiangyang, centre_a, district_regulator, overrides):
    data = {"inspector": district_regulator.pk, "centre": centre_a.pk, "reason": "亲属",
            "submission": "e" * 32} | overrides
    response = jiangyang.post(reverse("supervision:conflict-list"), data)
    assert response.status_code == 422
    assert not InspectorConflict.objects.exists()


def test_another_districts_centre_or_inspector_is_refused(jiangyang, centre_b, other_regulator,
                                                         centre_a, district_regulator):
    filing_for(centre_b, Filing.Status.VERIFIED)
    url = reverse("supervision:conflict-list")
    for data in ({"inspector": district_regulator.pk, "centre": centre_b.pk},
                 {"inspector": other_regulator.pk, "centre": centre_a.pk}):
        response = jiangyang.post(url, data | {"reason": "亲属", "submission": "f" * 32})
        assert response.status_code == 422
    assert not InspectorConflict.objects.exists()


# --- list search and query counts ----------------------------------------------------------------


def test_the_draw_list_is_searchable_by_date(jiangyang, district_regulator):
    draw = make(district_regulator, "510502")
    RandomDraw.objects.filter(pk=draw.pk).update(drawn_at=timezone.now() - timedelta(days=40))
    make(district_regulator, "510502")
    url = reverse("supervision:draw-list")
    old = (timezone.localdate() - timedelta(days=40)).isoformat()
    response = jiangyang.get(url, {"date_from": old, "date_to": old})
    assert [d.pk for d in response.context["page"].object_list] == [draw.pk]
    assert jiangyang.get(url, {"date_from": "2026-13-45"}).status_code == 200


def _more_centres(n, district_regulator):
    for i in range(n):
        CentreFactory(name=f"江阳区加测{i}托育园", filing="verified")


def test_query_counts_do_not_grow_with_rows(jiangyang, client, district_regulator):
    urls = [reverse("supervision:draw-list"), reverse("supervision:public-random-results"),
            reverse("supervision:conflict-list")]

    def one_round():
        draw = make(district_regulator, "510502", centres=1)
        complete(pick_of(draw).inspection, district_regulator, severities=["minor"])
        InspectorConflict.objects.create(
            inspector=RegulatorFactory(), centre=pick_of(draw).centre, reason="亲属",
            declared_by=district_regulator)
        return draw

    draw = one_round()
    few = {}
    for url in urls:
        jiangyang.get(url)  # warm up: the session, the cached content types
        with count_queries() as captured:
            assert jiangyang.get(url).status_code == 200
        few[url] = len(captured)
    with count_queries() as detail_few:
        jiangyang.get(reverse("supervision:draw-detail", args=[draw.pk]))
    _more_centres(3, district_regulator)
    for _n in range(3):
        one_round()
    big = dsvc.make_draw(by=district_regulator, region=region("510502"), centres=4,
                         inspectors_per_centre=2, weighted=False, window_start=window()[0],
                         window_end=window()[1], checklists=[fire_checklist()])
    for url in urls:
        with count_queries() as captured:
            assert jiangyang.get(url).status_code == 200
        assert len(captured) == few[url], url
    with count_queries() as detail_many:
        jiangyang.get(reverse("supervision:draw-detail", args=[big.pk]))
    assert len(detail_many) == len(detail_few)
    with count_queries() as public_few:
        client.get(reverse("supervision:public-random-results"))
    assert len(public_few) <= 3
