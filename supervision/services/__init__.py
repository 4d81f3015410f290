"""Supervision's services, one module per area: ``children``, ``daily``, ``safety``,
``inspections``, ``rectification``, ``complaints``, ``alerts``. Every write goes through them
(views, forms and the demo data call them; nothing else changes the records)."""
