"""Sortable list columns: a ``sort`` parameter names a column key, ``-key`` for descending."""

from __future__ import annotations


def sort_expression(sorts: dict, sort: str):
    """The ordering for ``sort`` ("key" or "-key") over the columns ``sorts`` (key → F/
    expression), empty values last either way."""
    column = sorts[sort.lstrip("-")]
    if sort.startswith("-"):
        return column.desc(nulls_last=True)
    return column.asc(nulls_last=True)


def sort_links(sorts: dict, current: str) -> dict[str, dict]:
    """Per sortable column: the sort its header link asks for, and aria-sort's value."""
    links = {}
    for key in sorts:
        if current == key:
            links[key] = {"next": f"-{key}", "aria": "ascending"}
        elif current == f"-{key}":
            links[key] = {"next": key, "aria": "descending"}
        else:
            links[key] = {"next": key, "aria": "none"}
    return links
