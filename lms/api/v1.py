"""``/api/v1/``: completion figures by unit, position group and course, read-only, for the
province's reporting system. Thin, like the dashboard: which units (the token's user's report
roots, or a unit inside them), which filters (the dashboard's form), and every number from
``lms.reports.aggregation``. A unit outside the caller's subtrees is a 404."""

from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger

from lms.core.dates import today
from lms.reports import aggregation, selection

from . import plans, schemas
from .auth import BearerToken
from .filters import ApiFilterForm

DESCRIPTION = """\
Read-only completion statistics of *Công chức số* by unit, position group and course — the numbers
of the HR dashboard, from the same aggregation service.

**Authentication.** Every endpoint needs `Authorization: Bearer <token>`. An HR user creates tokens
on the page *API tokens* (`/nhan-su/api/`); an administrator can also run
`manage.py create_api_token <username> --name ... [--days N]`. The secret is shown once; only its
SHA-256 is stored. Unknown, revoked or expired tokens, and tokens of inactive users, get 401; a
token whose user has no HR scope gets 403. Session cookies do not authenticate.

**Scope.** A token reads exactly what its user may read on the dashboard: the subtrees of the
user's HR scopes (everything for an administrator). `/units/` lists the root units and, with
`?parent=`, the units below one of them. A `unit` or `parent` outside the scope is 404.

**Training plans.** `/plans/` lists the plans the caller may read (those of a unit in their scope,
and the activated plans whose requirements target units in it), with `year` and `status` filters,
`page` and `page_size`. `/plans/{id}/progress/` gives a plan's figures (targeted, completed, in
progress, not started, overdue, completion rate, hours completed) per requirement, by unit one level
below `?unit=`, by position group, job position and leadership title, narrowed to `?requirement=`
if asked; only the officials of the caller's units count, and a plan that does not concern them is
404.

**Filters.** `year`, `course`, `group` and `kind` narrow every figure; an invalid value is a 422
with the parameter named. Each answer says the filters applied and `as_of`, the day the numbers are
for (overdue depends on it).
"""

api = NinjaAPI(
    title="Công chức số — API báo cáo",
    version="1.0",
    description=DESCRIPTION,
    auth=BearerToken(),
    urls_namespace="api_v1",
    # BaseLayout and no validator badge: the page loads nothing but the package's own static files.
    docs=Swagger(settings={"validatorUrl": None}),
)

ERRORS = {
    401: schemas.ErrorOut,
    403: schemas.ErrorOut,
    404: schemas.ErrorOut,
    422: schemas.ValidationErrorOut,
}


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
    response["WWW-Authenticate"] = "Bearer"
    return response


# Which units and filters ---------------------------------------------------------------------


def _unit_out(unit):
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind, "depth": unit.depth}


def _unit_in_scope(unit_id, roots):
    """The open unit ``unit_id`` inside ``roots``, else a 404 (the same answer for a unit that
    does not exist and for one outside the scope)."""
    try:
        return selection.unit_within(unit_id, roots)
    except selection.NotWithin:
        raise HttpError(404, _("No such unit within your scope.")) from None


def _filters(params):
    """``Filters`` from the query, checked by the dashboard's form; an invalid value is a 422."""
    data = {key: "" if value is None else str(value) for key, value in params.filter_values().items()}
    form = ApiFilterForm(data)
    if not form.is_valid():
        raise ValidationError(
            [
                {"type": "invalid_choice", "loc": ["query", key], "msg": " ".join(str(m) for m in messages)}
                for key, messages in form.errors.items()
            ]
        )
    return form.filters()


def _report(request, params):
    """What every report shares: the units reported, the filters, the day, and the common fields."""
    roots = aggregation.roots_for_user(request.auth.user)
    unit = _unit_in_scope(params.unit, roots) if params.unit is not None else None
    filters = _filters(params)
    day = today()
    units = [unit] if unit else roots
    head = {
        "as_of": day,
        "unit": _unit_out(unit) if unit else None,
        "scope": [_unit_out(u) for u in units],
        "filters": {key: getattr(filters, key) for key in ("year", "course", "group", "kind")},
    }
    return unit, units, filters, day, head


def _numbers(numbers):
    return {
        "headcount": numbers.headcount,
        "enrolled": numbers.enrolled,
        "completed": numbers.completed,
        "in_progress": numbers.in_progress,
        "not_started": numbers.not_started,
        "overdue": numbers.overdue,
        "completion_rate": numbers.completion_rate,
    }


# Endpoints -----------------------------------------------------------------------------------


@api.get(
    "/units/",
    response={200: schemas.UnitsOut, **ERRORS},
    summary="Units in scope",
    description="The caller's root units, or with ?parent= the open units one level below a unit in scope.",
    tags=["units"],
)
def units(request, params: Query[schemas.ParentParams]):
    roots = aggregation.roots_for_user(request.auth.user)
    if params.parent is None:
        return {"parent": None, "units": [_unit_out(u) for u in roots]}
    parent = _unit_in_scope(params.parent, roots)
    return {"parent": _unit_out(parent), "units": [_unit_out(u) for u in aggregation.children(parent)]}


def _report_get(path, response, summary, description):
    return api.get(path, response={200: response, **ERRORS}, summary=summary, description=description, tags=["reports"])


def _rows(head, rows, name, describe):
    """A breakdown's answer: each row's dimension value (``describe``d under ``name``) and numbers."""
    return {**head, "rows": [{name: describe(row), "numbers": _numbers(row.numbers)} for row in rows]}


@_report_get(
    "/summary/",
    schemas.SummaryOut,
    "Summary",
    "Headcount, enrolments by status, overdue and completion rate of ?unit= (or of all the caller's root units "
    "together).",
)
def summary(request, params: Query[schemas.UnitParams]):
    _unit, units, filters, day, head = _report(request, params)
    return {**head, "numbers": _numbers(aggregation.summary(units, filters, day))}


@_report_get(
    "/by-unit/",
    schemas.ByUnitOut,
    "By unit",
    "The numbers of each open unit one level below ?unit= (or of each root unit when left out).",
)
def by_unit(request, params: Query[schemas.UnitParams]):
    unit, units, filters, day, head = _report(request, params)
    rows = aggregation.by_child_unit(unit, filters, day) if unit else aggregation.breakdown(units, "unit", filters, day)
    return _rows(head, rows, "unit", lambda row: _unit_out(row.label))


def _breakdown(by, response, summary, what, describe):
    """``/by-<by>/``: the numbers of ?unit= (or of all the caller's roots) split by the dimension ``by``."""

    def endpoint(request, params: Query[schemas.UnitParams]):
        _unit, units, filters, day, head = _report(request, params)
        return _rows(head, aggregation.breakdown(units, by, filters, day), by, describe)

    description = f"The numbers of ?unit= (or of all the caller's root units) for each {what}."
    return api.get(
        f"/by-{by}/",
        response={200: response, **ERRORS},
        summary=summary,
        description=description,
        tags=["reports"],
        operation_id=f"lms_api_v1_by_{by}",
    )(endpoint)


by_group = _breakdown(
    "group",
    schemas.ByGroupOut,
    "By position group",
    "position group",
    lambda row: {"id": row.key, "code": row.label.code, "name": row.label.name},
)
by_course = _breakdown(
    "course",
    schemas.ByCourseOut,
    "By course",
    "course with enrolments there",
    lambda row: {"id": row.key, "title": str(row.label)},
)

api.add_router("/plans/", plans.router)
