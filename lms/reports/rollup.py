"""The map from units to the tally units their records add to, computed from the tree.

Same rule as ``lms.people.structure.current_structure_counts``: a record of a closed unit counts in
the open unit at the end of its successor chain; at a dead end (a closed unit without successor,
or a loop) it keeps its own place. It then adds to that unit and every open unit above it.
"""

from django.db import connection

from lms.people.models import OrgUnit

from .models import UnitRollup


def compute():
    """``{unit id: {(tally unit id, kind)}}`` for every unit, open or closed. One query."""
    nodes = {
        pk: (path, valid_to is None, successor_id, kind)
        for pk, path, valid_to, successor_id, kind in OrgUnit.objects.values_list(
            "pk", "path", "valid_to", "successor_id", "kind"
        )
    }
    open_paths = {path: pk for pk, (path, is_open, _, _) in nodes.items() if is_open}
    step = OrgUnit.steplen
    result = {}
    for pk in nodes:
        place = _follow(pk, nodes)
        path, _, _, kind = nodes[place if place is not None else pk]
        prefixes = (path[:end] for end in range(step, len(path) + 1, step))
        result[pk] = {(open_paths[p], kind) for p in prefixes if p in open_paths}
    return result


def _follow(unit_id, nodes):
    """The open unit standing for ``unit_id`` today, or None at a dead end."""
    seen = set()
    while not nodes[unit_id][1]:
        successor = nodes[unit_id][2]
        if unit_id in seen or successor is None or successor not in nodes:
            return None
        seen.add(unit_id)
        unit_id = successor
    return unit_id


def stored(unit_ids=None):
    """The map as stored, for all units or some."""
    rows = UnitRollup.objects.values_list("unit_id", "ancestor_id", "kind")
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    result = {}
    for unit_id, ancestor_id, kind in rows:
        result.setdefault(unit_id, set()).add((ancestor_id, kind))
    return result


def lock(unit_ids, share=False):
    """Lock the stored rows of ``unit_ids`` (PostgreSQL; SQLite writes one at a time anyway): shared
    by a writer of tallies that counts through them, exclusive by whoever changes them. Always in
    unit order, so two lockers never wait on each other crosswise.

    A shared locker first takes the units themselves FOR KEY SHARE — the lock its own foreign keys
    will need at commit anyway — so that ``close_unit``, which locks the units it closes FOR UPDATE
    before anything else, waits for learners already counting there instead of deadlocking with
    them halfway through."""
    if connection.vendor != "postgresql" or not unit_ids:
        return
    units = sorted(unit_ids)
    with connection.cursor() as cursor:
        if share:
            cursor.execute(
                f"SELECT 1 FROM {OrgUnit._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE", [units]
            )
        cursor.execute(
            f"SELECT 1 FROM {UnitRollup._meta.db_table} WHERE unit_id = ANY(%s) ORDER BY unit_id, ancestor_id"
            f" FOR {'SHARE' if share else 'UPDATE'}",
            [units],
        )


def rows_for(unit_ids, mapping):
    return [
        UnitRollup(unit_id=unit_id, ancestor_id=ancestor_id, kind=kind)
        for unit_id in sorted(unit_ids)
        for ancestor_id, kind in sorted(mapping.get(unit_id, ()))
    ]
