"""Who may see and manage which officials. Every HR page, export and API lists officials through
``visible_officials``; there is no second way.

An administrator sees everyone. An HR user sees the subtrees of the units in their HR scopes,
plus the closed units that were merged into them (their officials' records belong to the
successor's history). A read-only scope (a unit head) grants sight but not change.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

from .models import HRScope, Official, OrgUnit
from .roles import ADMIN, ROLE_NAMES


def is_administrator(user):
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.groups.filter(name=ROLE_NAMES[ADMIN]).exists()


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    read_paths: tuple = ()
    manage_paths: tuple = ()

    @property
    def is_empty(self):
        return not self.everything and not self.read_paths

    def paths(self, manage=False):
        return self.manage_paths if manage else self.read_paths

    def units_q(self, manage=False, prefix=""):
        """A Q selecting the units of this scope (through ``prefix`` when filtering a related model)."""
        if self.everything:
            return Q()
        paths = self.paths(manage)
        if not paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{prefix}path__startswith": path}) for path in paths))

    def covers(self, unit, manage=False):
        return self.covers_path(unit.path, manage)

    def covers_path(self, unit_path, manage=False):
        return self.everything or any(unit_path.startswith(path) for path in self.paths(manage))


def _with_predecessors(paths):
    """Add the subtrees of closed units whose successor (transitively) lies within ``paths``."""
    paths = set(paths)
    while paths:
        inside = reduce(or_, (Q(successor__path__startswith=path) for path in paths))
        new = set(OrgUnit.objects.filter(inside).values_list("path", flat=True)) - paths
        new = {p for p in new if not any(p.startswith(existing) for existing in paths)}
        if not new:
            break
        paths |= new
    return tuple(sorted(paths))


def scope_for(user):
    """The user's scope; computed once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    cached = getattr(user, "_lms_scope", None)
    if cached is not None:
        return cached
    if is_administrator(user):
        scope = Scope(everything=True)
    else:
        grants = list(HRScope.objects.filter(user=user).values_list("unit__path", "can_manage"))
        scope = Scope(
            read_paths=_with_predecessors(path for path, _ in grants) if grants else (),
            manage_paths=_with_predecessors(path for path, can in grants if can) if any(c for _, c in grants) else (),
        )
    user._lms_scope = scope
    return scope


def visible_officials(user, manage=False):
    """The officials ``user`` may see (or, with ``manage``, change): the one way to list officials."""
    scope = scope_for(user)
    return Official.objects.filter(scope.units_q(manage, prefix="unit__"))


def visible_units(user, manage=False):
    return OrgUnit.objects.filter(scope_for(user).units_q(manage))


def can_see_official(user, official, manage=False):
    return scope_for(user).covers(official.unit, manage)
