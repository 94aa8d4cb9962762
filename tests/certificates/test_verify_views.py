"""The public verification pages: by code (the QR link) and by uploading the PDF; no login, only
what the certificate states, rate-limited."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.certificates import rendering, services
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
