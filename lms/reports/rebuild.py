"""Recompute every tally from the raw tables (set-based), or compare them without writing."""

from dataclasses import dataclass, field

from django.db import connection, transaction

from lms.core import dates

from . import maintenance, rollup, tally_sql
from .models import TalliedOfficial, UnitRollup

CHECK_ROLLUP = "reports_check_rollup"
EXAMPLES = 5


def rebuild():
    """Replace the maps and tallies with a fresh count, in one transaction. On PostgreSQL the
    report tables are locked meanwhile: learners' progress waits (seconds) rather than being lost."""
    tables = [UnitRollup._meta.db_table, TalliedOfficial._meta.db_table] + [t.name for t in tally_sql.TABLES]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        mapping = rollup.compute()
        UnitRollup.objects.bulk_create(rollup.rows_for(mapping, mapping), batch_size=2000)
        cursor.execute(
            f"INSERT INTO {tally_sql.STORED_OFFICIALS} (official_id, unit_id, position_group_id, is_active)"
            f" SELECT official_id, unit_id, position_group_id, is_active FROM {tally_sql.LIVE_OFFICIALS} o"
        )
        tally_sql.add(1)
        maintenance.compact_due_dates()  # past due dates in one row per key, as the nightly task leaves them


@dataclass
class Drift:
    """Differences between what a table holds and what it should hold."""

    name: str
    missing: int = 0  # rows that should be there and are not
    extra: int = 0  # rows that are there and should not be
    different: int = 0
    examples: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.missing or self.extra or self.different)


def compare(name, expected, actual):
    drift = Drift(name)
    for key in sorted(expected.keys() | actual.keys(), key=repr):
        want, have = expected.get(key), actual.get(key)
        if want == have:
            continue
        if have is None:
            drift.missing += 1
        elif want is None:
            drift.extra += 1
        else:
            drift.different += 1
        if len(drift.examples) < EXAMPLES:
            drift.examples.append((key, want, have))
    return drift


def check():
    """Every difference between the stored maps and tallies and a fresh count; writes nothing
    (a temporary table aside). On PostgreSQL the count reads one consistent snapshot."""
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and outermost:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        mapping = rollup.compute()
        drifts = [compare("UnitRollup", _flat(mapping), _flat(rollup.stored()))]
        live = _officials(
            f"SELECT official_id, unit_id, position_group_id, is_active FROM {tally_sql.LIVE_OFFICIALS} o"
        )
        kept = _officials(
            f"SELECT official_id, unit_id, position_group_id, is_active FROM {tally_sql.STORED_OFFICIALS}"
        )
        drifts.append(compare("TalliedOfficial", live, kept))
        cursor.execute(
            f"CREATE TEMPORARY TABLE {CHECK_ROLLUP} (unit_id integer, ancestor_id integer, kind varchar(20))"
        )
        try:
            cursor.executemany(
                f"INSERT INTO {CHECK_ROLLUP} VALUES (%s, %s, %s)",
                [(u, a, k) for u, pairs in mapping.items() for a, k in pairs],
            )
            for table in tally_sql.TABLES:
                expected = tally_sql.counted(table, officials=tally_sql.LIVE_OFFICIALS, rollup=CHECK_ROLLUP)
                actual = tally_sql.stored(table)
                if table is tally_sql.DUE:  # past due dates may have been folded together
                    expected, actual = _fold_past(expected), _fold_past(actual)
                drifts.append(compare(table.model.__name__, expected, actual))
        finally:
            cursor.execute(f"DROP TABLE {CHECK_ROLLUP}")
    return [drift for drift in drifts if drift]


def _fold_past(rows):
    """Due-date rows with every date before today summed into one (``maintenance.compact_due_dates``)."""
    today = dates.today().isoformat()
    folded = {}
    for key, (pending,) in rows.items():
        if key[-1] < today:
            key = (*key[:-1], maintenance.PAST.isoformat())
        folded[key] = folded.get(key, 0) + pending
    return {key: (pending,) for key, pending in folded.items() if pending}


def _flat(mapping):
    return {(unit_id, ancestor_id): (kind,) for unit_id, pairs in mapping.items() for ancestor_id, kind in pairs}


def _officials(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {row[0]: (row[1], row[2], bool(row[3])) for row in cursor.fetchall()}
