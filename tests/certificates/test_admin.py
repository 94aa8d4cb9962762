"""Certificate templates in the Wagtail admin, and the certificate settings of a course."""

import pytest
from django.urls import reverse

from lms.certificates.models import CertificateTemplate

pytestmark = pytest.mark.django_db

URLS = "wagtailsnippets_certificates_certificatetemplate"


def form_data(**overrides):
    return {
        "name": "Sở Nội vụ",
        "title": "GIẤY CHỨNG NHẬN",
        "body": "Chứng nhận {name}\nđã hoàn thành {course}",
        "issuing_organisation": "SỞ NỘI VỤ TỈNH MINH SƠN",
        "signer_title": "GIÁM ĐỐC",
        "signer_name": "Trần Văn Bình",
        "is_default": "on",
        **overrides,
    }


def test_an_administrator_adds_a_default_template(admin_client):
    response = admin_client.post(reverse(f"{URLS}:add"), form_data())

    assert response.status_code == 302, response.content.decode()[:2000]
    template = CertificateTemplate.objects.get()
    assert (template.is_default, template.signer_name) == (True, "Trần Văn Bình")
    assert admin_client.get(reverse(f"{URLS}:list")).status_code == 200


def test_the_form_refuses_an_unknown_placeholder(admin_client):
    response = admin_client.post(reverse(f"{URLS}:add"), form_data(body="Chứng nhận {ho_ten}"))

    assert response.status_code == 200
    assert "ho_ten" in response.content.decode()
    assert not CertificateTemplate.objects.exists()


def test_the_course_editor_shows_the_certificate_settings(admin_client, course):
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[course.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="certificate_validity_months"' in content
    assert 'name="certificate_template"' in content
