"""What the area modules share: the centre scope of records a user may see, and the filing
statuses under which a centre operates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Centre


def _centre_scope(user, field: str = "centre") -> Q | None:
    """Q for objects of the centres ``user`` may see, or None when they may see none."""
    if not user.is_authenticated:
        return None
    return Q(**{f"{field}__in": Centre.objects.visible_to(user)})


class CentreRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = _centre_scope(user)
        return self.filter(scope) if scope is not None and not user.is_parent else self.none()


class Recorded(models.Model):
    """A record a centre's staff enters: who entered it and when (the date the thing happened
    is the model's own field)."""

    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        abstract = True


FILED_STATUSES = ("filed", "under_verification", "verified", "nonconforming", "rectifying")
"""Filing statuses under which a centre may operate (备案办法 Art 8: filed before operating)."""
