"""Reviews by guardians: who may write one, once per placement and year, moderation by the
centre's district, what the public sees, ``family_satisfaction``."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Review, family_satisfaction
from evaluation.services import reviews as svc
from luhuituo.core.exceptions import DomainError, NotPermitted
from luhuituo.core.models import AuditEvent, Notification, User
from luhuituo.core.submissions import new_token
from luhuituo.core.verbs import Verb
from tests.factories import UserFactory
from tests.factories.reviews import placed_child, review
from tests.queries import count_queries
from tests.rolematrix import FORBIDDEN, LOGIN, NOT_FOUND, OK, assert_role_matrix, redirect_to

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Pages in English: the assertions below spell the English texts."""
    settings.LANGUAGE_CODE = "en"

RATINGS = {"rating_care": "5", "rating_safety": "4", "rating_communication": "4",
           "rating_premises": "3", "rating_value": "5"}


def url(name, *args):
    return reverse(f"evaluation:{name}", args=args)


def post(client_for, user, enrolment, **data):
    values = {**RATINGS, "comment": "老师很用心", "submission": new_token(), **data}
    return client_for(user).post(url("review-create", enrolment.pk), values)


@pytest.fixture
def child(parent, centre_a):
    return placed_child(centre_a, parent, name="阳光宝宝")


@pytest.fixture
def enrolment(child):
    return child.enrolments.get()


def another_parent(name="吴家长"):
    return UserFactory(name=name, account_type=User.AccountType.PARENT)


# --- writing a review ---------------------------------------------------------------------------


def test_a_guardian_reviews_their_childs_placement(client_for, parent, enrolment, centre_a,
                                                   district_regulator,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_for, parent, enrolment)
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:my-child-detail",
                                           args=[enrolment.child_id])
    review_ = Review.objects.get()
    assert (review_.centre, review_.author, review_.status) == (
        centre_a, parent, Review.Status.PENDING)
    assert review_.year == timezone.localdate().year
    assert [r for _label, r in review_.ratings()] == [5, 4, 4, 3, 5]
    assert AuditEvent.objects.filter(verb=Verb.REVIEW_SUBMITTED).count() == 1
    assert Notification.objects.filter(recipient=district_regulator).count() == 1


def test_someone_who_never_had_a_child_there_is_refused_with_a_message(
        client_for, parent, child, centre_b):
    """The parent's child is at centre_a: "Review this centre" on centre_b is refused."""
    response = client_for(parent).get(url("review-start", centre_b.pk))
    assert response.status_code == 403
    assert "Only a guardian whose child has or had a place at this centre" in \
        response.content.decode()
    assert not Review.objects.exists()


def test_the_service_refuses_an_author_who_is_not_the_childs_guardian(enrolment):
    stranger = another_parent()
    with pytest.raises(NotPermitted):
        svc.submit_review(enrolment=enrolment, ratings=dict.fromkeys(svc.ASPECTS, 4),
                          by=stranger)
    assert not Review.objects.exists()


def test_review_start_leads_a_guardian_to_their_placement(client_for, parent, enrolment,
                                                          centre_a):
    response = client_for(parent).get(url("review-start", centre_a.pk))
    assert response.status_code == 302
    assert response["Location"] == url("review-create", enrolment.pk)


def test_a_placement_that_is_not_theirs_is_not_found(client_for, centre_a, enrolment):
    stranger = another_parent()
    assert client_for(stranger).get(url("review-create", enrolment.pk)).status_code == 404
    assert post(client_for, stranger, enrolment).status_code == 404
    assert not Review.objects.exists()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"rating_safety": ""}, "rating_safety", "Give a rating from 1 to 5."),
    ({"rating_care": "6"}, "rating_care", "Give a rating from 1 to 5."),
    ({"rating_value": "0"}, "rating_value", "Give a rating from 1 to 5."),
    ({"rating_value": "abc"}, "rating_value", "Give a rating from 1 to 5."),
    ({"comment": "好" * 501}, "comment", "500"),  # Django's message, in the page's language
])
def test_bad_review_inputs_keep_what_was_typed_and_save_nothing(client_for, parent, enrolment,
                                                                 data, field, message):
    response = post(client_for, parent, enrolment, **{"comment": "园所干净", **data})
    assert response.status_code == 422
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    if field != "comment":
        assert "园所干净" in response.content.decode()
    assert not Review.objects.exists()


def test_once_per_placement_per_year(client_for, parent, enrolment):
    assert post(client_for, parent, enrolment).status_code == 302
    response = post(client_for, parent, enrolment, comment="再评一次")
    assert response.status_code == 422
    assert "already reviewed this placement this year" in response.content.decode()
    assert "再评一次" in response.content.decode()
    assert Review.objects.count() == 1


def test_the_database_refuses_a_second_review_of_a_placement_in_a_year(child):
    review(child)
    with pytest.raises(IntegrityError), transaction.atomic():
        review(child)
    review(child, year=timezone.localdate().year - 1)  # last year's is another review
    assert Review.objects.count() == 2


def test_a_double_submit_makes_one_review(client_for, parent, enrolment):
    token = new_token()
    first = post(client_for, parent, enrolment, submission=token)
    second = post(client_for, parent, enrolment, submission=token)
    assert first.status_code == second.status_code == 302
    assert Review.objects.count() == 1


def test_a_placement_that_has_not_started_cannot_be_reviewed(client_for, parent, enrolment):
    enrolment.started_on = timezone.localdate() + timezone.timedelta(days=10)
    enrolment.save()
    response = post(client_for, parent, enrolment)
    assert response.status_code == 422
    assert "has not started yet" in response.content.decode()
    assert not Review.objects.exists()


def test_a_past_placement_can_be_reviewed(client_for, parent, enrolment):
    enrolment.ended_on = timezone.localdate() - timezone.timedelta(days=1)
    enrolment.save()
    assert post(client_for, parent, enrolment).status_code == 302
    assert Review.objects.count() == 1


def test_the_childs_page_links_to_the_review(client_for, parent, child, enrolment):
    body = client_for(parent).get(
        reverse("supervision:my-child-detail", args=[child.pk])).content.decode()
    assert url("review-create", enrolment.pk) in body


# --- moderation ----------------------------------------------------------------------------------


def test_a_regulator_publishes_a_review_and_the_author_is_told(
        client_for, parent, child, district_regulator, django_capture_on_commit_callbacks):
    pending = review(child, status=Review.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(district_regulator).post(url("review-moderate", pending.pk),
                                                       {"action": "publish"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Review.Status.PUBLISHED
    assert pending.moderated_by == district_regulator
    assert AuditEvent.objects.filter(verb=Verb.REVIEW_PUBLISHED,
                                     target_id=str(pending.pk)).count() == 1
    assert Notification.objects.filter(recipient=parent).count() == 1


def test_a_regulator_rejects_a_review_with_a_reason(client_for, parent, child, city_regulator,
                                                    django_capture_on_commit_callbacks):
    pending = review(child, status=Review.Status.PENDING)
    client = client_for(city_regulator)
    response = client.post(url("review-moderate", pending.pk), {"action": "reject",
                                                               "reason": ""})
    assert response.status_code == 422
    assert "Give the reason for rejecting the review." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Review.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("review-moderate", pending.pk), {"action": "reject",
                                                                   "reason": "点名了老师"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.rejection_reason) == (Review.Status.REJECTED, "点名了老师")
    note = Notification.objects.get(recipient=parent)
    assert note.body == "点名了老师"
    assert AuditEvent.objects.filter(verb=Verb.REVIEW_REJECTED).count() == 1


def test_a_moderated_review_cannot_be_moderated_again(child, district_regulator):
    published = review(child)
    with pytest.raises(DomainError):
        svc.reject_review(review=published, reason="x", by=district_regulator)


def test_another_districts_regulator_gets_404(client_for, child, other_regulator):
    pending = review(child, status=Review.Status.PENDING)
    client = client_for(other_regulator)
    assert client.get(url("review-moderate", pending.pk)).status_code == 404
    assert client.post(url("review-moderate", pending.pk),
                       {"action": "publish"}).status_code == 404
    pending.refresh_from_db()
    assert pending.status == Review.Status.PENDING


# --- the public page -----------------------------------------------------------------------------


def test_the_public_page_shows_only_published_reviews(client, child, centre_a):
    review(child, comment="已发布的评价")
    review(placed_child(centre_a, another_parent()), status=Review.Status.PENDING,
           comment="待审核的评价")
    review(placed_child(centre_a, another_parent()), status=Review.Status.REJECTED,
           comment="被驳回的评价")
    body = client.get(url("public-centre-reviews", centre_a.pk)).content.decode()
    assert "已发布的评价" in body
    assert "待审核的评价" not in body and "被驳回的评价" not in body
    assert "阳光宝宝" not in body and "周家长" not in body  # no child, no full name
    assert "周** parent" in body


def test_averages_are_hidden_below_the_minimum_count(client, settings, child, centre_a):
    settings.REVIEW_MIN_COUNT = 3
    review(child, rating=5)
    review(placed_child(centre_a, another_parent()), rating=3)
    body = client.get(url("public-centre-reviews", centre_a.pk)).content.decode()
    assert "Averages are shown once the centre has 3 published reviews." in body
    assert "Average 4.0 out of 5" not in body
    review(placed_child(centre_a, another_parent()), rating=4)
    body = client.get(url("public-centre-reviews", centre_a.pk)).content.decode()
    assert "Average 4.0 out of 5 from 3 published reviews." in body


def test_the_public_page_of_a_centre_neither_listed_nor_reviewed_is_404(client, centre_b):
    assert client.get(url("public-centre-reviews", centre_b.pk)).status_code == 404


def test_the_public_list_of_centres_links_to_reviews(client, centre_a):
    from registry.models import Filing
    from tests.factories import filing_for

    filing_for(centre_a, Filing.Status.VERIFIED)
    body = client.get(reverse("registry:public-centres")).content.decode()
    assert url("public-centre-reviews", centre_a.pk) in body


# --- family satisfaction -------------------------------------------------------------------------


def test_family_satisfaction_averages_published_reviews_per_centre_in_one_query(
        django_assert_num_queries, child, centre_a, centre_b):
    review(child, rating=5)
    review(placed_child(centre_a, another_parent()), rating=2)
    review(placed_child(centre_a, another_parent()), rating=1, status=Review.Status.PENDING)
    review(placed_child(centre_b, another_parent()), rating=4)
    with django_assert_num_queries(1):
        result = family_satisfaction([centre_a.pk, centre_b.pk])
    assert result[centre_a.pk]["count"] == 2
    assert result[centre_a.pk]["care"] == 3.5
    assert result[centre_a.pk]["overall"] == 3.5
    assert result[centre_b.pk] == {"count": 1, "overall": 4.0, "care": 4.0, "safety": 4.0,
                                   "communication": 4.0, "premises": 4.0, "value": 4.0}
    assert family_satisfaction([centre_a.pk], year=2000) == {}


# --- role matrices, query counts -----------------------------------------------------------------


@pytest.fixture
def reviewed(personas, child, centre_a):
    return review(child, status=Review.Status.PENDING, comment="园所环境很好")


REGULATORS_ONLY = {"city_regulator": OK, "district_regulator": OK, "other_regulator": OK,
                   "manager": FORBIDDEN, "staff": FORBIDDEN, "other_staff": FORBIDDEN,
                   "parent": FORBIDDEN, "anonymous": LOGIN}


def test_review_list_role_matrix(client_for, personas, reviewed):
    assert_role_matrix(client_for, personas, url("review-list"), expect=REGULATORS_ONLY,
                       shown={"district_regulator": ["江阳区阳光托育中心"],
                              "city_regulator": ["江阳区阳光托育中心"]},
                       hidden={"other_regulator": ["江阳区阳光托育中心"]})


def test_review_moderate_role_matrix(client_for, personas, reviewed):
    assert_role_matrix(client_for, personas, url("review-moderate", reviewed.pk),
                       expect={**REGULATORS_ONLY, "other_regulator": NOT_FOUND},
                       shown={"district_regulator": ["园所环境很好", "Publish the review"]})


def test_review_create_role_matrix(client_for, personas, reviewed, enrolment):
    parent_only = dict.fromkeys(REGULATORS_ONLY, FORBIDDEN) | {"parent": OK,
                                                                  "anonymous": LOGIN}
    assert_role_matrix(client_for, personas, url("review-create", enrolment.pk),
                       expect=parent_only, shown={"parent": ["江阳区阳光托育中心"]})


def test_review_start_role_matrix(client_for, personas, reviewed, centre_a):
    expect = dict.fromkeys(REGULATORS_ONLY, FORBIDDEN) | {"parent": redirect_to(),
                                                             "anonymous": LOGIN}
    assert_role_matrix(client_for, personas, url("review-start", centre_a.pk), expect=expect)


def test_public_centre_reviews_role_matrix(client_for, personas, child, centre_a):
    review(child, comment="公开的评价")
    everyone = dict.fromkeys(REGULATORS_ONLY, OK)
    assert_role_matrix(client_for, personas, url("public-centre-reviews", centre_a.pk),
                       expect=everyone, shown={"anonymous": ["公开的评价"]},
                       hidden={"anonymous": ["阳光宝宝", "周家长"]})


def test_review_list_queries_do_not_grow_with_rows(client_for, district_regulator, centre_a,
                                                   child):
    review(child, status=Review.Status.PENDING)
    client = client_for(district_regulator)
    client.get(url("review-list"))  # the session's first request reads more
    with count_queries() as few:
        client.get(url("review-list"))
    for _ in range(4):
        review(placed_child(centre_a, another_parent()), status=Review.Status.PENDING)
    with count_queries() as many:
        response = client.get(url("review-list"))
    assert response.context["page"].paginator.count == 5
    assert len(many) == len(few)


def test_public_page_queries_do_not_grow_with_rows(client, centre_a, child):
    review(child)
    client.get(url("public-centre-reviews", centre_a.pk))
    with count_queries() as few:
        client.get(url("public-centre-reviews", centre_a.pk))
    for _ in range(4):
        review(placed_child(centre_a, another_parent()))
    with count_queries() as many:
        response = client.get(url("public-centre-reviews", centre_a.pk))
    assert len(response.context["page"].object_list) == 5
    assert len(many) == len(few)


# --- the centre's side: reading and replying once ------------------------------------------------


def test_centre_reviews_role_matrix(client_for, personas, child, centre_a):
    review(child, comment="公开的评价")
    review(placed_child(centre_a, another_parent()), status=Review.Status.PENDING,
           comment="待审核的评价")
    expect = {"city_regulator": FORBIDDEN, "district_regulator": FORBIDDEN,
              "other_regulator": FORBIDDEN, "manager": OK, "staff": OK,
              "other_staff": NOT_FOUND, "parent": FORBIDDEN, "anonymous": LOGIN}
    assert_role_matrix(client_for, personas, url("centre-reviews", centre_a.pk), expect=expect,
                       shown={"manager": ["公开的评价", "Your reply"], "staff": ["公开的评价"]},
                       hidden={"manager": ["待审核的评价", "阳光宝宝", "周家长"],
                               "staff": ["Your reply"]})


def test_the_manager_replies_once_and_the_public_sees_it(client_for, client, manager, child,
                                                         centre_a):
    published = review(child)
    page = url("centre-reviews", centre_a.pk)
    response = client_for(manager).post(page, {"review": published.pk, "reply": ""})
    assert response.status_code == 422
    assert "Write the reply." in response.content.decode()
    response = client_for(manager).post(page, {"review": published.pk,
                                               "reply": "感谢您的认可"})
    assert response.status_code == 302
    published.refresh_from_db()
    assert (published.reply, published.replied_by) == ("感谢您的认可", manager)
    assert AuditEvent.objects.filter(verb=Verb.REVIEW_REPLIED).count() == 1
    assert "感谢您的认可" in client.get(url("public-centre-reviews", centre_a.pk)).content.decode()
    with pytest.raises(DomainError, match="already replied"):
        svc.reply_to_review(review=published, text="再回复一次", by=manager)


def test_a_reply_too_long_keeps_the_text(client_for, manager, child, centre_a):
    published = review(child)
    response = client_for(manager).post(url("centre-reviews", centre_a.pk),
                                        {"review": published.pk, "reply": "谢" * 501})
    assert response.status_code == 422
    assert "谢" * 501 in response.content.decode()
    published.refresh_from_db()
    assert published.reply == ""


def test_only_the_manager_replies_and_only_to_published_reviews_of_the_centre(
        client_for, staff, manager, child, centre_a, centre_b):
    published = review(child)
    page = url("centre-reviews", centre_a.pk)
    assert client_for(staff).post(page, {"review": published.pk,
                                         "reply": "谢谢"}).status_code == 403
    pending = review(placed_child(centre_a, another_parent()), status=Review.Status.PENDING)
    elsewhere = review(placed_child(centre_b, another_parent()))
    for other in (pending, elsewhere):
        assert client_for(manager).post(page, {"review": other.pk,
                                               "reply": "谢谢"}).status_code == 404
    assert not Review.objects.exclude(reply="").exists()


def test_centre_reviews_queries_do_not_grow_with_rows(client_for, manager, centre_a, child):
    review(child)
    client = client_for(manager)
    client.get(url("centre-reviews", centre_a.pk))
    with count_queries() as few:
        client.get(url("centre-reviews", centre_a.pk))
    for _ in range(4):
        review(placed_child(centre_a, another_parent()))
    with count_queries() as many:
        response = client.get(url("centre-reviews", centre_a.pk))
    assert len(response.context["page"].object_list) == 5
    assert len(many) == len(few)


def test_the_review_page_shows_what_became_of_earlier_reviews(client_for, parent, child,
                                                              enrolment):
    review(child, status=Review.Status.REJECTED, year=timezone.localdate().year - 1)
    body = client_for(parent).get(url("review-create", enrolment.pk)).content.decode()
    assert "Your reviews of this placement" in body
    assert "不实" in body  # the reason the regulator gave


def test_the_regulators_centre_page_links_to_the_centres_reviews(client_for, city_regulator,
                                                                 centre_a):
    from luhuituo.core import sections

    links = sections.links("regulator-centre", None, centre_a)
    assert any(link["url"].startswith(url("review-list")) and "status=all" in link["url"]
               for link in links)
