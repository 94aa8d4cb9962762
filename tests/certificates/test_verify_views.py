"""The public verification pages: by code (the QR link) and by uploading the PDF; no login, only
what the certificate states, rate-limited."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import formats, timezone

from lms.certificates import rendering, services, verification
from lms.certificates.models import Certificate
from lms.learning import services as learning
from lms.learning.models import Enrollment
from tests.certificates.conftest import HOLDER, read_pdf


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate(enrollment):
    return services.issue_for_enrollment(enrollment.pk)


def test_the_qr_address_is_the_public_verify_page(client, certificate):
    path = reverse("certificates:verify", args=[certificate.verification_code])
    assert rendering.verify_url(certificate).endswith(path) and path.startswith("/verify/")
    response = client.get(path)
    assert response.status_code == 200
    assert response.context["status"] == "valid"
    page = response.content.decode()
    assert HOLDER in page and certificate.course_title in page and certificate.serial in page
    # Nothing else about the person: no employee code, no unit.
    assert certificate.holder_employee_code not in page


def test_a_revoked_certificate_says_revoked(client, certificate):
    user = get_user_model().objects.create_user("hr-a")
    services.revoke(certificate, user, "Cấp nhầm người")
    response = client.get(reverse("certificates:verify", args=[certificate.verification_code]))
    assert response.context["status"] == "revoked"


def test_an_unknown_code_is_a_404_page(client, db):
    response = client.get(reverse("certificates:verify", args=["khong-co-ma-nay"]))
    assert response.status_code == 404
    assert response.context["certificate"] is None


def test_an_uploaded_certificate_is_authentic(client, certificate):
    upload = SimpleUploadedFile("cert.pdf", read_pdf(certificate), content_type="application/pdf")
    response = client.post(reverse("certificates:verify_upload"), {"pdf": upload})
    assert response.status_code == 200
    assert response.context["result"].ok
    assert response.context["result"].certificate == certificate


def test_an_edited_pdf_is_caught(client, certificate):
    data = bytearray(read_pdf(certificate))
    data[len(data) // 3] ^= 0x01
    upload = SimpleUploadedFile("cert.pdf", bytes(data), content_type="application/pdf")
    response = client.post(reverse("certificates:verify_upload"), {"pdf": upload})
    assert response.status_code == 200
    assert not response.context["result"].ok


def test_garbage_is_refused_with_a_reason_not_a_500(client, db):
    upload = SimpleUploadedFile("cert.pdf", b"not a pdf at all", content_type="application/pdf")
    response = client.post(reverse("certificates:verify_upload"), {"pdf": upload})
    assert response.status_code == 200
    assert not response.context["result"].ok and response.context["result"].message


def test_the_upload_form_needs_a_file(client, db):
    response = client.post(reverse("certificates:verify_upload"), {})
    assert response.status_code == 200 and response.context["form"].errors


def test_the_root_certificate_can_be_downloaded(client, db):
    response = client.get(reverse("certificates:root_certificate"))
    assert response.status_code == 200
    assert response.content.startswith(b"-----BEGIN CERTIFICATE-----")


def test_guessing_codes_is_rate_limited(client, db):
    url = reverse("certificates:verify", args=["doan-ma"])
    statuses = [client.get(url).status_code for _ in range(61)]
    assert statuses[:60] == [404] * 60 and statuses[60] == 429


# A withdrawn certificate's genuine PDF: authentic, but never called valid.


def upload(client, pdf_bytes):
    file = SimpleUploadedFile("cert.pdf", pdf_bytes, content_type="application/pdf")
    return client.post(reverse("certificates:verify_upload"), {"pdf": file})


def verdict_box(page):
    """The class attribute of the verdict's box."""
    start = page.index('<section class="status-box')
    return page[start : page.index('"', start + len('<section class="'))]


def verdict(page):
    """The verdict's heading, whitespace folded."""
    start = page.index('<h2 id="verdict">')
    return " ".join(page[start : page.index("</h2>", start)].split())


def assert_never_called_valid(page):
    assert "Hợp lệ" not in page and "Còn hiệu lực" not in page
    assert "verify-valid" not in page


def facts_of(certificate):
    day = formats.date_format(certificate.issued_on, "SHORT_DATE_FORMAT")
    return [HOLDER, certificate.course_title, certificate.serial, day, certificate.issuer_name]


def test_an_uploaded_valid_certificate_is_green_with_its_facts(client, certificate):
    response = upload(client, read_pdf(certificate))
    result = response.context["result"]
    assert result.ok and result.valid and result.status == verification.Status.VALID
    page = response.content.decode()
    assert "verify-valid" in verdict_box(page)
    assert "Còn hiệu lực" in page  # the certificate's status …
    assert "Đây là giấy chứng nhận thật do chúng tôi cấp" in page  # … and, separately, the file's
    for fact in facts_of(certificate):
        assert fact in page
    assert certificate.holder_employee_code not in page


def test_an_uploaded_revoked_certificate_says_revoked(client, certificate):
    revoked = services.revoke(certificate, get_user_model().objects.create_user("hr-b"), "Cấp nhầm người")
    response = upload(client, read_pdf(certificate))
    result = response.context["result"]
    assert result.ok and not result.valid and result.status == verification.Status.REVOKED
    page = response.content.decode()
    assert "verify-revoked" in verdict_box(page)
    assert "Đã thu hồi" in page
    revoked_on = formats.date_format(timezone.localtime(revoked.revoked_at), "SHORT_DATE_FORMAT")
    assert f"đã bị thu hồi ngày {revoked_on}" in page
    assert_never_called_valid(page)
    for fact in facts_of(certificate):
        assert fact in page
    # The file is still stated to be authentic: two statements, not one.
    assert "Đây là giấy chứng nhận thật do chúng tôi cấp" in page


def test_an_uploaded_reissued_certificate_names_its_replacement(client, certificate):
    old_pdf = read_pdf(certificate)
    new = services.reissue(certificate, get_user_model().objects.create_user("hr-c"), "Sửa họ tên")
    response = upload(client, old_pdf)
    result = response.context["result"]
    assert result.ok and not result.valid and result.status == verification.Status.SUPERSEDED
    assert result.replacement == new
    page = response.content.decode()
    assert "verify-superseded" in verdict_box(page)
    assert_never_called_valid(page)
    # Named by its serial and revision: the reissue keeps the serial.
    assert f"{new.serial}, revision 2" in page or f"{new.serial}, cấp lần 2" in page
    assert "Tệp này đã được thay bằng bản cấp lại có cùng số hiệu" in page
    for fact in facts_of(certificate):
        assert fact in page


def test_an_uploaded_expired_certificate_says_expired(client, certificate):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=yesterday)
    response = upload(client, read_pdf(certificate))
    result = response.context["result"]
    assert result.ok and not result.valid and result.status == verification.Status.EXPIRED
    page = response.content.decode()
    assert "verify-expired" in verdict_box(page)
    assert "đã hết thời hạn" in page
    assert formats.date_format(yesterday, "SHORT_DATE_FORMAT") in page  # valid until
    assert_never_called_valid(page)


def test_the_code_page_and_the_upload_page_say_the_same(client, certificate):
    services.revoke(certificate, get_user_model().objects.create_user("hr-d"), "Cấp nhầm người")
    by_code = client.get(reverse("certificates:verify", args=[certificate.verification_code])).content.decode()
    by_file = upload(client, read_pdf(certificate)).content.decode()

    def facts(page):
        return page[page.index('<dl class="facts') : page.index("</dl>")]

    assert facts(by_code) == facts(by_file)
    assert verdict_box(by_code) == verdict_box(by_file) == '<section class="status-box verify-revoked'
    assert verdict(by_code) == verdict(by_file) == '<h2 id="verdict"> Đã thu hồi'


def test_a_recertified_certificate_names_the_new_one_on_both_pages(client, certificate, enrollment):
    learning.start_new_cycle(enrollment)
    Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=timezone.now())
    new = services.issue_for_enrollment(enrollment.pk)
    certificate.refresh_from_db()
    assert new.serial != certificate.serial
    assert verification.replacement_of(certificate) == new

    by_code = client.get(reverse("certificates:verify", args=[certificate.verification_code]))
    assert by_code.context["status"] == "superseded" and by_code.context["replacement"] == new
    by_file = upload(client, read_pdf(certificate))
    assert by_file.context["result"].replacement == new
    for response in (by_code, by_file):
        page = response.content.decode()
        assert new.serial in page
        assert_never_called_valid(page)


def test_a_current_certificate_has_no_replacement(certificate):
    assert verification.replacement_of(certificate) is None


def test_viewing_the_upload_form_is_not_counted(client, certificate):
    url = reverse("certificates:verify_upload")
    assert [client.get(url).status_code for _ in range(25)] == [200] * 25
    response = upload(client, read_pdf(certificate))
    assert response.status_code == 200 and response.context["result"].valid


def test_uploads_are_rate_limited(client, db):
    statuses = [upload(client, b"not a pdf").status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    assert client.get(reverse("certificates:verify_upload")).status_code == 200  # the form still shows
