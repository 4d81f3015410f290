from django import template
from django.http import QueryDict

from luhuituo.core import sections
from luhuituo.core.masking import mask_id_number, mask_phone

register = template.Library()

register.filter("mask_id", mask_id_number)
register.filter("mask_phone", mask_phone)


@register.simple_tag(takes_context=True)
def page_url(context, number, name="page") -> str:
    """The current URL's query string with the page parameter ``name`` set to ``number``:
    the list's filters (and a stated purpose) survive paging. ``name`` lets one page carry
    several paged lists."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    query[name] = number
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def section_links(context, place: str, obj) -> list[dict]:
    """The links every app contributes to ``place`` for ``obj`` (luhuituo.core.sections)."""
    return sections.links(place, context.get("request"), obj)
