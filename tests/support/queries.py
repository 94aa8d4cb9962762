"""The SQL queries of one page, counted once the per-process caches are warm."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_of(client, url, params=None):
    """GET ``url`` once to warm the per-process caches (site root paths, content types), then
    again while capturing; the second answer must be a 200. Returns it and its queries."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response, queries


def count_queries(client, url, params=None):
    """How many queries a warm GET of ``url`` makes (printed, for ``pytest -s``)."""
    _response, queries = queries_of(client, url, params)
    print(f"{url}: {len(queries)} queries")
    return len(queries)
