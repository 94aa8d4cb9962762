"""Writing the ledger and delivering it.

``record(recipient_id, topic, object_id, trigger, day, cycle=1) -> bool``
    One notification; False when its key is in the ledger already.
``record_many(rows) -> int``
    ``Key`` rows inserted in batches, conflicts ignored; how many were new.
``record_select(select_sql, params) -> int``
    Set-based recording for callers with 100 000s of rows: ``select_sql`` selects the six key
    columns (recipient_id, topic, object_id, trigger, cycle, day) and the rows are inserted with
    one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL alike).
``run_day(day=None) -> dict``
    Every registered source's ``collect(day)``, then ``deliver(day)``; ``day`` defaults to today in
    Asia/Ho_Chi_Minh. Safe to run twice, and from two workers at once.
``deliver(day) -> int``
    The e-mails of ``day`` (``delivery``): one per person per day, listing all of that person's
    pending notifications whose nominal day has come; returns how many e-mails were sent.
``mark_read(user, ids) -> int``
    Marks the user's own notifications read (``ids`` None: all of them); how many changed.
"""

import datetime
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from lms.core.dates import today

from . import delivery, registry
from .models import KEY_FIELDS, EmailStatus, Notification

BATCH = 500


class Key(NamedTuple):
    """The ledger key of one notification."""

    recipient_id: int
    topic: str
    object_id: int
    trigger: str
    day: datetime.date
    cycle: int = 1


def _table() -> str:
    return connection.ops.quote_name(Notification._meta.db_table)


def _columns() -> str:
    return ", ".join(connection.ops.quote_name(name) for name in KEY_FIELDS)


def _now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def record(recipient_id: int, topic: str, object_id: int, trigger: str, day: datetime.date, cycle: int = 1) -> bool:
    return record_many([Key(recipient_id, topic, object_id, trigger, day, cycle)]) == 1


def record_many(rows: Iterable[Key]) -> int:
    """Insert the rows ``BATCH`` at a time with "on conflict do nothing"; the number inserted."""
    rows = iter(rows)
    inserted = 0
    columns = f"{_columns()}, created_at, email_status"
    with connection.cursor() as cursor:
        while batch := list(islice(rows, BATCH)):
            now = _now()
            values: list[str] = []
            params: list[Any] = []
            for row in batch:
                values.append("(%s, %s, %s, %s, %s, %s, %s, %s)")
                params += [row.recipient_id, row.topic, row.object_id, row.trigger, row.cycle]
                params += [connection.ops.adapt_datefield_value(row.day), now, EmailStatus.PENDING.value]
            cursor.execute(
                f"INSERT INTO {_table()} ({columns}) VALUES {', '.join(values)} ON CONFLICT ({_columns()}) DO NOTHING",
                params,
            )
            inserted += max(cursor.rowcount, 0)
    return inserted


def record_select(select_sql: str, params: Sequence[Any]) -> int:
    """Insert the key rows that ``select_sql`` selects (new ones only); the number inserted.

    ``WHERE true`` settles SQLite's parsing ambiguity between a join's ``ON`` and the upsert's."""
    sql = (
        f"INSERT INTO {_table()} ({_columns()}, created_at, email_status)"
        f" SELECT q.*, %s, %s FROM ({select_sql}) q WHERE true"
        f" ON CONFLICT ({_columns()}) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_now(), EmailStatus.PENDING.value, *params])
        return max(int(cursor.rowcount), 0)


def deliver(day: datetime.date) -> int:
    return delivery.deliver(day)


def run_day(day: datetime.date | None = None) -> dict[str, Any]:
    """``{"day", "recorded": {source: count}, "sent"}``."""
    day = day or today()
    recorded = {name: collect(day) for name, collect in registry.sources().items()}
    return {"day": day, "recorded": recorded, "sent": deliver(day)}


def mark_read(user: Any, ids: Iterable[int] | None) -> int:
    unread = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
