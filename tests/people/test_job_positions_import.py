"""The import's optional columns "Vị trí việc làm", "Chức vụ" and "Ngày nhận vị trí"."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lms.people import signals
from lms.people.imports.columns import BY_KEY
from lms.people.models import ImportBatch, Official
from lms.people.positions import seed_position_lists
from tests.factories import placed_official
from tests.people.test_import import confirm, csv_file, upload

BASE = ["employee_code", "full_name", "email", "phone", "unit_code", "position_group", "date_of_birth", "start_date"]
NEW = ["job_position", "leadership_title", "position_since"]


def headers(*keys):
    return [BY_KEY[key].header for key in (*BASE, *keys)]


def row(code, *extra, name="Nguyễn Thị Lan"):
    return [code, name, "", "", "XA-A", "cong-chuc", "", "", *extra]


def job(code):
    # Seeded by a migration, but a transactional test run before this one may have emptied the table.
    return seed_position_lists()[0][code]


def title(code):
    return seed_position_lists()[1][code]


@pytest.fixture(autouse=True)
def lists(db):
    seed_position_lists()


@pytest.fixture
def heard():
    """The official ids every ``officials_changed`` signal of the test carried."""
    ids = []

    def receiver(sender, official_ids, **kwargs):
        ids.extend(official_ids)

    signals.officials_changed.connect(receiver)
    yield ids
    signals.officials_changed.disconnect(receiver)


def imported(client, user, rows, callbacks, keys=NEW):
    batch = upload(client, user, csv_file(rows, headers=headers(*keys)), callbacks)
    assert batch.status == ImportBatch.Status.READY, batch.report
    return confirm(client, batch, callbacks)


def test_new_officials_get_the_position_and_title_by_code_or_by_name(
    client, hr_a, units, django_capture_on_commit_callbacks
):
    rows = [
        row("CB-001", "dia-chinh", "chu-tich-ubnd-xa", "15/08/2025"),
        row("CB-002", "CHUYÊN VIÊN ĐỊA CHÍNH", "pho chu tich ubnd xa", ""),
        row("CB-003", "van thu - luu tru", "", ""),
    ]
    batch = imported(client, hr_a, rows, django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.APPLIED
    got = {
        o.employee_code: (o.job_position.code, o.leadership_title and o.leadership_title.code, o.position_since)
        for o in Official.objects.select_related("job_position", "leadership_title")
    }
    assert got == {
        "CB-001": ("dia-chinh", "chu-tich-ubnd-xa", datetime.date(2025, 8, 15)),
        "CB-002": ("dia-chinh", "pho-chu-tich-ubnd-xa", None),  # a new official: the day is not known
        "CB-003": ("van-thu-luu-tru", None, None),
    }


def test_an_unknown_position_or_title_is_a_row_error(client, hr_a, units, django_capture_on_commit_callbacks):
    rows = [
        row("CB-001", "dia-chinh", "", ""),
        row("CB-002", "thu-kho", "", ""),
        row("CB-003", "", "Bí thư", ""),
        row("CB-004", "", "", "31/02/2025"),
    ]
    batch = upload(client, hr_a, csv_file(rows, headers=headers(*NEW)), django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.INVALID
    errors = {error["line"]: error["errors"] for error in batch.report["errors"]}
    assert sorted(errors) == [3, 4, 5]
    assert "thu-kho" in errors[3][0]
    assert "Bí thư" in errors[4][0]
    page = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert "thu-kho" in page and "Bí thư" in page and "31/02/2025" in page
    assert not Official.objects.exists()


def test_an_empty_cell_clears_and_a_change_without_a_day_is_dated_today(
    client, hr_a, units, group, heard, django_capture_on_commit_callbacks
):
    official = placed_official(
        units["a"],
        employee_code="CB-001",
        full_name="Nguyễn Thị Lan",
        position_group=group,
        job_position=job("dia-chinh"),
        leadership_title=title("truong-phong"),
        position_since=datetime.date(2020, 1, 1),
    )
    imported(client, hr_a, [row("CB-001", "", "", "")], django_capture_on_commit_callbacks)
    official.refresh_from_db()
    assert (official.job_position, official.leadership_title) == (None, None)
    assert official.position_since == timezone.localdate()
    assert official.pk in heard


def test_a_missing_column_leaves_position_and_title_as_they_are(
    client, hr_a, units, group, heard, django_capture_on_commit_callbacks
):
    official = placed_official(
        units["a"],
        employee_code="CB-001",
        full_name="Nguyễn Thị Lan",
        position_group=group,
        job_position=job("dia-chinh"),
        leadership_title=title("truong-phong"),
        position_since=datetime.date(2020, 1, 1),
    )
    imported(client, hr_a, [row("CB-001", name="Nguyễn Thị Lan Anh")], django_capture_on_commit_callbacks, keys=[])
    official.refresh_from_db()
    assert official.full_name == "Nguyễn Thị Lan Anh"
    assert (official.job_position.code, official.leadership_title.code) == ("dia-chinh", "truong-phong")
    assert official.position_since == datetime.date(2020, 1, 1)


def test_a_new_position_is_a_change_sent_with_officials_changed(
    client, hr_a, units, group, heard, django_capture_on_commit_callbacks
):
    kept = placed_official(
        units["a"],
        employee_code="CB-001",
        full_name="Nguyễn Thị Lan",
        position_group=group,
        job_position=job("mot-cua"),
    )
    moved = placed_official(
        units["a"],
        employee_code="CB-002",
        full_name="Nguyễn Thị Lan",
        position_group=group,
        job_position=job("mot-cua"),
    )
    rows = [row("CB-001", "mot-cua", ""), row("CB-002", "tu-phap-ho-tich", "Phó Trưởng phòng")]
    batch = upload(
        client,
        hr_a,
        csv_file(rows, headers=headers("job_position", "leadership_title")),
        django_capture_on_commit_callbacks,
    )
    assert batch.report["counts"] == {"create": 0, "update": 1, "unchanged": 1, "error": 0}
    page = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert "Chuyên viên tư pháp – hộ tịch" in page and "Phó Trưởng phòng" in page  # names, not ids
    confirm(client, batch, django_capture_on_commit_callbacks)
    moved.refresh_from_db()
    assert (moved.job_position.code, moved.leadership_title.code) == ("tu-phap-ho-tich", "pho-truong-phong")
    assert moved.position_since == timezone.localdate()
    assert heard == [moved.pk]
    assert kept.pk not in heard


def test_the_day_given_is_kept(client, hr_a, units, group, django_capture_on_commit_callbacks):
    official = placed_official(units["a"], employee_code="CB-001", full_name="Nguyễn Thị Lan", position_group=group)
    imported(client, hr_a, [row("CB-001", "dia-chinh", "", "01/03/2026")], django_capture_on_commit_callbacks)
    official.refresh_from_db()
    assert (official.job_position.code, official.position_since) == ("dia-chinh", datetime.date(2026, 3, 1))


def test_the_templates_have_the_new_columns(client, hr_a, units):
    client.force_login(hr_a)
    csv_text = client.get(reverse("people:import_template_csv")).content.decode("utf-8-sig")
    header = csv_text.splitlines()[0]
    for name in ("Vị trí việc làm", "Chức vụ", "Ngày nhận vị trí"):
        assert name in header
    import io

    workbook = load_workbook(io.BytesIO(client.get(reverse("people:import_template_xlsx")).content))
    first = [cell.value for cell in next(workbook["Danh sách"].iter_rows(max_row=1))]
    assert first[-3:] == ["Vị trí việc làm", "Chức vụ", "Ngày nhận vị trí"]
    guide = {cell.value for row in workbook["Hướng dẫn"].iter_rows() for cell in row}
    assert {"tu-phap-ho-tich", "Chuyên viên một cửa", "chu-tich-ubnd-xa", "Phó Giám đốc sở"} <= guide
