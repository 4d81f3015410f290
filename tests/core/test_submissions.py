"""One-time create forms (luhuituo.core.submissions): the token a form is rendered with, the
same form sent twice (one record, the first result shown again), a refused call that leaves the
token usable, another user's token, two copies at the same instant (the unique token decides,
the loser shows the winner's result), and forgetting old tokens."""

import datetime as dt
import re
import threading
import time

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection, connections
from django.test import RequestFactory
from django.utils import timezone, translation

from luhuituo.core.exceptions import DomainError
from luhuituo.core.models import Notification, Submission
from luhuituo.core.submissions import OneTimeForm, forget_old_submissions, submit_once
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class NoteForm(OneTimeForm):
    title = forms.CharField(max_length=50)


def token_of(html: str) -> str:
    return re.search(r'name="submission" value="([^"]+)"', html).group(1)


def post(user, data):
    request = RequestFactory().post("/notes/", data)
    request.user = user
    request._messages = CookieStorage(request)
    return request


def make_note(user):
    def action(data):
        return Notification.objects.create(recipient=user, title=data["title"])
    return action


def send(user, data, action=None):
    request = post(user, data)
    call = submit_once(request, NoteForm(request.POST), action or make_note(user),
                       url=lambda note: f"/notes/{note.pk}/")
    return request, call


@pytest.fixture
def user(db):
    return UserFactory(username="writer")


def test_a_rendered_form_carries_a_new_token_each_time():
    first, second = str(NoteForm()), str(NoteForm())
    assert 'type="hidden" name="submission"' in first
    assert token_of(first) != token_of(second) and len(token_of(first)) >= 20


def test_a_form_shown_again_keeps_the_token_it_was_sent_with():
    token = token_of(str(NoteForm()))
    form = NoteForm({"title": "", "submission": token})
    assert not form.is_valid()
    assert token_of(str(form)) == token


def test_the_same_form_sent_twice_makes_one_record(user):
    token = token_of(str(NoteForm()))
    data = {"title": "午睡检查", "submission": token}
    _request, first = send(user, data)
    assert first.ok and not first.repeat
    note = Notification.objects.get()
    assert first.result == note and first.url == f"/notes/{note.pk}/"
    saved = Submission.objects.get()
    assert (saved.token, saved.user, saved.url) == (token, user, first.url)
    assert saved.target_type.model_class() is Notification and saved.target_id == str(note.pk)

    with translation.override("en"):
        request, again = send(user, data)
    assert again.ok and again.repeat and again.result is None
    assert again.url == first.url
    assert Notification.objects.count() == 1
    assert [str(m) for m in get_messages(request)] == [
        "This form was already submitted; here is the result."]


def test_the_repeat_is_recognised_before_validating_again(user):
    """Sent again after the first result made the data invalid (a unique value now taken),
    the form still shows the first result rather than an error."""
    token = token_of(str(NoteForm()))
    send(user, {"title": "第一次", "submission": token})
    _request, again = send(user, {"title": "", "submission": token})
    assert again.ok and again.repeat


def test_a_refused_call_saves_nothing_and_keeps_the_token_usable(user):
    token = token_of(str(NoteForm()))
    data = {"title": "消防检查", "submission": token}

    def refuse(_data):
        Notification.objects.create(recipient=user, title="half-saved")
        raise DomainError("Not today.", field="title")

    _request, refused = send(user, data, refuse)
    assert not refused.ok
    assert refused.form.errors["title"] == ["Not today."]
    assert not Notification.objects.exists() and not Submission.objects.exists()
    _request, done = send(user, data)
    assert done.ok and not done.repeat and Notification.objects.count() == 1


def test_an_invalid_form_claims_nothing(user):
    token = token_of(str(NoteForm()))
    _request, call = send(user, {"title": "x" * 51, "submission": token})
    assert not call.ok and "title" in call.form.errors
    assert not Submission.objects.exists()


def test_another_users_token_never_shows_their_result(user):
    token = token_of(str(NoteForm()))
    send(user, {"title": "张园长的通知", "submission": token})
    intruder = UserFactory(username="intruder")
    with translation.override("en"):
        _request, call = send(intruder, {"title": "抄来的表单", "submission": token})
    assert not call.ok and not call.repeat and call.url == ""
    assert "already been used" in call.form.non_field_errors()[0]
    assert Notification.objects.count() == 1


@pytest.mark.parametrize("token", [None, "", "short", "<script>alert(1)</script>" * 3])
def test_without_a_usable_token_the_form_is_submitted_as_before(user, token):
    data = {"title": "旧页面"} | ({"submission": token} if token is not None else {})
    assert send(user, data)[1].ok and send(user, data)[1].ok
    assert Notification.objects.count() == 2 and not Submission.objects.exists()


def test_old_tokens_are_forgotten(user, settings):
    settings.SUBMISSION_KEEP_DAYS = 7
    now = timezone.now()
    old = Submission.objects.create(token="a" * 32, user=user,
                                    created_at=now - dt.timedelta(days=8))
    recent = Submission.objects.create(token="b" * 32, user=user,
                                       created_at=now - dt.timedelta(days=6))
    assert forget_old_submissions() == 1
    assert list(Submission.objects.all()) == [recent]
    assert not Submission.objects.filter(pk=old.pk).exists()


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                       "current_database() AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_copies_at_the_same_instant_make_one_record():
    """The first copy has written the token and is still working when the second one arrives:
    the second waits on the unique token, then shows the first one's result."""
    user = UserFactory(username="double_clicker")
    data = {"title": "双击", "submission": token_of(str(NoteForm()))}
    claimed, release = threading.Event(), threading.Event()
    results = {}

    def slow(form_data):
        note = Notification.objects.create(recipient=user, title=form_data["title"])
        claimed.set()
        release.wait(timeout=10)
        return note

    def run(name, action=None):
        try:
            results[name] = send(user, data, action)[1]
        except Exception as exc:  # pragma: no cover — reported by the assertion below
            results[name] = exc
        finally:
            connections.close_all()

    first = threading.Thread(target=run, args=("first", slow))
    second = threading.Thread(target=run, args=("second",))
    first.start()
    assert claimed.wait(timeout=10)
    second.start()
    deadline = time.monotonic() + 10
    while not _waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _waiting_for_a_lock(), "the second copy should wait for the first one's token"
    release.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert results["first"].ok and not results["first"].repeat
    assert results["second"].ok and results["second"].repeat
    assert results["second"].url == results["first"].url
    assert Notification.objects.filter(recipient=user).count() == 1
    assert Submission.objects.count() == 1
