"""Reading the ledger.

``unread_count(user) -> int``
    The user's unread notifications (obsolete ones left out), in one query: the header's bell.
``for_user(user)``
    The user's notifications, newest first (obsolete ones left out).
``page_for(user, number, per_page)``
    A page of ``for_user`` whose objects are ``rendering.Item``s (sentence, lines, link): the
    same queries whatever the number of notifications (a count, the page, one ``describe`` per
    topic on the page). A notification whose object has become obsolete since is left out.
``own(user, pk)``
    The user's notification ``pk``, or None (another user's is nobody's business).
``not_emailed(recipient_ids)``
    The notifications of these users that could not be e-mailed (no address, inactive): HR lists
    those officials.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.paginator import Page
from django.db.models import QuerySet

from lms.core.dates import local
from lms.core.paging import page_of

from . import registry, rendering
from .models import Notification

PER_PAGE = 20


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user).unread().visible().count()


def for_user(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).visible().order_by("-created_at", "-pk")


def own(user: Any, pk: int) -> Notification | None:
    return Notification.objects.filter(recipient=user, pk=pk).first()


def not_emailed(recipient_ids: Iterable[int] | QuerySet[Any]) -> QuerySet[Notification]:
    ids = recipient_ids if isinstance(recipient_ids, QuerySet) else list(recipient_ids)
    return Notification.objects.not_emailed().filter(recipient_id__in=ids)


def told_on(notification: Notification) -> datetime.date:
    """The day a notification spoke on: the day it was e-mailed, else the later of its nominal day
    and the day it was recorded."""
    if notification.emailed_at is not None:
        return local(notification.emailed_at).date()
    return max(notification.day, local(notification.created_at).date())


def page_for(user: Any, number: Any, per_page: int = PER_PAGE) -> Page:
    page = page_of(for_user(user), number, per_page)
    facts = registry.describe(page.object_list)
    page.object_list = [
        rendering.item(notification, described, told_on(notification))
        for notification in page.object_list
        if (described := facts[notification.pk]) is not None
    ]
    return page
