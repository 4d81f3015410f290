"""Registering a parent account: a valid mobile number, unique among accounts, Django's
password rules; bad input saves nothing and keeps what was typed (never the passwords); the
new parent is logged in; registrations per address are limited."""

import pytest
from django.urls import reverse

from luhuituo.core.models import AuditEvent, User
from luhuituo.core.verbs import Verb
from tests.factories import UserFactory
from tests.rolematrix import OK, assert_role_matrix, redirect_to

pytestmark = pytest.mark.django_db

URL = "/parents/register/"
PASSWORD = "zhou-family-2026!"
GOOD = {"name": "周小红", "mobile": "138 0000 5678", "password1": PASSWORD,
        "password2": PASSWORD}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_url_name():
    assert reverse("parents:register") == URL


def test_role_matrix(client_for, personas):
    logged_in = {name: redirect_to() for name in personas if name != "anonymous"}
    assert_role_matrix(client_for, personas, URL, expect=logged_in | {"anonymous": OK})


def test_registers_logs_in_and_can_log_in_again(client):
    response = client.post(URL, GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("parents:home")
    user = User.objects.get(mobile="13800005678")
    assert user.account_type == User.AccountType.PARENT
    assert user.name == "周小红"
    assert user.username == "13800005678"
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(verb=Verb.PARENT_REGISTERED, actor=user).count() == 1
    home = client.get(reverse("parents:home"))
    assert home.status_code == 200
    assert home.context["user"] == user
    client.logout()
    response = client.post(reverse("core:login"),
                           {"username": "13800005678", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"name": "  "}, "name", "This field is required."),
    ({"mobile": "12345"}, "mobile", "Enter a valid mainland mobile number"),
    ({"mobile": "1380000567a"}, "mobile", "Enter a valid mainland mobile number"),
    ({"mobile": ""}, "mobile", "This field is required."),
    ({"password1": "short1!", "password2": "short1!"}, "password1", "too short"),
    ({"password1": "1234567890123", "password2": "1234567890123"}, "password1",
     "entirely numeric"),
    ({"password1": "password1234", "password2": "password1234"}, "password1", "too common"),
    ({"password2": PASSWORD + "x"}, "password2", "The two passwords differ."),
    ({"password1": "", "password2": ""}, "password1", "This field is required."),
])
def test_bad_input_saves_nothing_and_keeps_what_was_typed(client, change, field, message):
    data = GOOD | change
    response = client.post(URL, data)
    assert response.status_code == 422
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    if data["name"].strip():
        assert f'value="{data["name"]}"' in page
    if data["mobile"]:
        assert f'value="{data["mobile"]}"' in page
    for password in {data["password1"], data["password2"]} - {""}:
        assert password not in page


def test_mobile_already_taken(client):
    UserFactory(username="someone", mobile="13800005678")
    response = client.post(URL, GOOD | {"mobile": "+86 13800005678"})
    assert response.status_code == 422
    assert "already exists" in str(response.context["form"].errors["mobile"])
    assert User.objects.count() == 1


def test_mobile_taken_as_a_login_name(client):
    UserFactory(username="13800005678", mobile=None)
    response = client.post(URL, GOOD)
    assert response.status_code == 422
    assert User.objects.count() == 1


def test_password_like_the_mobile_number_refused(client):
    response = client.post(URL, GOOD | {"password1": "13800005678a", "password2": "13800005678a"})
    assert response.status_code == 422
    assert "too similar" in str(response.context["form"].errors["password1"])
    assert not User.objects.exists()


def test_registrations_per_address_limited(client, settings):
    settings.PARENT_REGISTRATION_ADDRESS_LIMIT = 2
    for n in range(2):
        other = type(client)()
        assert other.post(URL, GOOD | {"mobile": f"1380000000{n}"}).status_code == 302
    response = client.post(URL, GOOD)
    assert response.status_code == 429
    assert "Too many accounts" in response.content.decode()
    assert 'value="周小红"' in response.content.decode()
    assert not User.objects.filter(mobile="13800005678").exists()
    # Another address is not affected.
    response = client.post(URL, GOOD, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302


def test_front_page_offers_registration(client):
    assert URL in client.get(reverse("parents:index")).content.decode()
