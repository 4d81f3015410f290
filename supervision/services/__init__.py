"""Supervision's services, one module per area: ``children``, ``daily``, ``safety``,
``inspections``, ``rectification``, ``complaints``, ``alerts``. Each action on the records is a
function taking its actor explicitly; the views and the demo data's follow-up call them."""
