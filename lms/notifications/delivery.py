"""The daily e-mail: one per person per day, listing all of that person's pending notifications.

Recipients with pending notifications whose nominal day has come are taken ``CHUNK`` at a time
(by id), with the same queries for a chunk whatever its size:

1. those who have had their e-mail of the day already are left out: their notifications stay
   pending and go out in tomorrow's e-mail;
2. an inactive user (or inactive official) has their notifications marked ``inactive``, one
   without an address ``no_address``: nobody is written to, and HR can list them;
3. in one transaction, a ``DailyEmail`` row is inserted for each of the others with "on conflict
   do nothing … returning": the rows inserted are this delivery's to send (a second delivery at
   the same time waits on those rows, then finds them and sends nothing); the notifications are
   described (one call per topic), the obsolete ones marked ``obsolete``, and each person's e-mail
   sent through one mail connection for the chunk; the notifications sent are marked ``sent``.

A failed send stops the chunk: what was sent stays sent, the claims of the others are released
(their notifications stay pending), the transaction commits, and the error is raised for the
task's retry, which sends the rest and nothing twice.
"""

import datetime
import logging
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation

from lms.core.mail import absolute_url, templated_email

from . import registry, rendering
from .models import DailyEmail, EmailStatus, Notification, NotificationQuerySet

logger = logging.getLogger(__name__)

CHUNK = 500
IDS_PER_UPDATE = 5000
TEMPLATE = "notifications/email/daily"


def awaiting(day: datetime.date) -> NotificationQuerySet:
    """Pending notifications due by ``day`` of people who have not had their e-mail of ``day``."""
    sent_today = DailyEmail.objects.filter(recipient_id=OuterRef("recipient_id"), day=day)
    return Notification.objects.due_by(day).filter(~Exists(sent_today))


def deliver(day: datetime.date) -> int:
    sent, after = 0, 0
    while True:
        recipients = list(
            awaiting(day)
            .filter(recipient_id__gt=after)
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
            .distinct()[:CHUNK]
        )
        if not recipients:
            return sent
        sent += _deliver_chunk(recipients, day)
        after = recipients[-1]


def _is_inactive(user: Any) -> bool:
    official = getattr(user, "official", None)
    return not user.is_active or (official is not None and not official.is_active)


def _set_status(ids: list[int], day: datetime.date, status: str) -> None:
    if ids:
        Notification.objects.due_by(day).filter(recipient_id__in=ids).update(email_status=status)


def _sort(recipient_ids: list[int], day: datetime.date) -> dict[int, Any]:
    """Mark the notifications of the inactive and of those without an address; the others by id."""
    users = get_user_model().objects.filter(pk__in=recipient_ids).select_related("official").order_by("pk")
    inactive, no_address, reachable = [], [], {}
    for user in users:
        if _is_inactive(user):
            inactive.append(user.pk)
        elif not (user.email or "").strip():
            no_address.append(user.pk)
        else:
            reachable[user.pk] = user
    _set_status(inactive, day, EmailStatus.INACTIVE)
    _set_status(no_address, day, EmailStatus.NO_ADDRESS)
    return reachable


def _live(recipient_ids: list[int], day: datetime.date) -> dict[int, list[rendering.Item]]:
    """The items to e-mail, by recipient; the obsolete notifications are marked so."""
    notifications = list(Notification.objects.due_by(day).filter(recipient_id__in=recipient_ids).order_by("day", "pk"))
    facts = registry.describe(notifications)
    _update([n.pk for n in notifications if facts[n.pk] is None], email_status=EmailStatus.OBSOLETE)
    live: dict[int, list[rendering.Item]] = defaultdict(list)
    with translation.override(settings.LANGUAGE_CODE):
        for notification in notifications:
            described = facts[notification.pk]
            if described is not None:
                live[notification.recipient_id].append(rendering.item(notification, described, day))
    return live


def _send(messages: list[tuple[int, EmailMessage]]) -> tuple[list[int], Exception | None]:
    """Send through one connection, stopping at the first failure: who was sent to, and the error."""
    done: list[int] = []
    if not messages:
        return done, None
    with get_connection() as mail:
        for recipient_id, message in messages:
            message.connection = mail
            try:
                message.send()
            except Exception as error:  # the rest stay pending, for the retry
                logger.exception("The daily e-mail to user %s failed", recipient_id)
                return done, error
            done.append(recipient_id)
    return done, None


def _deliver_chunk(recipient_ids: list[int], day: datetime.date) -> int:
    reachable = _sort(recipient_ids, day)
    if not reachable:
        return 0
    with transaction.atomic():
        claims = _claim(list(reachable), day)
        if not claims:
            return 0
        live = _live(list(claims), day)
        with translation.override(settings.LANGUAGE_CODE):
            messages = [(r, _message(reachable[r], live[r], day)) for r in sorted(live)]
        done, failure = _send(messages)
        now = timezone.now()
        _update([item.notification.pk for r in done for item in live[r]], email_status=EmailStatus.SENT, emailed_at=now)
        DailyEmail.objects.bulk_update(
            [DailyEmail(pk=claims[r], recipient_id=r, day=day, sent_at=now, count=len(live[r])) for r in done],
            ["sent_at", "count"],
        )
        sent = set(done)
        released = [row_id for r, row_id in claims.items() if r not in sent]
        if released:  # not written to (failed, or nothing left but obsolete): free for a later run
            DailyEmail.objects.filter(pk__in=released).delete()
    if failure is not None:
        raise failure
    return len(done)


def _claim(recipient_ids: list[int], day: datetime.date) -> dict[int, int]:
    """Insert the day's ``DailyEmail`` rows of these people; ``{recipient_id: row id}`` of the ones
    this call inserted (the others belong to a delivery that got there first)."""
    quote = connection.ops.quote_name
    table, columns = (
        quote(DailyEmail._meta.db_table),
        ", ".join(map(quote, ("recipient_id", "day", "sent_at", "count"))),
    )
    values = ", ".join(["(%s, %s, %s, 0)"] * len(recipient_ids))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    on = connection.ops.adapt_datefield_value(day)
    params: list[Any] = []
    for recipient_id in recipient_ids:
        params += [recipient_id, on, now]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES {values}"
            f" ON CONFLICT ({quote('recipient_id')}, {quote('day')}) DO NOTHING RETURNING {quote('recipient_id')}, {quote('id')}",
            params,
        )
        return dict(cursor.fetchall())


def _update(ids: list[int], **fields: Any) -> None:
    for start in range(0, len(ids), IDS_PER_UPDATE):
        Notification.objects.filter(pk__in=ids[start : start + IDS_PER_UPDATE]).update(**fields)


def _name(user: Any) -> str:
    official = getattr(user, "official", None)
    if official is not None and official.full_name:
        return official.full_name
    return user.get_full_name() or user.get_username()


def _message(user: Any, items: list[rendering.Item], day: datetime.date) -> EmailMessage:
    context = {
        "name": _name(user),
        "day": day,
        "count": len(items),
        "groups": rendering.grouped(items),
        "notifications_url": absolute_url(reverse("notifications:list")),
    }
    return templated_email(TEMPLATE, context, [user.email.strip()])
