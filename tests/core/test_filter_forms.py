"""The kernel's pieces for query parameters (luhuituo.core.forms): FilterForm.value,
SearchField, IdField."""

import pytest
from django import forms
from django.utils import translation

from luhuituo.core.forms import MAX_ID, FilterForm, IdField, SearchField


class Filters(FilterForm):
    q = SearchField()
    centre = IdField()
    status = forms.ChoiceField(required=False, choices=[("open", "open"), ("all", "all")])


@pytest.mark.parametrize("text", ["\x00", "a\x00b", "a\x01b", "line\nbreak", "esc\x1b[31m",
                                  "del\x7f", "c1\x85c1"])
def test_search_refuses_control_characters(text):
    form = Filters({"q": text})
    assert form.value("q") == ""
    with translation.override("en"):
        assert form.errors["q"] == ["Control characters are not allowed."]


@pytest.mark.parametrize("text", ["阳光", "  阳光 ", "O'Brien", "50%_off", "ｚ", "𠀀",
                                  "\u202eabc", "e\u0301"])
def test_search_keeps_ordinary_text_stripped(text):
    assert Filters({"q": text}).value("q") == text.strip()


def test_search_is_bounded():
    form = Filters({"q": "x" * 10_000})
    assert form.value("q") == "" and "q" in form.errors


@pytest.mark.parametrize("value", ["0", "-1", str(MAX_ID + 1), str(2**70), "9" * 10_000,
                                   "abc", "1.5", "1e3", "\x00", "0x10", ""])
def test_an_id_outside_bigint_or_not_a_number_is_dropped(value):
    assert Filters({"centre": value}).value("centre", None) is None


@pytest.mark.parametrize(("value", "expected"), [("1", 1), ("42", 42), (str(MAX_ID), MAX_ID),
                                                 (" 7 ", 7)])
def test_an_id_in_range_is_kept(value, expected):
    assert Filters({"centre": value}).value("centre", None) == expected


def test_one_bad_parameter_drops_only_itself():
    form = Filters({"q": "阳光", "centre": "-5", "status": "bogus"})
    assert form.value("q") == "阳光"
    assert form.value("centre", None) is None
    assert form.value("status", "open") == "open"
    assert set(form.errors) == {"centre", "status"}
