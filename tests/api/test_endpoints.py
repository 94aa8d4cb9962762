"""/api/v1/: every number is the aggregation service's for the same unit and filters, nothing
outside the caller's subtrees is ever answered, bad parameters are 4xx JSON, and the queries do not
grow with the number of units or courses."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.core.dates import today
from lms.learning import services
from lms.people import structure
from lms.people.models import OrgUnit
from lms.reports import aggregation
from lms.reports.aggregation import Filters
from tests.api.conftest import bearer
from tests.factories import make_course, placed_official
from tests.support.learning import finish
from tests.support.people import hr_of

REPORTS = ("summary/", "by-unit/", "by-group/", "by-course/")
NO_FILTERS = {"year": None, "course": None, "group": None, "kind": None}


def numbers(n):
    return {
        "headcount": n.headcount,
        "enrolled": n.enrolled,
        "completed": n.completed,
        "in_progress": n.in_progress,
        "not_started": n.not_started,
        "overdue": n.overdue,
        "completion_rate": n.completion_rate,
    }


def unit_json(unit):
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind, "depth": unit.depth}


def expected(endpoint, unit, roots, filters):
    """What ``endpoint`` must answer, straight from ``aggregation``."""
    units = [unit] if unit else roots
    if endpoint == "summary/":
        return numbers(aggregation.summary(units, filters))
    if endpoint == "by-unit/":
        rows = aggregation.by_child_unit(unit, filters) if unit else aggregation.breakdown(roots, "unit", filters)
        return [{"unit": unit_json(row.label), "numbers": numbers(row.numbers)} for row in rows]
    if endpoint == "by-group/":
        return [
            {"group": {"id": row.key, "code": row.label.code, "name": row.label.name}, "numbers": numbers(row.numbers)}
            for row in aggregation.by_group(units, filters)
        ]
    return [
        {"course": {"id": row.key, "title": str(row.label)}, "numbers": numbers(row.numbers)}
        for row in aggregation.by_course(units, filters)
    ]


def test_every_endpoint_answers_the_service_s_numbers(api, world, groups, course):
    get = api(hr_of(world.province))
    roots = [world.province]
    for filters in (
        {},
        {"group": groups.staff.pk},
        {"kind": OrgUnit.Kind.COMMUNE},
        {"year": 2025},
        {"course": course.pk},
    ):
        for unit in (None, world.province, world.district, world.a):
            params = {**filters, **({"unit": unit.pk} if unit else {})}
            for endpoint in REPORTS:
                response = get(endpoint, params)
                assert response.status_code == 200, (endpoint, params, response.content)
                body = response.json()
                assert body["as_of"] == today().isoformat()
                assert body["filters"] == {**NO_FILTERS, **filters}
                assert body["unit"] == (unit_json(unit) if unit else None)
                assert body["scope"] == [unit_json(u) for u in ([unit] if unit else roots)]
                got = body["numbers"] if endpoint == "summary/" else body["rows"]
                assert got == expected(endpoint, unit, roots, Filters(**filters)), (endpoint, params)


def test_the_numbers_of_a_commune(api, world, course):
    """Commune A as the dashboard shows it: three enrolled, one done, one started, one overdue."""
    get = api(hr_of(world.province))
    summary = get("summary/", {"unit": world.a.pk}).json()["numbers"]
    assert summary == {
        "headcount": 3,
        "enrolled": 3,
        "completed": 1,
        "in_progress": 1,
        "not_started": 1,
        "overdue": 1,
        "completion_rate": pytest.approx(1 / 3),
    }
    rows = get("by-unit/", {"unit": world.district.pk}).json()["rows"]
    assert [(row["unit"]["name"], row["numbers"]["enrolled"]) for row in rows] == [("Xã An", 3), ("Xã Bình", 1)]
    courses = get("by-course/", {"unit": world.b.pk}).json()["rows"]
    assert [(row["course"]["title"], row["numbers"]["completion_rate"]) for row in courses] == [("Hộ tịch", 0.0)]
    assert get("summary/", {"unit": world.a.pk, "year": 2019}).json()["numbers"]["completion_rate"] is None


def test_hr_of_a_gets_nothing_of_b(api, world):
    get = api(hr_of(world.a))
    for endpoint in REPORTS:
        for other in (world.b, world.province, world.district, world.department):
            response = get(endpoint, {"unit": other.pk})
            assert response.status_code == 404, (endpoint, other)
            assert response.json() == {"detail": "Không có đơn vị này trong phạm vi của bạn."}  # in Vietnamese
        assert get(endpoint, {"unit": 99999999}).status_code == 404  # the same answer as for B
        body = get(endpoint).content.decode()
        assert "Xã Bình" not in body and "Sở Nội vụ" not in body and "Hộ tịch" not in body, endpoint
    assert get("units/", {"parent": world.b.pk}).status_code == 404
    assert get("units/", {"parent": world.district.pk}).status_code == 404
    assert get("units/").json() == {"parent": None, "units": [unit_json(world.a)]}
    assert [row["unit"]["id"] for row in get("by-unit/").json()["rows"]] == [world.a.pk]
    assert get("by-unit/", {"unit": world.a.pk}).json()["rows"] == []  # a leaf
    assert get("summary/").json()["numbers"] == numbers(aggregation.summary([world.a]))


def test_units_lists_the_roots_and_the_units_below_one(api, world, admin_user):
    get = api(hr_of(world.a, world.department))
    assert [u["id"] for u in get("units/").json()["units"]] == [world.department.pk, world.a.pk]
    get = api(hr_of(world.province))
    assert get("units/").json()["units"] == [unit_json(world.province)]
    body = get("units/", {"parent": world.province.pk}).json()
    assert body["parent"] == unit_json(world.province)
    assert [u["name"] for u in body["units"]] == ["Sở Nội vụ", "Huyện Đông"]
    assert [u["code"] for u in get("units/", {"parent": world.district.pk}).json()["units"]] == ["XA", "XB"]
    assert api(admin_user)("units/").json()["units"] == [unit_json(world.province)]


def test_closed_units_are_not_found(api, world):
    get = api(hr_of(world.province))
    structure.merge_units([world.b], world.a, datetime.date(2025, 3, 14))
    assert get("summary/", {"unit": world.b.pk}).status_code == 404  # its records are Xã An's now
    assert get("units/", {"parent": world.b.pk}).status_code == 404
    assert [u["code"] for u in get("units/", {"parent": world.district.pk}).json()["units"]] == ["XA"]
    assert get("summary/", {"unit": world.a.pk}).json()["numbers"]["enrolled"] == 4


@pytest.mark.parametrize(
    "params, name",
    [
        ({"year": "abc"}, "year"),
        ({"year": "1800"}, "year"),
        ({"course": "999999"}, "course"),
        ({"course": "99999999999999999999"}, "course"),
        ({"group": "x"}, "group"),
        ({"group": "424242"}, "group"),
        ({"kind": "<b>"}, "kind"),
        ({"unit": "abc"}, "unit"),
        ({"unit": "0"}, "unit"),
        ({"unit": "99999999999999999999"}, "unit"),
        ({"unit": "1.5"}, "unit"),
    ],
)
def test_invalid_parameters_are_422_json_naming_the_parameter(api, world, params, name):
    get = api(hr_of(world.province))
    for endpoint in REPORTS:
        response = get(endpoint, params)
        assert response.status_code == 422, (endpoint, params)
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert [error["loc"] for error in response.json()["detail"]] == [["query", name]]
    assert get("units/", {"parent": params.get("unit", "x")}).status_code == 422


def test_the_api_is_read_only(client, token_of, world):
    headers = bearer(token_of(hr_of(world.province)))
    for endpoint in ("units/", *REPORTS):
        for method in (client.post, client.put, client.delete):
            assert method(f"/api/v1/{endpoint}", headers=headers).status_code == 405


# Query counts ---------------------------------------------------------------------------------


def _queries(get, endpoint, params):
    get(endpoint, params)  # warm: the token's last use is recorded once a minute, not now
    with CaptureQueriesContext(connection) as queries:
        response = get(endpoint, params)
    assert response.status_code == 200
    body = response.json()
    return len(queries), len(body.get("rows", body.get("units", [])))


def test_query_counts_do_not_grow_with_units_or_courses(api, world, groups, catalogue):
    get = api(hr_of(world.province))
    cases = [
        ("units/", {"parent": world.district.pk}),
        ("summary/", {"unit": world.district.pk}),
        ("by-unit/", {"unit": world.district.pk}),
        ("by-group/", {"unit": world.district.pk, "group": groups.staff.pk}),
        ("by-course/", {"unit": world.district.pk}),
        ("by-course/", {}),
    ]
    few = [_queries(get, *case) for case in cases]
    units = [
        structure.create_unit(world.district, name=f"Xã {n}", kind=OrgUnit.Kind.COMMUNE, code=f"XN{n}")
        for n in range(13)
    ]
    officials = [placed_official(unit, position_group=groups.staff) for unit in units]
    for n, official in enumerate(officials[:4]):  # four more courses, each with a completion
        course = make_course(catalogue, title=f"Khóa {n}", lessons=1)
        services.enrol(official, course)
        finish(official, course)
    many = [_queries(get, *case) for case in cases]
    assert [rows for _n, rows in few] == [2, 0, 2, 2, 2, 2]
    assert [rows for _n, rows in many] == [15, 0, 15, 2, 6, 6]
    assert [n for n, _rows in many] == [n for n, _rows in few]
    # Token and user (1); the user's scope: administrator?, HR scopes, units merged into the read and
    # the managed ones (4); the report roots (1); the unit (1, none for all roots); then the children
    # (1) for /units/, or the filter choices (3) and the aggregation (3, or 4 with labels or children).
    assert [n for n, _rows in few] == [8, 12, 13, 13, 13, 12]
