"""Supervision's forms, one module per area: ``children``, ``daily``, ``safety``,
``inspections``, ``rectification``, ``complaints``, ``alerts``."""
