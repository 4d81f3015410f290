"""What the platform can check by itself about a centre's records — staff certificates and
checks, places against classes and carers, areas per child, fees, the lease, the fire-safety
certificate (docs/rules/setup-standard.md, docs/rules/filing.md).

Two users: the district reviewer's pre-flight check of a filing (``preflight``, beside the
materials on the review page; accepting with open findings needs an explicit reason), and
supervision's scheduled alert rules, which ask the same questions of every operating centre
through the shared pieces here (``health_cert_invalid``, ``criminal_check_due``,
``criminal_check_problem``, ``latest_fire_certificates``, ``fire_certificate_expiry``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import (
    Centre,
    ClassGroup,
    ClassType,
    FeeSchedule,
    Filing,
    FilingMaterial,
    MaterialKind,
    Staff,
    class_rules,
)

# --- shared with supervision's alert rules ---------------------------------------------------


def health_cert_invalid(today: date) -> Q:
    """Staff whose health certificate is missing or expired on ``today`` (76号令 Art 14)."""
    return Q(health_cert_valid_until__isnull=True) | Q(health_cert_valid_until__lt=today)


def _oldest_criminal_check(today: date) -> date:
    return today - relativedelta(months=settings.CRIMINAL_CHECK_MAX_MONTHS)


def criminal_check_due(today: date) -> Q:
    """Staff with no criminal-record check, one older than ``CRIMINAL_CHECK_MAX_MONTHS``, or
    one that found a record (WS/T 821 5.1.6)."""
    return (Q(criminal_check_date__isnull=True)
            | Q(criminal_check_date__lt=_oldest_criminal_check(today))
            | Q(criminal_check_result=Staff.CriminalCheck.RECORD))


def criminal_check_problem(person: Staff, today: date) -> str | None:
    """"record", "missing" or "stale" — what is wrong with the person's check — or None."""
    if person.criminal_check_result == Staff.CriminalCheck.RECORD:
        return "record"
    if person.criminal_check_date is None:
        return "missing"
    if person.criminal_check_date < _oldest_criminal_check(today):
        return "stale"
    return None


def latest_fire_certificates(centre_ids: Iterable[int] | None = None
                             ) -> dict[int, FilingMaterial]:
    """The latest fire-safety certificate not returned, per centre (all centres: None)."""
    materials = (FilingMaterial.objects.filter(kind=MaterialKind.FIRE_SAFETY)
                 .exclude(verdict=FilingMaterial.Verdict.RETURNED)
                 .select_related("filing").order_by("uploaded_at", "id"))
    if centre_ids is not None:
        materials = materials.filter(filing__centre_id__in=list(centre_ids))
    return {material.filing.centre_id: material for material in materials}


def fire_certificate_expiry(material: FilingMaterial) -> date:
    """The certificate's end: as written on it, else ``FIRE_CERT_VALID_MONTHS`` after upload."""
    return material.valid_until or timezone.localdate(material.uploaded_at) + relativedelta(
        months=settings.FIRE_CERT_VALID_MONTHS)


# --- the reviewer's pre-flight check -----------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing the platform found: ``what`` is wrong, ``why`` it matters (the rule),
    ``fix_url``/``fix_label`` the centre's page where it is fixed, ``record_url`` the bureau's
    view of the same record."""

    code: str
    what: str
    why: str
    fix_url: str
    fix_label: str
    record_url: str

    def as_audit(self) -> dict:
        return {"code": self.code, "what": self.what}


def _date(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


class _Preflight:
    def __init__(self, centre: Centre, staff: list[Staff], classes: list[ClassGroup],
                 fees: FeeSchedule | None, fire: FilingMaterial | None, today: date):
        self.centre, self.staff, self.classes = centre, staff, classes
        self.fees, self.fire, self.today = fees, fire, today
        self.findings: list[Finding] = []
        record = reverse("registry:centre-detail", args=[centre.pk])
        self.record = {"profile": f"{record}#profile-h", "staff": f"{record}#staff-h",
                       "classes": f"{record}#classes-h", "fees": f"{record}#fees-h",
                       "certificates": f"{record}#certificates"}

    def add(self, code, what, why, *, fix: str, fix_args=(), fix_label, record: str):
        self.findings.append(Finding(
            code=code, what=what, why=why,
            fix_url=reverse(f"registry:{fix}", args=[self.centre.pk, *fix_args]),
            fix_label=fix_label, record_url=self.record[record]))

    def run(self) -> list[Finding]:
        for check in (self.health_certs, self.criminal_checks, self.places, self.carers,
                      self.areas, self.fee_schedule, self.lease, self.fire_certificate):
            check()
        return self.findings

    def health_certs(self):
        for person in self.staff:
            if person.health_cert_valid_on(self.today):
                continue
            what = (_("%(name)s: the health certificate expired on %(date)s.") % {
                "name": person.name, "date": _date(person.health_cert_valid_until)}
                if person.health_cert_valid_until else
                _("%(name)s: no health certificate recorded.") % {"name": person.name})
            self.add("health_cert", what, _(
                "Staff start work only with a valid staff health certificate, renewed every "
                "year (76号令 Art 14; 管理规范 Art 28)."),
                fix="staff-edit", fix_args=[person.pk],
                fix_label=_("Staff › %(name)s") % {"name": person.name}, record="staff")

    def criminal_checks(self):
        texts = {
            "record": _("%(name)s: the criminal-record check found a record."),
            "missing": _("%(name)s: no criminal-record check recorded."),
            "stale": _("%(name)s: the last criminal-record check was on %(date)s, more than "
                       "%(months)d months ago."),
        }
        for person in self.staff:
            problem = criminal_check_problem(person, self.today)
            if problem is None:
                continue
            self.add("criminal_check", texts[problem] % {
                "name": person.name, "months": settings.CRIMINAL_CHECK_MAX_MONTHS,
                "date": _date(person.criminal_check_date) if person.criminal_check_date else ""},
                _("Every member of staff has a certificate of no criminal record, checked again "
                  "every year (WS/T 821 5.1.6; 未成年人保护法 Art 62)."),
                fix="staff-edit", fix_args=[person.pk],
                fix_label=_("Staff › %(name)s") % {"name": person.name}, record="staff")

    @property
    def class_places(self) -> int:
        return sum(c.capacity for c in self.classes)

    def places(self):
        approved = self.centre.approved_places or 0
        in_classes = self.class_places
        why = _("The approved places are the children the centre takes; each child has a "
                "place in a class, and each class is at most its type's size (设置标准 Art 17, "
                "19, 20).")
        if in_classes > approved:
            what = _("The classes have %(classes)d places, more than the %(approved)d approved "
                     "places.") % {"classes": in_classes, "approved": approved}
        elif in_classes < approved:
            what = _("%(approved)d places are approved but the classes have only %(classes)d.") % {
                "classes": in_classes, "approved": approved}
        else:
            what = ""
        oversized = [c for c in self.classes if c.capacity > class_rules(c.class_type)["max_size"]]
        if oversized:
            what = " ".join(filter(None, [what, *(
                _("%(class)s has %(n)d places; a class of its type has at most %(max)d.") % {
                    "class": c.name, "n": c.capacity,
                    "max": class_rules(c.class_type)["max_size"]} for c in oversized)]))
        if what:
            self.add("places", what, why, fix="class-list", fix_label=_("Classes"),
                     record="classes")

    def carers(self):
        needed = sum(math.ceil(c.capacity / class_rules(c.class_type)["ratio"])
                     for c in self.classes if c.capacity > 0)
        carers = sum(1 for person in self.staff if person.role == Staff.Role.CARER)
        if carers < needed:
            ratios = "、".join(
                f"{ClassType(t).label} 1:{class_rules(t)['ratio']}"
                for t in sorted({c.class_type for c in self.classes}))
            self.add("carers", _(
                "%(carers)d carers employed; the classes need at least %(needed)d when full.") % {
                "carers": carers, "needed": needed},
                _("Each class has at least one carer per so many children, by class type "
                  "(设置标准 Art 19, 20): %(ratios)s.") % {"ratios": ratios},
                fix="staff-list", fix_label=_("Staff"), record="staff")

    def areas(self):
        children = max(self.centre.approved_places or 0, self.class_places)
        if not children:
            return
        for code, field, minimum, why, missing, small in (
            ("indoor_area", "indoor_area_m2", settings.MIN_INDOOR_M2_PER_CHILD,
             _("The indoor area per child the local setup rules require (setting "
               "MIN_INDOOR_M2_PER_CHILD: %(min)s m²)."),
             _("No indoor area given."),
             _("Indoor area %(m2)s m² for %(children)d children: %(each)s m² per child.")),
            ("outdoor_area", "outdoor_area_m2", settings.MIN_OUTDOOR_M2_PER_CHILD,
             _("An outdoor play area of at least %(min)s m² per child (设置标准; JGJ 39)."),
             _("No outdoor area given."),
             _("Outdoor area %(m2)s m² for %(children)d children: %(each)s m² per child.")),
        ):
            if not minimum:
                continue
            area = getattr(self.centre, field)
            if area is None:
                what = missing
            elif area / children < Decimal(str(minimum)):
                what = small % {"m2": area, "children": children,
                                "each": f"{area / children:.1f}"}
            else:
                continue
            self.add(code, what, why % {"min": f"{minimum:g}"}, fix="centre-profile",
                     fix_label=_("Centre details"), record="profile")

    def fee_schedule(self):
        why = _("The fees of every class type the centre runs are set and published before it "
                "opens (docs: inclusive pricing; 备案办法 materials).")
        if self.fees is None:
            self.add("fees", _("No fee schedule."), why, fix="fee-schedule",
                     fix_label=_("Fees"), record="fees")
            return
        missing = [ClassType(t).label for t in sorted({c.class_type for c in self.classes})
                   if self.fees.fee_for(t) is None]
        if missing:
            self.add("fees", _("The fee schedule has no fee for: %(types)s.") % {
                "types": "、".join(map(str, missing))}, why, fix="fee-schedule",
                fix_label=_("Fees"), record="fees")

    def lease(self):
        centre = self.centre
        if centre.tenure == Centre.Tenure.OWNED:
            return
        why = _("Owned premises, or a lease of at least %(years)d years with at least "
                "%(months)d months still to run (设置标准 Art 11; setting "
                "MIN_LEASE_REMAINING_MONTHS).") % {
            "years": settings.MIN_LEASE_YEARS, "months": settings.MIN_LEASE_REMAINING_MONTHS}
        if centre.tenure != Centre.Tenure.LEASED or not (centre.lease_start and centre.lease_end):
            what = _("The premises' tenure or the lease dates are missing.")
        elif not centre.lease_is_long_enough():
            what = _("The lease runs %(start)s – %(end)s, shorter than %(years)d years.") % {
                "start": _date(centre.lease_start), "end": _date(centre.lease_end),
                "years": settings.MIN_LEASE_YEARS}
        elif centre.lease_end < self.today + relativedelta(
                months=settings.MIN_LEASE_REMAINING_MONTHS):
            what = _("The lease ends on %(end)s, less than %(months)d months from now.") % {
                "end": _date(centre.lease_end), "months": settings.MIN_LEASE_REMAINING_MONTHS}
        else:
            return
        self.add("lease", what, why, fix="centre-profile", fix_label=_("Centre details"),
                 record="profile")

    def fire_certificate(self):
        why = _("A valid fire-safety inspection certificate (管理规范 Art 4; WS/T 821 4.1.4).")
        if self.fire is None:
            what = _("No fire-safety inspection certificate on file.")
        elif (expires := fire_certificate_expiry(self.fire)) < self.today:
            what = _("The fire-safety certificate expired on %(date)s.") % {"date": _date(expires)}
        else:
            return
        self.add("fire_certificate", what, why, fix="filing-detail",
                 fix_label=_("Filing › materials"), record="certificates")


def preflight(filing: Filing, *, staff: list[Staff] | None = None,
              classes: list[ClassGroup] | None = None, fees: FeeSchedule | None = None,
              today: date | None = None) -> list[Finding]:
    """What the platform finds wrong with the filing's centre, in page order. A caller that
    has already read the centre's active staff, classes and latest fee schedule passes them
    (no second query); the check itself reads at most those and the fire certificate."""
    centre = filing.centre
    today = today or timezone.localdate()
    staff = list(centre.staff.active()) if staff is None else staff
    classes = list(centre.classes.all()) if classes is None else classes
    if fees is None:
        fees = centre.fee_schedules.first()
    fire = latest_fire_certificates([centre.pk]).get(centre.pk)
    return _Preflight(centre, staff, classes, fees, fire, today).run()
