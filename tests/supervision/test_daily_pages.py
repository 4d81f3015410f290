"""The daily-record pages: today's classes and one class's day — role matrix with data that
could leak, the one-form sheet (validated as a whole, values kept on errors, htmx 422), the
read-only past, the live ratio, and the query count of a save for 5 and for 20 children.

"Now" is Saturday 2026-11-28 10:00 in Luzhou."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from luhuituo.core.models import AccessLog
from registry.models import Staff
from supervision.models import Attendance, ClassDay
from tests.factories import ClassGroupFactory, StaffFactory
from tests.factories.supervision import class_day, enrolled_child
from tests.queries import count_queries

from ..rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix, redirect_to

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)
TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)

pytestmark = pytest.mark.django_db

NOT_MEMBERS = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
               "other_regulator": FORBIDDEN, "parent": FORBIDDEN, "anonymous": LOGIN}
MEMBERS = NOT_MEMBERS | {"manager": OK, "staff": OK, "other_staff": NOT_FOUND}
B_SECRETS = ["纳溪区星星托育园", "星星秘密班", "星星秘密宝宝", "赵星星"]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def leaky(personas, centre_a, centre_b):
    """A class with a child and two carers at each centre; centre_b's must never show at A."""
    a = ClassGroupFactory(centre=centre_a, name="阳光托小一班", capacity=15)
    b = ClassGroupFactory(centre=centre_b, name="星星秘密班", capacity=15)
    personas["class_a"] = a
    personas["class_b"] = b
    personas["child_a"] = enrolled_child(a, name="阳光宝宝")
    personas["child_b"] = enrolled_child(b, name="星星秘密宝宝")
    personas["carer_a"] = StaffFactory(centre=centre_a, name="王阳光", role=Staff.Role.CARER)
    personas["cook_a"] = StaffFactory(centre=centre_a, name="李厨师", role=Staff.Role.COOK)
    personas["carer_b"] = StaffFactory(centre=centre_b, name="赵星星", role=Staff.Role.CARER)
    class_day(b, TODAY, present=[personas["child_b"]], staff=[personas["carer_b"]])
    return personas


def day_url(centre, klass, day=TODAY) -> str:
    return reverse("supervision:class-day", args=[centre.pk, klass.pk, day.isoformat()])


def row(child, status="present", reason="", symptom="", morning="normal", midday="normal",
        note="") -> dict:
    p = f"c{child.pk}-"
    return {p + "status": status, p + "absence_reason": reason, p + "symptom_group": symptom,
            p + "morning_check": morning, p + "midday_check": midday, p + "note": note}


# --- role matrix -------------------------------------------------------------------------------


def test_daily_today_role_matrix(client_for, leaky, centre_a):
    assert_role_matrix(
        client_for, leaky, reverse("supervision:daily-today", args=[centre_a.pk]),
        expect=MEMBERS, shown={"manager": ["阳光托小一班"], "staff": ["阳光托小一班"]},
        hidden=dict.fromkeys(["manager", "staff"], B_SECRETS))


def test_daily_today_of_centre_b_only_for_its_staff(client_for, leaky, centre_b):
    assert_role_matrix(
        client_for, leaky, reverse("supervision:daily-today", args=[centre_b.pk]),
        expect=NOT_MEMBERS | {"manager": NOT_FOUND, "staff": NOT_FOUND, "other_staff": OK},
        shown={"other_staff": ["星星秘密班"]})


def test_class_day_role_matrix(client_for, leaky, centre_a):
    assert_role_matrix(
        client_for, leaky, day_url(centre_a, leaky["class_a"]), expect=MEMBERS,
        shown={"manager": ["阳光宝宝", "王阳光", 'id="class-day-form"'],
               "staff": ["阳光宝宝", 'id="class-day-form"']},
        hidden=dict.fromkeys(["manager", "staff"], B_SECRETS))


def test_class_day_post_role_matrix(client_for, leaky, centre_a):
    assert_role_matrix(
        client_for, leaky, day_url(centre_a, leaky["class_a"]), method="post",
        data=row(leaky["child_a"]),
        expect=NOT_MEMBERS | {"manager": redirect_to(), "staff": redirect_to(),
                              "other_staff": NOT_FOUND})
    assert Attendance.objects.filter(child=leaky["child_a"]).count() == 1


def test_another_centres_class_is_404(client_for, leaky, centre_a):
    client = client_for(leaky["manager"])
    assert client.get(day_url(centre_a, leaky["class_b"])).status_code == 404
    response = client.post(day_url(centre_a, leaky["class_b"]), row(leaky["child_b"]))
    assert response.status_code == 404
    assert Attendance.objects.filter(child=leaky["child_b"]).count() == 1  # untouched


def test_impossible_date_is_404(client_for, leaky, centre_a):
    url = reverse("supervision:daily-today", args=[centre_a.pk]) + f"{leaky['class_a'].pk}/"
    client = client_for(leaky["staff"])
    assert client.get(url + "2026-02-30/").status_code == 404
    assert client.get(url + "28-11-2026/").status_code == 404


# --- today ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("date", ["2026-13-45", "2026-02-30", "0000-00-00", "tomorrow", "\x00",
                                  "9" * 5000])
def test_today_with_an_impossible_date_shows_today(client_for, leaky, centre_a, date):
    response = client_for(leaky["staff"]).get(
        reverse("supervision:daily-today", args=[centre_a.pk]), {"date": date})
    assert response.status_code == 200 and response.context["is_today"]



def test_today_shows_recorded_status_and_too_few_carers(client_for, leaky, centre_a):
    second = ClassGroupFactory(centre=centre_a, name="阳光托小二班")
    enrolled_child(second)
    kids = [leaky["child_a"], *(enrolled_child(leaky["class_a"]) for _ in range(5))]
    class_day(leaky["class_a"], TODAY, present=kids, staff=[leaky["carer_a"], leaky["cook_a"]])
    response = client_for(leaky["staff"]).get(
        reverse("supervision:daily-today", args=[centre_a.pk]))
    rows = {r["class_group"].name: r for r in response.context["rows"]}
    # 6 children in a 托小班 (1:5) need 2 carers; the cook does not count.
    assert rows["阳光托小一班"]["ratio"] == {"present": 6, "carers": 1, "needed": 2,
                                           "ratio": 5, "short": True}
    assert rows["阳光托小二班"]["record"] is None
    assert response.context["short_count"] == 1 and response.context["missing_count"] == 1
    body = response.content.decode()
    assert "Too few carers" in body or "保育人员不足" in body or 'class="tag tag-danger"' in body


def test_today_query_count_does_not_grow_with_classes(client_for, leaky, centre_a,
                                                      django_assert_num_queries):
    client = client_for(leaky["staff"])
    url = reverse("supervision:daily-today", args=[centre_a.pk])
    client.get(url)  # warm the caches
    with count_queries() as one:
        client.get(url)
    for i in range(4):
        klass = ClassGroupFactory(centre=centre_a, name=f"多班{i}")
        class_day(klass, TODAY, present=[enrolled_child(klass)], staff=[leaky["carer_a"]])
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)


# --- the sheet -----------------------------------------------------------------------------------


def test_sheet_defaults_present_and_normal(client_for, leaky, centre_a):
    response = client_for(leaky["staff"]).get(day_url(centre_a, leaky["class_a"]))
    form = response.context["sheet"].rows[0]
    assert form.child == leaky["child_a"]
    body = response.content.decode()
    child = leaky["child_a"].pk
    assert f'name="c{child}-status" value="present"' in body
    assert 'checked' in body.split(f'name="c{child}-status" value="present"')[1][:40]
    assert AccessLog.objects.filter(reason="daily record sheet").count() == 1


def test_save_the_day(client_for, leaky, centre_a):
    extra = enrolled_child(leaky["class_a"], name="阳光二宝")
    data = {**row(leaky["child_a"]), **row(extra, "absent", reason="sick", symptom="fever"),
            "staff": [leaky["carer_a"].pk]}
    response = client_for(leaky["staff"]).post(day_url(centre_a, leaky["class_a"]), data)
    assert response.status_code == 302
    assert response["Location"] == day_url(centre_a, leaky["class_a"])
    day = ClassDay.objects.get(class_group=leaky["class_a"])
    assert list(day.staff_on_duty.all()) == [leaky["carer_a"]]
    assert Attendance.objects.get(child=extra).absence_reason == "sick"
    # The page now shows the saved values.
    page = client_for(leaky["staff"]).get(day_url(centre_a, leaky["class_a"]))
    rows = {f.child.pk: f for f in page.context["sheet"].rows}
    assert rows[extra.pk].initial["status"] == "absent"
    assert page.context["ratio"]["present"] == 1 and page.context["ratio"]["carers"] == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_bad_rows_keep_every_value_and_save_nothing(client_for, leaky, centre_a, htmx):
    other = enrolled_child(leaky["class_a"], name="阳光二宝")
    data = {**row(leaky["child_a"], note="在家休息"),
            **row(other, "absent"),  # no reason
            "staff": [leaky["carer_a"].pk]}
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_for(leaky["staff"]).post(day_url(centre_a, leaky["class_a"]), data,
                                               headers=headers)
    assert response.status_code == 422
    body = response.content.decode()
    assert 'value="在家休息"' in body
    carer = leaky["carer_a"].pk
    assert f'name="staff" value="{carer}" id="id_staff_0" checked' in body
    assert f'name="c{other.pk}-status" value="absent"' in body
    assert 'checked' in body.split(f'name="c{other.pk}-status" value="absent"')[1][:40]
    assert not ClassDay.objects.filter(class_group=leaky["class_a"]).exists()
    if htmx:
        assert body.lstrip().startswith('<section id="sheet"')
    else:
        rows = {f.child.pk: f for f in response.context["sheet"].rows}
        assert rows[other.pk].errors["absence_reason"]
        assert not rows[leaky["child_a"].pk].errors


def test_symptoms_without_illness_is_a_row_error(client_for, leaky, centre_a):
    response = client_for(leaky["staff"]).post(
        day_url(centre_a, leaky["class_a"]), row(leaky["child_a"], symptom="fever"))
    assert response.status_code == 422
    assert response.context["sheet"].rows[0].errors["symptom_group"]


@pytest.mark.parametrize("field", ["status", "absence_reason", "symptom_group",
                                   "morning_check"])
def test_unknown_choices_are_errors(client_for, leaky, centre_a, field):
    data = row(leaky["child_a"])
    data[f"c{leaky['child_a'].pk}-{field}"] = "bogus"
    response = client_for(leaky["staff"]).post(day_url(centre_a, leaky["class_a"]), data)
    assert response.status_code == 422
    assert response.context["sheet"].rows[0].errors[field]
    assert not ClassDay.objects.filter(class_group=leaky["class_a"]).exists()


def test_missing_status_and_long_note(client_for, leaky, centre_a):
    data = row(leaky["child_a"], note="长" * 201)
    del data[f"c{leaky['child_a'].pk}-status"]
    response = client_for(leaky["staff"]).post(day_url(centre_a, leaky["class_a"]), data)
    assert response.status_code == 422
    errors = response.context["sheet"].rows[0].errors
    assert errors["status"] and errors["note"]


def test_staff_of_another_centre_is_a_form_error(client_for, leaky, centre_a):
    data = {**row(leaky["child_a"]), "staff": [leaky["carer_b"].pk]}
    response = client_for(leaky["staff"]).post(day_url(centre_a, leaky["class_a"]), data)
    assert response.status_code == 422
    assert response.context["sheet"].staff_form.errors["staff"]
    assert "赵星星" not in response.content.decode()
    assert not ClassDay.objects.filter(class_group=leaky["class_a"]).exists()


def test_rows_for_children_outside_the_class_are_ignored(client_for, leaky, centre_a):
    """The sheet reads only the rows of the class's children: a forged row is never saved."""
    data = {**row(leaky["child_a"]), **row(leaky["child_b"], "absent", reason="sick")}
    response = client_for(leaky["staff"]).post(day_url(centre_a, leaky["class_a"]), data)
    assert response.status_code == 302
    assert Attendance.objects.get(child=leaky["child_b"]).status == "present"


def test_past_day_is_read_only_for_staff(client_for, leaky, centre_a):
    class_day(leaky["class_a"], YESTERDAY, absent=[leaky["child_a"]], staff=[leaky["carer_a"]])
    client = client_for(leaky["staff"])
    response = client.get(day_url(centre_a, leaky["class_a"], YESTERDAY))
    assert response.context["sheet"] is None
    body = response.content.decode()
    assert 'id="class-day-form"' not in body and "王阳光" in body and "阳光宝宝" in body
    response = client.post(day_url(centre_a, leaky["class_a"], YESTERDAY),
                           row(leaky["child_a"]))
    assert response.status_code == 403
    assert Attendance.objects.get(child=leaky["child_a"]).status == "absent"


def test_manager_may_correct_yesterday_not_earlier(client_for, leaky, centre_a):
    client = client_for(leaky["manager"])
    assert client.get(day_url(centre_a, leaky["class_a"], YESTERDAY)).context["sheet"]
    response = client.post(day_url(centre_a, leaky["class_a"], YESTERDAY),
                           row(leaky["child_a"]))
    assert response.status_code == 302
    earlier = TODAY - dt.timedelta(days=2)
    assert client.get(day_url(centre_a, leaky["class_a"], earlier)).context["sheet"] is None
    assert client.post(day_url(centre_a, leaky["class_a"], earlier),
                       row(leaky["child_a"])).status_code == 403


def test_future_day_is_refused(client_for, leaky, centre_a):
    tomorrow = TODAY + dt.timedelta(days=1)
    client = client_for(leaky["manager"])
    response = client.get(day_url(centre_a, leaky["class_a"], tomorrow))
    assert response.status_code == 200 and response.context["sheet"] is None
    assert client.post(day_url(centre_a, leaky["class_a"], tomorrow),
                       row(leaky["child_a"])).status_code == 403
    assert not ClassDay.objects.filter(class_group=leaky["class_a"]).exists()


def test_htmx_valid_post_redirects_the_client(client_for, leaky, centre_a):
    response = client_for(leaky["staff"]).post(
        day_url(centre_a, leaky["class_a"]), row(leaky["child_a"]),
        headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == day_url(centre_a, leaky["class_a"])


def test_live_ratio_preview_saves_nothing(client_for, leaky, centre_a):
    kids = [leaky["child_a"], *(enrolled_child(leaky["class_a"]) for _ in range(5))]
    data = {"preview": "1", "staff": [leaky["carer_a"].pk, leaky["cook_a"].pk]}
    for kid in kids:
        data.update(row(kid))
    response = client_for(leaky["staff"]).post(day_url(centre_a, leaky["class_a"]), data,
                                               headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode().lstrip()
    # 6 children in a 托小班 (1:5) need 2 carers; the cook does not count.
    assert "<strong>6</strong>" in body and "<strong>1</strong>" in body
    assert "<strong>2</strong>" in body
    assert body.startswith('<div id="ratio" class="ratio ratio-short"')
    assert 'hx-post=' in body  # the swapped-in partial keeps updating
    assert not ClassDay.objects.filter(class_group=leaky["class_a"]).exists()


def _post_queries(client, centre, n) -> int:
    klass = ClassGroupFactory(centre=centre, capacity=20)
    carer = StaffFactory(centre=centre, role=Staff.Role.CARER)  # one class a day each
    data = {"staff": [carer.pk]}
    for _ in range(n):
        data.update(row(enrolled_child(klass)))
    with count_queries() as ctx:
        response = client.post(day_url(centre, klass), data)
    assert response.status_code == 302
    assert Attendance.objects.filter(class_day__class_group=klass).count() == n
    return len(ctx.captured_queries)


def test_saving_the_sheet_same_queries_for_5_and_20_children(client_for, leaky, centre_a):
    client = client_for(leaky["staff"])
    _post_queries(client, centre_a, 1)  # warm the caches (content types)
    assert _post_queries(client, centre_a, 5) == _post_queries(client, centre_a, 20)


def test_sheet_page_same_queries_for_5_and_20_children(client_for, leaky, centre_a):
    client = client_for(leaky["staff"])
    class_day(leaky["class_a"], TODAY, present=[leaky["child_a"]])
    client.get(day_url(centre_a, leaky["class_a"]))  # warm the caches (content types)
    counts = []
    for n in (5, 20):
        klass = ClassGroupFactory(centre=centre_a, capacity=20)
        kids = [enrolled_child(klass) for _ in range(n)]
        carer = StaffFactory(centre=centre_a, role=Staff.Role.CARER)
        class_day(klass, TODAY, present=kids, staff=[carer])
        with count_queries() as ctx:
            client.get(day_url(centre_a, klass))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_overview_does_not_nag_on_a_day_off(client_for, leaky, centre_a):
    """Saturday: no "not recorded yet" warning, a note instead; on Friday the warning shows."""
    client = client_for(leaky["manager"])
    url = reverse("supervision:daily-today", args=[centre_a.pk])
    body = client.get(url).content.decode()
    assert 'class="message message-warning"' not in body
    assert "not a working day" in body or "不是工作日" in body
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        body = client.get(url).content.decode()
    assert 'class="message message-warning"' in body
