"""The organisation tree as it changes: units are created, renamed, moved, closed and merged, and
officials move between them with a dated history.

Units are closed, never deleted: records made under a unit (placements, enrolments) stay attached
to it, and a closed unit names its ``successor`` so that today's structure can still account for
them. Every refusal is a ``StructureError`` with a message for the administrator.
"""

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.db import transaction
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from . import signals
from .models import Official, OrgUnit, Placement

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrPromise

ONE_DAY = datetime.timedelta(days=1)
EDITABLE_FIELDS = {"name", "kind", "code", "valid_from"}


class StructureError(ValueError):
    """A refused change of the tree; ``field`` names the form field the message belongs to, if any."""

    def __init__(self, message: "str | StrPromise", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def _fresh(unit: OrgUnit, lock: bool = False) -> OrgUnit:
    # Tree operations must work on the stored path and numchild, never on a stale copy.
    queryset = OrgUnit.objects.select_for_update() if lock else OrgUnit.objects
    return queryset.get(pk=unit.pk)  # type: ignore[no-any-return]  # treebeard's manager has no type hints


def _check_code_free(code: str | None, unit: OrgUnit | None = None) -> None:
    taken = OrgUnit.objects.filter(code=code)
    if unit is not None:
        taken = taken.exclude(pk=unit.pk)
    if taken.exists():
        raise StructureError(_("Another unit already has the code “%(code)s”.") % {"code": code}, "code")


@transaction.atomic
def create_unit(parent: OrgUnit | None, **fields: Any) -> OrgUnit:
    """Add a unit as the last child of ``parent`` (a top-level unit when ``parent`` is None)."""
    if not (fields.get("name") or "").strip():
        raise StructureError(_("A unit needs a name."), "name")
    _check_code_free(fields.get("code"))
    if parent is None:
        return _announced(OrgUnit.add_root(**fields))
    parent = _fresh(parent, lock=True)
    if parent.is_closed and fields.get("valid_to") is None:
        raise StructureError(
            _("“%(name)s” is closed: new units go under an open unit.") % {"name": parent.name}, "parent"
        )
    return _announced(parent.add_child(**fields))


def _announced(unit: OrgUnit) -> OrgUnit:
    """Tell listeners (the report tallies), inside this transaction, that the tree changed at ``unit``."""
    signals.units_changed.send(sender=OrgUnit, unit_ids=[unit.pk])
    return unit


@transaction.atomic
def update_unit(unit: OrgUnit, **fields: Any) -> OrgUnit:
    """Change the unit's own data (name, kind, code, valid from); its place in the tree is ``move_unit``'s."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_unit() cannot change {', '.join(sorted(unknown))}")
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise StructureError(_("A unit needs a name."), "name")
    if "code" in fields:
        _check_code_free(fields["code"], unit)
    valid_to = _fresh(unit).valid_to
    valid_from = fields.get("valid_from", unit.valid_from)
    if valid_to and valid_from and valid_from > valid_to:
        raise StructureError(
            _("The unit closed on %(date)s; it cannot have been opened later.") % {"date": _day(valid_to)},
            "valid_from",
        )
    for name, value in fields.items():
        setattr(unit, name, value)
    # update_fields: never write back a path that a concurrent move may have changed.
    unit.save(update_fields=sorted(fields))
    return _announced(unit)


def rename_unit(unit: OrgUnit, name: str) -> OrgUnit:
    return update_unit(unit, name=name)


@transaction.atomic
def move_unit(unit: OrgUnit, new_parent: OrgUnit | None) -> OrgUnit:
    """Make ``unit`` (with its subtree) the last child of ``new_parent``, or a top-level unit if None."""
    current = _fresh(unit, lock=True)
    if new_parent is None:
        if current.is_root():
            return unit
        target, position = OrgUnit.get_last_root_node(), "last-sibling"
    else:
        target, position = _fresh(new_parent, lock=True), "last-child"
        if target.path.startswith(current.path):
            raise StructureError(_("A unit cannot be moved under itself or one of its own sub-units."), "parent")
        if target.is_closed and not current.is_closed:
            raise StructureError(
                _("“%(name)s” is closed: an open unit cannot be moved under it.") % {"name": target.name}, "parent"
            )
        if current.path[: -OrgUnit.steplen] == target.path:
            return unit
    current.move(target, pos=position)
    unit.refresh_from_db()
    return _announced(unit)


@transaction.atomic
def move_official(
    official: Official, unit: OrgUnit, on_date: datetime.date, changed_by: "User | None" = None
) -> Official:
    """Place ``official`` in ``unit`` from ``on_date``: the open placement ends the day before."""
    unit = _fresh(unit)
    if unit.is_closed:
        raise StructureError(
            _("“%(name)s” is closed: officials can only be moved to an open unit.") % {"name": unit.name}, "unit"
        )
    if unit.valid_from and on_date < unit.valid_from:
        raise StructureError(
            _("“%(name)s” only exists from %(date)s.") % {"name": unit.name, "date": _day(unit.valid_from)}, "unit"
        )
    locked = Official.objects.select_for_update().get(pk=official.pk)
    if locked.unit_id == unit.pk:
        return official
    placement = Placement.objects.select_for_update().filter(official=locked, ended_on__isnull=True).first()
    if placement is None:
        # Officials recorded without a placement: keep the unit they leave in their history,
        # from the earliest day we know they were there.
        known_since = min(filter(None, [locked.start_date, on_date - ONE_DAY]))
        placement = Placement.objects.create(official=locked, unit_id=locked.unit_id, started_on=known_since)
    if on_date <= placement.started_on:
        raise StructureError(
            _("%(name)s has been in the current unit since %(date)s; the move must take effect after that.")
            % {"name": locked.full_name, "date": _day(placement.started_on)},
            "on_date",
        )
    placement.ended_on = on_date - ONE_DAY
    placement.save(update_fields=["ended_on"])
    Placement.objects.create(official=locked, unit=unit, started_on=on_date, changed_by=changed_by)
    locked.unit = unit
    locked.save(update_fields=["unit"])
    official.unit = unit
    return official


@transaction.atomic
def close_unit(
    unit: OrgUnit, on_date: datetime.date, successor: OrgUnit | None = None, *, changed_by: "User | None" = None
) -> OrgUnit:
    """Close ``unit`` and its still-open sub-units on ``on_date`` (their last day), pointing them at
    ``successor``; their active officials move to the successor the next day."""
    current = _fresh(unit, lock=True)
    if current.is_closed:  # so it has a last day
        raise StructureError(
            _("“%(name)s” is already closed (last day %(date)s).")
            % {"name": current.name, "date": _day(cast(datetime.date, current.valid_to))}
        )
    if successor is not None:
        successor = _fresh(successor)
        if successor.path.startswith(current.path):
            raise StructureError(_("The successor cannot be the unit itself or one of its sub-units."), "successor")
        if successor.is_closed:
            raise StructureError(
                _("“%(name)s” is closed and cannot take over other units.") % {"name": successor.name}, "successor"
            )
        if successor.valid_from and successor.valid_from > on_date + ONE_DAY:
            raise StructureError(
                _("“%(name)s” only exists from %(date)s: close this unit the day before at the latest.")
                % {"name": successor.name, "date": _day(successor.valid_from)},
                "successor",
            )
    closing = list(OrgUnit.objects.select_for_update().subtree(current).open().order_by("path"))
    opened_later = [u for u in closing if u.valid_from and u.valid_from > on_date]
    if opened_later:
        raise StructureError(
            _("“%(name)s” opened on %(date)s, after the closing date.")
            % {"name": opened_later[0].name, "date": _day(opened_later[0].valid_from)},
            "on_date",
        )
    officials = list(Official.objects.filter(unit__in=closing, is_active=True).order_by("pk"))
    if officials and successor is None:
        raise StructureError(
            ngettext_lazy(
                "%(count)d active official still works in this unit or its sub-units: "
                "choose a successor to move them to.",
                "%(count)d active officials still work in this unit or its sub-units: "
                "choose a successor to move them to.",
                "count",
            )
            % {"count": len(officials)},
            "successor",
        )
    OrgUnit.objects.filter(pk__in=[u.pk for u in closing]).update(valid_to=on_date, successor=successor)
    for official in officials:  # officials without a successor were refused above
        move_official(official, cast(OrgUnit, successor), on_date + ONE_DAY, changed_by=changed_by)
    unit.refresh_from_db()
    return _announced(unit)


@transaction.atomic
def merge_units(
    units: Iterable[OrgUnit], into: OrgUnit, on_date: datetime.date, *, changed_by: "User | None" = None
) -> OrgUnit:
    """Close each of ``units`` on ``on_date`` with ``into`` as successor (the 2025 reform: communes
    merged; a district closed with its communes points them at the new commune)."""
    unique = {u.pk: u for u in units}
    # Sub-units first, so that a district listed with its communes does not close them twice.
    for unit in sorted(unique.values(), key=lambda u: -_fresh(u).depth):
        close_unit(unit, on_date, into, changed_by=changed_by)
    return into


def current_unit(unit: OrgUnit | None) -> OrgUnit | None:
    """The open unit that stands for ``unit`` today: itself, or the end of its successor chain
    (None when the chain ends at a closed unit without successor or loops)."""
    seen = set()
    while unit is not None and unit.is_closed:
        if unit.pk in seen:
            return None
        seen.add(unit.pk)
        unit = unit.successor
    return unit


class _Node(NamedTuple):
    path: str
    is_open: bool
    successor_id: int | None


def _follow(unit_id: int, nodes: dict[int, _Node]) -> int | None:
    """In-memory ``current_unit``: the id reached (possibly outside ``nodes``), or None at a dead end."""
    seen = set()
    while unit_id in nodes and not nodes[unit_id].is_open:
        successor_id = nodes[unit_id].successor_id
        if unit_id in seen or successor_id is None:
            return None
        seen.add(unit_id)
        unit_id = successor_id
    return unit_id


def current_structure_counts(root: OrgUnit) -> dict[int, int]:
    """``{unit pk: active officials}`` for every open unit of ``root``'s subtree, in tree order.

    Each official counts once, where they stand in today's structure: in their unit, or, if that
    unit is closed, in its ``current_unit`` (a closed unit without one keeps its own place), and
    in every open unit above it. Two queries, whatever the size of the tree.
    """
    relevant = OrgUnit.objects.subtree(root) | OrgUnit.objects.closed().filter(successor__isnull=False)
    nodes = {
        pk: _Node(path, valid_to is None, successor_id)
        for pk, path, valid_to, successor_id in relevant.values_list("pk", "path", "valid_to", "successor_id")
    }
    per_unit = (
        Official.objects.filter(is_active=True, unit__in=relevant)
        .values_list("unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    open_paths = {
        node.path: pk
        for pk, node in sorted(nodes.items(), key=lambda item: item[1].path)
        if node.is_open and node.path.startswith(root.path)
    }
    counts = dict.fromkeys(open_paths.values(), 0)
    for unit_id, n in per_unit:
        target = _follow(unit_id, nodes)
        if target is None:
            path = nodes[unit_id].path
        elif target in nodes:
            path = nodes[target].path
        else:
            continue  # merged into a unit outside this subtree
        for end in range(len(root.path), len(path) + 1, OrgUnit.steplen):
            pk = open_paths.get(path[:end])
            if pk is not None:
                counts[pk] += n
    return counts
