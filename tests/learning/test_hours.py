"""Hours (số tiết) completed per year: the sum of the hours of the courses an official completed, by
the year of completion in Vietnam (not in UTC), on "Học tập của tôi" and on the HR training record
(page and PDF); each completed course shows its hours, a deleted course counts 0, and neither page
makes more queries for more enrolments."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from lms.learning import selectors
from lms.learning.models import Enrollment
from lms.learning.selectors import YearHours
from tests.factories import make_course, make_unit, placed_official
from tests.reports.test_lists import in_english
from tests.reports.test_transcript import pdf_text
from tests.support.html import soup_of
from tests.support.people import hr_of
from tests.support.queries import count_queries

VIETNAM = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
# 23:30 on 31/12/2025 in Vietnam is 16:30 UTC: still 2025 both ways.
NEW_YEARS_EVE_IN_VIETNAM = datetime.datetime(2025, 12, 31, 23, 30, tzinfo=VIETNAM)
# 23:30 on 31/12/2025 UTC is 06:30 on 1/1/2026 in Vietnam: 2026 here, 2025 in UTC.
NEW_YEARS_EVE_IN_UTC = datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC)
SUMMER = datetime.datetime(2025, 6, 2, 9, 0, tzinfo=VIETNAM)
SPRING = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)


def enrol(official, course, **fields):
    return Enrollment.objects.create(
        official=official, unit=official.unit, course=course, course_title=course.title, **fields
    )


@pytest.fixture
def unit(db):
    return make_unit(name="Xã Tân Lập")


@pytest.fixture
def world(catalogue, unit):
    """Nhung completed four courses around the new year and is doing a fifth; the course completed
    in the spring will be deleted."""
    nhung = placed_official(unit, full_name="Hà Thị Nhung", employee_code="TL-0001")
    courses = {
        "signature": make_course(catalogue, "Chữ ký số", lessons=0, hours=8),
        "registry": make_course(catalogue, "Hộ tịch", lessons=0, hours=12),
        "land": make_course(catalogue, "Đất đai", lessons=0, hours=5),
        "mail": make_course(catalogue, "Thư công vụ", lessons=0, hours=6),
        "open": make_course(catalogue, "An toàn thông tin", lessons=0, hours=16),
    }
    enrol(nhung, courses["land"], completed_at=SUMMER)
    enrol(nhung, courses["signature"], completed_at=NEW_YEARS_EVE_IN_VIETNAM)
    enrol(nhung, courses["registry"], completed_at=NEW_YEARS_EVE_IN_UTC)
    enrol(nhung, courses["mail"], completed_at=SPRING)
    enrol(nhung, courses["open"], last_activity_at=SPRING)
    return nhung, courses


def my_hours(official):
    return selectors.learner_dashboard(official.user).hours_per_year


def table_rows(response, heading_id):
    table = soup_of(response).find("h2", id=heading_id).find_next("table")
    return [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in table.select("tbody tr")
        if not row.select(".empty")
    ]


# The sums -------------------------------------------------------------------------------------


def test_hours_are_summed_by_the_year_of_completion_in_vietnam(world):
    nhung, _courses = world
    with timezone.override(datetime.UTC):  # whatever zone the process is in
        assert my_hours(nhung) == [YearHours(2026, 18, 2), YearHours(2025, 13, 2)]


def test_a_deleted_course_still_counts_as_completed_with_0_hours(world):
    nhung, courses = world
    courses["mail"].delete()
    assert Enrollment.objects.get(official=nhung, course_title="Thư công vụ").course is None
    assert my_hours(nhung) == [YearHours(2026, 12, 2), YearHours(2025, 13, 2)]


def test_an_open_enrolment_counts_nothing_and_nobody_else_s_counts(world, unit):
    nhung, courses = world
    other = placed_official(unit, full_name="Lò Văn Khánh")
    enrol(other, courses["open"], completed_at=SPRING)
    assert my_hours(other) == [YearHours(2026, 16, 1)]
    assert my_hours(nhung)[0] == YearHours(2026, 18, 2)  # the open one not counted
    assert my_hours(placed_official(unit)) == []


def test_a_course_reopened_for_a_new_cycle_counts_again_only_once_completed(world):
    nhung, courses = world
    Enrollment.objects.filter(official=nhung, course=courses["registry"]).update(completed_at=None, cycle=2)
    assert my_hours(nhung) == [YearHours(2026, 6, 1), YearHours(2025, 13, 2)]


# Học tập của tôi ------------------------------------------------------------------------------


def test_my_learning_shows_the_hours_per_year_and_of_each_completed_course(client, world):
    nhung, courses = world
    courses["mail"].delete()
    in_english(client).force_login(nhung.user)
    response = client.get(reverse("learning:my_learning"))
    assert table_rows(response, "hours-title") == [["2026", "2", "12"], ["2025", "2", "13"]]
    completed = soup_of(response).find("h2", id="completed-title").find_next("ul")
    shown = {
        item.h3.get_text(strip=True): item.select_one(".enrollment-hours").get_text(strip=True)
        for item in completed.select("li.enrollment")
    }
    assert shown == {
        "Chữ ký số": "8 periods",
        "Hộ tịch": "12 periods",
        "Đất đai": "5 periods",
        "Thư công vụ": "0 periods",
    }


def test_my_learning_without_a_completed_course_says_so(client, catalogue, unit):
    official = placed_official(unit)
    enrol(official, make_course(catalogue, "Một cửa", lessons=0, hours=4))
    in_english(client).force_login(official.user)
    response = client.get(reverse("learning:my_learning"))
    section = soup_of(response).find("h2", id="hours-title").parent
    assert section.find("table") is None
    assert "No course completed yet." in section.get_text()


# The training record --------------------------------------------------------------------------


def test_the_record_shows_the_hours_per_year_and_of_each_completed_course(client, world, unit):
    nhung, courses = world
    courses["mail"].delete()
    in_english(client).force_login(hr_of(unit))
    response = client.get(reverse("reports:transcript", args=[nhung.pk]))
    assert table_rows(response, "transcript-hours") == [["2026", "2", "12"], ["2025", "2", "13"]]
    head = [cell.get_text(strip=True) for cell in soup_of(response).select("table.transcript-table thead th")]
    hours_column = head.index("Hours")
    lines = {row[0]: row[hours_column] for row in table_rows(response, "transcript-courses")}
    assert lines == {"Đất đai": "5", "Chữ ký số": "8", "Hộ tịch": "12", "Thư công vụ": "0", "An toàn thông tin": "—"}


def test_the_record_s_pdf_shows_the_hours_per_year(client, world, unit):
    nhung, _courses = world
    in_english(client).force_login(hr_of(unit))
    text = pdf_text(client.get(reverse("reports:transcript_pdf", args=[nhung.pk])).content)
    assert "Hours completed per year" in text
    assert "2026 2 18" in text and "2025 2 13" in text


# Queries --------------------------------------------------------------------------------------


def test_neither_page_makes_more_queries_for_more_completed_courses(client, catalogue, unit):
    hr = hr_of(unit)
    official = placed_official(unit)
    pages = {
        "mine": (official.user, reverse("learning:my_learning")),
        "record": (hr, reverse("reports:transcript", args=[official.pk])),
        "pdf": (hr, reverse("reports:transcript_pdf", args=[official.pk])),
    }
    counts = {name: [] for name in pages}
    for total in (1, 8):
        while Enrollment.objects.filter(official=official).count() < total:
            number = Enrollment.objects.filter(official=official).count()
            course = make_course(catalogue, f"Khóa {number}", lessons=0, hours=number + 1)
            enrol(official, course, completed_at=SUMMER + datetime.timedelta(days=200 * number))
        for name, (user, url) in pages.items():
            client.force_login(user)
            counts[name].append(count_queries(client, url))
    assert all(first == last for first, last in counts.values()), counts
    assert len(my_hours(official)) > 1  # the enrolments span several years
