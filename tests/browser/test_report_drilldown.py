"""HR opens the training report of the demo province, drills down to a commune and on to one of its
offices, downloads the tables as XLSX and finds in the files the numbers the screen shows."""

from io import BytesIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tests.support.browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMUNE = "Xã Sơn Hà"
OFFICE = "Phòng Văn hóa - Xã hội xã Sơn Hà"


def as_number(text):
    """A count (``1.234``) or a rate (``45,5%``, ``—``) as the screen writes it, as a number."""
    text = text.strip()
    if text == "—":
        return None
    if text.endswith("%"):
        return float(text[:-1].replace(".", "").replace(",", "."))
    return int(text.replace(".", ""))


def screen_table(page, key):
    """The rows of one of the dashboard's tables: the label, then its numbers."""
    rows = page.locator(f"section[aria-labelledby='table-{key}'] table tbody tr")
    table = []
    for row in rows.all():
        label, *numbers = (cell.inner_text().strip() for cell in row.locator("th, td").all())
        table.append([label, *(as_number(n) for n in numbers)])
    return table


def summary(page):
    cards = page.locator("dl.report-cards > div")
    return {card.locator("dt").inner_text().strip(): as_number(card.locator("dd").inner_text()) for card in cards.all()}


def downloaded_table(page, key, tmp_path):
    """The XLSX of the table ``key`` as the browser downloads it: its rows under the header."""
    section = page.locator(f"section[aria-labelledby='table-{key}']")
    with page.expect_download() as info:
        section.locator(".report-downloads").get_by_role("link", name="XLSX").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    sheet = load_workbook(BytesIO(target.read_bytes())).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    scope_line, header, *data = rows
    return scope_line[0], header, data


def test_hr_drills_down_two_levels_and_the_xlsx_says_what_the_screen_says(live_server, page, tmp_path):
    call_command("seed_demo")
    base = live_server.url
    SCREENSHOTS.mkdir(exist_ok=True)
    log_in(page, base, username="nhansu")

    page.get_by_role("link", name="Báo cáo", exact=True).first.click()
    assert "Tỉnh Minh Sơn" in page.get_by_role("heading", level=1).inner_text()
    commune_at_root = next(row for row in screen_table(page, "unit") if row[0] == COMMUNE)

    # One level down: the commune, whose own summary is its row one level up.
    page.locator("section[aria-labelledby='table-unit'] table").get_by_role("link", name=COMMUNE).click()
    assert page.get_by_role("heading", level=1).inner_text().endswith(COMMUNE)
    cards = summary(page)
    assert [cards[name] for name in ("Số cán bộ", "Đã ghi danh", "Đã hoàn thành", "Tỷ lệ hoàn thành")] == [
        commune_at_root[i] for i in (1, 2, 3, 7)
    ]
    offices = screen_table(page, "unit")
    assert [row[0] for row in offices] == [
        "Văn phòng HĐND và UBND xã Sơn Hà",
        "Phòng Kinh tế xã Sơn Hà",
        OFFICE,
    ]
    scope_line, header, data = downloaded_table(page, "unit", tmp_path)
    assert COMMUNE in scope_line and header[0] == "Đơn vị"
    assert data == offices
    office_in_commune = next(row for row in offices if row[0] == OFFICE)

    # Two levels down: the office, with breadcrumbs back up.
    page.locator("section[aria-labelledby='table-unit'] table").get_by_role("link", name=OFFICE).click()
    assert page.get_by_role("heading", level=1).inner_text().endswith(OFFICE)
    crumbs = page.get_by_role("navigation", name="Đường dẫn điều hướng")
    assert crumbs.get_by_role("link", name=COMMUNE).is_visible()
    cards = summary(page)
    assert cards["Đã ghi danh"] == office_in_commune[2] and cards["Đã ghi danh"] > 0
    assert cards["Tỷ lệ hoàn thành"] == office_in_commune[7]
    page.screenshot(path=SCREENSHOTS / "report-office.png", full_page=True)
    for key in ("group", "course"):
        on_screen = screen_table(page, key)
        assert on_screen, key
        scope_line, header, data = downloaded_table(page, key, tmp_path)
        assert OFFICE in scope_line
        assert data == on_screen, key
    # Every enrolment of the office is in one of the course rows, and the groups add up the same.
    assert sum(row[1] for row in screen_table(page, "course")) == cards["Đã ghi danh"]
    assert sum(row[2] for row in screen_table(page, "group")) == cards["Đã ghi danh"]

    crumbs.get_by_role("link", name=COMMUNE).click()
    assert page.get_by_role("heading", level=1).inner_text().endswith(COMMUNE)
