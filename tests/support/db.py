"""Tests that need PostgreSQL: one marker, and the rule that skips them on any other database.

A test (or a module, through ``pytestmark``) marked ``postgres_only("why")`` carries the
``postgres`` marker (``-m postgres`` selects them) and is skipped with ``needs PostgreSQL: why``
when the test database is not PostgreSQL. It is a skip, never a failure, even with
``REQUIRE_SERVICES=1``: CI runs the whole suite on SQLite too, where these tests cannot run, and
then again on PostgreSQL, where they must.
"""

import pytest
from django.db import connection

HINT = "(set DATABASE_URL to a PostgreSQL server)"
# Why the tests of row locks (select_for_update) need PostgreSQL.
ROW_LOCKS = (
    "SQLite ignores select_for_update and lets one writer in at a time, "
    "so the row locks under test cannot be exercised"
)


def postgres_only(why):
    """The ``postgres`` marker, with the reason the test cannot run elsewhere."""
    return pytest.mark.postgres(reason=f"needs PostgreSQL: {why} {HINT}")


def on_postgresql():
    return connection.vendor == "postgresql"


def skip_unless_postgresql(items):
    """Skip the ``postgres``-marked items when the database is not PostgreSQL (a collection hook)."""
    if on_postgresql():
        return
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=marker.kwargs.get("reason", f"needs PostgreSQL {HINT}")))
