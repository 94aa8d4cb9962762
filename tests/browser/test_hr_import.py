"""HR downloads the template, uploads 20 rows with 3 mistakes, reads the explanations, fixes them,
imports, and finds the officials in their scope."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from lms.people.models import Official
from tests.support.browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def filled(template_bytes, mistakes=True):
    text = template_bytes.decode("utf-8-sig")
    buffer = io.StringIO()
    buffer.write(text)
    writer = csv.writer(buffer)
    for n in range(1, 21):
        code, name, email, unit = f"SH-{n:03d}", f"Lò Văn Thành {n}", f"sh{n}@minhson.example", "MS-X-SONHA"
        if mistakes and n == 5:
            name = ""
        if mistakes and n == 10:
            email = "sai-dia-chi"
        if mistakes and n == 16:
            unit = "XA-0099"
        writer.writerow([code, name, email, "", unit, "cong-chuc", "15/04/1990", "01/07/2025"])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def test_hr_imports_twenty_officials(live_server, page):
    call_command("seed_demo", officials=0)
    base = live_server.url
    SCREENSHOTS.mkdir(exist_ok=True)
    log_in(page, base, username="nhansu")
    page.get_by_role("link", name="Cán bộ", exact=True).click()
    page.get_by_role("link", name="Nhập danh sách cán bộ từ tệp").click()

    with page.expect_download() as download:
        page.get_by_role("link", name="Tệp mẫu (CSV)").click()
    template = Path(download.value.path()).read_bytes()

    page.get_by_label("Tệp danh sách cán bộ (CSV hoặc XLSX)").set_input_files(
        files=[{"name": "can-bo.csv", "mimeType": "text/csv", "buffer": filled(template)}]
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    errors = page.locator(".row-errors li")
    assert errors.count() == 3
    texts = errors.all_inner_texts()
    assert texts[0].startswith("Dòng 6:") and "họ và tên" in texts[0]
    assert texts[1].startswith("Dòng 11:") and "sai-dia-chi" in texts[1]
    assert texts[2] == "Dòng 17: mã đơn vị “XA-0099” không tồn tại."
    page.screenshot(path=SCREENSHOTS / "import-errors.png", full_page=True)
    assert not Official.objects.filter(employee_code__startswith="SH-").exists()

    page.get_by_role("link", name="Tải lên tệp đã sửa").click()
    page.get_by_label("Tệp danh sách cán bộ (CSV hoặc XLSX)").set_input_files(
        files=[{"name": "can-bo.csv", "mimeType": "text/csv", "buffer": filled(template, mistakes=False)}]
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.get_by_role("button", name="Nhập ngay").click()
    assert page.get_by_text("Đã nhập danh sách cán bộ.").is_visible()
    assert Official.objects.filter(employee_code__startswith="SH-").count() == 20

    page.get_by_role("link", name="Xem danh sách cán bộ").click()
    page.get_by_label("Họ tên hoặc mã cán bộ").fill("SH-0")
    page.get_by_role("button", name="Lọc").click()
    assert page.locator("tbody tr").count() == 20
    page.screenshot(path=SCREENSHOTS / "officials.png", full_page=True)
