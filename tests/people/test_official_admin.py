"""The administrator's Official screens: a change of unit is a dated move, nothing is deleted."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from lms.people.models import Official, Placement
from tests.factories import PositionGroupFactory, make_unit, placed_official


@pytest.fixture
def world(db):
    province = make_unit(name="Tỉnh Minh Sơn", kind="province", code="MS")
    old = make_unit(province, name="Xã Sơn Thủy", code="MS-A")
    new = make_unit(province, name="Xã Sơn Hà", code="MS-B")
    official = placed_official(
        old,
        since=datetime.date(2023, 3, 1),
        full_name="Vì Văn Khánh",
        employee_code="SH-01",
        position_group=PositionGroupFactory(),
    )
    return {"old": old, "new": new, "official": official}


def form_data(official, **changes):
    data = {
        "full_name": official.full_name,
        "employee_code": official.employee_code,
        "unit": official.unit_id,
        "on_date": "",
        "position_group": official.position_group_id,
        "phone": official.phone,
        "is_active": "on" if official.is_active else "",
    }
    return {**data, **changes}


def test_changing_the_unit_records_a_dated_move(admin_client, world):
    official = world["official"]
    url = reverse("official:edit", args=[official.pk])
    response = admin_client.post(url, form_data(official, unit=world["new"].pk, on_date="15/09/2025"))

    assert response.status_code == 302
    official.refresh_from_db()
    assert official.unit == world["new"]
    history = list(
        Placement.objects.filter(official=official)
        .order_by("started_on")
        .values_list("unit__code", "started_on", "ended_on")
    )
    assert history == [
        ("MS-A", datetime.date(2023, 3, 1), datetime.date(2025, 9, 14)),
        ("MS-B", datetime.date(2025, 9, 15), None),
    ]


def test_editing_the_name_alone_leaves_the_history_untouched(admin_client, world):
    official = world["official"]
    response = admin_client.post(
        reverse("official:edit", args=[official.pk]), form_data(official, full_name="Vì Văn Khánh Linh")
    )

    assert response.status_code == 302
    assert Official.objects.get(pk=official.pk).full_name == "Vì Văn Khánh Linh"
    assert Placement.objects.filter(official=official).count() == 1


def test_a_move_dated_before_the_current_placement_is_a_form_error(admin_client, world):
    official = world["official"]
    response = admin_client.post(
        reverse("official:edit", args=[official.pk]), form_data(official, unit=world["new"].pk, on_date="01/01/2020")
    )

    assert response.status_code == 200
    assert "on_date" in response.context["form"].errors
    official.refresh_from_db()
    assert official.unit == world["old"]
    assert Placement.objects.filter(official=official).count() == 1


def test_officials_are_neither_added_nor_deleted_in_the_admin(admin_client, world):
    for name, args in (("official:add", []), ("official:delete", [world["official"].pk])):
        with pytest.raises(NoReverseMatch):
            reverse(name, args=args)
    page = admin_client.get(reverse("official:index")).content.decode()
    assert "Vì Văn Khánh" in page
    assert "/add/" not in page and "/delete/" not in page


def test_the_admin_list_queries_do_not_grow_with_officials(admin_client, world):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(reverse("official:index")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(15):
        placed_official(world["new"], employee_code=f"SH-{n + 10}", position_group=PositionGroupFactory())
    assert count() == few
