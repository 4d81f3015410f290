from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from evaluation.models import Assessment, DowngradeReview
from luhuituo.core.models import Region
from luhuituo.core.permissions import regulator_required
from registry.imports import can_import
from registry.models import Centre, Filing
from supervision.models import Alert, Severity


@regulator_required
def home(request: HttpRequest) -> HttpResponse:
    """Regulator home: who you are, which regions you oversee, what you can do next."""
    user = request.user
    visible = Centre.objects.visible_to(user)
    regions = (
        Region.objects.visible_to(user).districts()
        .annotate(centre_count=Count("centres", filter=Q(centres__in=visible)))
    )
    queue = Filing.objects.visible_to(user).awaiting_bureau().with_due()
    alert_counts = dict(Alert.objects.visible_to(user).open().values_list("severity")
                        .annotate(n=Count("id")).order_by())
    assessments = Assessment.objects.visible_to(user)
    return render(request, "dashboard/home.html", {
        "scopes": user.regulator_scopes,
        "regions": regions,
        "centre_count": visible.count(),
        "waiting": queue.count(),
        "overdue": queue.filter(due_at__lt=timezone.now()).count(),
        "can_import": can_import(user),
        "severity_counts": [(value, label, alert_counts.get(value, 0))
                            for value, label in Severity.choices],
        "open_alerts": sum(alert_counts.values()),
        "to_approve": assessments.filter(status=Assessment.Status.SUBMITTED)
        .exclude(kind=Assessment.Kind.SELF).filter(centre__in=visible).count(),
        "to_score": assessments.filter(assessor=user,
                                       status__in=Assessment.EDITABLE).count(),
        "open_reviews": DowngradeReview.objects.visible_to(user)
        .filter(status=DowngradeReview.Status.OPEN).count(),
    })
