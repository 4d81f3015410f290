"""Articles for parents (policies, subsidies, how to choose a centre): regulators write and
publish them; anyone reads the published ones. A regulator's article outside their regions is
404; an unpublished article is 404 to the public."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from luhuituo.core.exceptions import submit
from luhuituo.core.permissions import get_visible_or_404, regulator_required

from ..forms.articles import ArticleFilterForm, ArticleForm
from ..models import Article
from ..services import articles

PER_PAGE = 20


def _filtered(queryset, params):
    form = ArticleFilterForm(params)
    if q := form.value("q").strip():
        queryset = queryset.filter(title__icontains=q)
    if category := form.value("category"):
        queryset = queryset.filter(category=category)
    return form, queryset


# --- the public ---------------------------------------------------------------------------------


@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    form, rows = _filtered(Article.objects.published().select_related("region"), request.GET)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "parents/articles/list.html", {"form": form, "page": page})


@require_GET
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.published().select_related("region"), pk=pk)
    return render(request, "parents/articles/detail.html", {"article": article})


# --- regulators -----------------------------------------------------------------------------------


@require_GET
@regulator_required
def regulator_articles(request: HttpRequest) -> HttpResponse:
    form, rows = _filtered(Article.objects.visible_to(request.user)
                           .select_related("region", "created_by"), request.GET)
    page = Paginator(rows.order_by("-updated_at", "-id"), PER_PAGE).get_page(
        request.GET.get("page"))
    return render(request, "parents/articles/regulator_list.html", {"form": form, "page": page})


@require_http_methods(["GET", "POST"])
@regulator_required
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    article = (get_visible_or_404(Article, request.user, pk=pk) if pk is not None
               else Article())
    if pk is not None and not article.can_edit(request.user):
        raise PermissionDenied
    form = ArticleForm(request.POST or None, instance=article, user=request.user)
    if request.method == "POST":
        call = submit(form, lambda data: articles.save(article=form.instance, by=request.user,
                                                       request=request))
        if call.ok:
            messages.success(request, _("The article is saved."))
            return redirect("parents:article-edit", pk=call.result.pk)
    return render(request, "parents/articles/edit.html", {"form": form, "article": article},
                  status=422 if form.is_bound else 200)


@require_POST
@regulator_required
def article_publish(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_visible_or_404(Article, request.user, pk=pk)
    published = request.POST.get("publish") == "1"
    articles.set_published(article=article, by=request.user, published=published,
                           request=request)
    messages.success(request, _("The article is published.") if published
                     else _("The article is withdrawn."))
    return redirect("parents:article-edit", pk=article.pk)
