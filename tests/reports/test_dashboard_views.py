"""The HR dashboard (/nhan-su/bao-cao/) and its exports: who may see what, drill-down, that the page
and the files say what the aggregation service and a brute-force count say, and that the page
costs the same queries however many units it shows."""

import csv
import datetime
import io

import openpyxl
import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import translation

from lms.core.dates import today
from lms.learning import services
from lms.people import roles, structure
from lms.people.models import OrgUnit
from lms.reports import aggregation, charts
from lms.reports.aggregation import Filters
from tests.factories import lessons_of, placed_official
from tests.support.html import soup_of
from tests.support.learning import finish
from tests.support.people import hr_of
from tests.support.queries import queries_of

from . import brute_force

DASHBOARD = reverse("reports:dashboard")
FIELDS = ("headcount", "enrolled", "completed", "in_progress", "not_started", "overdue")


def export_url(table, fmt):
    return reverse("reports:export", args=[table, fmt])


@pytest.fixture
def world(clock, tree, groups, course, other_course):
    """Commune A: three officials (one finished, one started, one overdue); commune B: one
    official with one enrolment; the department: one leader who finished both courses."""
    done, started, late = (placed_official(tree.a, position_group=groups.staff) for _ in range(3))
    for official in (done, started):
        services.enrol(official, course)
    services.enrol(late, course, due_date=datetime.date(2025, 3, 1))
    finish(done, course)
    services.record_lesson_done(started, lessons_of(course)[0])
    services.enrol(placed_official(tree.b, position_group=groups.staff), other_course)
    leader = placed_official(tree.department, position_group=groups.leaders)
    for c in (course, other_course):
        services.enrol(leader, c)
        finish(leader, c)
    return tree


def as_tuple(numbers):
    return tuple(getattr(numbers, name) for name in FIELDS)


def brute(units, **filters):
    counted = brute_force.numbers(brute_force.World(), units, filters, today())
    return (*(counted[name] for name in brute_force.FIELDS[:4]), None, counted["overdue"])


def without_not_started(numbers):
    values = as_tuple(numbers)
    return (*values[:4], None, values[5])


def cards(response):
    """The summary cards' values as shown: the rate, then the counts."""
    return [dd.get_text(strip=True) for dd in soup_of(response).select(".report-cards dd")]


def table(response, key):
    """The rows of a breakdown table: ``[[header cell, cells...]]`` as shown."""
    section = soup_of(response).find("h2", id=f"table-{key}").parent
    return [
        [cell.get_text(strip=True) for cell in row.find_all(["th", "td"])] for row in section.select("table tbody tr")
    ]


# Who may see it -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [DASHBOARD, export_url("unit", "csv"), export_url("group", "xlsx")])
def test_anonymous_users_are_sent_to_log_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [DASHBOARD, export_url("course", "csv"), export_url("month", "xlsx")])
def test_officials_are_refused(client, world, url):
    official = placed_official(world.a)
    official.user.groups.add(roles.ensure_roles()[roles.OFFICIAL])
    client.force_login(official.user)
    assert client.get(url).status_code == 403


def test_the_header_links_hr_to_the_reports(client, world):
    client.force_login(hr_of(world.a))
    response = client.get(reverse("people:official_list"))
    assert f'href="{DASHBOARD}"' in response.content.decode()


# What HR of a unit sees -----------------------------------------------------------------------


def test_hr_of_a_commune_sees_its_numbers(client, world):
    client.force_login(hr_of(world.a))
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    summary = response.context["overview"].summary
    assert as_tuple(summary) == (3, 3, 1, 1, 1, 1)
    assert without_not_started(summary) == brute([world.a])
    with translation.override("vi"):
        assert cards(response) == ["33,3%", "3", "3", "1", "1", "1", "1"]
    assert "Xã An" in soup_of(response).h1.get_text()


def test_hr_of_b_gets_none_of_a(client, world):
    client.force_login(hr_of(world.b))
    assert client.get(DASHBOARD, {"unit": world.a.pk}).status_code == 404
    assert client.get(export_url("unit", "xlsx"), {"unit": world.a.pk}).status_code == 404
    assert client.get(DASHBOARD, {"unit": world.province.pk}).status_code == 404  # above the scope too
    response = client.get(DASHBOARD)
    assert as_tuple(response.context["overview"].summary) == (1, 1, 0, 0, 1, 0)
    page = response.content.decode()
    assert "Xã An" not in page and "Sở Nội vụ" not in page and "Lãnh đạo" in page  # groups are labels, not data
    for name in ("unit", "group", "course", "month"):
        for fmt in ("csv", "xlsx"):
            body = client.get(export_url(name, fmt)).content
            text = body.decode("utf-8-sig") if fmt == "csv" else _xlsx_text(body)
            assert "Xã An" not in text and "Sở Nội vụ" not in text, (name, fmt)
    # B's only enrolment, in B's course table: never A's three.
    assert [row[1:2] for row in table(response, "course")] == [["1"]]


def _xlsx_text(body):
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None)


def test_numbers_on_the_page_are_the_service_s_and_brute_force_s(client, world, groups):
    client.force_login(hr_of(world.province))
    for filters in ({}, {"group": groups.staff.pk}, {"kind": OrgUnit.Kind.COMMUNE}, {"year": 2025}):
        response = client.get(DASHBOARD, filters)
        expected = aggregation.overview([world.province], Filters(**filters))
        assert response.context["overview"] == expected
        assert without_not_started(expected.summary) == brute([world.province], **filters), filters
        rows = table(response, "unit")
        assert [row[0] for row in rows] == ["Sở Nội vụ", "Huyện Đông"]
        for row, unit_row, unit in zip(rows, expected.by_unit, (world.department, world.district), strict=True):
            assert without_not_started(unit_row.numbers) == brute([unit], **filters)
            assert row[1:7] == [str(value) for value in as_tuple(unit_row.numbers)]
            assert row[7] == charts.format_percent(unit_row.numbers.completion_rate)
    response = client.get(DASHBOARD)
    assert [row[:3] for row in table(response, "group")] == [["Lãnh đạo", "1", "2"], ["Công chức", "4", "4"]]
    assert table(response, "month") == [["03/2025", "3"]]


def test_invalid_filters_are_form_errors_not_failures(client, world):
    client.force_login(hr_of(world.province))
    response = client.get(DASHBOARD, {"year": "abc", "course": "999999", "group": "x", "kind": "<b>"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"year", "course", "group", "kind"}
    assert response.context["overview"].summary == aggregation.summary([world.province])
    assert client.get(DASHBOARD, {"unit": "abc"}).status_code == 404
    assert client.get(export_url("pivot", "csv")).status_code == 404
    assert client.get(export_url("unit", "pdf")).status_code == 404


def test_a_filter_narrows_the_numbers_and_follows_the_links(client, world, groups):
    client.force_login(hr_of(world.province))
    response = client.get(DASHBOARD, {"group": groups.leaders.pk})
    assert as_tuple(response.context["overview"].summary) == (1, 2, 2, 0, 0, 0)
    links = [a["href"] for a in soup_of(response).select("#table-unit ~ .table-wrap a")]
    assert links == [
        f"{DASHBOARD}?unit={unit.pk}&group={groups.leaders.pk}" for unit in (world.department, world.district)
    ]
    assert f"{export_url('unit', 'xlsx')}?group={groups.leaders.pk}" in [
        a["href"] for a in soup_of(response).select(".report-downloads a")
    ]


# Drill-down -----------------------------------------------------------------------------------


def test_drill_down_two_levels_with_breadcrumbs(client, world):
    client.force_login(hr_of(world.province))
    page = soup_of(client.get(DASHBOARD))
    district_link = page.find("a", string="Huyện Đông")["href"]
    response = client.get(district_link)
    assert response.context["unit"] == world.district
    assert [row[0] for row in table(response, "unit")] == ["Xã An", "Xã Bình"]
    commune_link = soup_of(response).find("a", string="Xã An")["href"]
    response = client.get(commune_link)
    assert response.context["unit"] == world.a
    crumbs = soup_of(response).select(".report-crumbs li")
    assert [li.get_text(strip=True) for li in crumbs] == ["Tỉnh Minh Sơn", "Huyện Đông", "Xã An"]
    assert crumbs[-1].find(attrs={"aria-current": "page"})
    back = crumbs[1].a["href"]
    assert client.get(back).context["unit"] == world.district
    assert as_tuple(response.context["overview"].summary) == (3, 3, 1, 1, 1, 1)
    assert soup_of(response).find("h2", id="table-unit").parent.select("p.empty")  # a leaf: nothing below


def test_closed_units_and_impossible_ids_are_not_found(client, world):
    client.force_login(hr_of(world.province))
    structure.merge_units([world.b], world.a, datetime.date(2025, 3, 14))
    assert client.get(DASHBOARD, {"unit": world.b.pk}).status_code == 404  # its records are Xã An's now
    for raw in ("0", "-1", "99999999999999999999", "1.5"):
        assert client.get(DASHBOARD, {"unit": raw}).status_code == 404, raw
    response = client.get(DASHBOARD, {"unit": world.district.pk})
    assert [row[0] for row in table(response, "unit")] == ["Xã An"]
    assert response.context["overview"].by_unit[0].numbers.enrolled == 4


def test_hr_of_several_units_starts_from_all_of_them(client, world):
    client.force_login(hr_of(world.a, world.department))
    response = client.get(DASHBOARD)
    assert [row[0] for row in table(response, "unit")] == ["Sở Nội vụ", "Xã An"]
    assert without_not_started(response.context["overview"].summary) == brute([world.a, world.department])
    response = client.get(DASHBOARD, {"unit": world.a.pk})
    crumbs = soup_of(response).select(".report-crumbs li")
    assert [li.get_text(strip=True) for li in crumbs[1:]] == ["Xã An"]
    assert crumbs[0].a["href"] == DASHBOARD  # back to all of them


# Exports --------------------------------------------------------------------------------------


def test_the_xlsx_export_holds_the_numbers_on_screen(client, world):
    client.force_login(hr_of(world.province))
    shown = table(client.get(DASHBOARD, {"unit": world.district.pk}), "unit")
    response = client.get(export_url("unit", "xlsx"), {"unit": world.district.pk})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "Huyện Đông" in rows[0][0]  # what was reported
    header, data = rows[1], rows[2:]
    assert len(header) == 8
    expected = aggregation.overview([world.district]).by_unit
    assert [row[0] for row in data] == ["Xã An", "Xã Bình"]
    for got, row, on_screen in zip(data, expected, shown, strict=True):
        assert list(got[1:7]) == list(as_tuple(row.numbers))
        assert [str(value) for value in got[1:7]] == on_screen[1:7]
    assert data[0][7] == 33.3 and data[1][7] == 0.0
    filtered = client.get(export_url("group", "xlsx"), {"unit": world.district.pk, "year": 2025})
    first = next(openpyxl.load_workbook(io.BytesIO(filtered.content)).active.iter_rows(values_only=True))[0]
    assert "Huyện Đông" in first and "2025" in first  # the file says what it counts


def test_every_table_exports_as_csv_with_a_bom(client, world):
    client.force_login(hr_of(world.province))
    overview = aggregation.overview([world.province])
    for name, count in (("unit", 2), ("group", 2), ("course", 2), ("month", 1)):
        response = client.get(export_url(name, "csv"))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 1 + count, name
    rows = list(csv.reader(io.StringIO(client.get(export_url("group", "csv")).content.decode("utf-8-sig"))))
    assert rows[2][:3] == ["Công chức", "4", "4"]
    assert rows[1:] and [row[0] for row in rows[1:]] == [str(row.label) for row in overview.by_group]


def test_formula_like_names_are_neutralised(client, world):
    structure.create_unit(world.district, name="=cmd|' /C calc'!A0", kind=OrgUnit.Kind.COMMUNE, code="EVIL")
    client.force_login(hr_of(world.province))
    rows = list(
        csv.reader(
            io.StringIO(client.get(export_url("unit", "csv"), {"unit": world.district.pk}).content.decode("utf-8-sig"))
        )
    )
    assert rows[-1][0] == "'=cmd|' /C calc'!A0"
    body = client.get(export_url("unit", "xlsx"), {"unit": world.district.pk}).content
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    cell = sheet.cell(row=sheet.max_row, column=1)
    assert cell.value == "'=cmd|' /C calc'!A0" and cell.data_type == "s"


# Query count ----------------------------------------------------------------------------------


def _dashboard_queries(client, unit):
    response, queries = queries_of(client, DASHBOARD, {"unit": unit.pk})
    return len(queries), len(response.context["overview"].by_unit), len(response.context["overview"].by_course)


def test_the_dashboard_s_query_count_does_not_grow_with_units_or_courses(client, world, groups, catalogue):
    from tests.factories import make_course

    client.force_login(hr_of(world.province))
    few = _dashboard_queries(client, world.district)
    for n in range(13):
        unit = structure.create_unit(world.district, name=f"Xã {n}", kind=OrgUnit.Kind.COMMUNE, code=f"XN{n}")
        course = make_course(catalogue, title=f"Khóa {n}", lessons=1) if n < 4 else None
        official = placed_official(unit, position_group=groups.staff)
        if course:
            services.enrol(official, course)
            finish(official, course)
    many = _dashboard_queries(client, world.district)
    assert few[1:] == (2, 2) and many[1:] == (15, 6)
    assert many[0] == few[0]
    # 16 of the dashboard's own (scope roots, unit, breadcrumbs, 3 for the filter choices, 10 for
    # the overview) and those of every page (session, user, scope, the header's links and rights).
    assert few[0] == 27  # README: "The page makes the same number of queries (27)"


# Charts ---------------------------------------------------------------------------------------


def test_a_bar_chart_is_a_named_image_with_proportional_bars():
    svg = str(charts.bar_chart("Tỷ lệ <hoàn thành>", [("Xã An", 0.5), ("Xã <b>Bình</b>", None), ("Sở", 1.0)]))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-label="Tỷ lệ &lt;hoàn thành&gt;"' in svg and "<title>Tỷ lệ &lt;hoàn thành&gt;</title>" in svg
    assert "<b>" not in svg and "Xã &lt;b&gt;Bình&lt;/b&gt;" in svg
    soup = BeautifulSoup(svg, "html.parser")
    bars = [float(rect["width"]) for rect in soup.find_all("rect") if rect["fill"] == charts.BAR]
    track = float(soup.find("rect", attrs={"fill": charts.TRACK})["width"])
    assert bars == [track / 2, 0.0, track]
    with translation.override("vi"):
        assert "50,0%" in str(charts.bar_chart("t", [("a", 0.5)]))
    assert "—" in svg


def test_a_column_chart_has_a_column_per_point_and_survives_no_data():
    svg = str(charts.column_chart("Hoàn thành theo tháng", [("01/25", 2), ("02/25", 0), ("03/25", 4)]))
    soup = BeautifulSoup(svg, "html.parser")
    heights = [float(rect["height"]) for rect in soup.find_all("rect")]
    assert heights[1] == 0 and heights[2] == 2 * heights[0]
    assert soup.svg["role"] == "img" and soup.svg.title.string == "Hoàn thành theo tháng"
    empty = str(charts.column_chart("Trống", []))
    assert 'role="img"' in empty and "<rect" not in empty


def test_long_month_series_label_only_some_columns():
    points = [(f"{m:02d}/25", m) for m in range(1, 25)]
    soup = BeautifulSoup(str(charts.column_chart("t", points, max_labels=12)), "html.parser")
    assert len(soup.find_all("rect")) == 24
    assert len([t for t in soup.find_all("text") if "/" in t.get_text()]) == 12


def test_percentages_follow_the_language():
    with translation.override("vi"):
        assert charts.format_percent(1 / 3) == "33,3%"
        assert charts.format_percent(1 / 6) == "16,7%"  # rounded, as the exports round it
        assert charts.format_percent(2 / 3) == "66,7%"
    with translation.override("en"):
        assert charts.format_percent(1 / 3) == "33.3%"
    assert charts.format_percent(None) == "—"
    assert charts.shorten("x" * 60).endswith("…") and len(charts.shorten("x" * 60)) == charts.LABEL_CHARS
