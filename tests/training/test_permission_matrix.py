"""Every training-plan URL, GET and POST, for every role: the expected status, and never the data of
another unit. A unit head reads (read-only scope) but changes nothing; officials and trainers are
refused; another commune's HR finds nothing (404)."""

import pytest
from django.urls import reverse

from lms.core.dates import today
from lms.people import roles
from lms.training import services
from lms.training.models import Exclusion, Obligation, Requirement
from tests.factories import OfficialFactory, make_course, make_unit
from tests.support.auth import login
from tests.support.people import administrator, hr_of, member
from tests.training.world import days

ROLES = ["anonymous", "official", "trainer", "unit_head", "hr_a", "hr_b", "admin"]


@pytest.fixture
def world(catalogue, django_capture_on_commit_callbacks):
    province = make_unit(name="Tỉnh Minh Sơn", kind="province", code="TINH")
    unit_a = make_unit(province, name="Xã Đồng Tâm", code="XA-A")
    unit_b = make_unit(province, name="Xã Hòa Bình", code="XA-B")
    groups = roles.ensure_roles(catalogue)
    course = make_course(catalogue, title="Chữ ký số chuyên dùng", lessons=1)
    official = OfficialFactory(unit=unit_a, full_name="Lò Thị Hạnh", employee_code="A-0001")
    official.user.groups.add(groups[roles.OFFICIAL])
    left_out = OfficialFactory(unit=unit_a, full_name="Vàng Văn Sử", employee_code="A-0002")
    people = {
        "anonymous": None,
        "official": official.user,
        "trainer": member(groups, roles.TRAINER, username="giangvien"),
        "unit_head": hr_of(unit_a, can_manage=False, username="truongdonvi"),
        "hr_a": hr_of(unit_a, username="hr_a"),
        "hr_b": hr_of(unit_b, username="hr_b"),
        "admin": administrator(),
    }
    hr_a = people["hr_a"]

    def requirement(plan):
        fields = services.RequirementFields(
            course=course,
            audience="Công chức cấp xã",
            units=[unit_a],
            due_rule=Requirement.DueRule.AFTER_ASSIGNMENT,
            due_days=30,
        )
        return services.save_requirement(hr_a, plan, fields)

    draft = services.create_plan(hr_a, name="Kế hoạch nháp Đồng Tâm", year=2026, owner_unit=unit_a)
    draft_requirement = requirement(draft)
    active = services.create_plan(hr_a, name="Kế hoạch Đồng Tâm 2026", year=2026, owner_unit=unit_a)
    active_requirement = requirement(active)
    with django_capture_on_commit_callbacks(execute=True):
        services.activate(active, hr_a)
    exclusion = services.exclude(hr_a, active_requirement, left_out, "Nghỉ thai sản")
    return {
        "people": people,
        "official": official,
        "left_out": left_out,
        "draft": draft,
        "draft_requirement": draft_requirement,
        "active": active,
        "requirement": active_requirement,
        "obligation": Obligation.objects.get(official=official, requirement=active_requirement),
        "exclusion": exclusion,
        "unit_a": unit_a,
        "course": course,
    }


def plan_data(w):
    return {"name": "Kế hoạch mới", "year": 2026, "owner_unit": w["unit_a"].pk, "reminder_days": "14,3"}


def requirement_data(w):
    return {
        "course": w["course"].pk,
        "audience": "Lãnh đạo cấp xã",
        "units": [w["unit_a"].pk],
        "due_rule": "after_assignment",
        "due_days": "20",
        "mandatory": "on",
    }


def extension_data(w):
    return {"due_date": (today() + days(60)).strftime("%d/%m/%Y"), "reason": "Đi học dài hạn"}


READ = [302, 403, 403, 200, 200, 404, 200]  # a page of unit A that a reader may see
LIST = [302, 403, 403, 200, 200, 200, 200]  # a page every HR user has (with only their own plans)
FORM = [302, 403, 403, 403, 200, 404, 200]  # a form that changes unit A (shown, or shown again)
NEW = [302, 403, 403, 403, 200, 200, 200]  # the form of a new plan
DONE = [302, 403, 403, 403, 302, 404, 302]  # a change of unit A, redirected after
POST_ONLY = [302, 403, 403, 403, 405, 405, 405]  # a change asked by GET

# (name, url builder, method, data builder, expected status per role in ROLES order)
MATRIX = [
    ("plans", lambda w: reverse("training:plan_list"), "get", None, LIST),
    ("new plan", lambda w: reverse("training:plan_create"), "get", None, NEW),
    ("create plan", lambda w: reverse("training:plan_create"), "post", plan_data, [302, 403, 403, 403, 302, 200, 302]),
    ("create nothing", lambda w: reverse("training:plan_create"), "post", None, NEW),
    ("draft", lambda w: reverse("training:plan_detail", args=[w["draft"].pk]), "get", None, READ),
    ("active", lambda w: reverse("training:plan_detail", args=[w["active"].pk]), "get", None, READ),
    ("edit form", lambda w: reverse("training:plan_edit", args=[w["draft"].pk]), "get", None, FORM),
    ("edit", lambda w: reverse("training:plan_edit", args=[w["draft"].pk]), "post", plan_data, DONE),
    ("activate", lambda w: reverse("training:plan_activate", args=[w["draft"].pk]), "post", None, DONE),
    ("activate by GET", lambda w: reverse("training:plan_activate", args=[w["draft"].pk]), "get", None, POST_ONLY),
    ("close", lambda w: reverse("training:plan_close", args=[w["active"].pk]), "post", None, DONE),
    ("close by GET", lambda w: reverse("training:plan_close", args=[w["active"].pk]), "get", None, POST_ONLY),
    ("delete", lambda w: reverse("training:plan_delete", args=[w["draft"].pk]), "post", None, DONE),
    ("delete by GET", lambda w: reverse("training:plan_delete", args=[w["draft"].pk]), "get", None, POST_ONLY),
    ("preview", lambda w: reverse("training:plan_preview", args=[w["draft"].pk]), "get", None, READ),
    ("preview xlsx", lambda w: reverse("training:plan_preview_xlsx", args=[w["draft"].pk]), "get", None, READ),
    ("not emailed", lambda w: reverse("training:plan_not_emailed", args=[w["active"].pk]), "get", None, READ),
    ("add form", lambda w: reverse("training:requirement_add", args=[w["draft"].pk]), "get", None, FORM),
    ("add", lambda w: reverse("training:requirement_add", args=[w["draft"].pk]), "post", requirement_data, DONE),
    (
        "requirement form",
        lambda w: reverse("training:requirement_edit", args=[w["draft_requirement"].pk]),
        "get",
        None,
        FORM,
    ),
    (
        "edit requirement",
        lambda w: reverse("training:requirement_edit", args=[w["draft_requirement"].pk]),
        "post",
        requirement_data,
        DONE,
    ),
    (
        "delete requirement",
        lambda w: reverse("training:requirement_delete", args=[w["draft_requirement"].pk]),
        "post",
        None,
        DONE,
    ),
    (
        "delete requirement by GET",
        lambda w: reverse("training:requirement_delete", args=[w["draft_requirement"].pk]),
        "get",
        None,
        POST_ONLY,
    ),
    ("people", lambda w: reverse("training:requirement_people", args=[w["requirement"].pk]), "get", None, READ),
    (
        "exclude form",
        lambda w: reverse("training:requirement_exclude", args=[w["requirement"].pk]) + f"?official={w['official'].pk}",
        "get",
        None,
        FORM,
    ),
    (
        "exclude",
        lambda w: reverse("training:requirement_exclude", args=[w["requirement"].pk]),
        "post",
        lambda w: {"official": w["official"].pk, "reason": "Biệt phái"},
        DONE,
    ),
    (
        "include again",
        lambda w: reverse("training:requirement_include", args=[w["requirement"].pk, w["exclusion"].pk]),
        "post",
        None,
        DONE,
    ),
    (
        "include again by GET",
        lambda w: reverse("training:requirement_include", args=[w["requirement"].pk, w["exclusion"].pk]),
        "get",
        None,
        POST_ONLY,
    ),
    ("extend form", lambda w: reverse("training:obligation_extend", args=[w["obligation"].pk]), "get", None, FORM),
    (
        "extend",
        lambda w: reverse("training:obligation_extend", args=[w["obligation"].pk]),
        "post",
        extension_data,
        DONE,
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "url", "method", "data", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
def test_permission_matrix(client, world, role, name, url, method, data, expected, django_capture_on_commit_callbacks):
    client = login(client, world, role)
    with django_capture_on_commit_callbacks(execute=False):
        response = getattr(client, method)(url(world), data(world) if data else {})
    assert response.status_code == expected[ROLES.index(role)], f"{name} as {role}"
    if role == "hr_b" and response.status_code == 200:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for secret in ("Lò Thị Hạnh", "A-0001", "Đồng Tâm 2026", "Vàng Văn Sử"):
            assert secret.encode() not in body, (name, secret)


def test_refused_changes_change_nothing(client, world):
    """What the unit head and the other commune's HR posted left everything as it was."""
    for role in ("unit_head", "hr_b"):
        login(client, world, role)
        client.post(reverse("training:plan_delete", args=[world["draft"].pk]))
        client.post(reverse("training:requirement_include", args=[world["requirement"].pk, world["exclusion"].pk]))
        client.post(reverse("training:obligation_extend", args=[world["obligation"].pk]), extension_data(world))
    assert Requirement.objects.filter(plan=world["draft"]).exists()
    assert Exclusion.objects.filter(pk=world["exclusion"].pk).exists()
    assert not world["obligation"].extensions.exists()


def test_the_admin_menu_leads_hr_to_the_plans(client, world):
    login(client, world, "admin")
    body = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("training:plan_list") in body
