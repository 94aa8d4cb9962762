"""Fixtures of the import tests: two communes of a province, a position group, their HR users."""

import pytest

from tests.factories import PositionGroupFactory, make_unit
from tests.support.people import hr_of


@pytest.fixture
def units(db):
    province = make_unit(name="Tỉnh Minh Sơn", kind="province", code="TINH")
    return {
        "province": province,
        "a": make_unit(province, name="Xã Đồng Tâm", code="XA-A"),
        "b": make_unit(province, name="Xã Hòa Bình", code="XA-B"),
    }


@pytest.fixture
def group(db):
    return PositionGroupFactory(code="cong-chuc", name="Công chức")


@pytest.fixture
def hr_a(units, group):
    return hr_of(units["a"], in_group=False, username="hr-a")


@pytest.fixture
def hr_b(units, group):
    return hr_of(units["b"], in_group=False, username="hr-b")
