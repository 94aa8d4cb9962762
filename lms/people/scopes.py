"""Who may see and manage which officials. Every HR page, export and API lists officials through
``visible_officials``; there is no second way.

An administrator sees everyone. An HR user sees the subtrees of the units in their HR scopes,
plus the closed units that were merged into them (their officials' records belong to the
successor's history). A read-only scope (a unit head) grants sight but not change.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, cast

from django.db.models import Q, QuerySet

from .models import HRScope, Official, OrgUnit, OrgUnitQuerySet
from .roles import ADMIN, ROLE_NAMES

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    # Whatever a request carries as its user, or None.
    AnyUser = User | AnonymousUser | None


def is_administrator(user: "AnyUser") -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    user = cast("User", user)  # signed in: an account
    return user.is_superuser or user.groups.filter(name=ROLE_NAMES[ADMIN]).exists()


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    read_paths: tuple[str, ...] = ()
    manage_paths: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.read_paths

    def paths(self, manage: bool = False) -> tuple[str, ...]:
        return self.manage_paths if manage else self.read_paths

    def units_q(self, manage: bool = False, prefix: str = "") -> Q:
        """A Q selecting the units of this scope (through ``prefix`` when filtering a related model)."""
        if self.everything:
            return Q()
        paths = self.paths(manage)
        if not paths:
            return Q(pk__in=[])
        return reduce(or_, (Q(**{f"{prefix}path__startswith": path}) for path in paths))

    def covers(self, unit: OrgUnit, manage: bool = False) -> bool:
        return self.covers_path(unit.path, manage)

    def covers_path(self, unit_path: str, manage: bool = False) -> bool:
        return self.everything or any(unit_path.startswith(path) for path in self.paths(manage))


def _with_predecessors(paths: Iterable[str]) -> tuple[str, ...]:
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


def with_merged_units(paths: Iterable[str]) -> tuple[str, ...]:
    """The subtrees of ``paths`` and of every closed unit merged (transitively) into them."""
    paths = tuple(paths)
    return _with_predecessors(paths) if paths else ()


def scope_for(user: "AnyUser") -> Scope:
    """The user's scope; computed once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return Scope()
    user = cast("User", user)  # signed in: an account
    cached: Scope | None = getattr(user, "_lms_scope", None)
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
    setattr(user, "_lms_scope", scope)  # noqa: B010 (a cache of ours on the request's user; no type declares it)
    return scope


def visible_officials(user: "AnyUser", manage: bool = False) -> QuerySet[Official]:
    """The officials ``user`` may see (or, with ``manage``, change): the one way to list officials."""
    scope = scope_for(user)
    return Official.objects.filter(scope.units_q(manage, prefix="unit__"))


def visible_units(user: "AnyUser", manage: bool = False) -> OrgUnitQuerySet:
    # Treebeard's manager, which OrgUnit's extends, has no type hints: its filter() is Any here.
    return OrgUnit.objects.filter(scope_for(user).units_q(manage))  # type: ignore[no-any-return]


def can_see_official(user: "AnyUser", official: Official, manage: bool = False) -> bool:
    return scope_for(user).covers(official.unit, manage)
