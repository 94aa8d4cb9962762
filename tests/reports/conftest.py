import datetime
from types import SimpleNamespace
from unittest import mock

import pytest

from lms.people import structure
from lms.people.models import OrgUnit
from tests.factories import PositionGroupFactory, make_course

from .helpers import Clock


@pytest.fixture
def clock(db):
    """Time stands still at 10:00 in Vietnam on 15 March 2025 until a test moves it."""
    clock = Clock(datetime.datetime(2025, 3, 15, 3, 0, tzinfo=datetime.UTC))
    with mock.patch("django.utils.timezone.now", new=clock):
        yield clock


@pytest.fixture
def tree(db):
    """A province with a department and a district of two communes, built through ``structure``."""
    province = structure.create_unit(None, name="Tỉnh Minh Sơn", kind=OrgUnit.Kind.PROVINCE, code="P")
    department = structure.create_unit(province, name="Sở Nội vụ", kind=OrgUnit.Kind.DEPARTMENT, code="SNV")
    district = structure.create_unit(province, name="Huyện Đông", kind=OrgUnit.Kind.DISTRICT, code="HD")
    return SimpleNamespace(
        province=province,
        department=department,
        district=district,
        a=structure.create_unit(district, name="Xã An", kind=OrgUnit.Kind.COMMUNE, code="XA"),
        b=structure.create_unit(district, name="Xã Bình", kind=OrgUnit.Kind.COMMUNE, code="XB"),
    )


@pytest.fixture
def groups(db):
    return SimpleNamespace(
        leaders=PositionGroupFactory(code="lanh-dao", name="Lãnh đạo", sort_order=1),
        staff=PositionGroupFactory(code="cong-chuc", name="Công chức", sort_order=2),
    )


@pytest.fixture
def course(catalogue):
    return make_course(catalogue, title="Chữ ký số", lessons=2)


@pytest.fixture
def other_course(catalogue):
    return make_course(catalogue, title="Hộ tịch", lessons=1)
