"""Open data: the publicly listed centres (filing verified) as read-only JSON or CSV, for anyone.

The rows come from the parents' search (``search_centres``: the same centres, the same KNN
order near a point), so the open data and the search page never disagree. Only what the
public pages already show: no person's name or phone, nothing about children or staff."""

from __future__ import annotations

from django import forms
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from evaluation.models import CreditRecord
from luhuituo.core.exports import csv_response
from luhuituo.core.models import Region

from ..services.search import (
    FEE_COLUMNS,
    Criteria,
    current_fee_schedules,
    search_centres,
    summarise,
)

API_PAGE_SIZE = 50
MAX_AGE = 300  # seconds a client or proxy may keep an answer
FIELDS = ["id", "name", "kind", "inclusive", "district", "district_name", "address",
          "full_address", "latitude", "longitude", "approved_places", "vacancies_now",
          "fee_from", "fees", "stars", "credit_grade", "distance_m"]


class ApiParams(forms.Form):
    """The query parameters: all optional; a bad one is an error, never ignored."""

    district = forms.ChoiceField(required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180)
    page = forms.IntegerField(required=False, min_value=1, max_value=1_000_000)
    format = forms.ChoiceField(required=False, choices=[("json", "json"), ("csv", "csv")])

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = [
            ("", ""), *((r.code, r.code) for r in Region.objects.districts())]
        self.fields["district"].error_messages["invalid_choice"] = gettext_lazy(
            "Unknown district code %(value)s: use a region code such as 510502 (江阳区).")

    def clean(self):
        data = super().clean()
        if (data.get("lat") is None) != (data.get("lng") is None):
            missing = "lng" if data.get("lng") is None else "lat"
            if missing not in self.errors:
                self.add_error(missing, _("Give both lat and lng, or neither."))
        return data


def _errors(form: forms.Form) -> dict[str, list[str]]:
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}


def _open(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def _bad_request(errors: dict) -> HttpResponse:
    response = JsonResponse({"errors": errors}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-store"
    return response


def _centres(criteria: Criteria):
    """``search_centres`` with each class type's fee of the schedule in force and the credit
    grade, as subqueries (one query for the page, whatever its size)."""
    today = timezone.localdate()
    schedule = current_fee_schedules(today).filter(centre=OuterRef("pk"))
    fees = {f"fee_{t}": Subquery(schedule.values(column)[:1]) for t, column in FEE_COLUMNS.items()}
    grade = CreditRecord.objects.filter(centre=OuterRef("pk")).values("grade")[:1]
    return (search_centres(criteria, today=today).select_related("region__parent")
            .annotate(credit_grade=Subquery(grade), **fees))


def _number(value):
    return None if value is None else float(value)


def _row(centre) -> dict:
    return {
        "id": centre.pk,
        "name": centre.name,
        "kind": centre.kind,
        "inclusive": centre.is_inclusive,
        "district": centre.region.code,
        "district_name": centre.region.name,
        "address": centre.address,
        "full_address": centre.full_address,
        "latitude": _number(centre.latitude),
        "longitude": _number(centre.longitude),
        "approved_places": centre.approved_places,
        "vacancies_now": centre.vacancies,
        "fee_from": _number(centre.fee_from),
        "fees": {t: _number(getattr(centre, f"fee_{t}")) for t in FEE_COLUMNS},
        "stars": centre.stars,
        "credit_grade": centre.credit_grade,
        "distance_m": None if centre.distance_m is None else round(centre.distance_m),
    }


def _csv_cells(row: dict) -> list:
    cells = []
    for field in FIELDS:
        if field == "fees":
            cells.extend(row["fees"][t] for t in FEE_COLUMNS)
        elif isinstance(row[field], bool):
            cells.append("1" if row[field] else "0")
        else:
            cells.append(row[field])
    return cells


CSV_HEADER = [name for field in FIELDS
              for name in ([f"fee_{t}" for t in FEE_COLUMNS] if field == "fees" else [field])]


@require_GET
def centres(request: HttpRequest) -> HttpResponse:
    """The publicly listed centres, 50 a page: by name, or nearest first from ``lat``/``lng``
    (with ``distance_m``); ``district`` keeps one district's; ``format=csv`` is the same page
    as CSV. Bad parameters answer 400 with ``{"errors": {parameter: [messages]}}``."""
    params = ApiParams(request.GET)
    if not params.is_valid():
        return _bad_request(_errors(params))
    data = params.cleaned_data
    criteria = Criteria(lat=data.get("lat"), lng=data.get("lng"),
                        region_code=data.get("district") or "")
    queryset = _centres(criteria)
    count = queryset.count()
    number = data.get("page") or 1
    pages = max(1, -(-count // API_PAGE_SIZE))
    if number > pages:
        return _bad_request({"page": [_("There is no page %(n)s: the last page is %(last)s.")
                                      % {"n": number, "last": pages}]})
    start = (number - 1) * API_PAGE_SIZE
    rows = list(queryset[start:start + API_PAGE_SIZE])
    summarise(rows)
    results = [_row(c) for c in rows]
    if data.get("format") == "csv":
        response, _count = csv_response(CSV_HEADER, (_csv_cells(r) for r in results),
                                        f"centres-{timezone.localdate():%Y%m%d}-{number}.csv")
        return _open(response)

    def link(n: int) -> str:
        query = request.GET.copy()
        query["page"] = str(n)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    body = {
        "count": count,
        "next": link(number + 1) if number < pages else None,
        "previous": link(number - 1) if number > 1 else None,
        "results": results,
    }
    return _open(JsonResponse(body, json_dumps_params={"ensure_ascii": False}))


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    """How to read the open data: its fields, parameters, examples and terms."""
    context = {
        "api_url": request.build_absolute_uri(reverse("parents:api-centres")),
        "page_size": API_PAGE_SIZE,
        "max_age": MAX_AGE,
        "districts": Region.objects.districts(),
        "fee_types": list(FEE_COLUMNS),
    }
    return render(request, "parents/api_docs.html", context)
