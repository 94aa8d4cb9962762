import os

import pytest

from lms.people import roles
from tests.factories import OfficialFactory, make_course, site_tree
from tests.support.auth import logged_in
from tests.support.db import skip_unless_postgresql
from tests.support.people import administrator

# Tests that need a real service skip when it is missing, unless REQUIRE_SERVICES=1 (as in CI).
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def skip_or_fail(reason):
    if REQUIRE_SERVICES:
        pytest.fail(reason)
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    skip_unless_postgresql(items)  # tests marked tests.support.db.postgres_only


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def site(db):
    return site_tree()


@pytest.fixture
def catalogue(site):
    return site[1]


@pytest.fixture
def course(catalogue):
    return make_course(catalogue)


@pytest.fixture
def official(db):
    return OfficialFactory()


@pytest.fixture
def learner_client(client, official):
    return logged_in(client, official.user)


@pytest.fixture
def role_groups(catalogue):
    """The role groups by role (``lms.people.roles``), trainers editing under the catalogue."""
    return roles.ensure_roles(catalogue)


@pytest.fixture
def admin_user(db):
    """The superuser ``quantri`` (instead of pytest-django's ``admin``)."""
    return administrator()


@pytest.fixture
def admin_client(client, admin_user):
    """A client logged in as ``admin_user`` (instead of pytest-django's)."""
    return logged_in(client, admin_user)


@pytest.fixture
def celery_conf():
    """Change the Celery app's configuration for one test; connection pools are rebuilt both ways."""
    from kombu import pools

    from lms.celery import app

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None
        pools.reset()

    saved = {}

    def update(**conf):
        for key in conf:
            saved.setdefault(key, app.conf[key])
        reset_pools()
        app.conf.update(**conf)

    yield update
    reset_pools()
    app.conf.update(**saved)
