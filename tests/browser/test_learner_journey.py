"""An official on a phone-sized screen finds a course without diacritics, enrols, works through
every lesson, fails the final test, retakes it over a line that drops, passes and sees the course
completed."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command

from content.models import CoursePage, QuizPage
from lms.learning.models import Enrollment, QuizAttempt
from tests.support.browser import SCREENSHOTS, log_in  # tests/browser/test_csp.py imports them from here

# Each test seeds its own data: the live server needs committed rows, and the database is flushed
# after every test (serialized rollback cannot help: under Playwright's event loop Django sees a
# different connection object than the one the test database was serialised on).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def answer(page, position, item, right=True):
    """Tick (or rank) the answer to one paper item, as the official would."""
    key = item["key"]
    if item["kind"] == "ordering":
        order = key if right else list(reversed(key))
        for rank, option_id in enumerate(order, start=1):
            page.select_option(f"#q{position}-{option_id}", str(rank))
        return
    wrong = [option["id"] for option in item["options"] if option["id"] not in key]
    for option_id in key if right else wrong[:1]:
        page.check(f"#q{position}-o{option_id}")


def saved_answers(attempt):
    attempt.refresh_from_db()
    return attempt.answers


def wait_for_saved(page, attempt, positions):
    """Autosave runs in the background; wait until the server holds an answer for each position."""
    # Functions, not bare expressions: Playwright polls an expression with eval() in the page,
    # which the Content-Security-Policy refuses (no 'unsafe-eval').
    page.wait_for_function("() => document.getElementById('save-status').textContent.includes('Đã lưu')")
    for _ in range(150):
        if all(saved_answers(attempt).get(str(p)) for p in positions):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"answers {positions} were not saved: {saved_answers(attempt)}")


def test_official_finishes_a_course_in_the_browser(live_server, page):
    """Lessons, then the final test: fail, wait, retake with the line dropping mid-way, pass."""
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
    quiz = QuizPage.objects.child_of(course).get()
    lessons = list(course.lessons())
    for number, lesson in enumerate(lessons, start=1):
        page.wait_for_url(re.compile(re.escape(lesson.url) + "$"))
        assert page.get_by_role("heading", level=1).inner_text() == lesson.title
        if number == 2:
            page.screenshot(path=SCREENSHOTS / "lesson.png", full_page=True)
        page.get_by_role("button", name="Đánh dấu đã học xong").click()

    # Every lesson is done, but the course waits for the final test.
    page.wait_for_url(re.compile(re.escape(quiz.url) + "$"))
    enrollment = Enrollment.objects.get(official__user__username="hocvien", course=course)
    assert enrollment.completed_at is None
    page.screenshot(path=SCREENSHOTS / "quiz.png", full_page=True)

    # First attempt: everything wrong, handed in.
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    first = QuizAttempt.objects.get(enrollment=enrollment, number=1)
    page.wait_for_url(f"{base}/hoc-tap/lan-lam/{first.pk}/")
    assert page.locator("fieldset.question").count() == len(first.paper) == quiz.questions_per_attempt
    for position, item in enumerate(first.paper):
        answer(page, position, item, right=False)
    page.screenshot(path=SCREENSHOTS / "attempt.png", full_page=True)
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_url(f"{base}/hoc-tap/lan-lam/{first.pk}/")
    assert page.get_by_text("Lần này chưa đạt.").is_visible()
    assert page.get_by_role("button", name="Làm lại").count() == 0  # the wait between attempts
    first.refresh_from_db()
    assert first.submitted_at and not first.passed

    # The wait is over (moved back rather than slept through).
    QuizAttempt.objects.filter(pk=first.pk).update(
        submitted_at=first.submitted_at - timedelta(minutes=quiz.min_wait_minutes)
    )
    page.goto(f"{base}{quiz.url}")
    page.get_by_role("button", name="Làm lại").click()
    second = QuizAttempt.objects.get(enrollment=enrollment, number=2)
    page.wait_for_url(f"{base}/hoc-tap/lan-lam/{second.pk}/")
    paper = second.paper
    half = len(paper) // 2

    # The first half is answered and autosaved while the line holds.
    for position in range(half):
        answer(page, position, paper[position])
    wait_for_saved(page, second, range(half))

    # The line drops (every save fails): the next answers stay on the device...
    save_url = f"**/hoc-tap/lan-lam/{second.pk}/luu/"
    page.route(save_url, lambda route: route.abort("internetdisconnected"))
    for position in range(half, half + 2):
        answer(page, position, paper[position])
    page.wait_for_function("() => document.getElementById('save-status').textContent.includes('mất kết nối')")
    assert not saved_answers(second).get(str(half))
    page.screenshot(path=SCREENSHOTS / "attempt-offline.png", full_page=True)

    # ...and survive a reload while the line is still down: the same paper comes back, with the
    # saved answers from the server and the unsent ones from the device.
    page.reload()
    assert page.url == f"{base}/hoc-tap/lan-lam/{second.pk}/"
    assert QuizAttempt.objects.filter(enrollment=enrollment).count() == 2
    shown = [int(value) for value in page.locator("input[name=positions]").evaluate_all("els => els.map(e => e.value)")]
    assert shown == list(range(len(paper)))
    for position in range(half + 2):
        item = paper[position]
        if item["kind"] != "ordering":
            for option_id in item["key"]:
                assert page.locator(f"#q{position}-o{option_id}").is_checked(), position
    assert not saved_answers(second).get(str(half))

    # The line is back: the answers kept on the device reach the server.
    page.unroute(save_url)
    wait_for_saved(page, second, range(half + 2))

    for position in range(half + 2, len(paper)):
        answer(page, position, paper[position])
    page.get_by_role("button", name="Nộp bài").click()
    page.wait_for_url(f"{base}/hoc-tap/lan-lam/{second.pk}/")
    assert page.locator(".badge-done").get_by_text("Đạt", exact=True).is_visible()
    assert page.get_by_text("Bạn đã hoàn thành khóa học.").is_visible()
    assert page.get_by_role("heading", name="Xem lại bài").is_visible()
    page.screenshot(path=SCREENSHOTS / "attempt-review.png", full_page=True)

    page.get_by_role("link", name="Quay lại khóa học").click()
    page.wait_for_url(re.compile(re.escape(course.url) + "$"))
    assert page.locator(".status-box").get_by_text("Đã hoàn thành", exact=True).is_visible()
    assert page.locator(".status-box progress").get_attribute("value") == "100"
    assert page.locator("ol.lesson-list .tick").count() == len(lessons)
    assert page.locator(".quiz-list .tick").count() == 1
    page.screenshot(path=SCREENSHOTS / "course-completed.png", full_page=True)

    page.get_by_role("link", name="Học tập của tôi").click()
    completed = page.locator("section", has=page.get_by_role("heading", name="Đã hoàn thành"))
    assert completed.get_by_role("link", name=course.title).is_visible()
    page.screenshot(path=SCREENSHOTS / "my-learning.png", full_page=True)
    enrollment.refresh_from_db()
    assert enrollment.completed_at
    assert QuizAttempt.objects.filter(enrollment=enrollment, passed=True).count() == 1


def test_search_without_diacritics_finds_the_course(live_server, page):
    call_command("seed_demo", officials=0)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Tìm khóa học").fill("ho tich")
    page.get_by_role("button", name="Tìm kiếm").click()
    results = page.locator(".cards h3")
    assert results.all_inner_texts() == ["Phần mềm quản lý hộ tịch"]
    page.screenshot(path=SCREENSHOTS / "search.png", full_page=True)
