"""The report numbers counted the slow, obvious way, straight from the raw rows, for tests to hold
the tallies against. Written from the definitions in ``lms/reports/__init__.py``, sharing no code
with the reports app."""

import datetime
import zoneinfo

from django.conf import settings

from lms.learning.models import Enrollment
from lms.people.models import Official, OrgUnit, PositionGroup

ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)
FIELDS = ("headcount", "enrolled", "completed", "in_progress", "overdue")


class World:
    """Every unit, official and enrolment, loaded once."""

    def __init__(self):
        self.units = {unit.pk: unit for unit in OrgUnit.objects.all()}
        self.officials = {official.pk: official for official in Official.objects.all()}
        self.enrollments = list(Enrollment.objects.all())
        self.groups = list(PositionGroup.objects.order_by("sort_order", "name"))

    def place(self, unit_id):
        """The unit whose path a record of ``unit_id`` counts along today."""
        unit, seen = self.units[unit_id], set()
        while unit.valid_to is not None:
            if unit.pk in seen or unit.successor_id is None:
                return self.units[unit_id]  # a dead end keeps its own place
            seen.add(unit.pk)
            unit = self.units[unit.successor_id]
        return unit

    def people(self):
        """(place, group) of every active official."""
        for official in self.officials.values():
            if official.is_active:
                yield self.place(official.unit_id), official.position_group_id

    def records(self, today):
        """(place, group, course, year, completed, in progress, overdue, completion month) per counted enrolment."""
        for e in self.enrollments:
            official = self.officials[e.official_id]
            if not official.is_active:
                continue
            started = e.cycle_started_at or e.enrolled_at
            done = e.completed_at is not None
            active = e.last_activity_at is not None and (
                e.cycle_started_at is None or e.last_activity_at > e.cycle_started_at
            )
            month = None
            if done:
                local = e.completed_at.astimezone(ZONE)
                month = datetime.date(local.year, local.month, 1)
            yield {
                "place": self.place(e.unit_id or official.unit_id),
                "group": official.position_group_id,
                "course": e.course_id or 0,
                "year": started.astimezone(ZONE).year,
                "completed": done,
                "in_progress": not done and active,
                "overdue": not done and e.due_date is not None and e.due_date < today,
                "month": month,
            }


def _inside(place, roots):
    return any(root.valid_to is None and place.path.startswith(root.path) for root in roots)


def _passes(filters, place, group, course=None, year=None):
    """Whether a record (or, with course and year None, a person) passes the filters."""
    if filters.get("kind") is not None and place.kind != filters["kind"]:
        return False
    if filters.get("group") is not None and group != filters["group"]:
        return False
    if course is not None and filters.get("course") is not None and course != filters["course"]:
        return False
    return not (year is not None and filters.get("year") is not None and year != filters["year"])


def numbers(world, roots, filters, today, by=None, value=None):
    """``{field: value}`` for the subtrees of ``roots`` together; with ``by``, only what has ``value``
    in that dimension (people have a kind and a group, not a course or a year: they all count)."""
    result = dict.fromkeys(FIELDS, 0)
    for place, group in world.people():
        if _inside(place, roots) and _passes(filters, place, group):
            if by in ("kind", "group") and {"kind": place.kind, "group": group}[by] != value:
                continue
            result["headcount"] += 1
    for r in world.records(today):
        if _inside(r["place"], roots) and _passes(filters, r["place"], r["group"], r["course"], r["year"]):
            if by is not None and (r["place"].kind if by == "kind" else r[by]) != value:
                continue
            result["enrolled"] += 1
            for name in ("completed", "in_progress", "overdue"):
                result[name] += r[name]
    return result


def split(world, roots, filters, today, by):
    """``{dimension value: numbers}`` as the service lists them: every position group; the courses,
    kinds and years that have something to show."""
    if by == "group":
        return {g.pk: numbers(world, roots, filters, today, by, g.pk) for g in world.groups}
    values = {r["place"].kind if by == "kind" else r[by] for r in world.records(today) if _inside(r["place"], roots)}
    if by == "kind":
        values |= {place.kind for place, _ in world.people() if _inside(place, roots)}
    result = {}
    for value in values:
        counted = numbers(world, roots, filters, today, by, value)
        shown = FIELDS
        if by in ("course", "year"):
            counted["headcount"] = numbers(world, roots, filters, today)["headcount"]
            shown = FIELDS[1:]
        if any(counted[name] for name in shown):
            result[value] = counted
    return result


def months(world, roots, filters, today):
    result = {}
    for r in world.records(today):
        if (
            r["month"]
            and _inside(r["place"], roots)
            and _passes(filters, r["place"], r["group"], r["course"], r["year"])
        ):
            result[r["month"]] = result.get(r["month"], 0) + 1
    return sorted(result.items())
