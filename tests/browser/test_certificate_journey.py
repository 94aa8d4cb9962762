"""An official completes a course in the browser, finds the certificate under "My certificates",
downloads it (Vietnamese text, a signature our root trusts), follows the address in its QR code
to the public page that says it is valid; HR revokes it and the same address says revoked."""

import unicodedata
from io import BytesIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from content.models import CoursePage, QuizPage
from lms.certificates import verification
from lms.certificates.models import Certificate
from lms.learning import assessment
from lms.learning import services as learning
from lms.people.models import Official
from tests.certificates.conftest import page_image
from tests.learning.quiz_helpers import correct_answers
from tests.support.browser import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COURSE = "Chữ ký số chuyên dùng và chứng thư số"


def all_but_the_last_lesson(username):
    """Everything of the course done except its last lesson, which the browser marks."""
    official = Official.objects.get(user__username=username)
    course = CoursePage.objects.get(title=COURSE)
    learning.enrol(official, course)
    lessons = list(course.lessons())
    for lesson in lessons[:-1]:
        learning.record_lesson_done(official, lesson)
    quiz = QuizPage.objects.child_of(course).get()
    attempt = assessment.start_attempt(official, quiz)
    assessment.submit_attempt(official, attempt.pk, correct_answers(attempt.paper))
    return official, lessons[-1]


def qr_address(pdf_bytes, tmp_path):
    import zxingcpp

    (code,) = zxingcpp.read_barcodes(page_image(pdf_bytes, tmp_path))
    return code.text


def test_complete_download_verify_and_revoke(live_server, page, settings, tmp_path):
    call_command("seed_demo", officials=0)
    settings.WAGTAILADMIN_BASE_URL = live_server.url  # the address printed in the QR code
    base = live_server.url
    SCREENSHOTS.mkdir(exist_ok=True)
    official, last_lesson = all_but_the_last_lesson("hocvien")

    log_in(page, base)
    page.goto(f"{base}{last_lesson.url}")
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    page.wait_for_load_state()

    page.get_by_role("link", name="Chứng nhận của tôi").click()
    card = page.locator("li.card", has=page.get_by_role("heading", name=COURSE))
    assert card.get_by_text("Còn hiệu lực", exact=True).is_visible()
    page.screenshot(path=SCREENSHOTS / "my-certificates.png", full_page=True)
    with page.expect_download() as download_info:
        card.get_by_role("link", name="Tải tệp PDF").click()
    download = download_info.value
    pdf = tmp_path / "certificate.pdf"
    download.save_as(pdf)
    pdf_bytes = pdf.read_bytes()

    certificate = Certificate.objects.get(official=official, course_title=COURSE)
    assert download.suggested_filename == f"{certificate.serial}.pdf"
    text = unicodedata.normalize("NFC", "".join(p.extract_text() for p in PdfReader(BytesIO(pdf_bytes)).pages))
    assert official.full_name in text and COURSE in text  # "Lò Thị Hạnh", with its diacritics
    result = verification.verify_pdf(pdf_bytes)
    assert result.ok, result.reason
    assert result.certificate == certificate

    address = qr_address(pdf_bytes, tmp_path)
    assert address == f"{base}/verify/{certificate.verification_code}/"
    page.goto(address)
    verdict = page.locator("#verdict")
    assert verdict.inner_text().strip() == "Còn hiệu lực"
    assert page.get_by_text(official.full_name).is_visible()
    page.screenshot(path=SCREENSHOTS / "verify-valid.png", full_page=True)

    # HR of the official's unit revokes it; the same address now says so.
    page.context.clear_cookies()
    log_in(page, base, username="nhansu")
    revoke_in_hr_pages(page, base, certificate)

    page.goto(address)
    assert page.locator("#verdict").inner_text().strip() == "Đã thu hồi"
    page.screenshot(path=SCREENSHOTS / "verify-revoked.png", full_page=True)
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None and certificate.revoked_by.username == "nhansu"


def revoke_in_hr_pages(page, base, certificate):
    """nhansu finds the certificate without typing diacritics and revokes it with a reason."""
    page.get_by_role("link", name="Giấy chứng nhận của cán bộ").first.click()
    page.get_by_label("Họ tên, mã cán bộ hoặc số hiệu").fill("lo thi hanh")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.get_by_role("link", name=certificate.serial).click()
    page.get_by_role("link", name="Thu hồi", exact=True).click()
    page.get_by_label("Lý do thu hồi").fill("Kết quả kiểm tra bị hủy theo Quyết định số 12/QĐ-SNV.")
    page.get_by_role("checkbox").check()
    page.screenshot(path=SCREENSHOTS / "hr-revoke.png", full_page=True)
    page.get_by_role("button", name="Thu hồi giấy chứng nhận").click()
    page.wait_for_url(f"{base}/nhan-su/chung-nhan/{certificate.pk}/")
    assert page.get_by_text(f"Giấy chứng nhận {certificate.serial} đã bị thu hồi.").is_visible()
