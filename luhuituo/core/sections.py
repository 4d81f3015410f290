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

A *panel* is a block of the page rather than a link: a template of the contributing app,
rendered with the context its ``context(request, obj)`` returns (None: nothing to show), where
the owning template writes ``{% section_panels "regulator-complaint" complaint %}``.

    register("regulator-complaint", Panel("parents/complaints/_photos_panel.html",
             context=photos_of_complaint, order=10))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

# Where sections go: the centre account's navigation, the regulator's centre page, a centre's
# entry in the public list of filed centres, a parent's page of their own child, the regulator's
# main navigation (obj: None), the regulator's page of one complaint, the centre's page of one
# of its children.
PLACES = ("centre-nav", "regulator-centre", "public-centre", "parent-child", "regulator-nav",
          "regulator-complaint", "centre-child")


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


@dataclass(frozen=True)
class Panel:
    """A block rendered from ``template`` with ``context(request, obj)`` (a dict, or None when
    there is nothing to show); ``show(request, obj)``: whether the reader gets it at all. The
    context callable does its own scoping (``visible_to``) and should cost a fixed number of
    queries."""

    template: str
    context: Callable
    order: int = 100
    show: Callable | None = None


_registry: dict[str, list[Link | Panel]] = defaultdict(list)


def register(place: str, *sections: Link | Panel) -> None:
    if place not in PLACES:
        raise ValueError(f"unknown page place {place!r}; known: {PLACES}")
    for section in sections:
        if section not in _registry[place]:
            _registry[place].append(section)


def _shown(place: str, kind: type, request, obj) -> list:
    return [section for section in sorted(_registry[place], key=lambda s: s.order)
            if isinstance(section, kind)
            and (section.show is None or section.show(request, obj))]


def links(place: str, request, obj) -> list[dict]:
    """The links registered for ``place`` that the reader gets, in order, ready to render."""
    url_name = getattr(getattr(request, "resolver_match", None), "url_name", None)
    return [
        {"label": link.label, "url": link.url(obj), "current": link.is_current(url_name)}
        for link in _shown(place, Link, request, obj)
    ]


def panels(place: str, request, obj) -> list[tuple[str, dict]]:
    """The panels registered for ``place`` that the reader gets, in order: (template,
    context) for each one with something to show."""
    shown = []
    for panel in _shown(place, Panel, request, obj):
        context = panel.context(request, obj)
        if context is not None:
            shown.append((panel.template, context))
    return shown
