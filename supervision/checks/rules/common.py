"""What the rules share: the operating centres, the centres that record children, today, how
a child and a date appear in an alert message."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from luhuituo.core.dates import day
from luhuituo.core.masking import mask_name
from registry.models import Centre

from ...models import FILED_STATUSES, Alert, Attendance, Child, Severity

S = Severity


def _today(now: datetime) -> date:
    return timezone.localdate(now)


def operating_centres():
    """Centres whose filing allows them to operate (备案办法 Art 8)."""
    return Centre.objects.filter(filing__status__in=FILED_STATUSES)


def supervised_centres(today: date):
    """Centres the rules on children, classes and staff watch: those whose filing allows them
    to operate, and every other centre that records children anyway — an enrolled child, or
    attendance within UNFILED_OPERATION_LOOKBACK_DAYS — whatever its filing state (a draft or
    returned centre caring for children is held to the same rules; A36 names the missing
    filing). One query, set-based."""
    since = today - timedelta(days=settings.UNFILED_OPERATION_LOOKBACK_DAYS)
    return Centre.objects.filter(
        Q(filing__status__in=FILED_STATUSES)
        | Exists(Child.objects.filter(centre=OuterRef("pk"), status=Child.Status.ENROLLED))
        | Exists(Attendance.objects.filter(class_day__class_group__centre=OuterRef("pk"),
                                           class_day__date__gte=since)))


def _open_subject_ids(code: str, model) -> list[int]:
    ct = ContentType.objects.get_for_model(model)
    return list(Alert.objects.open().filter(rule=code, subject_type=ct)
                .values_list("subject_id", flat=True))


def _child(child: Child) -> str:
    """A child in an alert: masked name (alerts reach regulators, who see names of children
    only for a stated purpose, docs/rules/data-protection.md); the centre opens the record from the
    alert."""
    return mask_name(child.name)


def _date(value: date) -> str:
    """The date in the one format of the language the checks run in (luhuituo.core.dates)."""
    return day(value)


def _since_filed_or(centres, days: int, today: date):
    """Centres whose latest record (annotated as ``latest``) — or, with none, their filing —
    is more than ``days`` old."""
    cutoff = today - timedelta(days=days)
    return centres.filter(
        Q(latest__lt=cutoff) | Q(latest__isnull=True, filing__filed_at__date__lt=cutoff)
    ).select_related("filing")
