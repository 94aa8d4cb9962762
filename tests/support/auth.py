"""Clients logged in for a test (Django's ``force_login``: no password, no throttling), and what
the admin answers a user it refuses."""

from django.urls import reverse


def logged_in(client, user):
    """``client`` logged in as ``user``; with ``None`` it stays anonymous."""
    if user is not None:
        client.force_login(user)
    return client


def login(client, world, role):
    """``client`` logged in as ``world["people"][role]``, a world that names its users by role
    (``"anonymous"`` is ``None``): tests.certificates.hr_world, tests.people.test_permission_matrix."""
    return logged_in(client, world["people"][role])


def assert_sent_to_the_admin_home(response):
    """How Wagtail refuses one of its pages to a user who may use the admin but not that page: a
    redirect to the admin's home (``tests/people/test_permission_matrix.py``)."""
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
