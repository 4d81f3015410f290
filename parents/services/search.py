"""The parents' search of centres: publicly listed centres (filing verified, 核实通过) near a
point, by name, district and what a family needs — the child's age, inclusive (普惠) places,
a fee ceiling, stars, places free now, the care form and the kind of centre.

Near a point the centres come nearest first:
``ORDER BY luhuituo_ll_to_earth(lat, lng) <-> point``, a KNN scan of the GiST index
``registry_centre_earth_gist`` (registry migration 0013), never a scan of every centre; the
distance shown is ``earth_distance`` in metres (great circle on earthdistance's sphere).
Centres without a map location have no distance and are left out of a search near a point. The
distance is the only sort key: a second one (the id, to order centres at the very same spot)
would stop PostgreSQL from reading the index in order.

Everything is read-only; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Func
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone

from evaluation.models import StarRating
from luhuituo.core.models import Region
from registry.models import Centre, ClassGroup, FeeSchedule
from supervision.models import Enrolment

PAGE_SIZE = 20
NEARBY_INDEX = "registry_centre_earth_gist"

# Where a typed district name puts the search point: the rough middle of each district's or
# county's built-up area (WGS-84, approximate: the same figures as the demo data's district
# boxes). A district missing here falls back to the middle of its listed centres.
DISTRICT_POINTS = {
    "510502": (28.86, 105.45),  # 江阳区
    "510503": (28.77, 105.37),  # 纳溪区
    "510504": (28.93, 105.42),  # 龙马潭区
    "510521": (29.15, 105.38),  # 泸县
    "510522": (28.81, 105.83),  # 合江县
    "510524": (28.16, 105.44),  # 叙永县
    "510525": (28.04, 105.81),  # 古蔺县
}

FEE_COLUMNS = {  # class type → its column of FeeSchedule
    "infant": "infant_fee", "toddler_small": "toddler_small_fee",
    "toddler_large": "toddler_large_fee", "mixed": "mixed_fee",
}


class LlToEarth(Func):
    """``luhuituo_ll_to_earth(lat, lng)``: earthdistance's ``ll_to_earth``, the point as a cube
    (type ``earth``), through the wrapper of registry migration 0013 (it survives a restore of a
    dump, which earthdistance's own function in an index does not)."""

    function = "luhuituo_ll_to_earth"
    output_field = FloatField()  # a cube; never read, only compared and measured


class EarthDistance(Func):
    """``earth_distance(a, b)``: metres along the great circle."""

    function = "earth_distance"
    output_field = FloatField()


class KnnDistance(Func):
    """``a <-> b`` — cube's Euclidean distance, the order a GiST index returns rows in (straight
    through the earth: the same order as the great-circle distance)."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


def centre_point():
    """The centre's location, written exactly as the GiST index's expression."""
    return LlToEarth(Cast("latitude", FloatField()), Cast("longitude", FloatField()))


def earth_point(lat: float, lng: float):
    return LlToEarth(Cast(Value(float(lat)), FloatField()), Cast(Value(float(lng)), FloatField()))


@dataclass(frozen=True)
class Criteria:
    """What a search asks for; empty values do not filter."""

    lat: float | None = None
    lng: float | None = None
    region_code: str = ""
    name: str = ""
    age_months: int | None = None
    inclusive_only: bool = False
    max_fee: Decimal | None = None
    min_stars: int | None = None
    vacancies_now: bool = False
    care_form: str = ""
    kind: str = ""

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lng is not None


def class_types_for_age(months: int) -> list[str]:
    """The class types that take a child of ``months`` months (设置标准 Art 19; the bands of
    settings.CLASS_TYPES are [min, max), as supervision's placement rule reads them)."""
    if months >= 36:
        return []
    if months < 6:
        return ["infant"] if settings.ALLOW_UNDER_SIX_MONTHS else []
    return [t for t, rules in settings.CLASS_TYPES.items()
            if rules["min_months"] <= months < rules["max_months"]]


def _places():
    """A class's places: its capacity, never more than its type's maximum size (as
    supervision.services.children.class_places)."""
    return Least(F("capacity"), Case(
        *(When(class_type=t, then=Value(rules["max_size"]))
          for t, rules in settings.CLASS_TYPES.items()),
        default=F("capacity"), output_field=IntegerField()))


def classes_with_places(today: date) -> QuerySet[ClassGroup]:
    """Classes annotated with ``places`` and ``placed`` (children placed today: started, not
    ended; a future placement holds no place before it starts)."""
    placed = (Enrolment.objects.filter(class_group=OuterRef("pk"), started_on__lte=today)
              .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=today))
              .order_by().values("class_group").annotate(n=Count("id")).values("n"))
    return ClassGroup.objects.annotate(
        placed=Coalesce(Subquery(placed, output_field=IntegerField()), 0), places=_places())


def current_fee_schedules(today: date) -> QuerySet[FeeSchedule]:
    """Fee schedules from today or before, newest first: a centre's first one is in force."""
    return FeeSchedule.objects.filter(effective_from__lte=today).order_by(
        "-effective_from", "-id")


def _fee_from(today: date, class_types: list[str]):
    """The lowest monthly class fee of the centre's current fee schedule, over
    ``class_types`` (meals not included); None without a schedule or fee."""
    columns = [FEE_COLUMNS[t] for t in class_types]
    low = F(columns[0]) if len(columns) == 1 else Least(*columns)
    schedule = (current_fee_schedules(today).filter(centre=OuterRef("pk"))
                .annotate(low=low).values("low")[:1])
    return Subquery(schedule)


def search_centres(criteria: Criteria, *, today: date | None = None) -> QuerySet[Centre]:
    """Publicly listed centres matching ``criteria``: nearest first when a point is given
    (annotated ``distance_m``), else by name. Each is annotated ``stars`` (the rating in force,
    or None) and ``fee_from`` (yuan a month), with its classes prefetched as
    ``search_classes`` (``places`` and ``placed`` on each) for ``summarise``."""
    today = today or timezone.localdate()
    c = criteria
    age_types = class_types_for_age(c.age_months) if c.age_months is not None else None
    fee_types = age_types if age_types else list(FEE_COLUMNS)
    stars = StarRating.objects.current(today).filter(centre=OuterRef("pk")).values("stars")[:1]
    centres = (Centre.objects.listed_publicly()
               .annotate(stars=Subquery(stars), fee_from=_fee_from(today, fee_types))
               .select_related("region")
               .prefetch_related(Prefetch(
                   "classes", queryset=classes_with_places(today).order_by("class_type", "name"),
                   to_attr="search_classes")))
    if c.region_code:
        centres = centres.filter(region__code=c.region_code)
    if c.name:
        centres = centres.filter(name__icontains=c.name)
    if c.kind:
        centres = centres.filter(kind=c.kind)
    if c.care_form:
        centres = centres.filter(service_forms__contains=[c.care_form])
    if c.inclusive_only:
        centres = centres.filter(is_inclusive=True)
    if c.min_stars:
        centres = centres.filter(stars__gte=c.min_stars)
    if c.max_fee is not None:
        centres = centres.filter(fee_from__lte=c.max_fee)
    classes = ClassGroup.objects.filter(centre=OuterRef("pk"))
    if age_types is not None:
        classes = classes.filter(class_type__in=age_types)
        centres = centres.filter(Exists(classes))
    if c.vacancies_now:
        open_classes = (classes_with_places(today).filter(centre=OuterRef("pk"))
                        .filter(places__gt=F("placed")))
        if age_types is not None:
            open_classes = open_classes.filter(class_type__in=age_types)
        centres = centres.filter(Exists(open_classes))
    if c.has_point:
        here = earth_point(c.lat, c.lng)
        return (centres.filter(latitude__isnull=False, longitude__isnull=False)
                .annotate(distance_m=EarthDistance(centre_point(), here))
                .order_by(KnnDistance(centre_point(), here).asc()))
    return centres.order_by("name", "id")


def summarise(centres) -> None:
    """Set on each centre (from its prefetched ``search_classes``): ``age_min``/``age_max``
    (months taken, over its classes' types), ``vacancies`` (places free today) and
    ``distance_m``/``distance_km`` (None without a point), ``star_glyphs`` (★★★)."""
    for centre in centres:
        classes = getattr(centre, "search_classes", [])
        bands = [settings.CLASS_TYPES[k.class_type] for k in classes]
        centre.age_min = min((b["min_months"] for b in bands), default=None)
        centre.age_max = max((b["max_months"] for b in bands), default=None)
        centre.vacancies = sum(max(0, k.places - k.placed) for k in classes)
        centre.distance_m = getattr(centre, "distance_m", None)
        centre.distance_km = centre.distance_m / 1000 if centre.distance_m is not None else None
        centre.star_glyphs = "★" * (centre.stars or 0)


def place_point(text: str) -> tuple[float, float] | None:
    """Where a typed place is: a district or county by name (江阳区, or 江阳), else the middle of
    the listed centres whose address names it (a street, town or road the platform knows from
    its centres' addresses), else a district whose name the text contains; None if unknown."""
    text = text.strip()
    if not text:
        return None
    districts = list(Region.objects.districts())

    def short(name: str) -> str:
        return name[:-1] if len(name) > 2 and name[-1] in "区县市" else name

    for region in districts:
        if text in (region.name, short(region.name)):
            return _district_point(region)
    located = Centre.objects.listed_publicly().filter(
        address__icontains=text, latitude__isnull=False, longitude__isnull=False,
    ).aggregate(lat=Avg("latitude"), lng=Avg("longitude"))
    if located["lat"] is not None:
        return float(located["lat"]), float(located["lng"])
    for region in districts:
        if short(region.name) in text:
            return _district_point(region)
    return None


def _district_point(region: Region) -> tuple[float, float] | None:
    if region.code in DISTRICT_POINTS:
        return DISTRICT_POINTS[region.code]
    located = Centre.objects.listed_publicly().filter(
        region=region, latitude__isnull=False, longitude__isnull=False,
    ).aggregate(lat=Avg("latitude"), lng=Avg("longitude"))
    if located["lat"] is None:
        return None
    return float(located["lat"]), float(located["lng"])
