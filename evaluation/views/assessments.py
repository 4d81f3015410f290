"""Quality assessment pages (docs/rules/quality-assessment.md).

- The centre: its quality page (rating in force, assessments), the self-assessment workspace
  where each indicator is saved on its own (htmx swaps the row; without JavaScript the page
  posts and comes back to the row), and submission by the manager.
- The assessor: the assessments assigned to them and the same scoring form, with a photo per
  indicator, made for a tablet on site.
- Regulators: the assessments in scope (filters, sorting, CSV export), assigning an on-site
  assessment or spot check (assessor chosen or drawn), an assessment's result with the
  self-assessment compared, and the decision (approve, return, cancel, publish).

Every assessment is read through ``Assessment.objects.visible_to``: outside the reader's scope
it is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from luhuituo.core.audit import audit
from luhuituo.core.dates import export_filename
from luhuituo.core.exceptions import domain_errors, submit
from luhuituo.core.exports import csv_response
from luhuituo.core.models import AuditEvent, RegulatorScope, User
from luhuituo.core.permissions import get_visible_or_404, regulator_required
from luhuituo.core.sorting import sort_expression, sort_links
from luhuituo.core.submissions import submit_once
from luhuituo.core.uploads import file_response
from luhuituo.core.verbs import Verb
from registry.models import Centre, Filing
from registry.permissions import centre_member_required
from registry.rules import can_decide, is_centre_manager

from ..forms.assessments import (
    AssessmentFilterForm,
    AssignForm,
    AssignQuery,
    DecisionForm,
    ScoreForm,
)
from ..models import Aspect, Assessment, Score, StarRating, family_satisfaction
from ..services import assessments as service
from ..services import ratings as rating_service

PER_PAGE = 25
Kind, Status = Assessment.Kind, Assessment.Status

SORTS = {
    "centre": F("centre__name"),
    "district": F("centre__region__code"),
    "kind": F("kind"),
    "status": F("status"),
    "total": F("total"),
    "created": F("created_at"),
}
DEFAULT_SORT = "-created"

# The history shows the workflow, not every indicator saved.
HISTORY_VERBS = [Verb.ASSESSMENT_STARTED, Verb.ASSESSMENT_ASSIGNED, Verb.ASSESSMENT_SUBMITTED,
                 Verb.ASSESSMENT_RETURNED, Verb.ASSESSMENT_APPROVED, Verb.ASSESSMENT_CANCELLED]


def _history(assessment: Assessment):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Assessment),
        target_id=str(assessment.pk), verb__in=HISTORY_VERBS).order_by("created_at", "id")


def _scores(assessment: Assessment) -> list[Score]:
    return list(assessment.scores.select_related("indicator__dimension", "updated_by")
                .order_by("indicator__dimension__order", "indicator__order", "indicator__code"))


def _scoring_rows(assessment, scores, *, url, photos, bound: ScoreForm | None = None):
    """Each dimension with its indicator rows, every row with its form (``bound``, the one
    posted with an error, in its place) and the URL it saves to."""
    groups: dict[int, dict] = {}
    for score in scores:
        dimension = score.indicator.dimension
        group = groups.setdefault(dimension.pk, {"dimension": dimension, "rows": []})
        form = (bound if bound is not None and bound.score_row.pk == score.pk
                else ScoreForm(score=score, photos=photos))
        group["rows"].append({"score": score, "form": form, "url": url(score)})
    return list(groups.values())


def _save_score(request, assessment, score_pk, *, url, photos, back, page):
    """Save one indicator (the POST of a row). htmx: answer with the row (and the progress,
    out of band). Otherwise: back to the page at the row, or the page again with the row's
    errors and what was typed."""
    score = get_object_or_404(assessment.scores.select_related("indicator__dimension"),
                              pk=score_pk)
    if not service.can_score(request.user, assessment):
        raise Http404
    form = ScoreForm(request.POST, request.FILES, score=score, photos=photos)
    call = submit(form, lambda data: service.save_score(
        score=score, by=request.user, value=data["score"], evidence=data["evidence"],
        comment=data["comment"], photo=data.get("photo"),
        remove_photo=data.get("remove_photo", False), version=data["version"],
        request=request))
    if call.ok:
        score = call.result
        form = ScoreForm(score=Score.objects.select_related("indicator__dimension",
                                                            "updated_by").get(pk=score.pk),
                         photos=photos)
    if request.htmx:
        scores = _scores(assessment)
        return render(request, "evaluation/assessments/_row_response.html", {
            "assessment": assessment, "row": {"score": form.score_row, "form": form,
                                              "url": url(score)},
            "saved": call.ok, "progress": service.progress(assessment, scores)},
            status=200 if call.ok else 422)
    if call.ok:
        messages.success(request, _("Indicator %(code)s is saved.")
                         % {"code": score.indicator.code})
        return redirect(f"{back}#indicator-{score.pk}")
    return page(bound=form, status=422)


# --- the centre --------------------------------------------------------------------------------


def _current_rating(centre: Centre) -> StarRating | None:
    return (StarRating.objects.filter(centre=centre).current()
            .select_related("assessment").first())


@require_GET
@centre_member_required
def centre_quality(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    assessments = (Assessment.objects.visible_to(request.user).filter(centre=centre)
                   .exclude(status=Status.CANCELLED).select_related("assessor", "framework"))
    open_self = next((a for a in assessments if a.is_self and a.is_editable), None)
    return render(request, "evaluation/assessments/centre_quality.html", {
        "centre": centre, "membership": request.membership, "rating": _current_rating(centre),
        "assessments": assessments, "open_self": open_self,
        "can_start": is_centre_manager(request.user, centre) and open_self is None})


@require_POST
@centre_member_required(manager=True)
def self_assessment_start(request: HttpRequest, centre_id: int) -> HttpResponse:
    centre = request.centre
    existing = Assessment.objects.open().filter(centre=centre, kind=Kind.SELF).first()
    if existing is not None:  # a second click, or a second tab
        return redirect("evaluation:centre-assessment", centre_id=centre.pk, pk=existing.pk)
    with domain_errors(request=request) as call:
        assessment = service.start_self_assessment(centre=centre, by=request.user,
                                                   request=request)
    if not call.ok:
        return redirect("evaluation:centre-quality", centre_id=centre.pk)
    return redirect("evaluation:centre-assessment", centre_id=centre.pk, pk=assessment.pk)


def _centre_assessment(request, centre, pk) -> Assessment:
    return get_visible_or_404(Assessment.objects.filter(centre=centre).select_related(
        "framework", "centre__region", "assessor", "self_assessment"), request.user, pk=pk)


def _assessment_page(request, assessment, *, template, url, photos, extra, bound=None,
                     status=200):
    scores = _scores(assessment)
    scoring = service.can_score(request.user, assessment) and assessment.is_editable
    context = {
        "assessment": assessment, "progress": service.progress(assessment, scores),
        "scoring": scoring, "scores": scores,
        "groups": _scoring_rows(assessment, scores, url=url, photos=photos, bound=bound),
        "dimension_rows": assessment.dimension_rows() if assessment.is_consolidated else [],
        "failed": [s for s in scores if s.fails_veto],
        "gaps": service.compare(assessment, assessment.self_assessment)
        if not assessment.is_self else [],
        "history": _history(assessment), "family": _family(assessment), **extra}
    return render(request, template, context, status=status)


def _family(assessment) -> dict | None:
    """Parents' published reviews of the centre, as evidence for the parenting-support and
    family-satisfaction indicators: count, overall average and each aspect's."""
    found = family_satisfaction([assessment.centre_id]).get(assessment.centre_id)
    if found is None:
        return None
    return {"count": found["count"], "overall": found["overall"],
            "aspects": [(aspect.label, found[aspect.value]) for aspect in Aspect]}


def _centre_row_url(centre):
    def url(score):
        return reverse("evaluation:centre-score-save",
                       args=[centre.pk, score.assessment_id, score.pk])
    return url


@require_GET
@centre_member_required
def centre_assessment(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    return _centre_page(request, request.centre, pk)


def _centre_page(request, centre, pk, *, bound=None, status=200):
    assessment = _centre_assessment(request, centre, pk)
    return _assessment_page(
        request, assessment, template="evaluation/assessments/centre_assessment.html",
        url=_centre_row_url(centre), photos=False, bound=bound, status=status,
        extra={"centre": centre, "membership": request.membership,
               "is_manager": is_centre_manager(request.user, centre)})


@require_POST
@centre_member_required
def centre_score_save(request: HttpRequest, centre_id: int, pk: int,
                      score_pk: int) -> HttpResponse:
    centre = request.centre
    assessment = _centre_assessment(request, centre, pk)
    if not assessment.is_self:
        raise Http404
    return _save_score(request, assessment, score_pk, url=_centre_row_url(centre),
                       photos=False, back=reverse("evaluation:centre-assessment",
                                                  args=[centre.pk, pk]),
                       page=lambda **kw: _centre_page(request, centre, pk, **kw))


@require_POST
@centre_member_required(manager=True)
def centre_assessment_submit(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    centre = request.centre
    assessment = _centre_assessment(request, centre, pk)
    with domain_errors(request=request) as call:
        service.submit(assessment=assessment, by=request.user, request=request)
    if call.ok:
        messages.success(request, _("The self-assessment is submitted."))
    return redirect("evaluation:centre-assessment", centre_id=centre.pk, pk=assessment.pk)


@require_POST
@centre_member_required(manager=True)
def centre_assessment_cancel(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    centre = request.centre
    assessment = _centre_assessment(request, centre, pk)
    with domain_errors(request=request) as call:
        service.cancel(assessment=assessment, by=request.user, request=request)
    if call.ok:
        messages.success(request, _("The self-assessment is cancelled."))
        return redirect("evaluation:centre-quality", centre_id=centre.pk)
    return redirect("evaluation:centre-assessment", centre_id=centre.pk, pk=assessment.pk)


# --- the assessor --------------------------------------------------------------------------------


@require_GET
@regulator_required
def assessor_list(request: HttpRequest) -> HttpResponse:
    assessments = (Assessment.objects.filter(assessor=request.user)
                   .exclude(status=Status.CANCELLED)
                   .select_related("centre__region")
                   .order_by(F("scheduled_on").asc(nulls_last=True), "-created_at", "-id"))
    open_ = [a for a in assessments if a.is_editable]
    done = Paginator([a for a in assessments if not a.is_editable], PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "evaluation/assessments/assessor_list.html", {
        "open": open_, "page": done})


def _assessor_assessment(request, pk) -> Assessment:
    assessment = get_visible_or_404(Assessment.objects.select_related(
        "framework", "centre__region", "assessor", "self_assessment"), request.user, pk=pk)
    if assessment.assessor_id != request.user.pk:
        raise Http404
    return assessment


def _assessor_row_url(score):
    return reverse("evaluation:assessor-score-save", args=[score.assessment_id, score.pk])


def _assessor_page(request, pk, *, bound=None, status=200):
    assessment = _assessor_assessment(request, pk)
    return _assessment_page(request, assessment,
                            template="evaluation/assessments/assessor_assessment.html",
                            url=_assessor_row_url, photos=True, bound=bound, status=status,
                            extra={})


@require_GET
@regulator_required
def assessor_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    return _assessor_page(request, pk)


@require_POST
@regulator_required
def assessor_score_save(request: HttpRequest, pk: int, score_pk: int) -> HttpResponse:
    assessment = _assessor_assessment(request, pk)
    return _save_score(request, assessment, score_pk, url=_assessor_row_url, photos=True,
                       back=reverse("evaluation:assessor-assessment", args=[pk]),
                       page=lambda **kw: _assessor_page(request, pk, **kw))


@require_POST
@regulator_required
def assessor_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _assessor_assessment(request, pk)
    with domain_errors(request=request) as call:
        service.submit(assessment=assessment, by=request.user, request=request)
    if call.ok:
        messages.success(request, _("The assessment is submitted to the district for "
                                    "approval."))
    return redirect("evaluation:assessor-assessment", pk=assessment.pk)


@require_GET
def score_photo(request: HttpRequest, pk: int, score_pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404
    assessment = get_visible_or_404(Assessment, request.user, pk=pk)
    score = get_object_or_404(assessment.scores, pk=score_pk)
    if not score.photo:
        raise Http404
    content_type = "image/png" if score.photo.name.endswith(".png") else "image/jpeg"
    return file_response(score.photo, content_type=content_type)


# --- regulators: the list ---------------------------------------------------------------------


def filtered_assessments(user, params):
    form = AssessmentFilterForm(params, user=user)
    form.is_valid()
    rows = (Assessment.objects.visible_to(user).filter(centre__in=Centre.objects.visible_to(user))
            .select_related("centre__region", "assessor"))
    if q := form.value("q").strip():
        rows = rows.filter(centre__name__icontains=q)
    if district := form.value("district"):
        rows = rows.filter(centre__region__code=district)
    if kind := form.value("kind"):
        rows = rows.filter(kind=kind)
    if status := form.value("status"):
        rows = rows.filter(status=status)
    sort = form.value("sort") or DEFAULT_SORT
    return form, sort, rows.order_by(sort_expression(SORTS, sort), "-id")


@require_GET
@regulator_required
@vary_on_headers("HX-Request")
def assessment_list(request: HttpRequest) -> HttpResponse:
    form, sort, rows = filtered_assessments(request.user, request.GET)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    template = "evaluation/assessments/regulator_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"form": form, "page": page, "sort": sort,
                                      "sorting": sort_links(SORTS, sort)})


@require_GET
@regulator_required
def assessment_export(request: HttpRequest) -> HttpResponse:
    form, _sort, rows = filtered_assessments(request.user, request.GET)
    response, count = csv_response(
        [_("Centre name"), _("District/county"), pgettext("assessment", "Kind"), _("Status"),
         _("Assessor"), _("Visit date"), _("Submitted at"), _("Total score"), _("Grade"),
         _("Stars"), _("Failed veto items")],
        ([row.centre.name, row.centre.region.name, row.get_kind_display(),
          row.get_status_display(), row.assessor.get_full_name() if row.assessor_id else "",
          row.scheduled_on, row.submitted_at, row.total, row.grade, row.stars,
          "、".join(row.failed_vetoes)] for row in rows.iterator(chunk_size=500)),
        export_filename(_("Quality assessments"), "csv"))
    audit(Verb.ASSESSMENT_EXPORT, actor=request.user, request=request, rows=count,
          filters={name: form.value(name) for name in ("q", "district", "kind", "status")
                   if form.value(name)})
    return response


# --- regulators: assigning -----------------------------------------------------------------------


def _assignable_centres(user):
    return (Centre.objects.visible_to(user)
            .filter(filing__status__in=Filing.OPERATING_STATUSES)
            .select_related("region").order_by("region__code", "name"))


def _assessors(user):
    """Assessor accounts whose scope lies in the districts ``user`` oversees."""
    return (User.objects.filter(account_type=User.AccountType.REGULATOR, is_active=True,
                                scopes__role=RegulatorScope.Role.ASSESSOR,
                                scopes__region_id__in=user.scope_region_ids)
            .distinct().order_by("last_name", "first_name", "pk"))


@require_http_methods(["GET", "POST"])
@regulator_required
def assessment_assign(request: HttpRequest) -> HttpResponse:
    centres = _assignable_centres(request.user)
    initial = {}
    if centre_id := AssignQuery(request.GET).value("centre"):
        initial["centre"] = centres.filter(pk=centre_id).first()
    form = AssignForm(request.POST or None, centres=centres,
                      assessors=_assessors(request.user), initial=initial)
    if request.method == "POST":
        call = submit_once(request, form, lambda data: service.assign(
            centre=data["centre"], by=request.user, kind=data["kind"],
            assessor=data["assessor"], scheduled_on=data["scheduled_on"], request=request),
            url=lambda assessment: reverse("evaluation:assessment-detail",
                                           args=[assessment.pk]))
        if call.ok:
            if not call.repeat:
                messages.success(request, _("%(name)s is assigned.") % {
                    "name": call.result.assessor.get_full_name()})
            return redirect(call.url)
    return render(request, "evaluation/assessments/assign.html", {"form": form},
                  status=422 if form.is_bound else 200)


# --- regulators: one assessment and its decision ---------------------------------------------


def _regulator_page(request, pk, *, decision_form=None, status=200):
    assessment = get_visible_or_404(Assessment.objects.select_related(
        "framework", "centre__region", "assessor", "self_assessment", "decided_by"),
        request.user, pk=pk)
    if not Centre.objects.visible_to(request.user).filter(pk=assessment.centre_id).exists():
        raise Http404  # an assessor reads their own through the assessor's page
    decider = can_decide(request.user, assessment.centre)
    rating = StarRating.objects.filter(assessment=assessment).first()
    return _assessment_page(
        request, assessment, template="evaluation/assessments/regulator_detail.html",
        url=_assessor_row_url, photos=True, status=status, extra={
            "decider": decider, "rating": rating,
            "decision_form": decision_form or (DecisionForm() if decider else None),
            "can_decide_now": decider and assessment.status == Status.SUBMITTED
            and not assessment.is_self,
            "can_publish": decider and assessment.status == Status.APPROVED
            and assessment.kind == Kind.ONSITE,
            "can_cancel": decider and assessment.status in Assessment.EDITABLE
            and not assessment.is_self})


@require_GET
@regulator_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _regulator_page(request, pk)


@require_POST
@regulator_required
def assessment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_visible_or_404(Assessment.objects.select_related("centre__region"),
                                    request.user, pk=pk)
    if not Centre.objects.visible_to(request.user).filter(pk=assessment.centre_id).exists():
        raise Http404  # the assessor of another district's centre
    if not can_decide(request.user, assessment.centre):
        raise PermissionDenied
    if request.POST.get("action") == "publish":
        with domain_errors(request=request) as call:
            rating = rating_service.publish(assessment=assessment, by=request.user,
                                            request=request)
        if call.ok:
            messages.success(request, _("The star rating is published: %(stars)s stars, valid "
                                        "until %(until)s.")
                             % {"stars": rating.stars, "until": rating.valid_until.isoformat()})
        return redirect("evaluation:assessment-detail", pk=assessment.pk)
    form = DecisionForm(request.POST)
    actions = {
        DecisionForm.APPROVE: lambda data: service.approve(
            assessment=assessment, by=request.user, note=data["note"], request=request),
        DecisionForm.RETURN: lambda data: service.return_for_correction(
            assessment=assessment, by=request.user, reason=data["note"], request=request),
        DecisionForm.CANCEL: lambda data: service.cancel(
            assessment=assessment, by=request.user, reason=data["note"], request=request),
    }
    call = submit(form, lambda data: actions[data["decision"]](data))
    if call.ok:
        messages.success(request, _("The decision is recorded."))
        return redirect("evaluation:assessment-detail", pk=assessment.pk)
    return _regulator_page(request, pk, decision_form=form, status=422)

