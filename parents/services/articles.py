"""Articles for parents: saved, published and withdrawn by a regulator who may edit them, each
step in the audit trail."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from luhuituo.core.audit import audit
from luhuituo.core.verbs import Verb
from luhuituo.core.workflow import lock, require

from ..models import Article


def _require_editor(article: Article, by) -> None:
    require(article.can_edit(by), _("You can edit the articles of the regions you oversee "
                                    "only."))


@transaction.atomic
def save(*, article: Article, by, request=None) -> Article:
    """Save a new or edited article (its body cleaned by the model)."""
    _require_editor(article, by)
    if article.pk is None:
        article.created_by = by
    article.save()
    audit(Verb.ARTICLE_SAVED, actor=by, target=article, request=request)
    return article


def set_published(*, article: Article, by, published: bool, request=None) -> Article:
    with transaction.atomic():
        article = lock(article)
        _require_editor(article, by)
        if published and not article.is_published:
            article.published_at = timezone.now()
        elif not published:
            article.published_at = None
        article.save(update_fields=["published_at", "updated_at"])
        audit(Verb.ARTICLE_PUBLISHED if published else Verb.ARTICLE_WITHDRAWN, actor=by,
              target=article, request=request)
    return article
