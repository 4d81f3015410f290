"""Every list page that swaps its results with htmx and pushes the URL answers with
``Vary: HX-Request``: the full page and the partial share one URL, so a cache (the browser's
back button included) must keep them apart."""

import pytest
from django.urls import reverse

LISTS = [
    ("registry:public-centres", None, "anonymous"),
    ("registry:centre-list", None, "district_regulator"),
    ("registry:filing-queue", None, "district_regulator"),
    ("supervision:alert-inbox", None, "district_regulator"),
    ("supervision:centre-alerts", "centre", "manager"),
    ("supervision:child-list", "centre", "manager"),
    ("supervision:complaint-list", None, "district_regulator"),
    ("supervision:inspection-list", None, "district_regulator"),
    ("supervision:inspection-plan", None, "district_regulator"),
    ("supervision:rectification-list", None, "district_regulator"),
    ("supervision:incident-list", "centre", "manager"),
    ("supervision:regulator-incident-list", None, "district_regulator"),
]


@pytest.mark.parametrize(("name", "arg", "persona"), LISTS)
@pytest.mark.parametrize("htmx", [False, True])
def test_list_pages_vary_on_htmx(client_for, personas, centre_a, name, arg, persona, htmx):
    url = reverse(name, args=[centre_a.pk] if arg else [])
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_for(personas[persona]).get(url, headers=headers)
    assert response.status_code == 200
    assert "HX-Request" in response.get("Vary", "")
