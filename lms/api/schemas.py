"""What the API takes and returns, described field by field for the OpenAPI document."""

import datetime
from typing import TYPE_CHECKING, Literal

from ninja import Field, Schema

from lms.people.models import OrgUnit
from lms.training.models import Requirement, TrainingPlan

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


# Training plans -----------------------------------------------------------------------------------

if TYPE_CHECKING:
    PlanStatusValue = str
else:
    PlanStatusValue = Literal[tuple(TrainingPlan.Status.values)]


class PlanParams(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="Only the plans of this year.")
    status: PlanStatusValue | None = Field(
        None, description="Only the plans in this status: " + ", ".join(TrainingPlan.Status.values) + "."
    )
    page: int = Field(1, ge=1, le=100_000, description="Page number, from 1.")
    page_size: int = Field(50, ge=1, le=200, description="Plans per page (at most 200).")


class PlanOut(Schema):
    id: int = Field(description="Plan id, for /plans/{id}/progress/.")
    name: str = Field(description="Name of the plan.")
    year: int = Field(description="Year of the plan.")
    status: str = Field(description="Status: " + ", ".join(TrainingPlan.Status.values) + ".")
    owner_unit: UnitOut = Field(description="The unit that owns the plan.")
    requirements: int = Field(description="Number of requirements (course and target group) of the plan.")
    activated_at: datetime.datetime | None = Field(description="When the plan was activated, or null.")
    closed_at: datetime.datetime | None = Field(description="When the plan was closed, or null.")


class PlansOut(Schema):
    count: int = Field(description="Plans visible to the caller that pass the filters, on every page.")
    page: int = Field(description="This page's number.")
    page_size: int = Field(description="Plans per page.")
    pages: int = Field(description="Number of pages (at least 1).")
    items: list[PlanOut] = Field(description="The plans of this page, newest year first, then by name.")


class PlanProgressParams(Schema):
    unit: int | None = _optional_id(
        "Figures of this unit's subtree, with one row per unit one level below it (a unit inside the "
        "caller's scope; otherwise 404). Left out: the caller's whole scope."
    )
    requirement: int | None = _optional_id(
        "Narrow the summary, units, groups, positions and titles to this requirement of the plan "
        "(otherwise 404); the rows per requirement always list them all."
    )


class PlanFiguresOut(Schema):
    targeted: int = Field(description="Obligations in force: officials in the target of the requirement(s).")
    completed: int = Field(description="Of those, completed in the enrolment's current cycle.")
    in_progress: int = Field(description="Of those, not completed, with activity in the current cycle.")
    not_started: int = Field(description="targeted - completed - in_progress.")
    overdue: int = Field(description="Not completed, with a due date (after extensions) before as_of.")
    completion_rate: float | None = Field(
        ge=0, le=1, description="completed / targeted, between 0 and 1; null when nobody is targeted."
    )
    hours_completed: int = Field(description="The course's hours (số tiết) times the completed obligations.")


class RequirementOut(Schema):
    id: int = Field(description="Requirement id, for the requirement parameter.")
    course: int | None = Field(description="Course page id, or null once the page was deleted.")
    course_title: str = Field(description="Title of the course.")
    audience: str = Field(description="The target group in words, e.g. “Lãnh đạo cấp xã”.")
    mandatory: bool = Field(description="Whether the course is mandatory for the target group.")
    due_rule: str = Field(description="How the due date is set: " + ", ".join(Requirement.DueRule.values) + ".")
    due_date: datetime.date | None = Field(description="The due date of a fixed rule, or null.")
    due_days: int | None = Field(description="The number of days of a relative rule, or null.")
    hours: int = Field(description="The course's hours (số tiết).")


class PlanRequirementRow(Schema):
    requirement: RequirementOut
    figures: PlanFiguresOut


class PlanUnitRow(Schema):
    unit: UnitOut
    own: bool = Field(description="True: the officials of the unit itself (not of a unit below it).")
    figures: PlanFiguresOut


class PlanDimensionRow(Schema):
    id: int = Field(description="Id of the position group, job position or leadership title; 0 for none.")
    code: str = Field(description="Its short code; empty for none.")
    name: str = Field(description="Its name.")
    figures: PlanFiguresOut


class PlanProgressOut(Schema):
    as_of: datetime.date = Field(description="The day the figures are for (overdue depends on it), Asia/Ho_Chi_Minh.")
    plan: PlanOut = Field(description="The plan.")
    unit: UnitOut | None = Field(description="The unit asked for with ?unit=, or null for the caller's whole scope.")
    scope: list[UnitOut] = Field(description="The units whose subtrees the figures cover.")
    requirement: int | None = Field(description="The requirement asked for with ?requirement=, or null.")
    summary: PlanFiguresOut = Field(description="The figures of the whole scope (of the requirement, if asked for).")
    requirements: list[PlanRequirementRow] = Field(description="One row per requirement of the plan.")
    by_unit: list[PlanUnitRow] = Field(
        description="One row per unit one level below ?unit= (or below the caller's root unit; one per root when "
        "there are several) with officials in the plan's target, and one for the unit's own officials."
    )
    by_group: list[PlanDimensionRow] = Field(description="One row per position group with officials in the target.")
    by_position: list[PlanDimensionRow] = Field(description="One row per job position (0: none).")
    by_title: list[PlanDimensionRow] = Field(description="One row per leadership title (0: none).")
