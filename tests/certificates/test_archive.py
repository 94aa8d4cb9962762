"""The ZIP of a unit's certificates: exactly what the requester may see plus a manifest, built by
the Celery task (eager in tests) with progress; only the requester downloads it; old ones go."""

import csv
import datetime
import hashlib
import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lms.certificates import archive, services, tasks
from lms.certificates.models import Certificate, CertificateArchive
from lms.people.models import HRScope
from tests.certificates.conftest import read_pdf
from tests.certificates.hr_world import NAME_A, build_world, quick_certificate
from tests.factories import OfficialFactory, make_course
from tests.support.auth import login


def url(name, *args):
    return reverse(f"hr_certificates:{name}", args=args)


@pytest.fixture(autouse=True)
def archive_storage(private_storage, monkeypatch):
    monkeypatch.setattr(CertificateArchive._meta.get_field("file"), "storage", private_storage)
    return private_storage


@pytest.fixture
def world(course):
    return build_world(course)


@pytest.fixture
def request_zip(django_capture_on_commit_callbacks):
    """POST the ZIP form as ``role``; the task runs (eagerly) once the request's transaction commits."""

    def post(world, role, **data):
        client = login(Client(), world, role)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url("archive_start"), data)
        return client, response

    return post


def zip_of(job):
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def manifest_rows(zf):
    data = zf.read(archive.MANIFEST_NAME)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_zip_holds_the_units_certificates_and_a_manifest(world, request_zip):
    cert_a = world["cert_a"]
    hamlet = quick_certificate(
        OfficialFactory(unit=world["units"]["hamlet_a"], full_name="=1+1 Hà Đông"), world["course"]
    )

    client, response = request_zip(world, "hr_a", unit="XA-A")

    job = CertificateArchive.objects.get()
    assert response.status_code == 302 and response["Location"] == url("archive_detail", job.pk)
    assert (job.status, job.total, job.done, job.requested_by) == ("done", 2, 2, world["people"]["hr_a"])
    zf = zip_of(job)
    pdf_a = f"XA-A/{cert_a.serial}-lo-thi-hanh.pdf"
    pdf_hamlet = f"XA-A-DONG/{hamlet.serial}-11-ha-dong.pdf"
    assert sorted(zf.namelist()) == sorted([pdf_a, pdf_hamlet, archive.MANIFEST_NAME])
    assert zf.read(pdf_a) == read_pdf(cert_a)
    assert zf.read(pdf_hamlet) == read_pdf(hamlet)
    assert zf.getinfo(pdf_a).compress_type == zipfile.ZIP_STORED
    assert zf.testzip() is None

    header, *rows = manifest_rows(zf)
    assert len(header) == 12 and len(rows) == 2
    by_serial = {row[0]: row for row in rows}
    assert by_serial[cert_a.serial][2:5] == [NAME_A, "A-0001", "XA-A"]
    assert by_serial[cert_a.serial][10] == hashlib.sha256(zf.read(pdf_a)).hexdigest() == cert_a.sha256
    assert by_serial[cert_a.serial][11] == pdf_a
    assert by_serial[hamlet.serial][2] == "'=1+1 Hà Đông"  # a spreadsheet must not run it

    download = client.get(url("archive_download", job.pk))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    with job.file.open("rb") as handle:
        assert b"".join(download.streaming_content) == handle.read()


def test_another_units_hr_never_gets_a_certificates(world, request_zip):
    _client, response = request_zip(world, "hr_b", unit="XA-B")
    names = zip_of(CertificateArchive.objects.get()).namelist()
    assert names == [f"XA-B/{world['cert_b'].serial}-tran-van-binh.pdf", archive.MANIFEST_NAME]

    for unit in ("XA-A", "XA-A-DONG", "TINH"):
        _client, refused = request_zip(world, "hr_b", unit=unit)
        assert refused.status_code == 200 and "unit" in refused.context["form"].errors
        assert NAME_A.encode() not in refused.content
    assert CertificateArchive.objects.count() == 1


def test_an_administrator_zips_the_whole_province(world, request_zip):
    request_zip(world, "admin", unit="TINH")
    names = zip_of(CertificateArchive.objects.get()).namelist()
    assert sorted(names) == sorted(
        [
            f"XA-A/{world['cert_a'].serial}-lo-thi-hanh.pdf",
            f"XA-B/{world['cert_b'].serial}-tran-van-binh.pdf",
            archive.MANIFEST_NAME,
        ]
    )


def test_only_the_requester_opens_or_downloads_the_archive(world, request_zip):
    request_zip(world, "hr_a", unit="XA-A")
    job = CertificateArchive.objects.get()
    for role in ("hr_b", "head_a", "admin"):
        other = login(Client(), world, role)
        assert other.get(url("archive_detail", job.pk)).status_code == 404, role
        assert other.get(url("archive_download", job.pk)).status_code == 404, role
        assert url("archive_detail", job.pk) not in other.get(url("archive_start")).content.decode()

    # Moved to another commune: the archive of the old one is out of reach.
    hr_a = world["people"]["hr_a"]
    HRScope.objects.filter(user=hr_a).update(unit=world["units"]["b"])
    moved = login(Client(), world, "hr_a")
    assert moved.get(url("archive_detail", job.pk)).status_code == 404
    assert moved.get(url("archive_download", job.pk)).status_code == 404


def test_the_archive_follows_the_requesters_scope_when_it_is_built(world):
    hr_a = world["people"]["hr_a"]
    job = CertificateArchive.objects.create(requested_by=hr_a, unit=world["units"]["a"])
    HRScope.objects.filter(user=hr_a).update(unit=world["units"]["b"])

    archive.build(job.pk)

    job.refresh_from_db()
    assert (job.status, job.total) == ("done", 0)
    assert zip_of(job).namelist() == [archive.MANIFEST_NAME]


def test_the_search_filters_apply_to_the_zip(world, request_zip, catalogue):
    other_course = make_course(catalogue, "Dịch vụ công trực tuyến", lessons=0)
    revoked = quick_certificate(world["official_a"], other_course)
    services.revoke(revoked, world["people"]["hr_a"], "Cấp nhầm")

    request_zip(world, "hr_a", unit="XA-A", status="revoked")
    request_zip(world, "hr_a", unit="XA-A", course=world["course"].pk, year=world["cert_a"].year)

    by_revoked, by_course = CertificateArchive.objects.order_by("pk")
    assert by_revoked.filters == {"status": "revoked"}
    assert [n for n in zip_of(by_revoked).namelist() if n.endswith(".pdf")] == [
        f"XA-A/{revoked.serial}-lo-thi-hanh.pdf"
    ]
    assert [n for n in zip_of(by_course).namelist() if n.endswith(".pdf")] == [
        f"XA-A/{world['cert_a'].serial}-lo-thi-hanh.pdf"
    ]


def test_a_reissued_certificate_is_zipped_once_in_its_newest_revision(world, request_zip):
    new = services.reissue(world["cert_a"], world["people"]["hr_a"], "Đổi mẫu")
    request_zip(world, "hr_a", unit="XA-A")
    zf = zip_of(CertificateArchive.objects.get())
    assert zf.read(f"XA-A/{new.serial}-lo-thi-hanh.pdf") == read_pdf(new)
    assert [row[1] for row in manifest_rows(zf)[1:]] == ["2"]


def test_progress_is_written_while_building_and_reaches_the_total(world, monkeypatch, private_storage):
    for number in range(3):
        quick_certificate(OfficialFactory(unit=world["units"]["a"], full_name=f"Vi Thị Nga {number}"), world["course"])
    job = CertificateArchive.objects.create(requested_by=world["people"]["hr_a"], unit=world["units"]["a"])
    monkeypatch.setattr(archive, "PROGRESS_EVERY", 2)
    seen = []
    real_open = private_storage.open

    def spying_open(name, mode="rb"):
        if name.startswith("certificates/"):
            seen.append(CertificateArchive.objects.values_list("total", "done").get(pk=job.pk))
        return real_open(name, mode)

    monkeypatch.setattr(private_storage, "open", spying_open)
    tasks.build_certificate_archive.delay(job.pk)

    assert seen == [(4, 0), (4, 0), (4, 2), (4, 2)]
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("done", 4, 4, 100)
    assert job.started_at <= job.finished_at


def test_the_progress_page_refreshes_itself_until_the_zip_is_ready(world):
    job = CertificateArchive.objects.create(
        requested_by=world["people"]["hr_a"],
        unit=world["units"]["a"],
        status=CertificateArchive.Status.RUNNING,
        total=10,
        done=4,
    )
    client = login(Client(), world, "hr_a")
    page = client.get(url("archive_detail", job.pk)).content.decode()
    assert '<meta http-equiv="refresh"' in page and 'value="40"' in page
    assert url("archive_download", job.pk) not in page
    assert client.get(url("archive_download", job.pk)).status_code == 404

    archive.build(job.pk)
    page = client.get(url("archive_detail", job.pk)).content.decode()
    assert "http-equiv" not in page and url("archive_download", job.pk) in page


def test_one_archive_at_a_time(world, request_zip):
    CertificateArchive.objects.create(requested_by=world["people"]["hr_a"], unit=world["units"]["a"])
    _client, response = request_zip(world, "hr_a", unit="XA-A")
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert CertificateArchive.objects.count() == 1
    # Once it is ready, another may be asked for.
    CertificateArchive.objects.update(status=CertificateArchive.Status.DONE)
    _client, response = request_zip(world, "hr_a", unit="XA-A")
    assert response.status_code == 302 and CertificateArchive.objects.count() == 2


def test_a_failed_build_is_reported_not_raised(world, request_zip, monkeypatch, private_storage, caplog):
    def broken_open(name, mode="rb"):
        raise OSError("disk on fire")

    monkeypatch.setattr(private_storage, "open", broken_open)
    client, response = request_zip(world, "hr_a", unit="XA-A")

    job = CertificateArchive.objects.get()
    assert job.status == "failed" and not job.file
    assert "disk on fire" not in job.error and "lỗi" in job.error  # a reason in words; details in the log
    assert "disk on fire" in caplog.text
    page = client.get(response["Location"]).content.decode()
    assert job.error in page and "disk on fire" not in page
    assert client.get(url("archive_download", job.pk)).status_code == 404


def test_old_archives_are_deleted_and_stalled_ones_restarted_or_failed(world, archive_storage):
    from lms.core import jobs

    hr_a, unit_a = world["people"]["hr_a"], world["units"]["a"]
    old = CertificateArchive.objects.create(requested_by=hr_a, unit=unit_a)
    archive.build(old.pk)
    old.refresh_from_db()
    assert archive_storage.exists(old.file.name)
    CertificateArchive.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    assert tasks.prune_certificate_archives.delay().get() == 1
    assert not CertificateArchive.objects.filter(pk=old.pk).exists()
    assert not archive_storage.exists(old.file.name)

    # "Running 200/400" with nobody beating: sent again (eager here: built at once).
    now = timezone.now()
    stalled = CertificateArchive.objects.create(
        requested_by=world["people"]["head_a"],
        unit=unit_a,
        status=CertificateArchive.Status.RUNNING,
        attempts=1,
        total=400,
        done=200,
        heartbeat_at=now - datetime.timedelta(minutes=3),
    )
    assert jobs.sweep()["requeued"] == 1
    stalled.refresh_from_db()
    assert (stalled.status, stalled.attempts) == ("done", 2)

    # After the last attempt: failed, in words, and a new one may be asked for.
    CertificateArchive.objects.filter(pk=stalled.pk).update(
        status=CertificateArchive.Status.RUNNING, attempts=3, heartbeat_at=now - datetime.timedelta(minutes=3)
    )
    assert jobs.sweep()["failed"] == 1
    stalled.refresh_from_db()
    assert stalled.status == "failed" and stalled.error
    client = login(Client(), world, "head_a")
    assert stalled.error in client.get(url("archive_detail", stalled.pk)).content.decode()


def test_member_names_stay_inside_their_folder():
    row = {"pk": 7, "serial": "CCS-2026-000007", "holder_name": "Đặng Thị Ánh", "official__unit__code": "../../etc"}
    assert archive.member_name(row) == "etc/CCS-2026-000007-dang-thi-anh.pdf"
    row = {**row, "holder_name": "", "official__unit__code": ""}
    assert archive.member_name(row) == "don-vi/CCS-2026-000007-chung-nhan.pdf"


def test_no_certificate_row_is_written_by_zipping(world, request_zip):
    before = sorted(Certificate.objects.values_list("pk", "is_current", "revoked_at"))
    request_zip(world, "hr_a", unit="XA-A")
    assert sorted(Certificate.objects.values_list("pk", "is_current", "revoked_at")) == before
