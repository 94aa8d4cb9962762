"""A dead worker never leaves a job stuck. A real worker is killed (SIGKILL) in the middle of an
import's dry run, an import's apply, a ZIP of certificates and a report export; the sweeper, as beat
runs it, gives the job to another real worker, which finishes it, or, when its attempts are spent,
marks it failed in words so that its requester can start again. An apply killed inside its
transaction leaves the database as it was; one killed after its commit leaves it as it is after,
and is never applied twice."""

import contextlib
import csv
import io
import time

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from lms.core import jobs
from lms.people.imports import service
from lms.people.models import HRScope, ImportBatch, Official
from tests.factories import OfficialFactory, PositionGroupFactory, UserFactory, make_course, make_unit, site_tree
from tests.people.test_import import HEADERS
from tests.test_celery_worker import redis_broker, running_worker, wait_for  # noqa: F401

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {"JOBS_HEARTBEAT_SECONDS": "1"}


@pytest.fixture(autouse=True)
def quick_sweeper(settings):
    settings.JOBS_STALE_SECONDS = 4


@contextlib.contextmanager
def killed_in_the_middle(redis_broker, tmp_path, celery_conf, slow, calls=0):  # noqa: F811
    """A worker whose ``slow`` ("module|attribute") stops after ``calls`` calls; yields a function
    that waits until it has stopped there and kills it. Then yields the queue for a second worker."""
    marker = tmp_path / "stopped-here"
    spec = f"{slow}|{calls}|{marker}"
    with running_worker(
        redis_broker, tmp_path, celery_conf, module="tests.slow_worker", LMS_TEST_SLOW=spec, **WORKER_ENV
    ) as (process, _mail):

        def kill():
            assert wait_for(lambda: marker.exists() or process.poll() is not None, 90), "the worker never got there"
            assert process.poll() is None, "the worker died before the test killed it"
            process.kill()  # SIGKILL: no clean-up, no acknowledgement, no last heartbeat
            process.wait(timeout=20)

        yield kill, process.queue


def sweep_until(condition, timeout=120):
    """Run the sweeper as beat would (here every second instead of every minute) until ``condition``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        jobs.sweep()
        time.sleep(1)
    return condition()


@pytest.fixture
def commune(db):
    province = make_unit(name="Tỉnh Minh Sơn", kind="province", code="TINH")
    unit = make_unit(province, name="Xã Đồng Tâm", code="XA-A")
    PositionGroupFactory(code="cong-chuc", name="Công chức")
    hr = UserFactory(username="hr-a")
    HRScope.objects.create(user=hr, unit=unit)
    return unit, hr


def batch_of(hr, rows, status=ImportBatch.Status.VALIDATING):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    batch = ImportBatch(created_by=hr, original_name="can-bo.csv", status=status)
    batch.file.save("can-bo.csv", ContentFile(buffer.getvalue().encode()), save=False)
    batch.save()
    return batch


def rows(count, prefix="CB"):
    return [[f"{prefix}-{n:04d}", f"Lò Văn {n}", "", "", "XA-A", "cong-chuc", "", ""] for n in range(1, count + 1)]


def status_of(batch):
    return ImportBatch.objects.get(pk=batch.pk).status


def test_a_dry_run_killed_midway_is_finished_by_another_worker(redis_broker, tmp_path, celery_conf, commune):  # noqa: F811
    _unit, hr = commune
    batch = batch_of(hr, rows(30))
    with killed_in_the_middle(
        redis_broker, tmp_path, celery_conf, "lms.people.imports.service|validate_row", calls=10
    ) as (kill, queue):
        from lms.people.tasks import validate_import

        validate_import.delay(batch.pk)
        kill()
    stuck = ImportBatch.objects.get(pk=batch.pk)
    assert (stuck.status, stuck.attempts) == ("validating", 1) and stuck.heartbeat_at is not None

    with running_worker(redis_broker, tmp_path, celery_conf, queue=queue, **WORKER_ENV):
        assert sweep_until(lambda: status_of(batch) == ImportBatch.Status.READY)
    done = ImportBatch.objects.get(pk=batch.pk)
    assert done.report["counts"]["create"] == 30 and done.attempts == 2


def test_an_apply_killed_inside_its_transaction_leaves_the_database_as_before(
    redis_broker,  # noqa: F811
    tmp_path,
    celery_conf,
    commune,
):
    unit, hr = commune
    group = PositionGroupFactory(code="lanh-dao", name="Lãnh đạo")
    renamed = [OfficialFactory(employee_code=f"OLD-{n}", full_name="Tên Cũ", unit=unit, position_group=group) for n in range(3)]
    file_rows = rows(20) + [[o.employee_code, "Tên Mới", "", "", "XA-A", "cong-chuc", "", ""] for o in renamed]
    batch = batch_of(hr, file_rows)
    service.validate(batch)
    assert batch.status == ImportBatch.Status.READY
    before = sorted(Official.objects.values_list("employee_code", "full_name", "position_group_id"))

    with killed_in_the_middle(redis_broker, tmp_path, celery_conf, "lms.people.imports.service|_update_chunk") as (
        kill,
        queue,
    ):
        service.confirm(batch, hr)  # autocommit: the apply task goes to the slowed worker
        kill()  # the 20 new officials are written, the updates not yet: nothing is committed
    assert sorted(Official.objects.values_list("employee_code", "full_name", "position_group_id")) == before
    assert status_of(batch) == ImportBatch.Status.APPLYING

    with running_worker(redis_broker, tmp_path, celery_conf, queue=queue, **WORKER_ENV):
        assert sweep_until(lambda: status_of(batch) == ImportBatch.Status.APPLIED)
    assert Official.objects.count() == 23
    assert set(Official.objects.filter(employee_code__startswith="OLD").values_list("full_name", flat=True)) == {
        "Tên Mới"
    }


def test_an_apply_killed_after_its_commit_is_not_applied_twice(redis_broker, tmp_path, celery_conf, commune):  # noqa: F811
    _unit, hr = commune
    batch = batch_of(hr, [[*row[:2], f"cb{n}@minhson.example", *row[3:]] for n, row in enumerate(rows(5))])
    service.validate(batch)
    with killed_in_the_middle(redis_broker, tmp_path, celery_conf, "lms.people.imports.service|enqueue_on_commit") as (
        kill,
        queue,
    ):
        service.confirm(batch, hr)
        kill()  # committed, then killed before the account e-mails were even queued
    assert status_of(batch) == ImportBatch.Status.APPLIED and Official.objects.count() == 5
    after = sorted(Official.objects.values_list("pk", "employee_code", "is_active"))

    # The sweeper has nothing to do, and the message Redis redelivers (sent again here) changes nothing.
    assert jobs.sweep() == {"requeued": 0, "failed": 0, "resent": 0}
    import redis

    with running_worker(redis_broker, tmp_path, celery_conf, queue=queue, **WORKER_ENV):
        from lms.people.tasks import apply_import

        apply_import.delay(batch.pk)
        broker = redis.Redis.from_url(redis_broker)
        assert wait_for(lambda: broker.llen(queue) == 0), "the second worker did not take the message"
        time.sleep(3)  # and ran it
    assert status_of(batch) == ImportBatch.Status.APPLIED
    assert sorted(Official.objects.values_list("pk", "employee_code", "is_active")) == after


@pytest.fixture
def hr_world(db):
    from tests.certificates.hr_world import build_world, quick_certificate

    _home, catalogue = site_tree()
    course = make_course(catalogue, "Chữ ký số chuyên dùng", lessons=1)
    world = build_world(course, signed=False)
    for n in range(6):
        official = OfficialFactory(unit=world["units"]["a"], full_name=f"Hà Thị {n}", employee_code=f"ZIP-{n}")
        quick_certificate(official, course)
    return world


def test_a_zip_killed_midway_is_built_by_another_worker(redis_broker, tmp_path, celery_conf, hr_world):  # noqa: F811
    import zipfile

    from lms.certificates import archive
    from lms.certificates.models import CertificateArchive

    hr_a = hr_world["people"]["hr_a"]
    with killed_in_the_middle(
        redis_broker, tmp_path, celery_conf, "lms.certificates.archive|_manifest_row", calls=3
    ) as (kill, queue):
        job = archive.start(hr_a, {"unit": hr_world["units"]["a"]})
        kill()
    stuck = CertificateArchive.objects.get(pk=job.pk)
    assert stuck.status == "running" and stuck.total >= 6

    with running_worker(redis_broker, tmp_path, celery_conf, queue=queue, **WORKER_ENV):
        assert sweep_until(lambda: CertificateArchive.objects.get(pk=job.pk).status == "done")
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        names = zipfile.ZipFile(handle).namelist()
    assert len(names) == job.total + 1 and job.attempts == 2


def test_an_export_whose_worker_keeps_dying_fails_in_words_and_can_be_asked_again(
    redis_broker,  # noqa: F811
    tmp_path,
    celery_conf,
    settings,
    commune,
):
    from lms.reports import export_jobs
    from lms.reports.models import ReportExport

    settings.JOBS_MAX_ATTEMPTS = 1
    unit, hr = commune
    with killed_in_the_middle(redis_broker, tmp_path, celery_conf, "lms.reports.export_jobs|header") as (kill, _queue):
        job = export_jobs.start(hr, unit, "all")
        kill()
    assert ReportExport.objects.get(pk=job.pk).status == "running"

    assert sweep_until(lambda: ReportExport.objects.get(pk=job.pk).status == "failed", timeout=30)
    job.refresh_from_db()
    assert "bắt đầu lại" in job.error and job.finished_at <= timezone.now()
    again = export_jobs.start(hr, unit, "all")  # the one-at-a-time rule lets go of a failed job
    assert again.pk != job.pk
