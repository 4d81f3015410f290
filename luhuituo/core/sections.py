"""Page sections that apps contribute to pages they do not own.

A page owned by one app lists links (or panels) that belong to others: the centre's own
navigation shows registry's details and supervision's children side by side; the regulator's
centre page links to every app's view of that centre. The owning template asks for a *place*
and each app registers what it contributes there, in its own ``sections`` module (found by
``autodiscover_modules("sections")`` when the core app is ready) — so a new app plugs in
without editing another app's templates, and no lower layer imports a higher one.

    register("centre-nav", Link(_("Children"), order=80,
             url=lambda centre: reverse("supervision:child-list", args=[centre.pk]),
             current=("child-", "children-report")))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

# Where sections go: the centre account's navigation, the regulator's centre page, a centre's
# entry in the public list of filed centres, a parent's page of their own child, the regulator's
# main navigation (obj: None).
PLACES = ("centre-nav", "regulator-centre", "public-centre", "parent-child", "regulator-nav")


@dataclass(frozen=True)
class Link:
    """A link to ``url(obj)``. ``current``: URL names (or prefixes ending in "-") of the pages
    where it is the current section; ``show(request, obj)``: whether the reader gets it."""

    label: str
    url: Callable
    order: int = 100
    current: tuple[str, ...] = ()
    show: Callable | None = None

    def is_current(self, url_name: str | None) -> bool:
        return bool(url_name) and any(
            url_name.startswith(name) if name.endswith("-") else url_name == name
            for name in self.current)


_registry: dict[str, list[Link]] = defaultdict(list)


def register(place: str, *links: Link) -> None:
    if place not in PLACES:
        raise ValueError(f"unknown page place {place!r}; known: {PLACES}")
    for link in links:
        if link not in _registry[place]:
            _registry[place].append(link)


def links(place: str, request, obj) -> list[dict]:
    """The links registered for ``place`` that the reader gets, in order, ready to render."""
    url_name = getattr(getattr(request, "resolver_match", None), "url_name", None)
    return [
        {"label": link.label, "url": link.url(obj), "current": link.is_current(url_name)}
        for link in sorted(_registry[place], key=lambda link: link.order)
        if link.show is None or link.show(request, obj)
    ]
