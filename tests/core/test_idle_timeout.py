from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["district_regulator", "manager", "staff"])
def test_staff_and_regulators_are_logged_out_after_30_idle_minutes(request, client, persona):
    user = request.getfixturevalue(persona)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(user)
        assert client.get("/account/").status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get("/account/").status_code == 200  # activity resets the clock
        traveller.shift(timedelta(minutes=29))
        assert client.get("/account/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/account/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=/account/")
        assert "_auth_user_id" not in client.session


def test_parents_keep_their_session(client, parent):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(parent)
        client.get("/account/")
        traveller.shift(timedelta(hours=3))
        assert client.get("/account/").status_code == 200


def test_an_htmx_request_is_sent_to_the_login_page(client, staff):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(staff)
        client.get("/account/")
        traveller.shift(timedelta(minutes=31))
        response = client.get("/account/", headers={"HX-Request": "true"})
        assert response["HX-Redirect"] == "/login/"
