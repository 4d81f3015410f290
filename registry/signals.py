"""Signals the registry sends for higher layers to act on, without the registry naming them
(docs/architecture.md#layers, way 2: the lower layer offers a hook).

``pricing_changed(sender=Centre, centre=…)``: what an inclusive centre charges, or whether it
must keep to the inclusive price cap, changed — a fee schedule was published, the centre was
recognised as inclusive or its recognition was revoked. Sent inside the service's transaction;
supervision's rule A29 (the fee above the cap) queues its check from it.
"""

from django.dispatch import Signal

pricing_changed = Signal()
