"""The reports' tree, groups, courses and clock, and the dashboard's world: the API must answer
what the dashboard answers for the same data."""

import pytest

from lms.api import tokens
from lms.people import roles
from tests.factories import placed_official
from tests.reports.conftest import clock, course, groups, other_course, tree  # noqa: F401
from tests.reports.test_dashboard_views import world  # noqa: F401


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def token_of():
    """``token_of(user)``: the secret of a new token of ``user``."""

    def make(user, **kwargs):
        return tokens.issue(user, "Hệ thống báo cáo tỉnh", **kwargs)[1]

    return make


@pytest.fixture
def api(client, token_of):
    """``api(user)``: a GET function to the API with a new token of ``user``."""

    def for_user(user):
        headers = bearer(token_of(user))

        def get(path, params=None):
            return client.get(f"/api/v1/{path}", params or {}, headers=headers)

        return get

    return for_user


@pytest.fixture
def official_user(world):  # noqa: F811
    official = placed_official(world.a)
    official.user.groups.add(roles.ensure_roles()[roles.OFFICIAL])
    return official.user
