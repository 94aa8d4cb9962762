"""Issuing, reissuing and revoking: serials, revisions, the one-current rule, expiry."""

import datetime

import pytest
from django.core.files.storage import storages
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from lms.certificates import services, verification
from lms.certificates.models import Certificate, SerialCounter
from lms.certificates.verification import Status
from tests.certificates.conftest import completed_enrollment, pdf_text, read_pdf
from tests.factories import UserFactory, make_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_day(monkeypatch):
    """Issue certificates as if today were ``day`` (the serial year is the local year)."""

    def set_day(day):
        monkeypatch.setattr(services.timezone, "localdate", lambda *args: day)

    return set_day


def test_serial_numbers_are_sequential_per_year_and_restart_next_year(catalogue, on_day):
    courses = [make_course(catalogue, f"Khóa {n}", lessons=1) for n in range(4)]
    on_day(datetime.date(2026, 12, 31))
    serials = [services.issue_for_enrollment(completed_enrollment(c).pk).serial for c in courses[:3]]
    on_day(datetime.date(2027, 1, 1))
    next_year = services.issue_for_enrollment(completed_enrollment(courses[3]).pk)

    assert serials == ["CCS-2026-000001", "CCS-2026-000002", "CCS-2026-000003"]
    assert (next_year.serial, next_year.year, next_year.number) == ("CCS-2027-000001", 2027, 1)
    assert dict(SerialCounter.objects.values_list("year", "last_number")) == {2026: 3, 2027: 1}


def test_issuing_is_idempotent(enrollment):
    first = services.issue_for_enrollment(enrollment.pk)
    second = services.issue_for_enrollment(enrollment.pk)

    assert first.pk == second.pk
    assert Certificate.objects.count() == 1
    assert SerialCounter.objects.get().last_number == 1
    files = storages["private"].listdir(f"certificates/{first.year}")[1]
    assert files == [f"{first.serial}-r1.pdf"]


def test_the_pdf_is_stored_privately_with_its_sha256(enrollment, settings):
    import hashlib

    certificate = services.issue_for_enrollment(enrollment.pk)

    assert certificate.pdf.name == f"certificates/{certificate.year}/{certificate.serial}-r1.pdf"
    path = certificate.pdf.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert not path.startswith(str(settings.MEDIA_ROOT))
    assert hashlib.sha256(read_pdf(certificate)).hexdigest() == certificate.sha256
    assert len(certificate.verification_code) >= 22  # 18 random bytes


def test_snapshots_keep_what_the_certificate_says(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)
    official = enrollment.official
    official.full_name = "Tên Đã Đổi"
    official.save()

    certificate.refresh_from_db()
    assert certificate.holder_name == "Nguyễn Thị Hồng Nhung"
    assert certificate.holder_employee_code == official.employee_code
    assert certificate.unit_name == "Xã Đồng Tâm"
    assert certificate.course_title == enrollment.course.title
    assert certificate.course == enrollment.course and certificate.official == official


def test_the_constraint_refuses_a_second_current_certificate(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)
    duplicate = Certificate.objects.get(pk=certificate.pk)
    duplicate.pk = None
    duplicate.revision = 2
    duplicate.verification_code = "another-code"

    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()

    duplicate.is_current = False  # an older revision beside the current one is what reissue leaves
    duplicate.save()
    assert Certificate.objects.filter(enrollment=enrollment).count() == 2


def test_an_incomplete_enrolment_gets_no_certificate(enrollment):
    enrollment.completed_at = None
    enrollment.save()

    with pytest.raises(services.CertificateError):
        services.issue_for_enrollment(enrollment.pk)
    assert not Certificate.objects.exists()
    assert not SerialCounter.objects.filter(last_number__gt=0).exists()


def test_a_failed_issue_leaves_no_file_and_its_number_unused(enrollment, monkeypatch, settings):
    def fail(self, *args, **kwargs):
        raise DatabaseError("the database went away")

    monkeypatch.setattr(Certificate, "save", fail)
    with pytest.raises(DatabaseError):
        services.issue_for_enrollment(enrollment.pk)
    monkeypatch.undo()

    assert not list((settings.PRIVATE_MEDIA_ROOT / "certificates").rglob("*.pdf"))
    assert not Certificate.objects.exists()
    # Numbers are taken like a sequence, before the PDF is drawn: the failed one stays unused.
    assert services.issue_for_enrollment(enrollment.pk).number == 2
    assert SerialCounter.objects.get().last_number == 2


def test_reissue_keeps_the_serial_bumps_the_revision_and_keeps_the_old_file(enrollment):
    old = services.issue_for_enrollment(enrollment.pk)
    old_pdf = read_pdf(old)
    enrollment.official.full_name = "Nguyễn Thị Hồng Nhung (đã sửa)"
    enrollment.official.save()
    hr = UserFactory(username="nhansu")

    new = services.reissue(old, hr, "Sửa họ tên theo quyết định số 12/QĐ")

    old.refresh_from_db()
    assert (new.serial, new.number, new.year) == (old.serial, old.number, old.year)
    assert (old.revision, new.revision) == (1, 2)
    assert (old.is_current, new.is_current) == (False, True)
    assert old.superseded_at is not None
    assert (new.issued_by, new.issue_reason) == (hr, "Sửa họ tên theo quyết định số 12/QĐ")
    assert (new.issued_on, new.expires_on) == (old.issued_on, old.expires_on)
    assert new.verification_code != old.verification_code
    assert new.pdf.name.endswith(f"{old.serial}-r2.pdf")
    assert read_pdf(old) == old_pdf  # the old file is still there, unchanged
    assert "(đã sửa)" in pdf_text(read_pdf(new))
    assert verification.verify_pdf(old_pdf).status == Status.SUPERSEDED
    assert verification.verify_pdf(read_pdf(new)).status == Status.VALID
    assert services.issue_for_enrollment(enrollment.pk) == new


def test_only_the_current_revision_is_reissued_and_a_reason_is_required(enrollment):
    old = services.issue_for_enrollment(enrollment.pk)
    hr = UserFactory()

    with pytest.raises(services.CertificateError):
        services.reissue(old, hr, "  ")
    services.reissue(old, hr, "Đổi mẫu")
    with pytest.raises(services.CertificateError):
        services.reissue(old, hr, "Lần nữa")
    assert Certificate.objects.filter(enrollment=enrollment).count() == 2


def test_revoke_records_who_when_and_why(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)
    admin = UserFactory(username="quantri")
    before = timezone.now()

    revoked = services.revoke(certificate, admin, "Cấp nhầm người")

    revoked.refresh_from_db()
    assert revoked.revoked_by == admin
    assert revoked.revoke_reason == "Cấp nhầm người"
    assert before <= revoked.revoked_at <= timezone.now()
    assert verification.certificate_status(revoked) == Status.REVOKED
    assert verification.verify_pdf(read_pdf(revoked)).status == Status.REVOKED
    # Revoked stays revoked: no new certificate is issued behind the revoker's back.
    assert services.issue_for_enrollment(enrollment.pk) == revoked


def test_revoking_needs_a_reason_and_happens_once(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)
    admin = UserFactory()

    with pytest.raises(services.CertificateError):
        services.revoke(certificate, admin, "")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    services.revoke(certificate, admin, "Gian lận khi thi")
    with pytest.raises(services.CertificateError):
        services.revoke(certificate, admin, "Lần nữa")
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "Gian lận khi thi"


def test_expiry_comes_from_the_course_validity(course, enrollment, on_day):
    course.certificate_validity_months = 24
    course.save()
    on_day(datetime.date(2026, 3, 5))

    certificate = services.issue_for_enrollment(enrollment.pk)

    assert certificate.expires_on == datetime.date(2028, 3, 5)
    assert "05/03/2028" in pdf_text(read_pdf(certificate))
    assert verification.certificate_status(certificate, datetime.date(2028, 3, 5)) == Status.VALID
    assert verification.certificate_status(certificate, datetime.date(2028, 3, 6)) == Status.EXPIRED


def test_a_course_without_validity_gives_a_certificate_that_never_expires(enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)

    assert certificate.expires_on is None
    assert verification.certificate_status(certificate, datetime.date(2099, 1, 1)) == Status.VALID


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 1, 31), 1, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 11, 30), 3, datetime.date(2027, 2, 28)),
        (datetime.date(2026, 3, 5), 120, datetime.date(2036, 3, 5)),
    ],
)
def test_months_are_calendar_months(day, months, expected):
    assert services.add_months(day, months) == expected


def test_a_deleted_course_page_leaves_its_certificates(course, enrollment):
    certificate = services.issue_for_enrollment(enrollment.pk)

    course.delete()

    certificate.refresh_from_db()
    assert certificate.course is None
    assert certificate.course_title == "Chữ ký số chuyên dùng"
