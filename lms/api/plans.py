"""``/api/v1/plans/``: the training plans the caller may read, and a plan's progress — the figures of
the page *Tiến độ kế hoạch*, from the same selectors (``lms.training.progress``) and under the same
rule: a plan outside the caller's scope, a unit outside it or a requirement of another plan is a 404,
and only the officials of the caller's units are counted."""

import math

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from ninja import Path, Query, Router
from ninja.errors import HttpError

from lms.core.dates import today
from lms.training import progress, visibility

from . import schemas

router = Router(tags=["plans"])

ERRORS = {
    401: schemas.ErrorOut,
    403: schemas.ErrorOut,
    404: schemas.ErrorOut,
    422: schemas.ValidationErrorOut,
}


def _unit_out(unit):
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind, "depth": unit.depth}


def _plan_out(plan):
    return {
        "id": plan.pk,
        "name": plan.name,
        "year": plan.year,
        "status": plan.status,
        "owner_unit": _unit_out(plan.owner_unit),
        "requirements": plan.requirement_count,
        "activated_at": plan.activated_at,
        "closed_at": plan.closed_at,
    }


def _visible(user):
    return (
        visibility.visible_plans(user)
        .select_related("owner_unit")
        .annotate(requirement_count=Count("requirements"))
        .order_by("-year", "name", "pk")
    )


@router.get(
    "/",
    response={200: schemas.PlansOut, **ERRORS},
    summary="Training plans",
    description="The training plans the caller may read: those of a unit in their scope, and the activated plans "
    "whose requirements target units in it. Paginated: ?page= and ?page_size=.",
)
def plans(request, params: Query[schemas.PlanParams]):
    rows = _visible(request.auth.user)
    if params.year is not None:
        rows = rows.filter(year=params.year)
    if params.status is not None:
        rows = rows.filter(status=params.status)
    count = rows.count()
    pages = max(1, math.ceil(count / params.page_size))
    start = (params.page - 1) * params.page_size
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "pages": pages,
        "items": [_plan_out(plan) for plan in rows[start : start + params.page_size]],
    }


def _figures(figures):
    return {
        "targeted": figures.targeted,
        "completed": figures.completed,
        "in_progress": figures.in_progress,
        "not_started": figures.not_started,
        "overdue": figures.overdue,
        "completion_rate": figures.completion_rate,
        "hours_completed": figures.hours,
    }


def _requirement_out(requirement):
    return {
        "id": requirement.pk,
        "course": requirement.course_id,
        "course_title": requirement.course_title,
        "audience": requirement.audience,
        "mandatory": requirement.mandatory,
        "due_rule": requirement.due_rule,
        "due_date": requirement.due_date,
        "due_days": requirement.due_days,
        "hours": requirement.hours,
    }


def _dimension(rows):
    return [
        {
            "id": row.key,
            "code": getattr(row.label, "code", ""),
            "name": getattr(row.label, "name", None) or str(row.label),
            "figures": _figures(row.figures),
        }
        for row in rows
    ]


@router.get(
    "/{plan_id}/progress/",
    response={200: schemas.PlanProgressOut, **ERRORS},
    summary="Progress of a plan",
    description="The figures of a plan per requirement, by unit one level below ?unit=, by position group, job "
    "position and leadership title, counting only the officials of the caller's units. A plan, unit or requirement "
    "outside the caller's reach is 404.",
)
def plan_progress(
    request,
    params: Query[schemas.PlanProgressParams],
    plan_id: int = Path(..., description="The plan's id (see /plans/); a plan outside the caller's reach is 404."),
):
    user = request.auth.user
    plan = _visible(user).filter(pk=plan_id).first() if 0 < plan_id <= schemas.MAX_ID else None
    if plan is None:
        raise HttpError(404, pgettext("plan progress", "No such plan within your scope."))
    try:
        area = progress.area_for(user, params.unit)
    except progress.NotWithin:
        raise HttpError(404, _("No such unit within your scope.")) from None
    try:
        result = progress.progress(plan, area, params.requirement, today())
    except progress.UnknownRequirement:
        raise HttpError(404, pgettext("plan progress", "No such requirement in this plan.")) from None
    return {
        "as_of": result.today,
        "plan": _plan_out(plan),
        "unit": _unit_out(area.unit) if area.unit else None,
        "scope": [_unit_out(unit) for unit in area.shown],
        "requirement": result.requirement.pk if result.requirement else None,
        "summary": _figures(result.summary),
        "requirements": [
            {"requirement": _requirement_out(row.label), "figures": _figures(row.figures)}
            for row in result.by_requirement
        ],
        "by_unit": [
            {"unit": _unit_out(row.unit), "own": row.own, "figures": _figures(row.figures)}
            for row in result.by_unit
            if row.unit is not None
        ],
        "by_group": _dimension(result.by_group),
        "by_position": _dimension(result.by_position),
        "by_title": _dimension(result.by_title),
    }
