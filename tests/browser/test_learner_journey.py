"""An official on a phone-sized screen finds a course without diacritics, enrols, works through
every lesson and sees the course completed."""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from content.models import CoursePage
from lms.learning.models import Enrollment

# Each test seeds its own data: the live server needs committed rows, and the database is flushed
# after every test (serialized rollback cannot help: under Playwright's event loop Django sees a
# different connection object than the one the test database was serialised on).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "test-results"))


def log_in(page, base, username="hocvien", password="Demo@2026"):
    page.goto(f"{base}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/hoc-tap/")


def test_official_finishes_a_course_in_the_browser(live_server, page):
    call_command("seed_demo", officials=20)
    base = live_server.url
    SCREENSHOTS.mkdir(exist_ok=True)

    log_in(page, base)
    page.goto(f"{base}/khoa-hoc/")
    page.get_by_label("Tìm kiếm").fill("ky so chuyen dung")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("link", name="Chữ ký số chuyên dùng và chứng thư số").click()
    page.get_by_role("button", name="Ghi danh khóa học này").click()

    course = CoursePage.objects.get(title="Chữ ký số chuyên dùng và chứng thư số")
    lessons = list(course.lessons())
    for number, lesson in enumerate(lessons, start=1):
        page.wait_for_url(re.compile(re.escape(lesson.url) + "$"))
        assert page.get_by_role("heading", level=1).inner_text() == lesson.title
        if number == 2:
            page.screenshot(path=SCREENSHOTS / "lesson.png", full_page=True)
        page.get_by_role("button", name="Đánh dấu đã học xong").click()

    page.wait_for_url(re.compile(re.escape(course.url) + "$"))
    assert page.locator(".status-box").get_by_text("Đã hoàn thành", exact=True).is_visible()
    assert page.locator(".status-box progress").get_attribute("value") == "100"
    assert page.locator(".lesson-list .tick").count() == len(lessons)
    page.screenshot(path=SCREENSHOTS / "course-completed.png", full_page=True)

    page.get_by_role("link", name="Học tập của tôi").click()
    completed = page.locator("section", has=page.get_by_role("heading", name="Đã hoàn thành"))
    assert completed.get_by_role("link", name=course.title).is_visible()
    page.screenshot(path=SCREENSHOTS / "my-learning.png", full_page=True)
    assert Enrollment.objects.get(official__user__username="hocvien", course=course).completed_at


def test_search_without_diacritics_finds_the_course(live_server, page):
    call_command("seed_demo", officials=0)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Tìm khóa học").fill("ho tich")
    page.get_by_role("button", name="Tìm kiếm").click()
    results = page.locator(".cards h3")
    assert results.all_inner_texts() == ["Phần mềm quản lý hộ tịch"]
    page.screenshot(path=SCREENSHOTS / "search.png", full_page=True)
