"""Factories for the quality framework (evaluation). ``small_framework()`` builds a complete
framework of 100 points that can be activated and scored:

- dimension "1" (60 points): 1.1 (40, veto item), 1.2 (20)
- dimension "2" (40 points): 2.1 (40)
- bands: D [0, 60) 1 star, C [60, 75) 3 stars, B [75, 90) 4 stars, A [90, ∞) 5 stars
- a failed veto item caps the result at 1 star.
"""

from decimal import Decimal

import factory

from evaluation.models import Dimension, Framework, GradeBand, Indicator, Score
from evaluation.services import assessments, ratings
from luhuituo.core.models import RegulatorScope, User

from .core import UserFactory, region


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    code = factory.Sequence(lambda n: f"TEST {n}-2026")
    title = "测试质量评估标准"
    version = 1
    total_points = 100
    veto_cap_stars = 1


class DimensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dimension

    framework = factory.SubFactory(FrameworkFactory)
    order = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda o: str(o.order))
    name = factory.Sequence(lambda n: f"维度{n}")
    points = 50


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    dimension = factory.SubFactory(DimensionFactory)
    order = factory.Sequence(lambda n: n + 1)
    code = factory.LazyAttribute(lambda o: f"{o.dimension.code}.{o.order}")
    text = factory.Sequence(lambda n: f"指标{n}")
    max_score = Decimal("10")


class GradeBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GradeBand

    framework = factory.SubFactory(FrameworkFactory)
    grade = "A"
    min_total = Decimal("0")
    max_total = None
    stars = 5


def small_framework(**fields) -> Framework:
    framework = FrameworkFactory(**fields)
    one = DimensionFactory(framework=framework, order=1, code="1", name="条件", points=60)
    two = DimensionFactory(framework=framework, order=2, code="2", name="照护", points=40)
    IndicatorFactory(dimension=one, order=1, code="1.1", max_score=40, is_veto=True)
    IndicatorFactory(dimension=one, order=2, code="1.2", max_score=20)
    IndicatorFactory(dimension=two, order=1, code="2.1", max_score=40)
    for grade, low, high, stars in [("D", 0, 60, 1), ("C", 60, 75, 3), ("B", 75, 90, 4),
                                    ("A", 90, None, 5)]:
        GradeBandFactory(framework=framework, grade=grade, min_total=low, max_total=high,
                         stars=stars)
    return framework


def ids(framework: Framework, **scores) -> dict[int, object]:
    """``ids(fw, i1_1=40, i2_1=30)`` → {indicator id: score}, by indicator code."""
    by_code = {i.code: i.pk for i in Indicator.objects.filter(dimension__framework=framework)}
    return {by_code[name[1:].replace("_", ".")]: value for name, value in scores.items()}


# --- assessments on the active framework (WS/T 821-2023, the working version) ----------------


def assessor(username="assessor_jy", name="江阳评估员", region_code="510502"):
    """A regulator account with the assessor role in a district (the assessor pool)."""

    user = UserFactory(username=username, name=name, account_type=User.AccountType.REGULATOR)
    RegulatorScope.objects.create(user=user, region=region(region_code),
                                  role=RegulatorScope.Role.ASSESSOR)
    return user


def fill_scores(assessment, *, fraction=Decimal("0.9"), fail=(), overrides=None) -> None:
    """Score every indicator of ``assessment`` at ``fraction`` of its maximum (veto items at
    their maximum, those in ``fail`` one point below it; ``overrides`` {code: score}), in bulk
    (the services' per-indicator save is tested on its own)."""
    scores = list(assessment.scores.select_related("indicator"))
    overrides = overrides or {}
    for score in scores:
        indicator = score.indicator
        if indicator.code in overrides:
            score.score = Decimal(str(overrides[indicator.code]))
        elif indicator.is_veto:
            score.score = indicator.max_score - (1 if indicator.code in fail else 0)
        else:
            score.score = (indicator.max_score * fraction).quantize(Decimal("0.01"))
    Score.objects.bulk_update(scores, ["score"])


def rated_centre(centre, *, regulator, assessor_user, fraction=Decimal("0.9"), fail=()):
    """``centre`` with a published star rating from an on-site assessment scored at
    ``fraction`` (failing the veto items in ``fail``); returns the rating."""
    assessment = assessments.assign(centre=centre, by=regulator, assessor=assessor_user)
    fill_scores(assessment, fraction=fraction, fail=fail)
    assessments.submit(assessment=assessment, by=assessor_user)
    assessments.approve(assessment=assessment, by=regulator)
    return ratings.publish(assessment=assessment, by=regulator)
