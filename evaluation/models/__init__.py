"""The evaluation app's models, one module per subject: ``framework`` (the quality standard as
data, its grade bands and the consolidation of scores), ``assessments`` (self, on-site and
spot-check assessments and their scores), ``ratings`` (star ratings and downgrade reviews),
``credit`` (credit events, appeals and each centre's grade), ``reviews`` (guardians' verified
reviews) and ``banlist`` (the staff ban list). This package re-exports every one of them:
Django finds the app's models through it, and the rest of the code imports from
``evaluation.models``."""

from .assessments import Assessment, Score
from .banlist import BanListEntry
from .credit import (
    CreditAppeal,
    CreditEvent,
    CreditEventType,
    CreditGrade,
    CreditRecord,
    grade_for,
)
from .framework import (
    Consolidation,
    Dimension,
    Framework,
    FrameworkError,
    GradeBand,
    Indicator,
)
from .ratings import DowngradeReview, StarRating
from .reviews import Aspect, Review, family_satisfaction

__all__ = [
    "Aspect",
    "Assessment",
    "BanListEntry",
    "Consolidation",
    "CreditAppeal",
    "CreditEvent",
    "CreditEventType",
    "CreditGrade",
    "CreditRecord",
    "Dimension",
    "DowngradeReview",
    "Framework",
    "FrameworkError",
    "GradeBand",
    "Indicator",
    "Review",
    "Score",
    "StarRating",
    "family_satisfaction",
    "grade_for",
]
