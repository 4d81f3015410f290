"""The regulator's registry of centres: the searchable list and its export, one centre's file,
and people employed at more than one centre. Everything goes through ``visible_to``: a centre
outside the regulator's districts is not listed, not exported, and 404 on its page."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from luhuituo.core.audit import audit, log_access
from luhuituo.core.dates import export_filename
from luhuituo.core.exceptions import submit
from luhuituo.core.exports import csv_response
from luhuituo.core.forms import FilterForm, SearchField, district_choices
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.sorting import sort_expression, sort_links
from luhuituo.core.verbs import Verb

from .. import inclusive, services
from ..certificates import OPERATING, certificate_rows
from ..forms_filing import CertificateReviewForm, InclusiveDecisionForm, InclusiveDeclineForm
from ..history import centre_history
from ..imports import XLSX_CONTENT_TYPE
from ..inclusive import PriceCaps, current_schedule, fees_above
from ..models import Centre, ClassGroup, Filing, FilingMaterial, Staff
from ..rules import can_decide
from ..validators import normalise_uscc

PER_PAGE = 25
HISTORY_LENGTH = 50
CERT_EXPIRING_DAYS = 30  # a health certificate this close to its end is flagged

STATUS_ORDER = Case(
    *(When(filing__status=status, then=Value(i)) for i, status in enumerate(Filing.Status)),
    default=Value(len(Filing.Status)),
)
# sort key → the column it orders by; ties are broken by name, then id.
SORTS = {
    "name": F("name"),
    "district": F("region__code"),
    "status": STATUS_ORDER,
    "places": F("approved_places"),
    "updated": F("last_updated"),
}
DEFAULT_SORT = "name"
ALL = ("", gettext_lazy("All"))


class CentreFilterForm(FilterForm):
    """The list's query parameters. Invalid values are dropped rather than refused: a district
    outside the regulator's scope cannot widen the list anyway (visible_to comes first)."""

    q = SearchField(placeholder=gettext_lazy("Name or credit code"))
    district = forms.ChoiceField(label=gettext_lazy("District/county"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Filing status"), required=False,
                               choices=[ALL, *Filing.Status.choices])
    kind = forms.ChoiceField(label=pgettext_lazy("centre", "Kind"), required=False,
                             choices=[ALL, *Centre.Kind.choices])
    inclusive = forms.ChoiceField(
        label=gettext_lazy("Inclusive (普惠)"), required=False,
        choices=[ALL, ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
    )
    sort = forms.ChoiceField(
        required=False, widget=forms.HiddenInput,
        choices=[(f"{sign}{key}", key) for key in SORTS for sign in ("", "-")],
    )

    def __init__(self, data, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["district"].choices = district_choices(user)


class ExportForm(FilterForm):
    """The export's format, besides the list's filters: CSV unless it says xlsx."""

    format = forms.ChoiceField(required=False, choices=[("csv", "CSV"), ("xlsx", "Excel")])


def filtered_centres(user, params) -> tuple[CentreFilterForm, QuerySet[Centre]]:
    """The centres the regulator may see, as selected and sorted by the list's query
    parameters, with the bound filter form. The list and the export both use it, so an
    export holds exactly what the list showed."""
    form = CentreFilterForm(params, user=user)
    form.is_valid()
    centres = (
        Centre.objects.visible_to(user)
        .select_related("region", "filing")
        .annotate(last_updated=Greatest("updated_at", "filing__updated_at"))
    )
    if q := form.value("q").strip():
        centres = centres.filter(Q(name__icontains=q) | Q(uscc__icontains=normalise_uscc(q)))
    if district := form.value("district"):
        centres = centres.filter(region__code=district)
    if status := form.value("status"):
        centres = centres.filter(filing__status=status)
    if kind := form.value("kind"):
        centres = centres.filter(kind=kind)
    if inclusive := form.value("inclusive"):
        centres = centres.filter(is_inclusive=inclusive == "yes")
    sort = form.value("sort") or DEFAULT_SORT
    return form, centres.order_by(sort_expression(SORTS, sort), "name", "id")


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def centre_list(request: HttpRequest) -> HttpResponse:
    form, centres = filtered_centres(request.user, request.GET)
    page = Paginator(centres, PER_PAGE).get_page(request.GET.get("page"))
    sort = form.value("sort") or DEFAULT_SORT
    context = {"form": form, "page": page, "sort": sort, "sorting": sort_links(SORTS, sort)}
    template = "registry/regulator/centre_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


# --- export --------------------------------------------------------------------------------


def export_table(centres) -> tuple[list[str], list[list]]:
    """The list's columns (plus the credit code, an organisation's identifier): nothing about
    people."""
    header = [_("Centre name"), _("Unified social credit code"), _("District/county"),
              pgettext("centre", "Kind"),
              _("Inclusive (普惠)"), _("Approved places"), _("Filing status"),
              _("Filing number"), _("Last updated")]
    yes, no = _("Yes"), _("No")
    rows = []
    for centre in centres:
        filing = getattr(centre, "filing", None)
        rows.append([
            centre.name, centre.uscc, centre.region.name, centre.get_kind_display(),
            yes if centre.is_inclusive else no, centre.approved_places,
            filing.get_status_display() if filing else "", (filing.filing_no or "")
            if filing else "",
            timezone.localtime(centre.last_updated).replace(tzinfo=None),
        ])
    return header, rows


def _xlsx_response(header, rows, filename: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Registered centres"))
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif hasattr(value, "strftime"):
                cell.number_format = "yyyy-mm-dd hh:mm"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_GET
@regulator_required
def centre_export(request: HttpRequest) -> HttpResponse:
    export = ExportForm(request.GET)
    if not export.is_valid():
        return HttpResponseBadRequest(_("Choose csv or xlsx."))
    export_format = export.value("format", "csv")
    form, centres = filtered_centres(request.user, request.GET)
    header, rows = export_table(centres)
    filters = {name: str(value) for name, value in form.cleaned_data.items() if value}
    audit(Verb.CENTRE_EXPORT, actor=request.user, request=request, format=export_format,
          filters=filters, rows=len(rows))
    filename = export_filename(_("Registered centres"), export_format)
    if export_format == "csv":
        return csv_response(header, rows, filename)[0]
    return _xlsx_response(header, rows, filename)


# --- one centre ----------------------------------------------------------------------------


def cert_state(valid_until, today) -> str:
    if valid_until is None:
        return "missing"
    if valid_until < today:
        return "expired"
    if valid_until <= today + timedelta(days=CERT_EXPIRING_DAYS):
        return "expiring"
    return "valid"


def inclusive_context(user, centre: Centre, fees: list, today, form=None,
                      decline_form=None) -> dict:
    """The inclusive card: the status, its decisions, the price cap with its income figure
    (or what figure is missing) and the current fees above it; the bureau's form."""
    caps = PriceCaps(today)
    cap = caps.for_region(centre.region)
    schedule = current_schedule(fees, today)
    decisions = list(centre.inclusive_decisions.select_related("decided_by"))
    return {
        "inclusive_decisions": decisions,
        "inclusive_application": decisions[0] if decisions and decisions[0].action == "applied"
        else None,
        "decline_form": decline_form or InclusiveDeclineForm(),
        "can_decide_inclusive": can_decide(user, centre),
        "inclusive_form": form or InclusiveDecisionForm(initial={"effective_on": today}),
        "price_cap": cap,
        "price_cap_missing": "" if cap else caps.missing_label(centre.region),
        "price_ratio_percent": settings.PUHUI_PRICE_RATIO * 100,
        "fees_above_cap": fees_above(schedule, cap) if cap and schedule else [],
    }


def render_centre_detail(request, centre: Centre, *, status: int = 200, review_form=None,
                         review_material: int | None = None,
                         inclusive_form=None, decline_form=None) -> HttpResponse:
    user = request.user
    filing = getattr(centre, "filing", None)
    staff = list(
        Staff.objects.visible_to(user).filter(centre=centre)
        .annotate(training_total=Coalesce(Sum("training_records__hours"), Decimal(0)))
        .order_by(Case(When(employment_status=Staff.Employment.ACTIVE, then=0), default=1),
                  "role", "name", "id")
    )
    elsewhere = set(Staff.objects.employed_elsewhere().filter(centre=centre).order_by()
                    .values_list("pk", flat=True))
    today = timezone.localdate()
    for member in staff:
        member.elsewhere = member.pk in elsewhere
        member.cert_state = cert_state(member.health_cert_valid_until, today)
    fees = list(centre.fee_schedules.all())
    context = {
        "centre": centre, "filing": filing,
        "service_forms": [Centre.ServiceForm(v).label for v in centre.service_forms
                          if v in Centre.ServiceForm.values],
        "lease_years": centre.lease_years(), "lease_ok": centre.lease_is_long_enough(),
        "min_lease_years": settings.MIN_LEASE_YEARS,
        "fees": fees[0] if fees else None, "fee_history": fees[1:],
        "classes": ClassGroup.objects.visible_to(user).filter(centre=centre),
        "staff": staff, "active_staff": sum(
            m.employment_status == Staff.Employment.ACTIVE for m in staff),
        "history": centre_history(centre, filing, HISTORY_LENGTH),
        "history_length": HISTORY_LENGTH,
        # the certificates kept valid while operating (registry.certificates)
        "certificates": certificate_rows(filing, today) if filing else [],
        "can_review_certificates": bool(filing) and filing.status in OPERATING
        and can_decide(user, centre),
        "review_form": review_form, "review_material": review_material,
        **inclusive_context(user, centre, fees, today, inclusive_form, decline_form),
    }
    return render(request, "registry/regulator/centre_detail.html", context, status=status)


def _visible_centre(request, centre_id: int) -> Centre:
    return get_visible_or_404(
        Centre.objects.select_related("region", "filing").prefetch_related("photos"),
        request.user, pk=centre_id)


@require_GET
@regulator_required
def centre_detail(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = _visible_centre(request, centre_id)
    log_access(request, centre, reason="centre detail")
    return render_centre_detail(request, centre)


@require_POST
@regulator_required
def certificate_review(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    """The bureau accepts a renewed certificate or returns it (services.review_certificate)."""
    centre = _visible_centre(request, centre_id)
    material = get_visible_or_404(FilingMaterial.objects.select_related("filing"),
                                  request.user, pk=pk, filing__centre=centre)
    form = CertificateReviewForm(request.POST)
    if submit(form, lambda data: services.review_certificate(
            material=material, by=request.user, verdict=data["verdict"],
            reason=data["reason"], request=request)).ok:
        messages.success(request, _("Certificate reviewed: %(material)s") % {
            "material": material.kind_label})
        return redirect("registry:centre-detail", centre_id)
    return render_centre_detail(request, centre, status=422, review_form=form,
                                review_material=material.pk)


@require_POST
@regulator_required
def inclusive_decide(request: HttpRequest, centre_id: int) -> HttpResponse:
    """The bureau recognises the centre as inclusive, or revokes that (registry.inclusive)."""
    centre = _visible_centre(request, centre_id)
    action = request.POST.get("action")
    if action not in {"recognise", "revoke", "decline"}:
        return HttpResponseBadRequest(_("Choose whether to recognise or to revoke."))
    if action == "decline":
        form = InclusiveDeclineForm(request.POST)
        call = submit(form, lambda data: inclusive.decline_inclusive(
            centre=centre, by=request.user, basis=data["basis"], request=request))
        done = _("The application has been declined.")
    else:
        service = inclusive.recognise_inclusive if action == "recognise" else \
            inclusive.revoke_inclusive
        form = InclusiveDecisionForm(request.POST)
        call = submit(form, lambda data: service(centre=centre, by=request.user,
                                                 effective_on=data["effective_on"],
                                                 basis=data["basis"], request=request))
        done = _("Recognised as an inclusive centre.") if action == "recognise" else _(
            "The inclusive recognition has been revoked.")
    if call.ok:
        messages.success(request, done)
        return redirect(reverse("registry:centre-detail", args=[centre_id]) + "#inclusive")
    if action == "decline":
        return render_centre_detail(request, centre, status=422, decline_form=form)
    return render_centre_detail(request, centre, status=422, inclusive_form=form)


# --- people at more than one centre -------------------------------------------------------


@require_GET
@regulator_required
def duplicate_staff(request: HttpRequest) -> HttpResponse:
    """Each person (by ID number's blind index) active at two or more centres, with at least
    one of them in the regulator's scope. Only the records at visible centres are loaded;
    the others are counted, never named."""
    user = request.user
    records = (
        Staff.objects.employed_elsewhere().visible_to(user)
        .select_related("centre__region").order_by("name", "id_number_digest", "centre__name")
    )
    people: dict[str, dict] = {}
    for record in records:
        person = people.setdefault(record.id_number_digest, {
            "name": record.name, "id_number": record.id_number, "records": [], "hidden": 0})
        person["records"].append(record)
    hidden = (
        Staff.objects.active().filter(id_number_digest__in=list(people))
        .exclude(centre__in=Centre.objects.visible_to(user))
        .values("id_number_digest").annotate(n=Count("centre", distinct=True))
    )
    for row in hidden:
        people[row["id_number_digest"]]["hidden"] = row["n"]
    return render(request, "registry/regulator/duplicate_staff.html",
                  {"people": list(people.values())})
