"""Supervision's alert rules, one module per area. Importing this package registers them (see
``supervision.checks.registry.autodiscover``)."""

from . import (  # noqa: F401
    children,
    complaints,
    daily,
    pricing,
    rectification,
    registry,
    reports,
    safety,
)
