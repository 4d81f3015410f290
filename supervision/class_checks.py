"""Supervision's check of a class change (plugged into ``registry.class_checks``): a class's
type and size cannot be changed under its children (docs/rules/setup-standard.md#class-types).

Refused, with the children concerned named (the centre's own manager edits the class):

- fewer places than children placed on any day from today (a placement that starts later
  counts from its start);
- a class type whose ages exclude children in it (the A3 band, with its tolerance, today — or
  on the start date of a placement that starts later);
- a class type with a stricter ratio that the carers on duty on the class's latest recorded
  day do not meet for the children present that day.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.class_checks import Problem, register
from registry.models import ClassGroup

from .models import Attendance, Child, ClassDay, age_in_months, age_outside_class
from .services.children import class_places, peak_children, placements_from


def _names(children) -> str:
    return "、".join(child.name for child in children)


@register
def placements_fit(before: ClassGroup, after: ClassGroup):
    today = timezone.localdate()
    placements = list(placements_from(before, today)
                      .filter(child__status=Child.Status.ENROLLED)
                      .order_by("child__name", "child_id"))
    places, placed = class_places(after), peak_children(placements, today)
    if placed > places:
        yield Problem("capacity", _(
            "%(n)d children are placed in this class (%(names)s): it cannot have fewer places "
            "than that (%(places)d with this class type and size). Move children to another "
            "class first.") % {"n": placed, "names": _names(p.child for p in placements),
                               "places": places})
    if after.class_type == before.class_type:
        return
    outside = [p.child for p in placements if age_outside_class(
        age_in_months(p.child.birth_date, max(today, p.started_on)), after)]
    if outside:
        rules = after.rules
        yield Problem("class_type", _(
            "%(type)s is for %(min)d to %(max)d months; these children in the class do not fit "
            "it: %(names)s. Move them to another class first.") % {
            "type": after.get_class_type_display(), "min": rules["min_months"],
            "max": rules["max_months"], "names": _names(outside)})
    day = _latest_day(before, today)
    if day is not None:
        needed = after.carers_needed(day.present)
        if day.carers < needed and needed > before.carers_needed(day.present):
            yield Problem("class_type", _(
                "On %(date)s, %(present)d children were present with %(carers)d carers on "
                "duty; %(type)s needs %(needed)d carers for them (1:%(ratio)d).") % {
                "date": f"{day.date.year}年{day.date.month}月{day.date.day}日",
                "present": day.present, "carers": day.carers,
                "type": after.get_class_type_display(), "needed": needed,
                "ratio": after.ratio})


def _latest_day(class_group: ClassGroup, today):
    """The class's latest recorded day up to today, with the children present and the carers
    counted on duty."""
    return (ClassDay.objects.filter(class_group=class_group, date__lte=today)
            .annotate(
                present=Count("attendance", distinct=True, filter=Q(attendance__status__in=[
                    Attendance.Status.PRESENT, Attendance.Status.LEFT_EARLY])),
                carers=Count("duty", distinct=True, filter=Q(
                    duty__counts=True, duty__staff__role__in=settings.RATIO_CARER_ROLES)))
            .order_by("-date").first())
