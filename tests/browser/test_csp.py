"""The Content-Security-Policy in Chromium: the pages that do the most in the browser run under the
policy without a single violation, and still work. An official's answers autosave on the quiz
page; HR's import progress page refreshes itself until the check is done; the report dashboard
draws its charts; a trainer works in the Wagtail admin (dashboard, explorer, a lesson's editor with
typing, the live preview and saving, an image chooser).

Violations are caught twice: the ``securitypolicyviolation`` events of every frame, reported to
the test as they happen, and Chromium's console messages about the policy."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command

from content.models import CourseIndexPage, CoursePage, LessonPage, QuizPage
from lms.learning.models import Enrollment, QuizAttempt
from lms.people.models import ImportBatch
from tests.browser.test_learner_journey import SCREENSHOTS, answer, log_in, wait_for_saved

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(JSON.stringify({
    directive: event.violatedDirective, blocked: event.blockedURI, page: event.documentURI,
    source: event.sourceFile, line: event.lineNumber, sample: event.sample,
  }));
});
"""


class PolicyWatch:
    """What the browser reported while the test ran: violations, errors of scripts, and the policy
    of every document it loaded (a page without the header would prove nothing)."""

    def __init__(self, page):
        self.violations = []
        self.script_errors = []
        self.documents = []
        page.expose_function("__cspViolation", lambda report: self.violations.append(json.loads(report)))
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.script_errors.append(str(error)))
        page.on("response", self._response)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append({"console": message.text})

    def _response(self, response):
        if response.request.resource_type == "document":
            self.documents.append((response.url, response.headers.get("content-security-policy")))

    def assert_clean(self):
        assert self.violations == []
        assert self.script_errors == []
        assert self.documents
        unprotected = [url for url, policy in self.documents if not policy]
        assert unprotected == []


@pytest.fixture
def watch(page):
    SCREENSHOTS.mkdir(exist_ok=True)
    return PolicyWatch(page)


@pytest.fixture
def desk_page(browser):
    """Trainers write courses at a desk: a wide screen, with room for the editor beside its preview."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_quiz_autosave_runs_under_the_policy(live_server, page, watch):
    call_command("seed_demo", officials=0)
    base = live_server.url
    course = CoursePage.objects.get(title="Chữ ký số chuyên dùng và chứng thư số")
    quiz = QuizPage.objects.child_of(course).get()

    log_in(page, base)
    page.goto(f"{base}{course.url}")
    page.get_by_role("button", name="Ghi danh khóa học này").click()
    page.wait_for_load_state()
    page.goto(f"{base}{quiz.url}")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    enrollment = Enrollment.objects.get(official__user__username="hocvien", course=course)
    attempt = QuizAttempt.objects.get(enrollment=enrollment)
    page.wait_for_url(f"{base}/hoc-tap/lan-lam/{attempt.pk}/")
    assert page.locator("script[src$='js/quiz.js']").count() == 1

    # Answered and saved in the background by static/js/quiz.js (a fetch to the site: connect-src).
    for position in range(2):
        answer(page, position, attempt.paper[position])
    wait_for_saved(page, attempt, range(2))
    # The countdown, the other half of quiz.js, ticks.
    first = page.locator("#time-left").inner_text()
    page.wait_for_function(f"() => document.getElementById('time-left').textContent !== {json.dumps(first)}")
    watch.assert_clean()


def test_hr_progress_page_and_dashboard_run_under_the_policy(live_server, page, watch):
    call_command("seed_demo", officials=0)
    base = live_server.url
    log_in(page, base, username="nhansu")
    hr = get_user_model().objects.get(username="nhansu")

    # An import being checked: its page refreshes itself (<meta http-equiv="refresh">) until done.
    batch = ImportBatch(
        created_by=hr, original_name="can-bo.csv", status=ImportBatch.Status.VALIDATING, total_rows=20, processed_rows=5
    )
    batch.file.save("can-bo.csv", ContentFile(b"x"), save=False)
    batch.save()
    page.goto(f"{base}/nhan-su/nhap/{batch.pk}/")
    assert page.locator("progress").get_attribute("value") == "25"
    ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=15)
    page.wait_for_function("() => document.querySelector('progress')?.value == 75")
    ImportBatch.objects.filter(pk=batch.pk).update(
        processed_rows=20, status=ImportBatch.Status.READY, report={"counts": {"create": 20}}
    )
    page.get_by_role("button", name="Nhập ngay").wait_for()
    loads = [url for url, _policy in watch.documents if url.endswith(f"/nhan-su/nhap/{batch.pk}/")]
    assert len(loads) >= 3  # the first view and at least two refreshes

    # The report dashboard: cards, inline SVG charts and tables; then one level down.
    page.goto(f"{base}/nhan-su/bao-cao/")
    chart = page.locator(".report-chart svg").first
    chart.wait_for()
    box = chart.bounding_box()
    assert box["width"] > 100 and box["height"] > 20
    bars = page.locator(".report-chart svg rect")
    assert bars.count() > 0
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") == "rgb(163, 20, 27)"
    )
    page.screenshot(path=SCREENSHOTS / "csp-dashboard.png", full_page=True)
    page.locator("section[aria-labelledby='table-unit'] table a").first.click()
    page.wait_for_load_state()
    page.locator(".report-chart svg").first.wait_for()
    watch.assert_clean()


def log_in_to_the_admin(page, base, username="giangvien", password="Demo@2026"):
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/")


def test_the_wagtail_admin_works_under_its_policy(live_server, desk_page):
    page, watch = desk_page, PolicyWatch(desk_page)
    SCREENSHOTS.mkdir(exist_ok=True)
    call_command("seed_demo", officials=0)
    base = live_server.url
    catalogue = CourseIndexPage.objects.get()
    course = CoursePage.objects.get(title="Chữ ký số chuyên dùng và chứng thư số")
    lesson = LessonPage.objects.child_of(course).first()

    log_in_to_the_admin(page, base)
    page.locator("#wagtail-sidebar").wait_for(state="attached")
    # The menu is drawn by the admin's scripts (React); without them the sidebar stays empty.
    page.locator("#wagtail-sidebar a[href$='/admin/pages/'], #wagtail-sidebar button").first.wait_for(state="attached")

    # The explorer lists the catalogue's courses.
    page.goto(f"{base}/admin/pages/{catalogue.pk}/")
    page.get_by_role("link", name=course.title).first.wait_for()
    page.goto(f"{base}/admin/pages/{course.pk}/")
    page.get_by_role("link", name=lesson.title).first.wait_for()

    # The lesson's editor: typing in the title and in a rich-text block of the body (Draftail); the
    # live preview, in a frame of the editor, shows the new title.
    page.goto(f"{base}/admin/pages/{lesson.pk}/edit/")
    title = page.locator("#id_title")
    title.fill(f"{lesson.title} (bản sửa)")
    editor = page.locator(".public-DraftEditor-content").first
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Đã kiểm tra chính sách bảo mật nội dung.")
    assert "Đã kiểm tra chính sách bảo mật nội dung." in editor.inner_text()
    page.locator("[data-side-panel-toggle='preview']").click()
    preview = page.frame_locator("#w-preview-iframe")
    preview.get_by_role("heading", level=1).filter(has_text="(bản sửa)").wait_for(timeout=20_000)
    page.screenshot(path=SCREENSHOTS / "csp-admin-preview.png")
    page.locator("[data-side-panel-toggle='preview']").click()

    # Saved as a draft: the revision holds what was typed (Draftail wrote it into the form).
    page.locator("button.action-save").first.click()
    page.wait_for_url(re.compile(rf"/admin/pages/{lesson.pk}/edit/"))
    page.locator(".messages").wait_for()
    lesson.refresh_from_db()
    revision = lesson.get_latest_revision().content
    assert revision["title"] == f"{lesson.title} (bản sửa)"
    body = json.dumps(json.loads(revision["body"]), ensure_ascii=False)
    assert "Đã kiểm tra chính sách bảo mật nội dung." in body

    # With a title too long to save, the preview is the admin's own "not available" page, framed by
    # the admin: the admin's frame-ancestors is 'self', not 'none'.
    page.goto(f"{base}/admin/pages/{lesson.pk}/edit/")
    title.evaluate("(field, text) => { field.removeAttribute('maxlength'); field.value = text }", "Bài " * 80)
    title.dispatch_event("input")
    page.locator("[data-side-panel-toggle='preview']").click()
    preview.locator(".preview-error__title").wait_for(timeout=20_000)

    # A new course's cover image, from the image chooser: a dialog the admin fetches from itself.
    page.goto(f"{base}/admin/pages/add/content/coursepage/{catalogue.pk}/")
    page.locator("[data-chooser-action-choose]:visible").first.click()
    dialog = page.locator(".modal-content, [role=dialog]").filter(has=page.locator("img")).first
    dialog.wait_for()
    assert dialog.locator("img").count() > 0
    watch.assert_clean()
    assert all("'unsafe-eval'" not in (policy or "") for _url, policy in watch.documents)
