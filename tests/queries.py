"""The one query-count helper of the suite.

    with count_queries() as few:
        client.get(url)
    make_more_rows()
    with count_queries() as many:
        client.get(url)
    assert len(many) == len(few)      # the page's queries do not grow with its rows

or, for one call, ``n, response = query_count(client.get, url)``. Exact budgets use
pytest-django's ``django_assert_num_queries``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries() -> CaptureQueriesContext:
    """Capture the queries run inside the with-block; ``len()`` of it is their number."""
    return CaptureQueriesContext(connection)


def query_count(call, *args, **kwargs) -> tuple[int, Any]:
    """(number of queries, result) of ``call(*args, **kwargs)``."""
    with count_queries() as captured:
        result = call(*args, **kwargs)
    return len(captured), result
