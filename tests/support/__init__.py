"""What the tests share, in one place, so that no test module keeps a copy of another's helpers.

- ``db``: ``postgres_only``, the marker of tests that need PostgreSQL (skipped on any other database).
- ``people``: users in a role: ``member``, ``hr_of``, ``administrator``.
- ``auth``: clients logged in: ``logged_in`` and ``login`` (a role of a test's world).
- ``queries``: ``count_queries`` and ``queries_of``, a page's SQL queries once the caches are warm.
- ``html``: ``soup_of``, a response's HTML parsed.
- ``learning``: ``finish``, every lesson of a course done.
- ``browser``: ``log_in`` through the login page in Chromium.

The fixtures built on them (``role_groups``, ``admin_user``, ``admin_client``) are in
``tests/conftest.py``.
"""
