"""The organisation tree as it changes: services of lms.people.structure."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.learning.models import Enrollment
from lms.learning.services import enrol
from lms.people.models import Official, OrgUnit, Placement
from lms.people.structure import (
    StructureError,
    close_unit,
    create_unit,
    current_structure_counts,
    current_unit,
    merge_units,
    move_official,
    move_unit,
    rename_unit,
)
from tests.factories import make_course, make_unit, placed_official

LAST_DAY = datetime.date(2025, 6, 30)
REFORM_DAY = datetime.date(2025, 7, 1)
K = OrgUnit.Kind


@pytest.fixture
def tree(db):
    """A province with a department, a district of two communes, and the new commune they merge into."""
    province = make_unit(name="Tỉnh Minh Sơn", kind=K.PROVINCE, code="MS")
    department = make_unit(province, name="Sở Nội vụ", kind=K.DEPARTMENT, code="MS-SNV")
    district = make_unit(province, name="Huyện Sơn Hà", kind=K.DISTRICT, code="MS-H")
    commune_a = make_unit(district, name="Xã Sơn Thủy", code="MS-H-A")
    commune_b = make_unit(district, name="Xã Sơn Bình", code="MS-H-B")
    new_commune = make_unit(province, name="Xã Sơn Hà", code="MS-X", valid_from=REFORM_DAY)
    return {
        "province": province,
        "department": department,
        "district": district,
        "a": commune_a,
        "b": commune_b,
        "new": new_commune,
    }


def reload(unit):
    return OrgUnit.objects.get(pk=unit.pk)


def test_moving_an_official_keeps_a_dated_history(tree):
    official = placed_official(tree["a"], since=datetime.date(2023, 3, 1))

    move_official(official, tree["department"], datetime.date(2025, 3, 10))

    first, second = Placement.objects.filter(official=official).order_by("started_on")
    assert (first.unit, first.started_on, first.ended_on) == (
        tree["a"],
        datetime.date(2023, 3, 1),
        datetime.date(2025, 3, 9),
    )
    assert (second.unit, second.started_on, second.ended_on) == (tree["department"], datetime.date(2025, 3, 10), None)
    assert Official.objects.get(pk=official.pk).unit == tree["department"]


def test_moving_an_official_to_the_same_unit_changes_nothing(tree):
    official = placed_official(tree["a"])

    move_official(official, tree["a"], datetime.date(2025, 3, 10))

    assert list(Placement.objects.filter(official=official).values_list("unit", "ended_on")) == [(tree["a"].pk, None)]


def test_an_official_without_a_placement_keeps_the_unit_they_leave(tree):
    official = placed_official(tree["a"])
    Placement.objects.filter(official=official).delete()  # recorded before placements existed

    move_official(official, tree["department"], datetime.date(2025, 3, 10))

    history = list(Placement.objects.filter(official=official).values_list("unit", "ended_on"))
    assert history == [(tree["a"].pk, datetime.date(2025, 3, 9)), (tree["department"].pk, None)]


def test_a_move_cannot_take_effect_before_the_current_placement_began(tree):
    official = placed_official(tree["a"], since=datetime.date(2025, 3, 10))

    with pytest.raises(StructureError):
        move_official(official, tree["department"], datetime.date(2025, 3, 10))
    assert Placement.objects.filter(official=official).count() == 1


def test_officials_cannot_be_moved_to_a_closed_unit(tree):
    official = placed_official(tree["department"])
    close_unit(tree["a"], LAST_DAY)

    with pytest.raises(StructureError) as refusal:
        move_official(official, tree["a"], datetime.date(2025, 8, 1))

    assert refusal.value.field == "unit"
    assert Official.objects.get(pk=official.pk).unit == tree["department"]
    assert Placement.objects.filter(official=official).count() == 1


def test_merge_moves_officials_to_the_new_commune_while_records_stay_with_the_old(tree, catalogue):
    course = make_course(catalogue)
    official_a = placed_official(tree["a"], full_name="Lò Văn An")
    official_b = placed_official(tree["b"], full_name="Hà Thị Bình")
    enrollments = [enrol(official_a, course), enrol(official_b, course)]

    merge_units([tree["a"], tree["b"]], tree["new"], LAST_DAY)

    counts = current_structure_counts(tree["province"])
    assert counts[tree["new"].pk] == 2
    assert counts[tree["province"].pk] == 2
    assert tree["a"].pk not in counts and tree["b"].pk not in counts
    for official, old in ((official_a, tree["a"]), (official_b, tree["b"])):
        first = Placement.objects.filter(official=official).order_by("started_on").first()
        assert (first.unit, first.ended_on) == (old, LAST_DAY)
    assert [Enrollment.objects.get(pk=e.pk).unit for e in enrollments] == [tree["a"], tree["b"]]
    for old in (tree["a"], tree["b"]):
        old = reload(old)
        assert (old.valid_to, old.successor) == (LAST_DAY, tree["new"])


def test_officials_left_on_closed_units_count_in_their_successor(tree):
    """Data recorded as the demo seed does: old communes closed and pointed at the new one,
    their officials still attached to them."""
    for key in ("a", "b"):
        OrgUnit.objects.filter(pk=tree[key].pk).update(valid_to=LAST_DAY, successor=tree["new"])
        placed_official(tree[key])
    OrgUnit.objects.filter(pk=tree["district"].pk).update(valid_to=LAST_DAY)
    placed_official(tree["new"])
    placed_official(tree["department"])
    placed_official(tree["department"], is_active=False)

    counts = current_structure_counts(tree["province"])

    assert counts == {tree["province"].pk: 4, tree["department"].pk: 1, tree["new"].pk: 3}
    assert list(counts) == [tree["province"].pk, tree["department"].pk, tree["new"].pk]


def test_a_merged_district_closes_its_communes_pointing_at_the_new_commune(tree):
    placed_official(tree["a"])

    merge_units([tree["district"]], tree["new"], LAST_DAY)

    for key in ("district", "a", "b"):
        unit = reload(tree[key])
        assert (unit.valid_to, unit.successor) == (LAST_DAY, tree["new"])
    assert current_structure_counts(tree["province"])[tree["new"].pk] == 1


def test_a_district_listed_with_its_communes_is_merged_once(tree):
    merge_units([tree["district"], tree["a"], tree["b"]], tree["new"], LAST_DAY)

    assert OrgUnit.objects.filter(valid_to=LAST_DAY, successor=tree["new"]).count() == 3


def test_current_unit_follows_successors_and_stops_at_a_loop(tree):
    close_unit(tree["a"], datetime.date(2025, 1, 31), successor=tree["b"])
    close_unit(tree["b"], LAST_DAY, successor=tree["new"])
    assert current_unit(reload(tree["a"])) == tree["new"]
    assert current_unit(tree["department"]) == tree["department"]

    OrgUnit.objects.filter(pk=tree["b"].pk).update(successor=tree["a"])  # corrupt data: a ↔ b
    assert current_unit(reload(tree["a"])) is None


def test_a_unit_cannot_move_under_its_own_descendant(tree):
    with pytest.raises(StructureError) as refusal:
        move_unit(tree["district"], tree["a"])
    with pytest.raises(StructureError):
        move_unit(tree["district"], tree["district"])

    assert refusal.value.field == "parent"
    assert reload(tree["district"]).get_parent() == tree["province"]
    assert reload(tree["a"]).get_parent() == tree["district"]


def test_moving_a_unit_carries_its_subtree(tree):
    move_unit(tree["district"], tree["department"])

    district = reload(tree["district"])
    assert district.get_parent() == tree["department"]
    assert {c.name for c in district.get_children()} == {"Xã Sơn Thủy", "Xã Sơn Bình"}
    assert reload(tree["a"]).path.startswith(reload(tree["department"]).path)


def test_closing_a_unit_refuses_a_successor_inside_itself(tree):
    for successor in (tree["district"], tree["a"]):
        with pytest.raises(StructureError) as refusal:
            close_unit(tree["district"], LAST_DAY, successor=successor)
        assert refusal.value.field == "successor"
    assert not reload(tree["district"]).is_closed


def test_closing_a_unit_with_active_officials_needs_a_successor(tree):
    official = placed_official(tree["a"])

    with pytest.raises(StructureError):
        close_unit(tree["district"], LAST_DAY)
    assert not reload(tree["a"]).is_closed

    close_unit(tree["district"], LAST_DAY, successor=tree["new"])
    assert Official.objects.get(pk=official.pk).unit == tree["new"]
    assert reload(tree["a"]).successor == tree["new"]


def test_a_closed_unit_cannot_succeed_or_be_closed_again(tree):
    close_unit(tree["b"], LAST_DAY)

    with pytest.raises(StructureError):
        close_unit(tree["a"], LAST_DAY, successor=tree["b"])
    with pytest.raises(StructureError):
        close_unit(tree["b"], LAST_DAY)


def test_new_units_go_under_open_units_with_free_codes(tree):
    close_unit(tree["b"], LAST_DAY)

    unit = create_unit(tree["new"], name="Tổ một cửa", kind=K.OTHER, code="MS-X-1C")
    assert unit.get_parent() == tree["new"]
    with pytest.raises(StructureError):
        create_unit(tree["b"], name="Tổ mới", kind=K.OTHER, code="MS-H-B-1")
    with pytest.raises(StructureError):
        create_unit(tree["new"], name="Trùng mã", kind=K.OTHER, code="MS-X-1C")


def test_renaming_keeps_the_unit_in_place(tree):
    rename_unit(tree["a"], "  Xã Sơn Thủy Mới ")

    unit = reload(tree["a"])
    assert (unit.name, unit.path) == ("Xã Sơn Thủy Mới", tree["a"].path)
    with pytest.raises(StructureError):
        rename_unit(tree["a"], " ")


def _province_of(size):
    province = make_unit(name=f"Tỉnh {size}", kind=K.PROVINCE)
    units = [province]
    for number in range(size - 1):
        unit = make_unit(units[number // 3], name=f"Đơn vị {number}")
        placed_official(unit)
        units.append(unit)
    # Some history: the last commune merged into the first, its official left behind.
    OrgUnit.objects.filter(pk=units[-1].pk).update(valid_to=LAST_DAY, successor=units[1])
    return province


@pytest.mark.django_db
def test_counting_today_structure_makes_the_same_queries_for_5_and_50_units():
    small, large = _province_of(5), _province_of(50)

    with CaptureQueriesContext(connection) as small_queries:
        small_counts = current_structure_counts(small)
    with CaptureQueriesContext(connection) as large_queries:
        large_counts = current_structure_counts(large)

    assert len(small_queries) == len(large_queries) == 2  # README: "in two queries"
    assert (len(small_counts), small_counts[small.pk]) == (4, 4)
    assert (len(large_counts), large_counts[large.pk]) == (49, 49)
