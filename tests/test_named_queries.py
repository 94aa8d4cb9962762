"""The named queries on units, certificates and enrolments select exactly the rows their names say,
and the units' manager is still treebeard's."""

import datetime

import pytest
from django.utils import timezone
from treebeard.mp_tree import MP_NodeManager, MP_NodeQuerySet

from lms.certificates.models import Certificate
from lms.learning.models import Enrollment
from lms.people.models import OrgUnit, OrgUnitQuerySet
from tests.factories import OfficialFactory, make_unit

pytestmark = pytest.mark.django_db

CLOSED_ON = datetime.date(2025, 6, 30)


def pks(queryset):
    return set(queryset.values_list("pk", flat=True))


# Units -------------------------------------------------------------------------------------------


@pytest.fixture
def tree():
    """A province with a closed district (and its commune, closed too), an open commune, and a
    second province."""
    province = make_unit(name="Tỉnh Minh Sơn", kind=OrgUnit.Kind.PROVINCE)
    district = make_unit(province, name="Huyện Sơn Hà", kind=OrgUnit.Kind.DISTRICT, valid_to=CLOSED_ON)
    old_commune = make_unit(district, name="Xã Sơn Trung", valid_to=CLOSED_ON)
    commune = make_unit(province, name="Xã Sơn Hà")
    office = make_unit(commune, name="Phòng Kinh tế", kind=OrgUnit.Kind.OTHER)
    other = make_unit(name="Tỉnh Lâm Giang", kind=OrgUnit.Kind.PROVINCE)
    return {
        "province": province,
        "district": district,
        "old_commune": old_commune,
        "commune": commune,
        "office": office,
        "other": other,
    }


def test_open_units_are_those_without_a_last_day(tree):
    expected = {tree[name].pk for name in ("province", "commune", "office", "other")}
    assert pks(OrgUnit.objects.open()) == expected
    assert pks(OrgUnit.objects.all().open()) == expected


def test_closed_units_are_those_with_a_last_day(tree):
    assert pks(OrgUnit.objects.closed()) == {tree["district"].pk, tree["old_commune"].pk}


def test_open_and_closed_split_the_units(tree):
    assert pks(OrgUnit.objects.open()) | pks(OrgUnit.objects.closed()) == pks(OrgUnit.objects.all())
    assert not pks(OrgUnit.objects.open()) & pks(OrgUnit.objects.closed())


def test_a_unit_with_a_future_last_day_counts_as_closed(tree):
    """Closed means a last day is set, whatever the day, as ``OrgUnit.is_closed`` reads it."""
    tree["commune"].valid_to = timezone.localdate() + datetime.timedelta(days=30)
    tree["commune"].save(update_fields=["valid_to"])
    assert tree["commune"].pk in pks(OrgUnit.objects.closed())
    assert tree["commune"].pk not in pks(OrgUnit.objects.open())


def test_subtree_is_the_unit_and_everything_below_it(tree):
    province = tree["province"]
    expected = {tree[name].pk for name in ("province", "district", "old_commune", "commune", "office")}
    assert pks(OrgUnit.objects.subtree(province)) == expected
    assert pks(OrgUnit.objects.subtree(province.path)) == expected


def test_subtree_leaves_out_parent_and_siblings(tree):
    assert pks(OrgUnit.objects.subtree(tree["commune"])) == {tree["commune"].pk, tree["office"].pk}


def test_subtree_and_open_combine(tree):
    assert pks(OrgUnit.objects.subtree(tree["province"]).open()) == {
        tree["province"].pk,
        tree["commune"].pk,
        tree["office"].pk,
    }
    assert pks(OrgUnit.objects.open().subtree(tree["district"])) == set()


def test_subtree_never_takes_a_sibling_whose_path_looks_alike():
    """Paths are fixed-width steps ("0001", "00010001"…): a sibling's path never starts with a
    unit's own, even past the tenth and thirty-sixth child (…000A, …0010), so the prefix is the
    subtree exactly, as treebeard's own ``get_descendants`` sees it."""
    root = make_unit(name="Tỉnh Minh Sơn", kind=OrgUnit.Kind.PROVINCE)
    children = [make_unit(root, name=f"Xã {number}") for number in range(1, 37)]
    first, tenth, last = children[0], children[9], children[35]
    grandchild = make_unit(first, name="Thôn Đông")
    make_unit(last, name="Thôn Tây")
    assert (root.path, first.path, tenth.path, last.path) == ("0001", "00010001", "0001000A", "00010010")
    assert grandchild.path == "000100010001"
    assert pks(OrgUnit.objects.subtree(first)) == {first.pk, grandchild.pk}
    # Only a whole path is a subtree: a shorter string also takes the siblings it prefixes.
    assert pks(OrgUnit.objects.subtree("0001000")) >= {first.pk, tenth.pk}
    for unit in OrgUnit.objects.all():
        assert pks(OrgUnit.objects.subtree(unit)) == {unit.pk} | pks(unit.get_descendants())


def test_named_filters_chain_on_any_unit_queryset(tree):
    """``visible_units`` and the admin's filters start from a filtered queryset, not the manager."""
    queryset = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNE)
    assert pks(queryset.open()) == {tree["commune"].pk}
    assert pks(queryset.closed()) == {tree["old_commune"].pk}
    either = OrgUnit.objects.open() | OrgUnit.objects.filter(pk=tree["district"].pk)
    assert pks(either) == pks(OrgUnit.objects.open()) | {tree["district"].pk}


# Treebeard still works with the units' manager ----------------------------------------------------


def test_manager_is_treebeards_with_the_named_queryset(tree):
    assert isinstance(OrgUnit._default_manager, MP_NodeManager)
    queryset = OrgUnit.objects.all()
    assert isinstance(queryset, OrgUnitQuerySet) and isinstance(queryset, MP_NodeQuerySet)
    assert queryset.query.order_by == ("path",)
    assert [unit.path for unit in OrgUnit.objects.open()] == sorted(unit.path for unit in OrgUnit.objects.open())
    assert OrgUnit.check() == []  # no treebeard.E001 "does not subclass MP_NodeManager"


def test_treebeard_adds_reads_and_moves_units(tree):
    province, commune, office = tree["province"], tree["commune"], tree["office"]
    second = commune.add_child(name="Phòng Văn hóa - Xã hội", code="VHXH", kind=OrgUnit.Kind.OTHER)
    assert [unit.pk for unit in commune.get_children()] == [office.pk, second.pk]
    assert {unit.pk for unit in OrgUnit.get_root_nodes()} == {province.pk, tree["other"].pk}
    assert list(office.get_ancestors()) == [province, commune]

    second.move(tree["other"], "last-child")
    second.refresh_from_db()
    commune.refresh_from_db()
    assert second.get_parent() == tree["other"]
    assert commune.numchild == 1
    assert pks(OrgUnit.objects.subtree(tree["other"])) == {tree["other"].pk, second.pk}
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_deleting_through_the_queryset_takes_the_subtree(tree):
    """Treebeard's queryset ``delete`` (no orphans) is still the one that runs."""
    OrgUnit.objects.filter(pk=tree["commune"].pk).delete()
    assert not OrgUnit.objects.filter(pk=tree["office"].pk).exists()
    tree["province"].refresh_from_db()
    assert tree["province"].numchild == 1


# Certificates -------------------------------------------------------------------------------------


def _certificate(number, *, is_current=True, revoked=False):
    official = OfficialFactory()
    enrollment = Enrollment.objects.create(
        official=official, unit_id=official.unit_id, course_title="Chữ ký số", completed_at=timezone.now()
    )
    return Certificate.objects.create(
        enrollment=enrollment,
        official=official,
        serial=f"CCS-2025-{number:06d}",
        year=2025,
        number=number,
        verification_code=f"named-{number}",
        issued_on=datetime.date(2025, 3, 1),
        holder_name=official.full_name,
        holder_employee_code=official.employee_code,
        course_title="Chữ ký số",
        issuer_name="Sở Nội vụ",
        pdf=f"certificates/named-{number}.pdf",
        sha256="0" * 64,
        is_current=is_current,
        revoked_at=timezone.now() if revoked else None,
    )


@pytest.fixture
def certificates():
    return {
        "valid": _certificate(1),
        "superseded": _certificate(2, is_current=False),
        "revoked": _certificate(3, revoked=True),
        "superseded_revoked": _certificate(4, is_current=False, revoked=True),
    }


def test_current_certificates(certificates):
    assert pks(Certificate.objects.current()) == {certificates["valid"].pk, certificates["revoked"].pk}


def test_not_revoked_certificates(certificates):
    assert pks(Certificate.objects.not_revoked()) == {certificates["valid"].pk, certificates["superseded"].pk}


def test_current_and_not_revoked_combine(certificates):
    assert pks(Certificate.objects.current().not_revoked()) == {certificates["valid"].pk}
    assert pks(Certificate.objects.filter(year=2025).not_revoked().current()) == {certificates["valid"].pk}


# Enrolments ---------------------------------------------------------------------------------------


@pytest.fixture
def enrollments():
    official = OfficialFactory()

    def enrol(title, **fields):
        return Enrollment.objects.create(official=official, unit_id=official.unit_id, course_title=title, **fields)

    return {
        "done": enrol("Chữ ký số", completed_at=timezone.now()),
        "started": enrol("Một cửa", last_activity_at=timezone.now()),
        "untouched": enrol("Hộ tịch", due_date=datetime.date(2025, 1, 1)),
    }


def test_completed_enrolments(enrollments):
    assert pks(Enrollment.objects.completed()) == {enrollments["done"].pk}


def test_open_enrolments(enrollments):
    assert pks(Enrollment.objects.open()) == {enrollments["started"].pk, enrollments["untouched"].pk}


def test_reopened_enrolment_is_open_again(enrollments):
    """A recertification clears ``completed_at``: the enrolment is open until completed again."""
    done = enrollments["done"]
    Enrollment.objects.filter(pk=done.pk).update(completed_at=None, cycle=2, cycle_started_at=timezone.now())
    assert done.pk in pks(Enrollment.objects.open())
    assert pks(Enrollment.objects.completed()) == set()
