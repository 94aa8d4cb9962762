"""/api/v1/plans/ and /api/v1/plans/{id}/progress/: the plans a token's user may read, and a plan's
figures exactly as the page's selectors give them, never outside the caller's scope (404), with
4xx JSON for bad parameters, in the OpenAPI document, and in queries that do not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.core.dates import today
from lms.training import progress
from lms.training.models import TrainingPlan
from tests.api.conftest import bearer
from tests.support.learning import finish
from tests.support.people import hr_of
from tests.training.test_progress import make_province
from tests.training.world import activated, build_world


@pytest.fixture
def tw(catalogue):
    """The training tests' province (not the reports' ``world`` of tests/api/conftest.py)."""
    return build_world(catalogue)


@pytest.fixture
def activate(django_capture_on_commit_callbacks):
    return lambda world, plan: activated(world, plan, django_capture_on_commit_callbacks)


@pytest.fixture
def province(tw, activate, catalogue):
    p = make_province(tw, activate, catalogue)
    finish(p.people["a_chair"], tw.course)
    return p


def unit_json(unit):
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "kind": unit.kind, "depth": unit.depth}


def figures_json(f):
    return {
        "targeted": f.targeted,
        "completed": f.completed,
        "in_progress": f.in_progress,
        "not_started": f.not_started,
        "overdue": f.overdue,
        "completion_rate": f.completion_rate,
        "hours_completed": f.hours,
    }


def progress_url(plan):
    return f"plans/{plan.pk}/progress/"


# /plans/ ----------------------------------------------------------------------------------------


def test_plans_lists_what_the_user_may_read(api, tw, province, activate):
    draft = tw.plan(name="Bản nháp", year=2027)
    only_c = tw.plan(name="Kế hoạch của xã Tân Lập")
    tw.requirement(only_c, units=[province.commune_c])
    activate(tw, only_c)

    def names(user, **params):
        body = api(user)("plans/", params).json()
        return [item["name"] for item in body["items"]]

    assert names(tw.hr) == ["Bản nháp", "Kế hoạch bồi dưỡng kỹ năng số năm 2026", "Kế hoạch của xã Tân Lập"]
    assert names(hr_of(tw.commune_b)) == [province.plan.name]
    assert names(hr_of(province.district, can_manage=False)) == [province.plan.name, only_c.name]
    assert names(tw.hr, year=2027) == [draft.name]
    assert names(tw.hr, status="draft") == [draft.name]
    assert names(tw.hr, status="active", year=2026) == [province.plan.name, only_c.name]
    item = api(tw.hr)("plans/", {"status": "draft"}).json()["items"][0]
    assert item == {
        "id": draft.pk,
        "name": "Bản nháp",
        "year": 2027,
        "status": "draft",
        "owner_unit": unit_json(tw.province),
        "requirements": 0,
        "activated_at": None,
        "closed_at": None,
    }


def test_plans_are_paginated(api, tw):
    for n in range(5):
        tw.plan(name=f"Kế hoạch {n}")
    get = api(tw.hr)
    first = get("plans/", {"page_size": 2}).json()
    assert (first["count"], first["page"], first["page_size"], first["pages"]) == (5, 1, 2, 3)
    assert [item["name"] for item in first["items"]] == ["Kế hoạch 0", "Kế hoạch 1"]
    assert [item["name"] for item in get("plans/", {"page_size": 2, "page": 3}).json()["items"]] == ["Kế hoạch 4"]
    assert get("plans/", {"page_size": 2, "page": 9}).json()["items"] == []


@pytest.mark.parametrize(
    "params, name",
    [
        ({"year": "abc"}, "year"),
        ({"year": "1800"}, "year"),
        ({"status": "<b>"}, "status"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
    ],
)
def test_bad_plan_parameters_are_422_naming_the_parameter(api, tw, params, name):
    response = api(tw.hr)("plans/", params)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", name]]


# /plans/{id}/progress/ ------------------------------------------------------------------------------


def expected(plan, user, unit=None, requirement=None):
    area = progress.area_for(user, unit.pk if unit else None)
    return area, progress.progress(plan, area, requirement.pk if requirement else None)


@pytest.mark.parametrize("where", ["scope", "province", "district", "commune"])
@pytest.mark.parametrize("narrowed", [False, True])
def test_progress_answers_the_page_s_figures(api, tw, province, where, narrowed):
    unit = {"scope": None, "province": tw.province, "district": province.district, "commune": tw.commune_a}[where]
    requirement = province.everyone if narrowed else None
    params = {**({"unit": unit.pk} if unit else {}), **({"requirement": requirement.pk} if requirement else {})}
    response = api(tw.hr)(progress_url(province.plan), params)
    assert response.status_code == 200, response.content
    body = response.json()
    area, result = expected(province.plan, tw.hr, unit, requirement)
    assert body["as_of"] == today().isoformat()
    assert body["plan"]["id"] == province.plan.pk and body["plan"]["requirements"] == 2
    assert body["unit"] == (unit_json(unit) if unit else None)
    assert body["scope"] == [unit_json(u) for u in area.shown]
    assert body["requirement"] == (requirement.pk if requirement else None)
    assert body["summary"] == figures_json(result.summary)
    assert [(row["requirement"]["id"], row["figures"]) for row in body["requirements"]] == [
        (row.key, figures_json(row.figures)) for row in result.by_requirement
    ]
    assert [(row["unit"]["id"], row["own"], row["figures"]) for row in body["by_unit"]] == [
        (row.unit.pk, row.own, figures_json(row.figures)) for row in result.by_unit
    ]
    for name in ("by_group", "by_position", "by_title"):
        assert [(row["id"], row["figures"]) for row in body[name]] == [
            (row.key, figures_json(row.figures)) for row in getattr(result, name)
        ]


def test_the_figures_of_the_province_s_plan(api, tw, province):
    body = api(tw.hr)(progress_url(province.plan)).json()
    assert body["summary"] == {
        "targeted": 10,
        "completed": 1,
        "in_progress": 0,
        "not_started": 9,
        "overdue": 0,
        "completion_rate": 0.1,
        "hours_completed": 8,
    }
    leaders = body["requirements"][0]
    assert leaders["requirement"]["audience"] == "Lãnh đạo cấp xã" and leaders["requirement"]["hours"] == 8
    assert leaders["figures"]["completion_rate"] == pytest.approx(0.2)
    assert [(row["unit"]["name"], row["own"]) for row in body["by_unit"]] == [
        ("Tỉnh Minh Sơn", True),
        ("Xã Sơn Hà", False),
        ("Xã Hòa Bình", False),
        ("Huyện Đông", False),
    ]
    titles = body["by_title"]
    assert [(row["id"], row["code"], row["figures"]["targeted"]) for row in titles] == [
        (tw.chairman.pk, "chu-tich-ubnd-xa", 2),
        (0, "", 8),
    ]


def test_another_unit_s_token_gets_404(api, tw, activate, province):
    only_c = tw.plan(name="Kế hoạch của xã Tân Lập")
    tw.requirement(only_c, units=[province.commune_c])
    activate(tw, only_c)
    get = api(hr_of(tw.commune_b))
    response = get(progress_url(only_c))
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    assert "Tân Lập" not in response.content.decode()
    for other in (tw.commune_a, province.district, tw.province):
        assert get(progress_url(province.plan), {"unit": other.pk}).status_code == 404, other.name
    body = get(progress_url(province.plan)).json()
    assert body["summary"]["targeted"] == 1  # its one leader
    assert [row["unit"]["id"] for row in body["by_unit"]] == [tw.commune_b.pk]
    assert "Sơn Hà" not in str(body) and "Tân Lập" not in str(body)
    assert get("plans/99999999/progress/").status_code == 404
    assert get("plans/99999999999999999999999/progress/").status_code in (404, 422)
    other_requirement = only_c.requirements.get()
    assert api(tw.hr)(progress_url(province.plan), {"requirement": other_requirement.pk}).status_code == 404


def test_a_draft_of_the_province_is_not_the_commune_s(api, tw, province):
    draft = tw.plan(name="Bản nháp")
    tw.requirement(draft)
    assert api(hr_of(tw.commune_a))(progress_url(draft)).status_code == 404
    assert api(tw.hr)(progress_url(draft)).status_code == 200


@pytest.mark.parametrize(
    "params, name", [({"unit": "abc"}, "unit"), ({"unit": "0"}, "unit"), ({"requirement": "x"}, "requirement")]
)
def test_bad_progress_parameters_are_422(api, tw, province, params, name):
    response = api(tw.hr)(progress_url(province.plan), params)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", name]]


def test_the_plans_api_is_read_only(client, token_of, tw, province):
    headers = bearer(token_of(tw.hr))
    for path in ("plans/", progress_url(province.plan)):
        for method in (client.post, client.put, client.delete):
            assert method(f"/api/v1/{path}", headers=headers).status_code == 405


def test_the_openapi_document_describes_the_plans(client, db):
    doc = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/plans/", "/api/v1/plans/{plan_id}/progress/"} <= set(doc["paths"])
    for path in ("/api/v1/plans/", "/api/v1/plans/{plan_id}/progress/"):
        operation = doc["paths"][path]["get"]
        assert list(doc["paths"][path]) == ["get"] and operation["security"]
        assert {"200", "401", "403", "404", "422"} <= set(operation["responses"])
        assert all(parameter.get("description") for parameter in operation["parameters"]), path
    schemas = doc["components"]["schemas"]
    for name in ("PlanOut", "PlansOut", "PlanFiguresOut", "RequirementOut", "PlanProgressOut", "PlanUnitRow"):
        for field, spec in schemas[name]["properties"].items():
            assert spec.get("description") or "$ref" in spec or "allOf" in spec or "anyOf" in spec, (name, field)
    assert set(schemas["PlanFiguresOut"]["properties"]) == {
        "targeted",
        "completed",
        "in_progress",
        "not_started",
        "overdue",
        "completion_rate",
        "hours_completed",
    }


def _queries(get, path, params=None):
    get(path, params)  # warm: the token's last use is written once a minute
    with CaptureQueriesContext(connection) as queries:
        response = get(path, params)
    assert response.status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_officials_or_plans(api, tw, province, activate):
    get = api(tw.hr)
    cases = [
        ("plans/", {}),
        (progress_url(province.plan), {}),
        (progress_url(province.plan), {"unit": province.district.pk, "requirement": province.leaders.pk}),
    ]
    few = [_queries(get, *case) for case in cases]
    for n in range(60):
        tw.official(unit=(tw.commune_a, tw.commune_b, province.commune_c)[n % 3], group=tw.leaders)
    for official in tw.officials[-10:]:
        finish(official, tw.course)
    for n in range(4):
        plan = tw.plan(name=f"Kế hoạch thêm {n}")
        tw.requirement(plan)
        activate(tw, plan)
    assert TrainingPlan.objects.count() == 5
    many = [_queries(get, *case) for case in cases]
    assert many == few
