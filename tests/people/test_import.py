import csv
import io
import unicodedata

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from lms.people.imports import reader, service
from lms.people.imports.columns import COLUMNS
from lms.people.models import ImportBatch, Official, Placement
from tests.factories import OfficialFactory, UserFactory, make_unit
from tests.support.files import workbook_bytes

HEADERS = [column.header for column in COLUMNS]


def row(code, name="Nguyễn Thị Lan", email="", phone="", unit="XA-A", group="cong-chuc", birth="", start=""):
    return [code, name, email, phone, unit, group, birth, start]


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def as_windows_1258(text):
    """Text the way Vietnamese Windows writes it: base letters precomposed, tone marks combining."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        tones = [c for c in decomposed if c in TONE_MARKS]
        out.append(unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS)) + "".join(tones))
    return "".join(out)


def csv_file(rows, encoding="utf-8", name="can-bo.csv", headers=HEADERS):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    text = as_windows_1258(buffer.getvalue()) if encoding == "cp1258" else buffer.getvalue()
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows):
    workbook = Workbook()
    workbook.active.append(HEADERS)
    for values in rows:
        workbook.active.append(values)
    return SimpleUploadedFile("can-bo.xlsx", workbook_bytes(workbook))


def upload(client, user, file, django_capture_on_commit_callbacks, **extra):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:import_start"), {"file": file, **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportBatch.objects.latest("pk")


def confirm(client, batch, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:import_confirm", args=[batch.pk]), data)
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def test_twenty_rows_with_three_mistakes_then_fixed(client, hr_a, units, django_capture_on_commit_callbacks):
    rows = [row(f"CB-{n:03d}", name=f"Lò Văn Số {n}", email=f"cb{n}@minhson.example") for n in range(1, 21)]
    rows[4] = row("CB-005", name="", email="cb5@minhson.example")
    rows[9] = row("CB-010", email="khong-phai-email")
    rows[15] = row("CB-016", unit="XA-0099")
    batch = upload(client, hr_a, csv_file(rows), django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.report["counts"] == {"create": 17, "update": 0, "unchanged": 0, "error": 3}
    assert [(e["line"], e["code"]) for e in batch.report["errors"]] == [(6, "CB-005"), (11, "CB-010"), (17, "CB-016")]
    page = client.get(reverse("people:import_detail", args=[batch.pk])).content.decode()
    assert "XA-0099" in page and "khong-phai-email" in page
    # confirming a file with errors is refused and writes nothing
    assert confirm(client, batch, django_capture_on_commit_callbacks).status == ImportBatch.Status.INVALID
    assert not Official.objects.exists()

    rows[4] = row("CB-005", name="Hà Thị Năm", email="cb5@minhson.example")
    rows[9] = row("CB-010", email="cb10@minhson.example")
    rows[15] = row("CB-016")
    batch = upload(client, hr_a, csv_file(rows), django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.READY
    batch = confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.APPLIED
    assert Official.objects.count() == 20
    assert Placement.objects.filter(ended_on__isnull=True).count() == 20
    assert len(mail.outbox) == 19  # row 17 has no e-mail address: no link to send
    assert "/mat-khau/dat-lai/" in mail.outbox[0].body
    listed = client.get(reverse("people:official_list"), {"status": "all"}).context["page"].paginator.count
    assert listed == 20


def test_officials_imported_by_a_are_invisible_to_b(client, hr_a, hr_b, units, django_capture_on_commit_callbacks):
    batch = upload(client, hr_a, csv_file([row("CB-001")]), django_capture_on_commit_callbacks)
    confirm(client, batch, django_capture_on_commit_callbacks)
    official = Official.objects.get()
    client.force_login(hr_b)
    assert client.get(reverse("people:official_list")).context["page"].paginator.count == 0
    assert client.get(reverse("people:official_detail", args=[official.pk])).status_code == 404
    export = b"".join(client.get(reverse("people:official_export")).streaming_content).decode("utf-8-sig")
    assert "CB-001" not in export
    assert client.get(reverse("people:import_detail", args=[batch.pk])).status_code == 404
    assert client.post(reverse("people:import_confirm", args=[batch.pk])).status_code == 404


def test_rows_for_units_outside_the_scope_are_rejected(client, hr_a, units, django_capture_on_commit_callbacks):
    OfficialFactory(employee_code="CB-B1", unit=units["b"])
    batch = upload(
        client, hr_a, csv_file([row("CB-001", unit="XA-B"), row("CB-B1")]), django_capture_on_commit_callbacks
    )
    assert batch.report["counts"]["error"] == 2


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1258"])
def test_encodings_keep_vietnamese_names(client, hr_a, units, encoding, django_capture_on_commit_callbacks):
    import unicodedata

    name = "Nguyễn Thị Hồng Nhung"
    text_name = unicodedata.normalize("NFD", name) if encoding == "cp1258" else name
    batch = upload(
        client, hr_a, csv_file([row("CB-001", name=text_name)], encoding), django_capture_on_commit_callbacks
    )
    assert batch.status == ImportBatch.Status.READY, batch.report
    confirm(client, batch, django_capture_on_commit_callbacks)
    assert Official.objects.get().full_name == name


def test_xlsx_with_real_dates(client, hr_a, units, django_capture_on_commit_callbacks):
    import datetime

    values = row("CB-001", birth=datetime.datetime(1990, 4, 15), start="01/07/2025")
    batch = upload(client, hr_a, xlsx_file([values]), django_capture_on_commit_callbacks)
    confirm(client, batch, django_capture_on_commit_callbacks)
    official = Official.objects.get()
    assert official.date_of_birth == datetime.date(1990, 4, 15)
    assert official.start_date == datetime.date(2025, 7, 1)


@pytest.mark.parametrize(
    "values",
    [
        row("=cmd|' /C calc'!A0"),
        row("CB-001", name='=HYPERLINK("http://x")'),
        row("CB-001", name="@SUM(A1)"),
        row("CB-001", phone="-1+2"),
        row("CB-001", group="khong-co"),
        row("CB-001", birth="31/02/1990"),
        row("CB-001", birth="01/01/2020"),
        row("có dấu cách"),
        row(""),
    ],
)
def test_bad_cells_are_row_errors(client, hr_a, units, values, django_capture_on_commit_callbacks):
    batch = upload(client, hr_a, csv_file([row("CB-OK"), values]), django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.report["counts"]["error"] == 1
    assert batch.report["errors"][0]["line"] == 3


def test_phone_numbers_with_plus_are_not_formulas(client, hr_a, units, django_capture_on_commit_callbacks):
    batch = upload(client, hr_a, csv_file([row("CB-001", phone="+84 912 345 678")]), django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.READY, batch.report


def test_duplicate_codes_in_one_file(client, hr_a, units, django_capture_on_commit_callbacks):
    batch = upload(client, hr_a, csv_file([row("CB-001"), row("CB-001")]), django_capture_on_commit_callbacks)
    assert [e["line"] for e in batch.report["errors"]] == [3]


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"\n\n", "rong.csv"), (b"\x00\x01PK garbage", "hong.xlsx"), ("Tên,Tuổi\nA,1\n".encode(), "sai-cot.csv")],
)
def test_unreadable_files_are_explained(client, hr_a, units, content, name, django_capture_on_commit_callbacks):
    batch = upload(client, hr_a, SimpleUploadedFile(name, content), django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.report["file_error"]


def test_update_move_and_deactivate_missing(client, hr_a, units, group, django_capture_on_commit_callbacks):
    sub = make_unit(units["a"], name="Thôn Nà Hang", code="XA-A-1", kind="other")
    stays = OfficialFactory(employee_code="CB-001", full_name="Tên Cũ", unit=units["a"], position_group=group)
    Placement.objects.create(official=stays, unit=units["a"], started_on="2024-01-01")
    leaver = OfficialFactory(employee_code="CB-002", unit=units["a"], position_group=group)
    elsewhere = OfficialFactory(employee_code="CB-003", unit=units["b"], position_group=group)
    unchanged = OfficialFactory(employee_code="CB-004", full_name="Giữ Nguyên", unit=units["a"], position_group=group)
    rows = [row("CB-001", name="Tên Mới", unit="XA-A-1"), row("CB-004", name="Giữ Nguyên")]
    batch = upload(client, hr_a, csv_file(rows), django_capture_on_commit_callbacks, deactivate_missing="on")
    assert batch.report["counts"] == {"create": 0, "update": 1, "unchanged": 1, "error": 0}
    assert batch.report["deactivate"]["count"] == 1
    confirm(client, batch, django_capture_on_commit_callbacks, deactivate_count="1")
    stays.refresh_from_db()
    assert (stays.full_name, stays.unit_id) == ("Tên Mới", sub.pk)
    history = list(stays.placements.order_by("started_on").values_list("unit_id", "ended_on"))
    assert history[0][0] == units["a"].pk and history[0][1] is not None
    assert history[1] == (sub.pk, None)
    leaver.refresh_from_db()
    elsewhere.refresh_from_db()
    unchanged.refresh_from_db()
    assert not leaver.is_active and elsewhere.is_active and unchanged.is_active
    assert batch.refresh_from_db() or batch.report["deactivated"] == 1


def test_confirm_twice_imports_once(client, hr_a, units, django_capture_on_commit_callbacks):
    batch = upload(client, hr_a, csv_file([row("CB-001")]), django_capture_on_commit_callbacks)
    confirm(client, batch, django_capture_on_commit_callbacks)
    with pytest.raises(service.ImportRefused):
        service.confirm(batch, hr_a)
    assert Official.objects.count() == 1


def test_taken_account_names_are_rejected(client, hr_a, units, django_capture_on_commit_callbacks):
    UserFactory(username="cb-001")
    batch = upload(client, hr_a, csv_file([row("CB-001")]), django_capture_on_commit_callbacks)
    assert batch.report["counts"]["error"] == 1


def test_templates_round_trip(client, hr_a, units, django_capture_on_commit_callbacks):
    client.force_login(hr_a)
    csv_template = client.get(reverse("people:import_template_csv")).content
    assert csv_template.startswith(b"\xef\xbb\xbf")
    filled = csv_template + "CB-001,Đặng Văn Đức,,,XA-A,cong-chuc,,\r\n".encode()
    batch = upload(client, hr_a, SimpleUploadedFile("mau.csv", filled), django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.READY, batch.report

    workbook = load_workbook(io.BytesIO(client.get(reverse("people:import_template_xlsx")).content))
    assert [c.value for c in workbook.worksheets[0][1]] == HEADERS
    guide = [r[0] for r in workbook.worksheets[1].iter_rows(values_only=True)]
    assert "XA-A" in guide and "XA-B" not in guide
    workbook.worksheets[0].append(row("CB-002", name="Hoàng Thị Thu"))
    filled_xlsx = SimpleUploadedFile("mau.xlsx", workbook_bytes(workbook))
    batch = upload(client, hr_a, filled_xlsx, django_capture_on_commit_callbacks)
    assert batch.status == ImportBatch.Status.READY, batch.report


def test_officials_cannot_reach_hr_pages(client, units, group):
    official = OfficialFactory(unit=units["a"], position_group=group)
    client.force_login(official.user)
    for name in ["people:official_list", "people:import_start", "people:official_export"]:
        assert client.get(reverse(name)).status_code == 403
    client.logout()
    assert client.get(reverse("people:official_list")).status_code == 302


def test_an_empty_upload_is_a_form_error(client, hr_a, units):
    client.force_login(hr_a)
    response = client.post(reverse("people:import_start"), {"file": SimpleUploadedFile("rong.csv", b"")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportBatch.objects.exists()


def test_reader_rejects_a_file_without_required_columns():
    with pytest.raises(reader.ImportFileError):
        list(reader.read_rows("Họ và tên\nA\n".encode(), "x.csv"))


def test_new_accounts_get_usable_password_links(client, hr_a, units, django_capture_on_commit_callbacks):
    batch = upload(
        client, hr_a, csv_file([row("CB-001", email="lan@minhson.example")]), django_capture_on_commit_callbacks
    )
    confirm(client, batch, django_capture_on_commit_callbacks)
    user = get_user_model().objects.get(username="cb-001")
    assert not user.has_usable_password()
    assert mail.outbox[0].to == ["lan@minhson.example"]
