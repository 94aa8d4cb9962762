"""Keeping the tallies equal to a count of their three inputs — enrolments, ``TalliedOfficial`` and
``UnitRollup`` — through every change, inside the transaction that makes it.

* An enrolment change adds ``after - before``, computed in Python (a handful of rows).
* An official change is set-based: the official's records are taken out under the tallied state,
  the state is replaced, and they are put back under the new one.
* A change of the tree recomputes the unit map; the records of units whose place changed are
  taken out under the old map and put back under the new one.

Locks, on PostgreSQL, always in this order: the enrolment row (the learning service's); the
``TalliedOfficial`` row (learners FOR KEY SHARE; a change of group or activity FOR UPDATE, a mere
move FOR NO KEY UPDATE, which learners do not wait for); the units counted in (FOR KEY SHARE) and
their ``UnitRollup`` rows (FOR SHARE; a change of the tree takes them FOR UPDATE before writing
anything); then tally rows, table by table in key order. So a tree change, a change of group and
learners' activity on the same records serialise instead of double-counting or losing a delta,
and two learners never wait on each other crosswise.
"""

import datetime
from collections import defaultdict

from django.db import connection

from lms.core.dates import local, today
from lms.learning.models import Enrollment
from lms.people.models import Official, OrgUnit

from . import rollup, tally_sql
from .models import TalliedOfficial

CHUNK = 2000  # ids per IN (…) list (SQLite takes up to 32 766 parameters)
UPSERT_ROWS = 100  # rows per VALUES statement (stays under SQLite's parameter limit)


def _chunks(ids):
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _placeholders(ids):
    return ", ".join(["%s"] * len(ids))


def month_key(moment):
    moment = local(moment)
    return moment.year * 100 + moment.month


# Enrolments ----------------------------------------------------------------------------------


def status(state):
    """What an enrolment state counts as, wherever it counts: (course, year, completed, in
    progress, due date while incomplete, month of completion), or None for no enrolment."""
    if state is None:
        return None
    completed = state.completed_at is not None
    in_progress = (
        not completed
        and state.last_activity_at is not None
        and (state.cycle_started_at is None or state.last_activity_at > state.cycle_started_at)
    )
    return (
        state.course_id or 0,
        local(state.cycle_started_at or state.enrolled_at).year,
        completed,
        in_progress,
        None if completed else state.due_date,
        month_key(state.completed_at) if completed else None,
    )


def enrollment_changed(before, after):
    """Apply the change of one enrolment from ``before`` to ``after`` (either may be None)."""
    old, new = status(before), status(after)
    if old == new and (before is None or before.unit_id == after.unit_id):
        return  # another lesson done: nothing counted changes, and nothing is queried
    official_id = (after or before).official_id
    official, counted_now = _tallied_official(official_id)
    if counted_now or official is None or not official.is_active:
        return  # reconciling the official just counted the enrolment as it is now
    deltas = Deltas()
    for state, counts, sign in ((before, old, -1), (after, new, 1)):
        if state is None:
            continue
        places, mapped_now = _places(state.unit_id or official.unit_id)
        if mapped_now:
            return  # mapping the unit just counted its records as they are now
        deltas.add_enrollment(counts, official.position_group_id, places, sign)
    deltas.write()


def _tallied_official(official_id):
    """The tallied state of the official, locked FOR KEY SHARE (a change of group or activity takes
    it FOR UPDATE and so waits, or is waited for; a mere move does not), and whether it was created
    (and counted) just now."""
    row = _locked_tallied(official_id)
    if row is not None:
        return row, False
    reconcile_officials([official_id])
    return _locked_tallied(official_id), True


def _locked_tallied(official_id):
    lock = " FOR KEY SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT official_id, unit_id, position_group_id, is_active FROM {TalliedOfficial._meta.db_table}"
            f" WHERE official_id = %s{lock}",
            [official_id],
        )
        row = cursor.fetchone()
    return TalliedOfficial(*row) if row else None


def _places(unit_id):
    """(tally unit, kind) pairs a record of ``unit_id`` adds to, share-locked; and whether the unit
    was only mapped (and its records counted) just now."""
    rollup.lock([unit_id], share=True)
    places = sorted(rollup.stored([unit_id]).get(unit_id, ()))
    if places:
        return places, False
    if unit_id in refresh_structure():
        return sorted(rollup.stored([unit_id]).get(unit_id, ())), True
    return places, False


class Deltas:
    """Increments per tally row, written as sorted upserts, one statement per table and 100 rows."""

    def __init__(self):
        self.rows = {table: defaultdict(lambda t=table: [0] * len(t.values)) for table in tally_sql.TABLES}

    def _bump(self, table, key, values):
        row = self.rows[table][key]
        for index, value in enumerate(values):
            row[index] += value

    def add_enrollment(self, counts, group_id, places, sign):
        course_id, year, completed, in_progress, due_date, month = counts
        for unit_id, kind in places:
            key = (unit_id, kind, group_id, course_id, year)
            self._bump(tally_sql.ENROLLMENTS, key, (sign, sign * completed, sign * in_progress))
            if due_date is not None:
                self._bump(tally_sql.DUE, (*key, due_date), (sign,))
            if month is not None:
                self._bump(tally_sql.COMPLETIONS, (*key, month), (sign,))

    def write(self):
        with connection.cursor() as cursor:
            for table in tally_sql.TABLES:
                changed = sorted((k, v) for k, v in self.rows[table].items() if any(v))
                for start in range(0, len(changed), UPSERT_ROWS):
                    _upsert(cursor, table, changed[start : start + UPSERT_ROWS])


def _upsert(cursor, table, rows):
    columns = table.keys + table.values
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    increments = ", ".join(f"{v} = {table.name}.{v} + excluded.{v}" for v in table.values)
    cursor.execute(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {', '.join([row_sql] * len(rows))}"
        f" ON CONFLICT ({', '.join(table.keys)}) DO UPDATE SET {increments}",
        [value for key, values in rows for value in (*key, *values)],
    )


# Enrolments written set-based are counted ``CHUNK`` per statement on SQLite (its parameter limit)
# but ``BULK_CHUNK`` on PostgreSQL: a plan's activation adds 25 000 at a time, and each statement
# reads the tallied officials and the open enrolments with a due date once, however few it counts
# (bench/training.py).
BULK_CHUNK = 50_000


def _bulk_chunks(ids):
    size = BULK_CHUNK if connection.vendor == "postgresql" else CHUNK
    ids = sorted(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def enrollments_added(enrollment_ids):
    """Count enrolments inserted set-based (``learning.bulk``), ``_bulk_chunks`` per statement.
    Officials not tallied yet are reconciled (which counts all their records, these included);
    units not mapped yet are mapped (likewise)."""
    for chunk in _bulk_chunks(enrollment_ids):
        # The id range as well as the list: new rows have neighbouring ids, so that PostgreSQL reads
        # them by the primary key instead of scanning every enrolment for the list.
        rows = list(
            Enrollment.objects.filter(pk__gte=chunk[0], pk__lte=chunk[-1], pk__in=chunk).values_list(
                "pk", "official_id", "unit_id"
            )
        )
        officials = {official_id for _, official_id, _ in rows}
        tallied = set(TalliedOfficial.objects.filter(pk__in=officials).values_list("pk", flat=True))
        fresh = officials - tallied
        if fresh:
            reconcile_officials(fresh)
        units = {unit_id for _, _, unit_id in rows if unit_id is not None}
        remapped = refresh_structure() if units and len(set(rollup.stored(units))) < len(units) else set()
        rest = [pk for pk, official_id, unit_id in rows if official_id not in fresh and unit_id not in remapped]
        if rest:
            rollup.lock({unit_id for _, _, unit_id in rows if unit_id is not None}, share=True)
            where = f"e.id >= %s AND e.id <= %s AND e.id IN ({_placeholders(rest)})"
            tally_sql.add(1, where, [min(rest), max(rest), *rest], tally_sql.RECORD_TABLES)


def enrollments_rewritten(enrollment_ids, sign):
    """Take out (sign -1, before the rows change) or put back (+1, after) these enrolments."""
    for chunk in _bulk_chunks(enrollment_ids):
        tally_sql.add(sign, f"e.id IN ({_placeholders(chunk)})", chunk, tally_sql.RECORD_TABLES)


# Officials -----------------------------------------------------------------------------------


def reconcile_officials(official_ids):
    """Bring the tallied state of these officials (unit, group, active; gone if deleted) up to date,
    moving their headcount and enrolments. Set-based, ``CHUNK`` officials per round."""
    for chunk in _chunks(set(official_ids)):
        # FOR NO KEY UPDATE does not wait for learners (they hold FOR KEY SHARE); those whose group
        # or activity changes, which learners' deltas depend on, are then locked FOR UPDATE.
        tallied = {
            row.official_id: (row.unit_id, row.position_group_id, row.is_active)
            for row in TalliedOfficial.objects.select_for_update(no_key=True).filter(pk__in=chunk).order_by("pk")
        }
        live = {
            pk: (unit_id, group_id, active)
            for pk, unit_id, group_id, active in Official.objects.filter(pk__in=chunk).values_list(
                "pk", "unit_id", "position_group_id", "is_active"
            )
        }
        changed = [pk for pk in chunk if tallied.get(pk) != live.get(pk)]
        if not changed:
            continue
        _ensure_mapped({live[pk][0] for pk in changed if pk in live})
        records = set(Enrollment.objects.filter(official_id__in=changed).values_list("official_id", "unit_id"))
        with_records = {official_id for official_id, _ in records}
        units = {unit_id for _, unit_id in records} | {state[0] for state in (*tallied.values(), *live.values())}
        rollup.lock(units - {None}, share=True)
        moved = {pk for pk in changed if pk in tallied and pk in live and tallied[pk][1:] == live[pk][1:]}
        list(TalliedOfficial.objects.select_for_update().exclude(pk__in=moved).filter(pk__in=changed).order_by("pk"))
        # Newcomers (the import's thousands) have nothing to take out; leavers nothing to put back.
        for tables, where, params in _passes([pk for pk in changed if pk in tallied], moved, with_records):
            tally_sql.add(-1, where, params, tables)
        # Updated in place, never deleted and inserted again: a learner's transaction waiting on the
        # row lock must find the row, changed, when this commits (not a row that has vanished).
        TalliedOfficial.objects.bulk_create(
            [
                TalliedOfficial(official_id=pk, unit_id=unit_id, position_group_id=group_id, is_active=active)
                for pk in changed
                if pk in live
                for unit_id, group_id, active in [live[pk]]
            ],
            update_conflicts=True,
            unique_fields=["official_id"],
            update_fields=["unit_id", "position_group_id", "is_active"],
        )
        TalliedOfficial.objects.filter(pk__in=[pk for pk in changed if pk not in live]).delete()
        for tables, where, params in _passes([pk for pk in changed if pk in live], moved, with_records):
            tally_sql.add(1, where, params, tables)


def _passes(officials, moved, with_records):
    """(tables, where, params) to take out or put back ``officials``' contributions: their records
    (for those ``with_records``) and their headcount. Those who only ``moved`` keep their
    enrolments where they were made: those rows are left alone (fewer rows locked while an
    administrator closes a unit and moves its officials one by one), except for enrolments
    without a recorded unit, which follow the official."""
    passes = []
    recounted = [pk for pk in officials if pk in with_records and pk not in moved]
    moved = [pk for pk in officials if pk in with_records and pk in moved]
    if recounted or moved:
        records = " OR ".join(
            part
            for part, ids in (
                (f"e.official_id IN ({_placeholders(recounted)})", recounted),
                (f"(e.unit_id IS NULL AND e.official_id IN ({_placeholders(moved)}))", moved),
            )
            if ids
        )
        # Restricting both sides of the join lets PostgreSQL read each by its index.
        both = recounted + moved
        passes.append((tally_sql.RECORD_TABLES, f"s.official_id IN ({_placeholders(both)}) AND ({records})", both * 2))
    if officials:
        passes.append(((tally_sql.HEADCOUNT,), f"s.official_id IN ({_placeholders(officials)})", officials))
    return passes


def _ensure_mapped(unit_ids):
    """Units created without ``structure`` (fixtures, factories) are mapped on first use."""
    if unit_ids and len(set(rollup.stored(unit_ids))) < len(unit_ids):
        refresh_structure()


# The tree ------------------------------------------------------------------------------------


def map_new_unit(unit):
    """A unit just created, open, has no records yet: its own map rows are all that change (two
    queries, where ``refresh_structure`` reads the whole tree)."""
    step = len(unit.path) // unit.depth
    prefixes = [unit.path[:end] for end in range(step, len(unit.path) + 1, step)]
    ancestors = OrgUnit.objects.open().filter(path__in=prefixes).values_list("pk", flat=True)
    rollup.UnitRollup.objects.bulk_create(
        [rollup.UnitRollup(unit_id=unit.pk, ancestor_id=pk, kind=unit.kind) for pk in sorted(ancestors)],
        ignore_conflicts=True,
    )


def refresh_structure():
    """Recompute the unit map and move the records of every unit whose place changed. Returns the
    ids of those units. Cheap when nothing moved: two queries over the units."""
    expected, current = rollup.compute(), rollup.stored()
    changed = sorted(u for u in expected.keys() | current.keys() if expected.get(u, set()) != current.get(u, set()))
    if not changed:
        return set()
    for chunk in _chunks(changed):  # every lock before any write
        rollup.lock(chunk)
    for chunk in _chunks(changed):
        for tables, where, params in _unit_passes(chunk):
            tally_sql.add(-1, where, params, tables)
    for chunk in _chunks(changed):
        rollup.UnitRollup.objects.filter(unit_id__in=chunk).delete()
        rollup.UnitRollup.objects.bulk_create(rollup.rows_for(chunk, expected))
    for chunk in _chunks(changed):
        for tables, where, params in _unit_passes(chunk):
            tally_sql.add(1, where, params, tables)
    return set(changed)


def _unit_passes(unit_ids):
    """(tables, where, params) selecting the records counted through ``unit_ids``' map rows —
    written on the enrolments' own unit column, so that PostgreSQL reads them by its index."""
    units = _placeholders(unit_ids)
    return [
        (
            tally_sql.RECORD_TABLES,
            f"(e.unit_id IN ({units}) OR (e.unit_id IS NULL AND s.unit_id IN ({units})))",
            [*unit_ids, *unit_ids],
        ),
        ((tally_sql.HEADCOUNT,), f"s.unit_id IN ({units})", unit_ids),
    ]


# Due dates -----------------------------------------------------------------------------------

PAST = datetime.date(1, 1, 1)  # the row a key's past due dates are folded into


def compact_due_dates(day=None):
    """Fold the due-date rows already before ``day`` into one row per key, dated ``PAST``: every
    overdue sum stays the same, and the rows stop growing with the calendar (run nightly; the
    reports are right without it, only slower where due dates fall on many different days). A
    later change to such an enrolment subtracts from its own date's row, which may go negative
    until it is folded in turn: sums stay right."""
    day = day or today()
    table = tally_sql.DUE
    keys = [k for k in table.keys if k != "due_date"]
    columns = ", ".join(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table.name} ({columns}, due_date, pending)"
            f" SELECT {columns}, %s, SUM(pending) FROM {table.name} WHERE due_date < %s AND due_date > %s"
            f" GROUP BY {columns} ORDER BY {columns}"
            f" ON CONFLICT ({', '.join(table.keys)}) DO UPDATE SET pending = {table.name}.pending + excluded.pending",
            [PAST, day, PAST],
        )
        cursor.execute(f"DELETE FROM {table.name} WHERE due_date < %s AND due_date > %s", [day, PAST])


# Courses -------------------------------------------------------------------------------------


def course_deleted(course_id):
    """A deleted course page leaves its enrolments without a course (SET_NULL, no signal): their
    rows move to course 0 without recounting anything."""
    with connection.cursor() as cursor:
        for table in tally_sql.TABLES:
            if "course_id" not in table.keys:
                continue
            keys = ", ".join("0" if k == "course_id" else k for k in table.keys)
            order = ", ".join(k for k in table.keys if k != "course_id")
            values = ", ".join(table.values)
            increments = ", ".join(f"{v} = {table.name}.{v} + excluded.{v}" for v in table.values)
            cursor.execute(
                f"INSERT INTO {table.name} ({', '.join(table.keys + table.values)})"
                f" SELECT {keys}, {values} FROM {table.name} WHERE course_id = %s ORDER BY {order}"
                f" ON CONFLICT ({', '.join(table.keys)}) DO UPDATE SET {increments}",
                [course_id],
            )
            cursor.execute(f"DELETE FROM {table.name} WHERE course_id = %s", [course_id])

