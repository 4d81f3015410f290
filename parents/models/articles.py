"""The parent portal's own records. ``Article``: what regulators publish for parents (policies,
subsidies, how to choose a centre)."""

from __future__ import annotations

import nh3
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from luhuituo.core.models import Region, RegulatorScope

# What an article body may hold: text structure and links, nothing that runs or loads.
ARTICLE_TAGS = {"p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "b", "i",
                "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td"}
ARTICLE_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}
ARTICLE_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_body(html: str) -> str:
    """``html`` reduced to ``ARTICLE_TAGS`` and their few attributes: no scripts, styles,
    event handlers, images or javascript: links; links open as plain links."""
    return nh3.clean(html or "", tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES,
                     url_schemes=ARTICLE_SCHEMES, link_rel="noopener noreferrer nofollow").strip()


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False, published_at__lte=timezone.now())

    def visible_to(self, user):
        """Regulators: the city-wide articles and those of the regions they oversee, published
        or not. Everybody else reads ``published()``."""
        if not user.is_authenticated or not user.is_regulator:
            return self.none()
        return self.filter(Q(region__isnull=True) | Q(region_id__in=user.scope_region_ids))


class Article(models.Model):
    """政策文章 — a page regulators publish for parents. ``region`` empty: for the whole city
    (only a city regulator writes those)."""

    class Category(models.TextChoices):
        POLICY = "policy", _("Policy")
        SUBSIDY = "subsidy", _("Subsidies")
        GUIDE = "guide", _("Choosing a centre")

    title = models.CharField(_("title"), max_length=120)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("region"),
                               help_text=_("Empty: for the whole city."))
    summary = models.CharField(_("summary"), max_length=200, blank=True)
    body = models.TextField(_("text"), help_text=_(
        "Paragraphs, headings, lists, tables and links; anything else is removed."))
    source = models.CharField(_("source"), max_length=300, blank=True, help_text=_(
        "The document this article is based on, e.g. its number and address."))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                   verbose_name=_("written by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["published_at"], name="parents_article_published")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.body = clean_body(self.body)
        super().save(*args, **kwargs)

    def can_edit(self, user) -> bool:
        """A regulator (not an assessor) of the city edits every article; of a district, the
        district's."""
        if not user.is_authenticated or not user.is_regulator:
            return False
        return any(scope.role == RegulatorScope.Role.REGULATOR
                   and (scope.region.is_city or scope.region_id == self.region_id)
                   for scope in user.regulator_scopes)

    @property
    def body_html(self):
        """The body to show: cleaned again on the way out, whatever wrote the row."""
        return mark_safe(clean_body(self.body))  # noqa: S308 — cleaned just now

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()
