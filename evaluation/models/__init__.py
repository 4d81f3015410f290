"""The evaluation app's models, one module per subject: ``framework`` (the quality standard as
data, its grade bands and the consolidation of scores). This package re-exports every one of
them: Django finds the app's models through it, and the rest of the code imports from
``evaluation.models``."""

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

__all__ = [
    "Consolidation",
    "CreditAppeal",
    "CreditEvent",
    "CreditEventType",
    "CreditGrade",
    "CreditRecord",
    "Dimension",
    "Framework",
    "FrameworkError",
    "GradeBand",
    "Indicator",
    "grade_for",
]
