"""Supervision's alert rules, one module per area. Importing this package registers them (see
``supervision.checks.registry.autodiscover``)."""

from . import children, complaints, daily, pricing, rectification, registry, safety  # noqa: F401
