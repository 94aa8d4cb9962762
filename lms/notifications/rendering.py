"""What a notification says, in one place, so that the e-mail and the in-app list say the same.

``sentence(trigger, facts, on)``
    The sentence of a notification with these facts (``registry``), told on day ``on``: the day
    the e-mail goes out, or, in the list, the day it was e-mailed or recorded ("còn N ngày" counts
    from there). Always in the active language; the learner is "anh/chị".
``item(notification, facts, on)``
    An ``Item``: the sentence, the digest's lines, the link (a site path) and its absolute form.
``grouped(items)``
    The items in the e-mail's groups, in order: assigned, due soon, due today, overdue,
    certificates, HR's digest (and anything else last).
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext, pgettext_lazy

from lms.core.mail import absolute_url

from .models import Trigger
from .registry import Facts

GROUPS = (
    ("assigned", pgettext_lazy("notifications", "Newly assigned courses"), {Trigger.ASSIGNED}),
    ("due_soon", pgettext_lazy("notifications", "Due soon"), {Trigger.DUE_SOON}),
    ("due_today", pgettext_lazy("notifications", "Due today"), {Trigger.DUE_TODAY}),
    ("overdue", pgettext_lazy("notifications", "Overdue"), {Trigger.OVERDUE}),
    ("certificates", pgettext_lazy("notifications", "Certificates"), {Trigger.CERTIFICATE_EXPIRY}),
    ("digest", pgettext_lazy("notifications", "Overdue officials in your units"), {Trigger.OVERDUE_DIGEST}),
)
OTHER = ("other", pgettext_lazy("notifications", "Other notifications"))


@dataclass
class Item:
    notification: Any
    facts: Facts
    sentence: str
    lines: list[str] = field(default_factory=list)
    path: str = ""

    @property
    def link(self) -> str:
        return absolute_url(self.path) if self.path else ""

    @property
    def group(self) -> str:
        return group_of(self.notification.trigger)


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _assigned(facts: Facts) -> str:
    details = []
    if facts.get("plan"):
        details.append(pgettext("notifications", "Plan %(plan)s") % {"plan": facts["plan"]})
    if facts.get("reason"):
        details.append(pgettext("notifications", "reason: %(reason)s") % {"reason": facts["reason"]})
    values = {
        "course": facts.get("course", ""),
        "details": f" ({', '.join(details)})" if details else "",
        "date": _date(facts.get("due_date")),
    }
    if facts.get("due_date"):
        return _("You have been assigned the course «%(course)s»%(details)s, due by %(date)s.") % values
    return _("You have been assigned the course «%(course)s»%(details)s.") % values


def _due_soon(facts: Facts, on: datetime.date) -> str:
    due = facts.get("due_date")
    days = (due - on).days if due else 0
    values = {"course": facts.get("course", ""), "date": _date(due), "days": days}
    return (
        ngettext(
            "The course «%(course)s» is due in %(days)d day (by %(date)s).",
            "The course «%(course)s» is due in %(days)d days (by %(date)s).",
            days,
        )
        % values
    )


def _due_today(facts: Facts) -> str:
    values = {"course": facts.get("course", ""), "date": _date(facts.get("due_date"))}
    return _("Today (%(date)s) is the last day to complete the course «%(course)s».") % values


def _overdue(facts: Facts, on: datetime.date) -> str:
    due = facts.get("due_date")
    days = (on - due).days if due else 0
    values = {"course": facts.get("course", ""), "date": _date(due), "days": days}
    return (
        ngettext(
            "The course «%(course)s» is %(days)d day overdue (it was due by %(date)s).",
            "The course «%(course)s» is %(days)d days overdue (it was due by %(date)s).",
            days,
        )
        % values
    )


def _certificate(facts: Facts, on: datetime.date) -> str:
    expires = facts.get("expires_on")
    days = (expires - on).days if expires else 0
    values = {"course": facts.get("course", ""), "date": _date(expires), "days": days}
    if days < 0:
        return (
            _(
                "Your certificate for the course «%(course)s» expired on %(date)s. Retake the course to receive a new one."
            )
            % values
        )
    if days == 0:
        return (
            _("Your certificate for the course «%(course)s» expires today (%(date)s). Retake the course to renew it.")
            % values
        )
    return (
        ngettext(
            "Your certificate for the course «%(course)s» expires on %(date)s, in %(days)d day. Retake the course to renew it.",
            "Your certificate for the course «%(course)s» expires on %(date)s, in %(days)d days. Retake the course to renew it.",
            days,
        )
        % values
    )


def _digest(facts: Facts) -> str:
    count = facts.get("count", len(facts.get("items") or []))
    values = {"unit": facts.get("unit", ""), "count": count, "days": facts.get("days", 0)}
    if facts.get("days"):
        return (
            ngettext(
                "Unit %(unit)s has %(count)d official more than %(days)d days overdue:",
                "Unit %(unit)s has %(count)d officials more than %(days)d days overdue:",
                count,
            )
            % values
        )
    return (
        ngettext(
            "Unit %(unit)s has %(count)d official with an overdue course:",
            "Unit %(unit)s has %(count)d officials with an overdue course:",
            count,
        )
        % values
    )


def digest_line(entry: Facts) -> str:
    """One official of HR's digest: name (unit): «course», due date, days overdue."""
    days = entry.get("days_overdue") or 0
    values = {
        "name": entry.get("name", ""),
        "unit": f" ({entry['unit']})" if entry.get("unit") else "",
        "course": entry.get("course", ""),
        "date": _date(entry.get("due_date")),
        "days": days,
    }
    return (
        ngettext(
            "%(name)s%(unit)s: «%(course)s», due by %(date)s, %(days)d day overdue",
            "%(name)s%(unit)s: «%(course)s», due by %(date)s, %(days)d days overdue",
            days,
        )
        % values
    )


def sentence(trigger: str, facts: Facts, on: datetime.date) -> str:
    if trigger == Trigger.ASSIGNED:
        return _assigned(facts)
    if trigger == Trigger.DUE_SOON:
        return _due_soon(facts, on)
    if trigger == Trigger.DUE_TODAY:
        return _due_today(facts)
    if trigger == Trigger.OVERDUE:
        return _overdue(facts, on)
    if trigger == Trigger.CERTIFICATE_EXPIRY:
        return _certificate(facts, on)
    if trigger == Trigger.OVERDUE_DIGEST:
        return _digest(facts)
    return pgettext("notifications", "You have a new notification.")


def item(notification: Any, facts: Facts, on: datetime.date) -> Item:
    lines = [digest_line(entry) for entry in facts.get("items") or []]
    return Item(notification, facts, sentence(notification.trigger, facts, on), lines, facts.get("url") or "")


def group_of(trigger: str) -> str:
    for key, _title, triggers in GROUPS:
        if trigger in triggers:
            return key
    return OTHER[0]


def grouped(items: list[Item]) -> list[dict[str, Any]]:
    """``[{"key", "title", "items"}]`` in the groups' order, empty groups left out."""
    by_group: dict[str, list[Item]] = {}
    for entry in items:
        by_group.setdefault(entry.group, []).append(entry)
    titles = [(key, title) for key, title, _triggers in GROUPS] + [OTHER]
    return [{"key": key, "title": str(title), "items": by_group[key]} for key, title in titles if key in by_group]
