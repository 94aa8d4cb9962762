"""The organisation tree in the Wagtail admin: list, create, rename, move, close; never delete."""

import datetime

import pytest
from django.urls import NoReverseMatch, reverse

from lms.people import roles
from lms.people.models import Official, OrgUnit
from tests.factories import make_unit, placed_official
from tests.support.auth import assert_sent_to_the_admin_home
from tests.support.people import member

K = OrgUnit.Kind


@pytest.fixture
def tree(db):
    province = make_unit(name="Tỉnh Minh Sơn", kind=K.PROVINCE, code="MS")
    district = make_unit(province, name="Huyện Sơn Hà", kind=K.DISTRICT, code="MS-H")
    old_commune = make_unit(district, name="Xã Sơn Thủy", code="MS-H-A")
    department = make_unit(province, name="Ban Dân tộc", kind=K.DEPARTMENT, code="MS-BDT")
    new_commune = make_unit(province, name="Xã Sơn Hà", code="MS-X", valid_from=datetime.date(2025, 7, 1))
    return {"province": province, "district": district, "old": old_commune, "dept": department, "new": new_commune}


def form_data(unit, **changes):
    parent = unit.get_parent()
    data = {
        "parent": parent.pk if parent else "",
        "name": unit.name,
        "kind": unit.kind,
        "code": unit.code,
        "valid_from": unit.valid_from.strftime("%d/%m/%Y") if unit.valid_from else "",
    }
    return {**data, **changes}


def reload(unit):
    return OrgUnit.objects.get(pk=unit.pk)


def test_units_are_listed_in_tree_order_with_their_depth(admin_client, tree):
    response = admin_client.get(reverse("orgunit:index"))

    assert response.status_code == 200
    html = response.content.decode()
    order = [tree[key] for key in ("province", "district", "old", "dept", "new")]
    positions = [html.index(reverse("orgunit:edit", args=[unit.pk])) for unit in order]
    assert positions == sorted(positions)
    assert "\u2003\u2003\u2003\u2003Xã Sơn Thủy" in html  # depth 3: two levels of indent
    assert "MS-BDT" in html and "01/07/2025" in html


def test_the_list_filters_open_and_closed_units(admin_client, tree):
    OrgUnit.objects.filter(pk=tree["old"].pk).update(valid_to=datetime.date(2025, 6, 30), successor=tree["new"])

    closed = admin_client.get(reverse("orgunit:index"), {"status": "closed"}).content.decode()
    opened = admin_client.get(reverse("orgunit:index"), {"status": "open"}).content.decode()

    assert "Xã Sơn Thủy" in closed and "Ban Dân tộc" not in closed
    assert "Ban Dân tộc" in opened and "Xã Sơn Thủy" not in opened


def test_an_administrator_creates_a_child_unit(admin_client, tree):
    response = admin_client.post(
        reverse("orgunit:add"),
        {
            "parent": tree["new"].pk,
            "name": "Bộ phận một cửa",
            "kind": K.OTHER,
            "code": "MS-X-1C",
            "valid_from": "01/07/2025",
        },
    )

    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="MS-X-1C")
    assert (unit.name, unit.get_parent(), unit.valid_from) == (
        "Bộ phận một cửa",
        tree["new"],
        datetime.date(2025, 7, 1),
    )


def test_an_administrator_renames_a_unit(admin_client, tree):
    response = admin_client.post(
        reverse("orgunit:edit", args=[tree["dept"].pk]), form_data(tree["dept"], name="Sở Dân tộc và Tôn giáo")
    )

    assert response.status_code == 302
    dept = reload(tree["dept"])
    assert (dept.name, dept.path) == ("Sở Dân tộc và Tôn giáo", tree["dept"].path)


def test_an_administrator_moves_a_unit(admin_client, tree):
    response = admin_client.post(
        reverse("orgunit:edit", args=[tree["old"].pk]), form_data(tree["old"], parent=tree["province"].pk)
    )

    assert response.status_code == 302
    assert reload(tree["old"]).get_parent() == tree["province"]
    assert reload(tree["district"]).numchild == 0


def test_a_closed_unit_under_a_closed_district_can_still_be_renamed(admin_client, tree):
    last_day = datetime.date(2025, 6, 30)
    OrgUnit.objects.filter(pk__in=[tree["district"].pk, tree["old"].pk]).update(valid_to=last_day)
    old = reload(tree["old"])

    response = admin_client.post(reverse("orgunit:edit", args=[old.pk]), form_data(old, name="Xã Sơn Thủy (cũ)"))

    assert response.status_code == 302
    old = reload(old)
    assert (old.name, old.get_parent(), old.valid_to) == ("Xã Sơn Thủy (cũ)", tree["district"], last_day)


def test_an_invalid_move_is_a_form_error(admin_client, tree):
    response = admin_client.post(
        reverse("orgunit:edit", args=[tree["district"].pk]),
        form_data(tree["district"], parent=tree["old"].pk, name="Huyện Sơn Hà mới"),
    )

    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    district = reload(tree["district"])
    assert (district.name, district.get_parent()) == ("Huyện Sơn Hà", tree["province"])


def test_an_administrator_closes_a_unit_with_a_successor(admin_client, tree):
    official = placed_official(tree["old"])

    response = admin_client.post(
        reverse("orgunit:close", args=[tree["district"].pk]),
        {"on_date": "30/06/2025", "successor": tree["new"].pk},
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("orgunit:index")
    for unit in (tree["district"], tree["old"]):
        unit = reload(unit)
        assert (unit.valid_to, unit.successor) == (datetime.date(2025, 6, 30), tree["new"])
    assert Official.objects.get(pk=official.pk).unit == tree["new"]


def test_closing_with_a_successor_inside_the_unit_is_a_form_error(admin_client, tree):
    response = admin_client.post(
        reverse("orgunit:close", args=[tree["district"].pk]), {"on_date": "30/06/2025", "successor": tree["old"].pk}
    )

    assert response.status_code == 200
    assert "successor" in response.context["form"].errors
    assert not reload(tree["district"]).is_closed


def test_units_cannot_be_deleted(admin_client, tree):
    with pytest.raises(NoReverseMatch):
        reverse("orgunit:delete", args=[tree["dept"].pk])
    edit = admin_client.get(reverse("orgunit:edit", args=[tree["dept"].pk])).content.decode()
    listing = admin_client.get(reverse("orgunit:index")).content.decode()

    assert "/delete/" not in edit and "/delete/" not in listing
    assert admin_client.post(f"/admin/orgunit/delete/{tree['dept'].pk}/").status_code == 404
    assert OrgUnit.objects.filter(pk=tree["dept"].pk).exists()


def test_hr_officers_cannot_reach_the_unit_admin(client, tree):
    client.force_login(member(roles.ensure_roles(), roles.HR, username="nhansu"))

    for url in (
        reverse("orgunit:index"),
        reverse("orgunit:add"),
        reverse("orgunit:edit", args=[tree["dept"].pk]),
        reverse("orgunit:close", args=[tree["dept"].pk]),
    ):
        assert_sent_to_the_admin_home(client.get(url))
    response = client.post(reverse("orgunit:close", args=[tree["dept"].pk]), {"on_date": "30/06/2025"})
    assert_sent_to_the_admin_home(response)
    assert not reload(tree["dept"]).is_closed
