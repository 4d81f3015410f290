"""A centre's public disclosure, as the parent portal shows it on a centre's profile and side by
side on the compare page: read for up to a few centres at once, in a fixed number of queries
whatever the number of classes, fees, reviews or inspections.

Only what is public: the filing's number and status, the centre's registered facts, its classes
and places, its published fees, its star rating in force, its credit grade, counts of its
rectification orders, its published random-inspection results, its published reviews' averages,
its photos. Nothing of a child or a member of staff."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from evaluation.models import CreditRecord, Dimension, StarRating, family_satisfaction
from registry.models import Centre, CentrePhoto, ClassType, FeeSchedule
from supervision.models import RectificationOrder
from supervision.services.draws import published_results

from .search import classes_with_places

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)
RECENT_INSPECTIONS = 5


def public_centres():
    """The centres on the public list (their filing verified), with what every page reads."""
    return Centre.objects.listed_publicly().select_related("region__parent", "filing")


def haversine_m(lat1, lng1, lat2, lng2) -> float:
    """The great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlmb = math.radians(float(lng2) - float(lng1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class ClassRow:
    """One class: its name, type (with the ages it takes), places and places free today."""

    name: str
    class_type: str
    label: str
    min_months: int
    max_months: int
    places: int
    taken: int

    @property
    def vacancies(self) -> int:
        return max(0, self.places - self.taken)


@dataclass(frozen=True)
class AgeGroup:
    """The places of one class type (age group) across a centre's classes."""

    class_type: str
    label: str
    min_months: int
    max_months: int
    places: int
    vacancies: int


@dataclass(frozen=True)
class DimensionScore:
    code: str
    name: str
    points: int
    score: Decimal | None

    @property
    def score_text(self) -> str:
        return f"{self.score.normalize():f}" if self.score is not None else "–"


@dataclass
class CentreFacts:
    """What the public may know of one centre (see the module's docstring)."""

    centre: Centre
    classes: list[ClassRow] = field(default_factory=list)
    fees: FeeSchedule | None = None
    rating: StarRating | None = None
    dimensions: list[DimensionScore] = field(default_factory=list)
    credit: CreditRecord | None = None
    open_orders: int = 0
    overdue_orders: int = 0
    reviews: dict | None = None
    distance_m: float | None = None

    @property
    def age_groups(self) -> list[AgeGroup]:
        groups: dict[str, list[ClassRow]] = defaultdict(list)
        for row in self.classes:
            groups[row.class_type].append(row)
        order = list(ClassType.values)
        return [AgeGroup(class_type=t, label=rows[0].label, min_months=rows[0].min_months,
                         max_months=rows[0].max_months,
                         places=sum(r.places for r in rows),
                         vacancies=sum(r.vacancies for r in rows))
                for t, rows in sorted(groups.items(), key=lambda item: order.index(item[0]))]

    @property
    def places(self) -> int:
        return sum(r.places for r in self.classes)

    @property
    def vacancies(self) -> int:
        return sum(r.vacancies for r in self.classes)

    @property
    def min_months(self) -> int | None:
        return min((r.min_months for r in self.classes), default=None)

    @property
    def max_months(self) -> int | None:
        return max((r.max_months for r in self.classes), default=None)

    @property
    def fee_rows(self) -> list[tuple[str, Decimal]]:
        """(class type label, yuan/month) of each class type the fee schedule prices."""
        if self.fees is None:
            return []
        return [(ClassType(t).label, self.fees.fee_for(t)) for t in ClassType.values
                if self.fees.fee_for(t) is not None]

    @property
    def lowest_fee(self) -> Decimal | None:
        return min((fee for _label, fee in self.fee_rows), default=None)

    @property
    def highest_fee(self) -> Decimal | None:
        return max((fee for _label, fee in self.fee_rows), default=None)

    @property
    def review_averages_shown(self) -> bool:
        """Averages are public from ``REVIEW_MIN_COUNT`` published reviews (as on the reviews
        page)."""
        return bool(self.reviews) and self.reviews["count"] >= settings.REVIEW_MIN_COUNT


def _classes(ids: list[int], today: date) -> dict[int, list[ClassRow]]:
    """Each centre's classes with their places and the children placed today (the search's
    count, ``search.classes_with_places``)."""
    groups = (classes_with_places(today).filter(centre_id__in=ids)
              .only("id", "centre_id", "name", "class_type", "capacity")
              .order_by("centre_id", "class_type", "name"))
    result: dict[int, list[ClassRow]] = defaultdict(list)
    for group in groups:
        rules = settings.CLASS_TYPES[group.class_type]
        result[group.centre_id].append(ClassRow(
            name=group.name, class_type=group.class_type,
            label=str(group.get_class_type_display()), min_months=rules["min_months"],
            max_months=rules["max_months"], places=group.places, taken=group.placed))
    return result


def _fees(ids: list[int], today: date) -> dict[int, FeeSchedule]:
    """The schedule in effect today of each centre: the latest that has begun."""
    result: dict[int, FeeSchedule] = {}
    for schedule in (FeeSchedule.objects.filter(centre_id__in=ids, effective_from__lte=today)
                     .order_by("centre_id", "-effective_from", "-id")):
        result.setdefault(schedule.centre_id, schedule)
    return result


def _ratings(ids: list[int], today: date) -> tuple[dict[int, StarRating], dict]:
    ratings = {r.centre_id: r for r in StarRating.objects.public().current(today)
               .filter(centre_id__in=ids).select_related("assessment")}
    frameworks = {r.assessment.framework_id for r in ratings.values()}
    dimensions: dict[int, list[Dimension]] = defaultdict(list)
    if frameworks:
        for dimension in Dimension.objects.filter(framework_id__in=frameworks).order_by(
                "framework_id", "order", "code"):
            dimensions[dimension.framework_id].append(dimension)
    return ratings, dimensions


def _orders(ids: list[int], today: date) -> dict[int, dict]:
    S = RectificationOrder.Status
    overdue = Q(status__in=[S.ISSUED, S.ACKNOWLEDGED], deadline__lt=today)
    rows = (RectificationOrder.objects.filter(centre_id__in=ids).order_by()
            .values("centre_id")
            .annotate(open=Count("id", filter=~Q(status=S.CLOSED)),
                      overdue=Count("id", filter=overdue)))
    return {row["centre_id"]: row for row in rows}


def centre_facts(centres, *, point: tuple[float, float] | None = None,
                 today: date | None = None) -> list[CentreFacts]:
    """The public facts of ``centres`` (read with ``public_centres()``), in their order; the
    straight-line distance from ``point`` (lat, lng) when given and the centre is placed on the
    map. Seven queries, whatever the number of centres, classes, fees or reviews."""
    today = today or timezone.localdate()
    centres = list(centres)
    ids = [c.pk for c in centres]
    classes = _classes(ids, today)
    fees = _fees(ids, today)
    ratings, dimensions = _ratings(ids, today)
    credit = {r.centre_id: r for r in CreditRecord.objects.filter(centre_id__in=ids)}
    orders = _orders(ids, today)
    reviews = family_satisfaction(ids)
    result = []
    for centre in centres:
        rating = ratings.get(centre.pk)
        scores = []
        if rating is not None:
            totals = rating.assessment.dimension_totals or {}
            scores = [DimensionScore(code=d.code, name=d.name, points=d.points,
                                     score=Decimal(totals[d.code]) if d.code in totals else None)
                      for d in dimensions[rating.assessment.framework_id]]
        distance = None
        if point is not None and centre.latitude is not None and centre.longitude is not None:
            distance = haversine_m(point[0], point[1], centre.latitude, centre.longitude)
        counts = orders.get(centre.pk, {})
        result.append(CentreFacts(
            centre=centre, classes=classes.get(centre.pk, []), fees=fees.get(centre.pk),
            rating=rating, dimensions=scores, credit=credit.get(centre.pk),
            open_orders=counts.get("open", 0), overdue_orders=counts.get("overdue", 0),
            reviews=reviews.get(centre.pk), distance_m=distance))
    return result


def recent_inspections(centre: Centre, limit: int = RECENT_INSPECTIONS):
    """The centre's latest published random-inspection results (findings by severity, orders):
    only what the public results page shows."""
    return list(published_results().filter(centre=centre)[:limit])


def public_photos(centre: Centre):
    return list(CentrePhoto.objects.public().filter(centre=centre))
