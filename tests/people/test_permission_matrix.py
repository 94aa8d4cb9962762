"""Every people-related URL and action, for every role: the expected status, and never the data
of another unit."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from lms.people import roles
from lms.people.models import ImportBatch
from tests.factories import OfficialFactory, PositionGroupFactory, make_unit
from tests.support.auth import login
from tests.support.people import administrator, hr_of, member

ROLES = ["anonymous", "official", "trainer", "hr_a", "hr_b", "admin"]


@pytest.fixture
def world(db):
    province = make_unit(name="Tỉnh Minh Sơn", kind="province", code="TINH")
    unit_a = make_unit(province, name="Xã Đồng Tâm", code="XA-A")
    unit_b = make_unit(province, name="Xã Hòa Bình", code="XA-B")
    group = PositionGroupFactory()
    groups = roles.ensure_roles()
    people = {"anonymous": None}
    official = OfficialFactory(unit=unit_a, position_group=group, full_name="Lò Thị Hạnh", employee_code="A-0001")
    official.user.groups.add(groups[roles.OFFICIAL])
    people["official"] = official.user
    people["trainer"] = member(groups, roles.TRAINER, username="giangvien")
    for key, unit in (("hr_a", unit_a), ("hr_b", unit_b)):
        people[key] = hr_of(unit, username=key)
    people["admin"] = administrator()
    batch = ImportBatch(created_by=people["hr_a"], original_name="a.csv", status=ImportBatch.Status.READY)
    batch.file.save("a.csv", ContentFile(b"x"), save=False)
    batch.save()
    return {"people": people, "official": official, "batch": batch, "unit_a": unit_a}


# (name, url builder, method, expected status per role in ROLES order)
MATRIX = [
    ("officials", lambda w: reverse("people:official_list"), "get", [302, 403, 403, 200, 200, 200]),
    (
        "official A",
        lambda w: reverse("people:official_detail", args=[w["official"].pk]),
        "get",
        [302, 403, 403, 200, 404, 200],
    ),
    ("export", lambda w: reverse("people:official_export"), "get", [302, 403, 403, 200, 200, 200]),
    ("import form", lambda w: reverse("people:import_start"), "get", [302, 403, 403, 200, 200, 200]),
    ("template csv", lambda w: reverse("people:import_template_csv"), "get", [302, 403, 403, 200, 200, 200]),
    ("template xlsx", lambda w: reverse("people:import_template_xlsx"), "get", [302, 403, 403, 200, 200, 200]),
    (
        "batch of A",
        lambda w: reverse("people:import_detail", args=[w["batch"].pk]),
        "get",
        [302, 403, 403, 200, 404, 200],
    ),
    (
        "confirm A",
        lambda w: reverse("people:import_confirm", args=[w["batch"].pk]),
        "post",
        [302, 403, 403, 302, 404, 302],
    ),
    (
        "check A again",
        lambda w: reverse("people:import_retry", args=[w["batch"].pk]),
        "post",
        [302, 403, 403, 302, 404, 302],
    ),
    ("check A again by GET", lambda w: reverse("people:import_retry", args=[w["batch"].pk]), "get", [302, 403, 403, 405, 405, 405]),
    # Wagtail answers a refused admin page with a redirect to the admin home (or to its login).
    ("admin officials", lambda w: reverse("official:index"), "get", [302, 302, 302, 302, 302, 200]),
    (
        "admin edit official A",
        lambda w: reverse("official:edit", args=[w["official"].pk]),
        "get",
        [302, 302, 302, 302, 302, 200],
    ),
    ("admin units", lambda w: reverse("orgunit:index"), "get", [302, 302, 302, 302, 302, 200]),
    ("admin add unit", lambda w: reverse("orgunit:add"), "get", [302, 302, 302, 302, 302, 200]),
    (
        "admin edit unit A",
        lambda w: reverse("orgunit:edit", args=[w["unit_a"].pk]),
        "get",
        [302, 302, 302, 302, 302, 200],
    ),
    (
        "admin close unit A",
        lambda w: reverse("orgunit:close", args=[w["unit_a"].pk]),
        "post",
        [302, 302, 302, 302, 302, 200],
    ),
    ("profile", lambda w: reverse("profile"), "get", [302, 200, 200, 200, 200, 200]),
    ("password change", lambda w: reverse("password_change"), "get", [302, 200, 200, 200, 200, 200]),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "url", "method", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
def test_permission_matrix(client, world, role, name, url, method, expected, django_capture_on_commit_callbacks):
    client = login(client, world, role)
    with django_capture_on_commit_callbacks(execute=False):
        response = getattr(client, method)(url(world))
    assert response.status_code == expected[ROLES.index(role)], f"{name} as {role}"
    if role == "hr_b" and response.status_code == 200:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert "Lò Thị Hạnh".encode() not in body and b"A-0001" not in body


def test_only_the_uploader_can_confirm(client, world, django_capture_on_commit_callbacks):
    login(client, world, "admin")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:import_confirm", args=[world["batch"].pk]))
    world["batch"].refresh_from_db()
    assert world["batch"].status == ImportBatch.Status.READY
