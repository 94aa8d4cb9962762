"""A row-level export built by a real Celery worker, in its own process, from Redis: the request
commits, the task crosses the broker, the worker streams the rows into the private storage and the
progress the requester polls reaches done."""

import csv

import pytest
import redis

from lms.learning import services
from lms.reports import export_jobs
from lms.reports.aggregation import Filters
from lms.reports.models import ReportExport
from tests.conftest import skip_or_fail
from tests.factories import lessons_of, placed_official
from tests.support.people import hr_of
from tests.test_celery_worker import BROKER, running_worker, wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_builds_the_export(tmp_path, celery_conf, tree, groups, course):
    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        skip_or_fail(f"Redis is not reachable at {BROKER}: {error}")
    names = ["Lò Thị Hạnh", "Vi Văn Tâm", "=1+1"]
    officials = [placed_official(tree.a, position_group=groups.staff, full_name=name) for name in names]
    for official in officials:
        services.enrol(official, course)
    services.record_lesson_done(officials[0], lessons_of(course)[0])
    services.enrol(placed_official(tree.b, position_group=groups.staff, full_name="Trần Văn Bình"), course)
    hr = hr_of(tree.a, username="hr-a")

    # The worker runs the test settings too: the same private storage (the session's scratch folder).
    with running_worker(BROKER, tmp_path, celery_conf) as (process, _mail):
        export = export_jobs.start(hr, tree.a, "all", Filters(), "csv")  # autocommit: sent at once

        def finished():
            assert process.poll() is None, "the worker died"
            return ReportExport.objects.get(pk=export.pk).status in ("done", "failed")

        assert wait_for(finished), "the worker did not build the export"

    export.refresh_from_db()
    assert (export.status, export.done, export.total) == ("done", 3, 3), export.error
    with export.file.open("rb") as handle:
        header, *rows = csv.reader(handle.read().decode("utf-8-sig").splitlines())
    assert sorted(row[1] for row in rows) == sorted(["Lò Thị Hạnh", "Vi Văn Tâm", "'=1+1"])
