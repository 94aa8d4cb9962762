"""A controlled clock for the reminder tests (neither freezegun nor time_machine is installed):
``install(monkeypatch)`` replaces ``django.utils.timezone.now``, so "now", ``lms.core.dates.today()``
and every ``timezone.now()`` of the code follow the returned ``Clock``."""

import datetime

from django.utils import timezone

from lms.core.dates import zone

UTC = datetime.UTC


class Clock:
    def __init__(self, moment: datetime.datetime):
        self.moment = moment

    def now(self) -> datetime.datetime:
        return self.moment

    def at(self, day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
        """Local time (Asia/Ho_Chi_Minh) ``hour:minute`` of ``day``."""
        self.moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone()).astimezone(UTC)
        return self.moment

    def utc(self, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
        self.moment = datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)
        return self.moment


def install(monkeypatch) -> Clock:
    clock = Clock(timezone.now())
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock
