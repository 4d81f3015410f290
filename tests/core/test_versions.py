"""Versions of edited rows (luhuituo.core.models.Versioned, workflow.require_version, the
``Stale`` refusal): every save is a new version, a form's version older than the row's is
refused with who saved it, when and what changed, and the form shown again carries the stored
version next to what the user typed."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.db import transaction
from django.utils import translation

from luhuituo.core.exceptions import Stale, domain_errors
from luhuituo.core.forms import VersionField
from luhuituo.core.workflow import lock, require_version
from registry.models import Centre
from tests.factories import CentreFactory, CentreUserFactory

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


class NameForm(forms.Form):
    version = VersionField()
    name = forms.CharField()


def edit(centre, by, **values) -> Centre:
    with transaction.atomic():
        centre = lock(centre)
        for name, value in values.items():
            setattr(centre, name, value)
        centre.updated_by = by
        centre.save()
    return centre


def test_every_save_is_a_new_version():
    centre = CentreFactory()
    assert centre.version == 1
    centre = edit(centre, None, name="新名字")
    assert centre.version == 2
    centre.save(update_fields=["name"])  # the version goes with any update
    centre.refresh_from_db()
    assert centre.version == 3


def test_the_same_version_or_none_is_not_refused():
    centre = CentreFactory()
    require_version(centre, 1)
    require_version(centre, None)


def test_a_newer_version_is_refused_with_who_when_and_what_changed():
    centre = CentreFactory(name="阳光托育", address="江阳路1号", contact_phone="08301234567")
    manager = CentreUserFactory(name="王园长")
    with time_machine.travel(dt.datetime(2026, 11, 28, 9, 12, tzinfo=TZ), tick=False):
        stored = edit(centre, manager, name="阳光托育中心", address="江阳路2号")
    with translation.override("en"), pytest.raises(Stale) as refused:
        require_version(stored, 1)
    error = refused.value
    assert error.since == 1 and error.obj.version == 2
    assert error.changes == ["name", "address"]
    assert error.message.startswith("王园长 saved this centre at 28 November 2026 09:12, after you "
                                    "opened it. Changed since: name、address. Nothing was saved.")


def test_what_changed_is_unknown_without_the_history_of_that_version():
    centre = edit(CentreFactory(), None, name="改名")
    assert centre.changes_since(99) is None
    with translation.override("en"), pytest.raises(Stale) as refused:
        require_version(centre, 99)
    assert "Someone else saved this centre" in refused.value.message
    assert "Changed since" not in refused.value.message


def test_the_form_shown_again_carries_the_stored_version_and_the_typing():
    centre = edit(CentreFactory(), None, name="别人改的")
    form = NameForm({"version": "1", "name": "我改的"})
    assert form.is_valid() and form.cleaned_data["version"] == 1
    with domain_errors(form) as call:
        require_version(centre, form.cleaned_data["version"])
    assert not call.ok and isinstance(call.error, Stale)
    assert form.non_field_errors()
    html = str(form)
    assert 'name="version" value="2"' in html and 'value="我改的"' in html


@pytest.mark.parametrize("sent", ["", "abc", "-1"])
def test_a_missing_or_garbled_version_is_not_checked(sent):
    form = NameForm({"version": sent, "name": "x"})
    assert form.is_valid() and form.cleaned_data["version"] is None
