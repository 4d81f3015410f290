"""No lost update on the centre's profile: the form carries the version it was opened on, and
saving over a newer version is refused with who saved it, when and which fields changed — the
manager's typing kept, nothing overwritten (plain and htmx posts)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from registry.centres import save_centre_profile
from registry.models import Centre, CentreMembership
from tests.factories import CentreUserFactory, MembershipFactory

from .test_centre_pages import profile_data

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 9, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def deputy(centre_a):
    """A second manager of the same centre."""
    user = CentreUserFactory(username="deputy_a", name="李副园长")
    MembershipFactory(user=user, centre=centre_a, role=CentreMembership.Role.MANAGER)
    return user


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def opened_version(client, centre) -> str:
    body = client.get(reverse("registry:centre-profile", args=[centre.pk])).content.decode()
    return re.search(r'name="version" value="(\d+)"', body).group(1)


@pytest.mark.parametrize("htmx", [False, True])
def test_a_stale_profile_is_refused_and_overwrites_nothing(client_for, manager, deputy,
                                                           centre_a, htmx):
    page = reverse("registry:centre-profile", args=[centre_a.pk])
    mine, theirs = english(client_for(manager)), client_for(deputy)
    stale = opened_version(mine, centre_a)
    assert opened_version(theirs, centre_a) == stale
    assert theirs.post(page, profile_data(version=stale, address="江阳区新地址8号",
                                          contact_phone="0830-1111111")).status_code == 302

    headers = {"HX-Request": "true"} if htmx else {}
    refused = mine.post(page, profile_data(version=stale, opening_days="周一至周六"),
                        headers=headers)
    assert refused.status_code == (422 if htmx else 200)
    form = refused.context["form"]
    message = form.non_field_errors()[0]
    assert message.startswith("李副园长 saved this centre at 28 November 2026 09:12, after you "
                              "opened it. Changed since: ")
    for label in ("address", "contact phone"):
        assert label in message
    body = refused.content.decode()
    assert "周一至周六" in body  # what the manager typed
    centre = Centre.objects.get(pk=centre_a.pk)
    assert (centre.address, centre.opening_days) == ("江阳区新地址8号", "周一至周五")
    assert centre.updated_by == deputy
    assert form["version"].value() == str(centre.version)
    if htmx:
        assert body.lstrip().startswith('<form id="profile-form"')


def test_the_current_version_saves(client_for, manager, centre_a):
    page = reverse("registry:centre-profile", args=[centre_a.pk])
    client = client_for(manager)
    version = opened_version(client, centre_a)
    assert client.post(page, profile_data(version=version)).status_code == 302
    centre = Centre.objects.get(pk=centre_a.pk)
    assert centre.version == int(version) + 1 and centre.updated_by == manager


def test_the_service_compares_with_the_stored_row_not_the_callers_copy(manager, deputy,
                                                                       centre_a):
    stale_copy = Centre.objects.get(pk=centre_a.pk)
    save_centre_profile(centre=centre_a, by=deputy, data={"address": "新地址"})
    # The caller's copy still has the old address; saving its own address back is a change.
    changed = save_centre_profile(centre=stale_copy, by=manager,
                                  data={"address": stale_copy.address})
    assert changed == ["address"]
