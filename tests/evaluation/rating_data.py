"""Star ratings built the way the pages build them, through the services: the district assigns
an on-site assessment (or a spot check) to an assessor, the assessor scores every indicator of
the active framework (the working version of WS/T 821, migration 0008) and submits, the district
approves and publishes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from evaluation.models import Assessment, StarRating
from evaluation.services import assessments, ratings
from registry.models import Filing
from supervision.models import Incident
from tests.factories.evaluation import assessor, fill_scores


def assessor_for(region_code: str = "510502", username: str = "assessor_jy"):
    return assessor(username=username, name="评估员", region_code=region_code)


def file_centre(centre, *, days_ago: int = 800) -> None:
    Filing.objects.filter(centre=centre).update(
        status=Filing.Status.FILED, filed_at=timezone.now() - timedelta(days=days_ago))


def scored(assessment: Assessment, by, *, fail_veto: bool = False) -> Assessment:
    """Every indicator at full marks; with ``fail_veto``, the first veto item (4.1.4) at 0."""
    fill_scores(assessment, fraction=Decimal(1), overrides={"4.1.4": 0} if fail_veto else None)
    return assessments.submit(assessment=assessment, by=by)


def approved(centre, *, regulator, assessor, kind=Assessment.Kind.ONSITE,
             fail_veto: bool = False) -> Assessment:
    assessment = assessments.assign(centre=centre, by=regulator, kind=kind, assessor=assessor)
    scored(assessment, assessor, fail_veto=fail_veto)
    return assessments.approve(assessment=assessment, by=regulator)


def rated(centre, *, regulator, assessor) -> StarRating:
    """A published rating of the centre, from a full-marks on-site assessment."""
    assessment = approved(centre, regulator=regulator, assessor=assessor)
    return ratings.publish(assessment=assessment, by=regulator)


def serious_incident(centre, *, days_ago: int = 1) -> Incident:
    return Incident.objects.create(
        centre=centre, occurred_at=timezone.now() - timedelta(days=days_ago),
        kind=Incident.Kind.INJURY, severity=Incident.Severity.SERIOUS, description="摔伤骨折")
