"""Dates in the site's time zone (Asia/Ho_Chi_Minh), whatever zone a process or request is in:
what "today", a day of completion or a month of a report mean."""

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone


def zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local(moment: datetime.datetime) -> datetime.datetime:
    """``moment`` (aware) in the site's time zone."""
    return timezone.localtime(moment, timezone=zone())


def today() -> datetime.date:
    return timezone.localdate(timezone=zone())
