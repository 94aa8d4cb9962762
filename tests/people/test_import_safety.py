"""An import can never deactivate people by accident: empty files are refused, and deactivating
the officials missing from a file is listed by name and confirmed by its number."""


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.people.imports import service
from lms.people.models import ImportBatch, Official
from tests.factories import OfficialFactory, make_unit
from tests.people.test_import import HEADERS, confirm, csv_file, row, upload, xlsx_file
from tests.support.people import hr_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(units, group):
    """Xã Đồng Tâm with its 25 active officials, the commune a header-only file once emptied."""
    return [
        OfficialFactory(employee_code=f"CB-{n:03d}", full_name=f"Lò Văn {n}", unit=units["a"], position_group=group)
        for n in range(1, 26)
    ]


def header_only_xlsx(empty_rows=0):
    return xlsx_file([[None] * len(HEADERS)] * empty_rows)


@pytest.mark.parametrize(
    "make_file",
    [
        lambda: csv_file([]),
        lambda: SimpleUploadedFile("can-bo.csv", (",".join(HEADERS) + "\r\n,,,,,,,\r\n\r\n , ,\r\n").encode()),
        lambda: header_only_xlsx(),
        lambda: header_only_xlsx(empty_rows=40),
    ],
    ids=["csv-header", "csv-empty-rows", "xlsx-header", "xlsx-empty-rows"],
)
def test_a_file_without_data_rows_is_refused_and_deactivates_nobody(
    client, hr_a, commune, make_file, django_capture_on_commit_callbacks
):
    batch = upload(client, hr_a, make_file(), django_capture_on_commit_callbacks, deactivate_missing="on")

    assert batch.status == ImportBatch.Status.INVALID
    page = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert "không có dòng dữ liệu" in page
    assert "Nhập ngay" not in page  # no confirm button
    confirm(client, batch, django_capture_on_commit_callbacks, deactivate_count="25")
    with pytest.raises(service.ImportRefused):
        service.confirm(batch, hr_a, 25)
    assert Official.objects.filter(is_active=True).count() == 25


def test_the_dry_run_lists_who_would_be_deactivated_by_unit(
    client, hr_a, units, group, commune, django_capture_on_commit_callbacks
):
    hamlet = make_unit(units["a"], name="Thôn Nà Hang", code="XA-A-1", kind="other")
    far = OfficialFactory(employee_code="CB-900", full_name="Hà Thị Xa", unit=hamlet, position_group=group)
    outside = OfficialFactory(employee_code="CB-901", full_name="Người Xã Khác", unit=units["b"], position_group=group)
    keep = [row(o.employee_code, name=o.full_name) for o in commune[:22]]  # 3 of 25 missing: 12 %
    batch = upload(client, hr_a, csv_file(keep), django_capture_on_commit_callbacks, deactivate_missing="on")

    assert batch.status == ImportBatch.Status.READY
    listed = batch.report["deactivate"]
    assert listed["count"] == 4 and listed["over"]
    by_unit = {unit["code"]: unit for unit in listed["units"]}
    assert (by_unit["XA-A"]["active"], by_unit["XA-A"]["leaving"], by_unit["XA-A"]["percent"]) == (25, 3, 12)
    assert [o["name"] for o in by_unit["XA-A"]["officials"]] == ["Lò Văn 23", "Lò Văn 24", "Lò Văn 25"]
    assert (by_unit["XA-A-1"]["leaving"], by_unit["XA-A-1"]["over"]) == (1, True)  # 1 of 1: 100 %

    page = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    for name in ("Lò Văn 23", "Lò Văn 24", "Lò Văn 25", far.full_name):
        assert name in page
    assert outside.full_name not in page
    assert 'name="deactivate_count"' in page and "4 cán bộ sẽ bị ngừng kích hoạt" in page
    assert 'role="alert"' in page and "20%" in page  # the hamlet loses more than a fifth: said loudly


@pytest.mark.parametrize("typed", [None, "", "3", "25", "bốn"])
def test_confirming_needs_the_number_typed(client, hr_a, commune, typed, django_capture_on_commit_callbacks):
    keep = [row(o.employee_code, name=o.full_name) for o in commune[:21]]
    batch = upload(client, hr_a, csv_file(keep), django_capture_on_commit_callbacks, deactivate_missing="on")
    data = {} if typed is None else {"deactivate_count": typed}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:import_confirm", args=[batch.pk]), data, follow=True)

    assert "hãy nhập số cán bộ sẽ bị ngừng kích hoạt: 4" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.READY
    assert Official.objects.filter(is_active=True).count() == 25


def test_the_confirmed_number_deactivates_exactly_those_listed(
    client, hr_a, units, group, commune, django_capture_on_commit_callbacks
):
    keep = [row(o.employee_code, name=o.full_name) for o in commune[:21]]
    batch = upload(client, hr_a, csv_file(keep), django_capture_on_commit_callbacks, deactivate_missing="on")
    # Someone joins the commune between the dry run and the confirmation: not in the file, not listed.
    newcomer = OfficialFactory(employee_code="CB-500", unit=units["a"], position_group=group)

    batch = confirm(client, batch, django_capture_on_commit_callbacks, deactivate_count=" 4 ")

    assert batch.status == ImportBatch.Status.APPLIED and batch.report["deactivated"] == 4
    inactive = set(Official.objects.filter(is_active=False).values_list("employee_code", flat=True))
    assert inactive == {"CB-022", "CB-023", "CB-024", "CB-025"}
    newcomer.refresh_from_db()
    assert newcomer.is_active


def test_a_file_that_would_empty_a_unit_warns_loudly(client, hr_a, commune, django_capture_on_commit_callbacks):
    keep = [row(o.employee_code, name=o.full_name) for o in commune[:5]]
    batch = upload(client, hr_a, csv_file(keep), django_capture_on_commit_callbacks, deactivate_missing="on")
    assert batch.report["deactivate"]["over"]
    page = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert "Cảnh báo" in page and "80%" in page and 'class="row-warning"' in page


def test_without_the_box_nobody_is_listed_or_asked(client, hr_a, commune, django_capture_on_commit_callbacks):
    batch = upload(client, hr_a, csv_file([row("CB-001", name="Lò Văn 1")]), django_capture_on_commit_callbacks)
    assert "deactivate" not in batch.report
    batch = confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.APPLIED
    assert Official.objects.filter(is_active=True).count() == 25


def test_a_failed_check_can_be_started_again(client, hr_a, units, commune, django_capture_on_commit_callbacks):
    batch = upload(client, hr_a, csv_file([row("CB-001", name="Lò Văn 1")]), django_capture_on_commit_callbacks)
    service.fail(batch.pk, "Máy xử lý đã dừng.")
    page = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert "Máy xử lý đã dừng." in page and reverse("people:import_retry", args=[batch.pk]) in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("people:import_retry", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.READY and batch.attempts == 1
    # Only a failed one, and only by its uploader.
    with pytest.raises(service.ImportRefused):
        service.retry(batch, hr_a)
    other = hr_of(units["a"], in_group=False, username="hr-a2")
    client.force_login(other)
    assert client.post(reverse("people:import_retry", args=[batch.pk])).status_code == 404
