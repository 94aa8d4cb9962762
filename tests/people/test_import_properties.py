"""Property: whatever file is thrown at the importer, no exception escapes and nothing is half-written."""

import csv
import io

import pytest
from django.core.files.base import ContentFile
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lms.people.imports import service
from lms.people.imports.columns import COLUMNS
from lms.people.models import ImportBatch, Official
from tests.factories import PositionGroupFactory, make_unit
from tests.support.people import hr_of

CELLS = st.one_of(
    st.sampled_from(
        [
            "CB-001",
            "CB-002",
            "XA-A",
            "XA-B",
            "XA-0099",
            "cong-chuc",
            "Công chức",
            "15/04/1990",
            "31/02/1990",
            "",
            " ",
            "=cmd|' /C calc'!A0",
            "+84912345678",
            "-1",
            "@x",
            "a@b.vn",
            "khong-email",
            "Nguyễn Thị Lan",
        ]
    ),
    st.text(max_size=30),
)
ROWS = st.lists(st.lists(CELLS, min_size=0, max_size=10), max_size=12)
PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def importer(db):
    province = make_unit(name="Tỉnh", kind="province", code="TINH")
    make_unit(province, code="XA-A")
    make_unit(province, code="XA-B")
    PositionGroupFactory(code="cong-chuc", name="Công chức")
    return hr_of(province.get_children().get(code="XA-A"), in_group=False, username="hr-a")


def run(user, data, name):
    batch = ImportBatch(created_by=user, original_name=name)
    batch.file.save(name, ContentFile(data), save=False)
    batch.save()
    before = Official.objects.count()
    service.validate(batch)
    assert batch.status in {ImportBatch.Status.READY, ImportBatch.Status.INVALID}
    if batch.status == ImportBatch.Status.INVALID:
        with pytest.raises(service.ImportRefused):
            service.confirm(batch, user)
        assert Official.objects.count() == before
        return
    creates = batch.report["counts"]["create"]
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.APPLYING)
    batch.refresh_from_db()
    service.apply(batch)
    event(f"apply: {batch.status}")
    assert batch.status in {ImportBatch.Status.APPLIED, ImportBatch.Status.INVALID}
    expected = before + creates if batch.status == ImportBatch.Status.APPLIED else before
    assert Official.objects.count() == expected


@PROPERTY_SETTINGS
@given(rows=ROWS, encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1258", "utf-16"]), with_header=st.booleans())
def test_any_csv_is_refused_cleanly_or_imported_whole(importer, rows, encoding, with_header):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if with_header:
        writer.writerow([column.header for column in COLUMNS])
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding, errors="replace")
    run(importer, data, "tep.csv")


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2000), name=st.sampled_from(["tep.csv", "tep.xlsx", "tep.txt"]))
def test_any_bytes_are_refused_cleanly(importer, data, name):
    run(importer, data, name)


VALID_ROW = st.builds(
    lambda n, name, unit, bad: (
        [f"CB-{n:04d}", name, "", "", unit, "cong-chuc", "", ""]
        if not bad
        else [f"CB-{n:04d}", name, bad, "", unit, "cong-chuc", "", ""]
    ),
    st.integers(0, 9999),
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "Zs"]), min_size=0, max_size=40),
    st.sampled_from(["XA-A", "XA-A", "XA-A", "XA-B"]),
    st.sampled_from(["", "", "", "=1+1", "not-an-email"]),
)


@PROPERTY_SETTINGS
@given(rows=st.lists(VALID_ROW, min_size=1, max_size=15))
def test_mostly_valid_files_import_all_or_nothing(importer, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in COLUMNS])
    writer.writerows(rows)
    run(importer, buffer.getvalue().encode("utf-8"), "tep.csv")
