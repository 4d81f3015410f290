"""The evaluation app's alert rules (supervision.checks.registry, "Rules of any app"): A15
(docs/rules/ban-list.md), A33 and A43 (docs/rules/quality-assessment.md, "Alerts and downgrade
reviews") and A44 (docs/rules/credit-records.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from luhuituo.core.dates import day
from registry.models import Staff
from supervision.checks.registry import Hit, register
from supervision.checks.rules.common import operating_centres
from supervision.models import Severity as S

from .models import (
    Assessment,
    BanListEntry,
    CreditGrade,
    CreditRecord,
    DowngradeReview,
    StarRating,
)

Kind = Assessment.Kind


@register("A15", "red", gettext_lazy("Staff member on the ban list"),
          "托育从业人员职业行为准则; 未成年人保护法 Art 62; WS/T 821 5.1.6", schedule="daily")
def staff_on_ban_list(now: datetime) -> Iterator[Hit]:
    """Every employed staff member of any centre whose ID number matches a ban list entry in
    force: one query joining on the blind index, whatever the number of centres."""
    today = timezone.localdate(now)
    entries = BanListEntry.objects.in_force(today).filter(
        id_number_digest=OuterRef("id_number_digest")).order_by("-valid_from", "-id")
    matches = (Staff.objects.active().exclude(id_number_digest="")
               .annotate(ban_reason=Subquery(entries.values("reason")[:1]))
               .filter(ban_reason__isnull=False).order_by("centre_id", "id"))
    # The centre sees the alert too: it names the match, not the reason (the regulator reads
    # that on the ban list, which centres never see).
    for person in matches:
        yield Hit(person.centre_id, person, _(
            "%(name)s, employed here, matches an entry on the staff ban list: keep the person "
            "away from the children until the regulator has decided.") % {"name": person.name})


@register("A44", S.ORANGE, gettext_lazy("Inclusive centre seriously untrustworthy"),
          "proposal", schedule="daily")
def inclusive_untrustworthy(now: datetime) -> Iterator[Hit]:
    """An inclusive (普惠) centre graded 严重失信: its inclusive status and subsidy eligibility
    are suspended pending the district's review. Nothing is revoked here: the district decides
    with the existing revoke action on the centre's page, where the alert links."""
    records = CreditRecord.objects.filter(
        grade=CreditGrade.SERIOUS, centre__is_inclusive=True).select_related("centre")
    for record in records:
        yield Hit(record.centre_id, record.centre, _(
            "Credit grade “%(grade)s” (%(points)d points): inclusive status and subsidy "
            "eligibility suspended pending review. The district decides whether to revoke the "
            "inclusive status.") % {"grade": record.get_grade_display(),
                                    "points": record.points})


# --- quality assessments and star ratings ---------------------------------------------------


@register("A33", S.YELLOW, gettext_lazy("No recent quality assessment, or a veto item failed"),
          "WS/T 821", schedule="monthly")
def assessment_overdue_or_veto_failed(now: datetime) -> Iterator[Hit]:
    """Operating centres, two causes, two queries whatever the number of centres:

    - yellow, about the centre: no self-assessment submitted and no on-site assessment approved
      (or published) within ``ASSESSMENT_INTERVAL_MONTHS`` — a centre filed more recently is
      not asked yet;
    - orange, about the assessment: the centre's latest approved or published on-site
      assessment or spot check failed veto items. It resolves when a later one passes them.

    WS/T 821 is a recommended standard (推荐性标准): the messages say what is expected, never
    that a law is broken."""
    today = timezone.localdate(now)
    months = settings.ASSESSMENT_INTERVAL_MONTHS
    cutoff = today - relativedelta(months=months)
    centre_assessments = Assessment.objects.filter(centre=OuterRef("pk"))
    recent_self = centre_assessments.filter(
        kind=Kind.SELF, status=Assessment.Status.SUBMITTED, submitted_at__date__gte=cutoff)
    recent_onsite = centre_assessments.filter(
        kind=Kind.ONSITE, status__in=Assessment.DECIDED, decided_at__date__gte=cutoff)
    overdue = (operating_centres().exclude(filing__filed_at__date__gte=cutoff)
               .filter(~Exists(recent_self), ~Exists(recent_onsite)).order_by("pk"))
    for centre in overdue:
        yield Hit(centre.pk, centre, _(
            "No self-assessment submitted and no on-site assessment approved in the last "
            "%(months)d months. WS/T 821 is a recommended standard: assessing against it "
            "regularly is what the health bureau expects, not a legal duty.")
            % {"months": months})
    latest = (Assessment.objects.filter(centre__in=operating_centres(),
                                        kind__in=(Kind.ONSITE, Kind.SPOT_CHECK),
                                        status__in=Assessment.DECIDED)
              .select_related("centre").order_by("centre_id", "-decided_at", "-id")
              .distinct("centre_id"))
    for assessment in latest:
        if assessment.failed_vetoes:
            yield Hit(assessment.centre_id, assessment, _(
                "The latest %(kind)s (approved on %(date)s) failed veto items of the quality "
                "standard: %(codes)s. Under WS/T 821 (a recommended standard) the centre cannot "
                "reach a passing grade until they are put right and assessed again.") % {
                "kind": assessment.get_kind_display(),
                "date": day(timezone.localdate(assessment.decided_at)),
                "codes": "、".join(assessment.failed_vetoes)}, severity=S.ORANGE)


@register("A43", S.YELLOW, gettext_lazy("Star rating lapsed or due for review"), "proposal",
          schedule="daily")
def rating_lapsed_or_under_review(now: datetime) -> Iterator[Hit]:
    """The centre's rating in force (current or downgraded), two causes, one alert per centre
    each, two queries whatever the number of centres:

    - about the rating: past its "valid until" date with no new rating published (publishing
      one supersedes it, and the alert resolves);
    - about the centre: downgrade reviews of the rating still open (the alert resolves when the
      last is decided)."""
    today = timezone.localdate(now)
    in_force = StarRating.objects.filter(status__in=StarRating.IN_FORCE)
    for rating in in_force.filter(valid_until__lt=today).select_related("centre").order_by("pk"):
        yield Hit(rating.centre_id, rating, _(
            "The %(stars)d-star rating expired on %(date)s and no new rating has been published: "
            "the centre is due for an on-site re-assessment.") % {
            "stars": rating.stars, "date": day(rating.valid_until)})
    reviews = (DowngradeReview.objects.filter(status=DowngradeReview.Status.OPEN,
                                              rating__in=in_force)
               .select_related("rating__centre").order_by("rating__centre_id", "opened_at", "pk"))
    by_centre: dict[int, list[DowngradeReview]] = {}
    for review in reviews:
        by_centre.setdefault(review.rating.centre_id, []).append(review)
    for open_reviews in by_centre.values():
        first = open_reviews[0]
        yield Hit(first.rating.centre_id, first.rating.centre, ngettext(
            "A downgrade review of the %(stars)d-star rating is open since %(date)s "
            "(%(triggers)s): the district decides whether to keep or lower it.",
            "%(count)d downgrade reviews of the %(stars)d-star rating are open, the first since "
            "%(date)s (%(triggers)s): the district decides whether to keep or lower it.",
            len(open_reviews)) % {
            "count": len(open_reviews), "stars": first.rating.stars,
            "date": day(timezone.localdate(first.opened_at)),
            "triggers": "、".join(dict.fromkeys(str(r.get_trigger_display())
                                               for r in open_reviews))})
