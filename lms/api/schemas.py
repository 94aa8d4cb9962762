"""What the API takes and returns, described field by field for the OpenAPI document."""

import datetime
from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema

from lms.people.models import OrgUnit

MAX_ID = 2**63 - 1

if TYPE_CHECKING:
    # A Literal built from the choices at run time is beyond a static checker: a str to it.
    KindValue = str
else:
    KindValue = Literal[tuple(OrgUnit.Kind.values)]


def _optional_id(description):
    """An optional id parameter; out of a database id's range, it is refused before any query."""
    return Field(None, ge=1, le=MAX_ID, description=description)


class FilterParams(Schema):
    """The dashboard's filters (each optional; all values when left out)."""

    year: int | None = Field(
        None, ge=2000, le=2100, description="Only enrolments whose current cycle started in this year (local time)."
    )
    course: int | None = _optional_id("Only enrolments in this course (course page id, see /by-course/).")
    group: int | None = _optional_id("Only officials of this position group (id, see /by-group/).")
    kind: KindValue | None = Field(None, description="Only records that count in units of this kind today.")

    def filter_values(self):
        return {"year": self.year, "course": self.course, "group": self.group, "kind": self.kind}


class UnitParams(FilterParams):
    unit: int | None = _optional_id(
        "Report on this unit's subtree (an open unit inside the caller's scope; otherwise 404). "
        "Left out: all of the caller's root units together."
    )


class ParentParams(Schema):
    parent: int | None = _optional_id(
        "List the open units one level below this one (inside the caller's scope; otherwise 404). "
        "Left out: the caller's root units."
    )


class UnitOut(Schema):
    id: int = Field(description="Unit id, for the unit and parent parameters.")
    code: str = Field(description="Administrative code of the unit.")
    name: str = Field(description="Name of the unit.")
    kind: str = Field(description="Kind of unit: " + ", ".join(OrgUnit.Kind.values) + ".")
    depth: int = Field(description="Depth in the organisation tree (1 = top level).")


class GroupOut(Schema):
    id: int = Field(description="Position group id, for the group filter.")
    code: str = Field(description="Short code of the position group.")
    name: str = Field(description="Name of the position group.")


class CourseOut(Schema):
    id: int = Field(description="Course page id, for the course filter; 0 for enrolments whose page was deleted.")
    title: str = Field(description="Title of the course.")


class NumbersOut(Schema):
    headcount: int = Field(
        description="Active officials whose current unit lies in the subtree (per course: the subtree's headcount)."
    )
    enrolled: int = Field(description="Enrolments of active officials in the subtree.")
    completed: int = Field(description="Enrolments completed in their current cycle.")
    in_progress: int = Field(description="Enrolments not completed, with some activity in their current cycle.")
    not_started: int = Field(description="Enrolments neither completed nor started.")
    overdue: int = Field(description="Enrolments not completed whose due date is before as_of.")
    completion_rate: float | None = Field(
        ge=0, le=1, description="completed / enrolled, between 0 and 1; null when nothing is enrolled."
    )


class FiltersOut(Schema):
    year: int | None = Field(description="Year filter applied, or null.")
    course: int | None = Field(description="Course filter applied, or null.")
    group: int | None = Field(description="Position group filter applied, or null.")
    kind: str | None = Field(description="Unit kind filter applied, or null.")


class ReportOut(Schema):
    as_of: datetime.date = Field(description="The day the numbers are for (overdue depends on it), Asia/Ho_Chi_Minh.")
    unit: UnitOut | None = Field(description="The unit asked for with ?unit=, or null for all the caller's roots.")
    scope: list[UnitOut] = Field(description="The units whose subtrees the numbers cover.")
    filters: FiltersOut = Field(description="The filters applied.")


class SummaryOut(ReportOut):
    numbers: NumbersOut = Field(description="The numbers of the whole scope.")


class UnitRow(Schema):
    unit: UnitOut
    numbers: NumbersOut


class ByUnitOut(ReportOut):
    rows: list[UnitRow] = Field(
        description="One row per open unit one level below ?unit= (or per root unit when it is left out)."
    )


class GroupRow(Schema):
    group: GroupOut
    numbers: NumbersOut


class ByGroupOut(ReportOut):
    rows: list[GroupRow] = Field(description="One row per position group.")


class CourseRow(Schema):
    course: CourseOut
    numbers: NumbersOut


class ByCourseOut(ReportOut):
    rows: list[CourseRow] = Field(description="One row per course with enrolments in the scope.")


class UnitsOut(Schema):
    parent: UnitOut | None = Field(description="The unit asked for with ?parent=, or null.")
    units: list[UnitOut] = Field(description="The caller's root units, or the open units one level below parent.")


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong.")


class ValidationErrorItem(Schema):
    type: str = Field(description="Kind of error.")
    loc: list[str | int] = Field(description="Where: ['query', parameter name].")
    msg: str = Field(description="What went wrong.")


class ValidationErrorOut(Schema):
    detail: list[ValidationErrorItem]
