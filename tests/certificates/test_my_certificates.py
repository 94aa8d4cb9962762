"""The official's own certificates: listed and downloadable by their holder only."""

import pytest
from django.urls import reverse

from lms.certificates import services
from tests.certificates.conftest import completed_enrollment, read_pdf
from tests.factories import OfficialFactory, make_course
from tests.support.auth import logged_in
from tests.support.queries import count_queries


@pytest.fixture
def certificate(enrollment):
    return services.issue_for_enrollment(enrollment.pk)


def test_the_holder_sees_and_downloads_the_certificate(client, certificate):
    client = logged_in(client, certificate.official.user)
    page = client.get(reverse("my_certificates:list"))
    assert page.status_code == 200
    assert certificate.serial in page.content.decode()
    response = client.get(reverse("my_certificates:download", args=[certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == read_pdf(certificate)


def test_another_official_gets_a_404_not_the_file(client, certificate):
    client = logged_in(client, OfficialFactory().user)
    response = client.get(reverse("my_certificates:download", args=[certificate.pk]))
    assert response.status_code == 404
    assert certificate.serial not in client.get(reverse("my_certificates:list")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, certificate):
    for url in (reverse("my_certificates:list"), reverse("my_certificates:download", args=[certificate.pk])):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_list_makes_the_same_queries_for_one_or_four_certificates(client, catalogue, certificate):
    official = certificate.official
    client = logged_in(client, official.user)
    url = reverse("my_certificates:list")
    one = count_queries(client, url)
    for number in range(3):
        course = make_course(catalogue, title=f"Khóa {number}", lessons=1)
        services.issue_for_enrollment(completed_enrollment(course, official).pk)
    assert count_queries(client, url) == one


def test_a_file_missing_from_the_storage_is_a_404_not_a_500(client, certificate):
    certificate.pdf.storage.delete(certificate.pdf.name)
    client = logged_in(client, certificate.official.user)
    assert client.get(reverse("my_certificates:download", args=[certificate.pk])).status_code == 404
