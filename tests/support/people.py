"""Users in the platform's roles (``lms.people.roles``), as the tests need them."""

from lms.people import roles
from lms.people.models import HRScope
from tests.factories import UserFactory


def member(groups, role, **fields):
    """A new user in the group of ``role`` (``groups``: what ``roles.ensure_roles`` returned)."""
    user = UserFactory(**fields)
    user.groups.add(groups[role])
    return user


def hr_of(*units, in_group=True, can_manage=True, **fields):
    """A new HR user with a scope over each of ``units``; ``in_group``: also in the HR group."""
    user = member(roles.ensure_roles(), roles.HR, **fields) if in_group else UserFactory(**fields)
    for unit in units:
        HRScope.objects.create(user=user, unit=unit, can_manage=can_manage)
    return user


def administrator(**fields):
    """The superuser ``quantri``, as in the demo."""
    return UserFactory(**{"username": "quantri", "is_superuser": True, "is_staff": True, **fields})
