"""Row-level exports of the dashboard (/nhan-su/bao-cao/xuat-danh-sach/): the file holds exactly
the enrolments behind the dashboard's numbers for the unit and filters, formulas neutralised, in
CSV or XLSX (sheets rolling over at the row limit), built by the Celery task (eager in tests) with
progress in constant memory; only the requester, within their scope, sees and downloads it."""

import csv
import datetime
import io
import tempfile
import tracemalloc
from collections import Counter

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import FileSystemStorage
from django.urls import reverse
from django.utils import timezone, translation

from lms.core import jobs
from lms.learning import services
from lms.learning.models import Enrollment
from lms.people import roles
from lms.people.models import HRScope, Official
from lms.reports import aggregation, export_jobs, export_rows, tasks
from lms.reports.aggregation import Filters
from lms.reports.models import ReportExport
from tests.factories import lessons_of, placed_official
from tests.support.people import hr_of

START = reverse("reports:export_start")
HYPERLINK = '=HYPERLINK("http://evil.test","bấm")'
FORMULA_NAMES = (HYPERLINK, "+1 Nguyễn", "-1", "@x")


def detail_url(job):
    return reverse("reports:export_detail", args=[job.pk])


def download_url(job):
    return reverse("reports:export_download", args=[job.pk])


@pytest.fixture(autouse=True)
def export_storage(tmp_path, monkeypatch):
    storage = FileSystemStorage(location=tmp_path / "private")
    monkeypatch.setattr(ReportExport._meta.get_field("file"), "storage", storage)
    return storage


@pytest.fixture
def world(clock, tree, groups, course, other_course):
    """Commune A: one official finished, one started, one overdue, and four whose names a
    spreadsheet would run (two of them overdue, one started); commune B: one enrolment; the
    department: a leader who finished both courses."""
    done = placed_official(tree.a, position_group=groups.staff, full_name="Lò Thị Hạnh", employee_code="A-0001")
    started = placed_official(tree.a, position_group=groups.staff, full_name="Vi Văn Tâm")
    late = placed_official(tree.a, position_group=groups.staff, full_name="Hà Thị Mai")
    services.enrol(done, course)
    services.enrol(started, course)
    services.enrol(late, course, due_date=datetime.date(2025, 3, 1))
    for lesson in lessons_of(course):
        services.record_lesson_done(done, lesson)
    services.record_lesson_done(started, lessons_of(course)[0])
    for number, name in enumerate(FORMULA_NAMES):
        official = placed_official(tree.a, position_group=groups.leaders, full_name=name)
        services.enrol(official, course, due_date=datetime.date(2025, 3, 10) if number < 2 else None)
        if number == 0:
            services.record_lesson_done(official, lessons_of(course)[0])
    services.enrol(placed_official(tree.b, position_group=groups.staff, full_name="Trần Văn Bình"), other_course)
    leader = placed_official(tree.department, position_group=groups.leaders, full_name="Đặng Văn Lâm")
    for c in (course, other_course):
        services.enrol(leader, c)
        for lesson in lessons_of(c):
            services.record_lesson_done(leader, lesson)
    tree.hr_province = hr_of(tree.province, username="hr-tinh")
    tree.hr_a = hr_of(tree.a, username="hr-a")
    tree.hr_b = hr_of(tree.b, username="hr-b")
    tree.done = done
    return tree


def export(user, unit=None, list_name="all", fmt="csv", filters=None, capture=None):
    with capture(execute=True):
        job = export_jobs.start(user, unit, list_name, filters or Filters(), fmt)
    job.refresh_from_db()
    assert job.status == "done", job.error
    return job


def csv_rows(job):
    with job.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_sheets(job):
    with job.file.open("rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
    return [(sheet.title, [list(row) for row in sheet.iter_rows()]) for sheet in workbook.worksheets]


def xlsx_rows(job):
    sheets = xlsx_sheets(job)
    header = [cell.value for cell in sheets[0][1][0]]
    body = [[cell.value or "" for cell in row] for _title, rows in sheets for row in rows[1:]]
    return [header, *body]


def vi(function):
    with translation.override("vi"):
        return function()


def status_counts(body):
    completed, in_progress, not_started, in_progress_late, not_started_late = vi(export_rows.status_labels)
    counted = Counter(row[6] for row in body)
    return {
        "enrolled": len(body),
        "completed": counted[completed],
        "in_progress": counted[in_progress] + counted[in_progress_late],
        "not_started": counted[not_started] + counted[not_started_late],
        "overdue": counted[in_progress_late] + counted[not_started_late],
    }


def dashboard_counts(units, filters):
    numbers = aggregation.summary(units, filters)
    return {name: getattr(numbers, name) for name in ("enrolled", "completed", "in_progress", "not_started", "overdue")}


# What the file holds ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_file_holds_the_enrolments_behind_the_dashboards_numbers(
    world, groups, fmt, django_capture_on_commit_callbacks
):
    read = csv_rows if fmt == "csv" else xlsx_rows
    cases = [
        (world.hr_province, None, Filters()),
        (world.hr_province, world.district, Filters()),
        (world.hr_province, None, Filters(group=groups.leaders.pk)),
        (world.hr_a, world.a, Filters(year=2025)),
        (world.hr_a, None, Filters(group=groups.staff.pk)),
    ]
    for user, unit, filters in cases:
        units = [unit] if unit else aggregation.roots_for_user(user)
        expected = dashboard_counts(units, filters)
        job = export(user, unit, "all", fmt, filters, django_capture_on_commit_callbacks)
        header, *body = read(job)
        assert header == list(vi(export_jobs.header))
        assert status_counts(body) == expected, (unit, filters)
        assert job.total == job.done == expected["enrolled"]
        for list_name in ("overdue", "not_started", "completed", "in_progress"):
            job = export(user, unit, list_name, fmt, filters, django_capture_on_commit_callbacks)
            _header, *listed = read(job)
            assert len(listed) == expected[list_name] == job.total, (unit, filters, list_name)
            assert status_counts(listed)[list_name] == expected[list_name]
    assert expected["enrolled"] == 3 and ReportExport.objects.count() == 25


def test_a_row_says_who_where_what_and_when(world, groups, course, django_capture_on_commit_callbacks):
    job = export(world.hr_a, world.a, "completed", "csv", capture=django_capture_on_commit_callbacks)
    _header, row = csv_rows(job)
    completed = Enrollment.objects.get(official=world.done)
    on = timezone.localtime(completed.enrolled_at).strftime("%d/%m/%Y")
    assert row == [
        "A-0001",
        "Lò Thị Hạnh",
        "XA",
        "Xã An",
        "Công chức",
        course.title,
        vi(export_rows.status_labels)[0],
        on,
        "",
        on,
        on,
    ]


def test_formula_like_names_are_neutralised_in_csv_and_xlsx(world, django_capture_on_commit_callbacks):
    job = export(world.hr_a, world.a, "all", "csv", capture=django_capture_on_commit_callbacks)
    names = {row[1] for row in csv_rows(job)[1:]}
    assert {f"'{name}" for name in FORMULA_NAMES} <= names
    assert not any(name.startswith(("=", "+", "-", "@")) for name in names)

    job = export(world.hr_a, world.a, "all", "xlsx", capture=django_capture_on_commit_callbacks)
    (_title, rows), *_more = xlsx_sheets(job)
    cells = [row[1] for row in rows[1:]]
    assert {cell.value for cell in cells} >= {f"'{name}" for name in FORMULA_NAMES}
    assert {cell.data_type for cell in cells} == {"s"}  # text, never a formula


def test_control_characters_are_dropped_for_xlsx_before_neutralising():
    assert export_rows._text("\x01=1+1") == "'=1+1"
    assert export_rows._text("Lò Thị Hạnh") == "Lò Thị Hạnh"
    assert export_rows._text("Dòng một\tcột") == "Dòng một\tcột"  # tabs and line breaks are kept
    assert export_rows._text(None) == ""


def test_a_long_list_continues_on_a_new_sheet(world, monkeypatch, django_capture_on_commit_callbacks):
    csv_job = export(world.hr_a, world.a, "all", "csv", capture=django_capture_on_commit_callbacks)
    monkeypatch.setattr(export_jobs, "XLSX_MAX_ROWS", 3)  # a header and two rows per sheet
    job = export(world.hr_a, world.a, "all", "xlsx", capture=django_capture_on_commit_callbacks)
    sheets = xlsx_sheets(job)
    header, *body = csv_rows(csv_job)
    assert len(body) == 7 and len(sheets) == 4
    assert [len(rows) for _title, rows in sheets] == [3, 3, 3, 2]
    assert [title for title, _rows in sheets][1:] == [f"{sheets[0][0]} ({n})" for n in (2, 3, 4)]
    assert all([cell.value for cell in rows[0]] == header for _title, rows in sheets)
    assert xlsx_rows(job)[1:] == body


def test_progress_is_written_every_few_rows_and_reaches_the_total(world, monkeypatch):
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(export_jobs, "WRITE_BATCH", 2)
    job = ReportExport.objects.create(requested_by=world.hr_a, unit=world.a, root_ids=[world.a.pk])
    seen = []
    real = jobs.set_progress

    def spy(export, **counts):
        seen.append(counts)
        real(export, **counts)

    monkeypatch.setattr(jobs, "set_progress", spy)
    tasks.build_report_export.delay(job.pk)

    assert seen == [{"total": 7}, {"done": 2}, {"done": 4}, {"done": 6}]
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == ("done", 7, 7, 100)
    assert job.started_at <= job.finished_at


def _peak(function):
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _stream(roots, filters=None):
    with tempfile.TemporaryFile() as target:
        return export_jobs.write_csv(target, export_jobs.rows(roots, filters))


def test_rows_stream_in_constant_memory(tree, groups):
    """Writing 20 000 rows takes no more memory than writing 4 000, and a small part of what
    holding them would take: a fetch and a batch at a time."""
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"mem-{n}", password="!") for n in range(200)])
    officials = Official.objects.bulk_create(
        [
            Official(
                user=user,
                full_name=f"Cán bộ {n}",
                employee_code=f"M-{n:05d}",
                unit=tree.a,
                position_group=groups.leaders if n < 40 else groups.staff,
            )
            for n, user in enumerate(users)
        ]
    )
    now = timezone.now()
    Enrollment.objects.bulk_create(
        (
            Enrollment(official=official, unit=tree.a, course=None, course_title=f"Khóa học số {n}", enrolled_at=now)
            for official in officials
            for n in range(100)
        ),
        batch_size=2000,
    )
    list(export_jobs.rows([tree.a], list_name="completed"))  # the connection, labels and compilation, once

    few, few_peak = _peak(lambda: _stream([tree.a], Filters(group=groups.leaders.pk)))
    many, many_peak = _peak(lambda: _stream([tree.a]))
    held, holding = _peak(lambda: list(export_jobs.rows([tree.a])))
    assert (few, many, len(held)) == (4_000, 20_000, 20_000)
    assert many_peak < 1.3 * few_peak, (few_peak, many_peak)
    assert many_peak < holding / 3, (many_peak, holding)


# Who may ask, see and download -----------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client, world):
    response = client.get(START)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_officials_are_refused(client, world):
    world.done.user.groups.add(roles.ensure_roles()[roles.OFFICIAL])
    client.force_login(world.done.user)
    assert client.get(START).status_code == 403
    assert client.post(START, {"list_name": "all", "format": "csv"}).status_code == 403
    assert not ReportExport.objects.exists()


def test_the_form_describes_the_export_and_get_changes_nothing(client, world, groups):
    client.force_login(world.hr_province)
    response = client.get(START, {"list": "overdue", "unit": world.a.pk, "group": groups.leaders.pk})
    page = response.content.decode()
    assert response.status_code == 200 and world.a.name in page
    assert 'value="overdue" id="list-overdue" checked' in page
    assert [(value, count) for value, _label, count in response.context["list_choices"]] == [
        ("all", 4),
        ("overdue", 2),
        ("not_started", 3),
        ("in_progress", 1),
        ("completed", 0),
    ]
    assert "csrfmiddlewaretoken" in page
    assert not ReportExport.objects.exists()


def test_posting_starts_the_job_with_the_unit_and_filters_of_the_query(
    client, world, groups, django_capture_on_commit_callbacks
):
    client.force_login(world.hr_province)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{START}?unit={world.a.pk}&group={groups.leaders.pk}&year=1999x",
            {"list_name": "overdue", "format": "xlsx"},
        )
    job = ReportExport.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(job)
    assert (job.unit, job.list_name, job.format, job.filters) == (
        world.a,
        "overdue",
        "xlsx",
        {"group": groups.leaders.pk},
    )
    assert (job.status, job.total) == ("done", 2)

    page = client.get(detail_url(job)).content.decode()
    assert "http-equiv" not in page and download_url(job) in page
    download = client.get(download_url(job))
    assert download.status_code == 200
    assert download["Content-Type"] == export_jobs.CONTENT_TYPES["xlsx"]
    assert download["Content-Disposition"].startswith("attachment;")
    with job.file.open("rb") as handle:
        assert b"".join(download.streaming_content) == handle.read()


def test_hr_of_a_unit_cannot_export_another_unit(client, world):
    client.force_login(world.hr_a)
    for unit in (world.b, world.province, world.district):
        assert client.get(START, {"unit": unit.pk}).status_code == 404
        assert client.post(f"{START}?unit={unit.pk}", {"list_name": "all", "format": "csv"}).status_code == 404
    assert client.get(START, {"unit": "abc"}).status_code == 404
    assert client.get(START, {"unit": 999999}).status_code == 404
    with pytest.raises(export_jobs.OutOfScope):
        export_jobs.start(world.hr_a, world.b, "all")
    assert not ReportExport.objects.exists()


def test_only_the_requester_within_their_scope_sees_or_downloads(client, world, django_capture_on_commit_callbacks):
    job = export(world.hr_a, world.a, "all", "csv", capture=django_capture_on_commit_callbacks)
    client.force_login(world.hr_a)
    assert client.get(detail_url(job)).status_code == 200
    assert client.get(download_url(job)).status_code == 200
    for other in (world.hr_b, world.hr_province):
        client.force_login(other)
        assert client.get(detail_url(job)).status_code == 404
        assert client.get(download_url(job)).status_code == 404
        assert detail_url(job) not in client.get(START).content.decode()

    # Moved to another commune: the export of the old one is out of reach.
    HRScope.objects.filter(user=world.hr_a).update(unit=world.b)
    client.force_login(world.hr_a)
    assert client.get(detail_url(job)).status_code == 404
    assert client.get(download_url(job)).status_code == 404


def test_a_missing_file_is_a_404(client, world, export_storage, django_capture_on_commit_callbacks):
    job = export(world.hr_a, world.a, "all", "csv", capture=django_capture_on_commit_callbacks)
    export_storage.delete(job.file.name)
    client.force_login(world.hr_a)
    assert client.get(download_url(job)).status_code == 404


def test_a_second_request_while_one_is_in_the_making_is_refused(client, world):
    ReportExport.objects.create(requested_by=world.hr_a, unit=world.a, root_ids=[world.a.pk])
    client.force_login(world.hr_a)
    response = client.post(f"{START}?unit={world.a.pk}", {"list_name": "all", "format": "csv"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert ReportExport.objects.count() == 1
    ReportExport.objects.update(status=ReportExport.Status.DONE)
    response = client.post(f"{START}?unit={world.a.pk}", {"list_name": "all", "format": "csv"})
    assert response.status_code == 302 and ReportExport.objects.count() == 2


def test_the_progress_page_refreshes_itself_until_the_file_is_ready(client, world):
    job = ReportExport.objects.create(
        requested_by=world.hr_a, unit=world.a, root_ids=[world.a.pk], status="running", total=10, done=4
    )
    client.force_login(world.hr_a)
    page = client.get(detail_url(job)).content.decode()
    assert '<meta http-equiv="refresh"' in page and '<progress id="export-progress" max="100" value="40">' in page
    assert "40%" in page and download_url(job) not in page
    assert client.get(download_url(job)).status_code == 404

    export_jobs.build(job.pk)
    page = client.get(detail_url(job)).content.decode()
    assert "http-equiv" not in page and download_url(job) in page


def test_a_failed_build_is_reported_not_raised(
    client, world, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broken(*args, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(export_jobs, "write_csv", broken)
    client.force_login(world.hr_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{START}?unit={world.a.pk}", {"list_name": "all", "format": "csv"})
    job = ReportExport.objects.get()
    assert job.status == "failed" and not job.file
    assert "disk on fire" not in job.error and "lỗi" in job.error  # a reason in words; details in the log
    assert "disk on fire" in caplog.text
    page = client.get(response["Location"]).content.decode()
    assert job.error in page and "disk on fire" not in page
    assert client.get(download_url(job)).status_code == 404


def test_the_hourly_prune_deletes_old_files(world, export_storage):
    now = timezone.now()
    old = ReportExport.objects.create(requested_by=world.hr_a, unit=world.a, root_ids=[world.a.pk])
    export_jobs.build(old.pk)
    recent = ReportExport.objects.create(requested_by=world.hr_b, unit=world.b, root_ids=[world.b.pk])
    ReportExport.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=8))
    old_file = ReportExport.objects.get(pk=old.pk).file.name
    assert export_storage.exists(old_file)

    assert tasks.prune_report_exports.delay().get() == 1

    assert list(ReportExport.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not export_storage.exists(old_file)


def test_the_sweeper_resends_lost_requests_restarts_dead_builds_and_fails_them_at_last(world, export_storage):
    from lms.core.tasks import sweep_stalled_jobs

    now = timezone.now()
    lost = ReportExport.objects.create(requested_by=world.hr_a, unit=world.a, root_ids=[world.a.pk])
    ReportExport.objects.filter(pk=lost.pk).update(queued_at=now - datetime.timedelta(minutes=5))
    dead = ReportExport.objects.create(
        requested_by=world.hr_b,
        unit=world.b,
        root_ids=[world.b.pk],
        status="running",
        attempts=1,
        heartbeat_at=now - datetime.timedelta(minutes=2),
        done=3,
    )

    assert sweep_stalled_jobs.delay().get() == {"requeued": 1, "failed": 0, "resent": 1}  # eager: built at once

    statuses = dict(ReportExport.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "done", dead.pk: "done"}
    assert ReportExport.objects.get(pk=dead.pk).attempts == 2

    ReportExport.objects.filter(pk=dead.pk).update(
        status="running", attempts=3, heartbeat_at=now - datetime.timedelta(minutes=2)
    )
    assert sweep_stalled_jobs.delay().get()["failed"] == 1
    dead.refresh_from_db()
    assert dead.status == "failed" and "bắt đầu lại" in dead.error
    # Its requester may ask again: the one-at-a-time constraint lets go of a failed job.
    export_jobs.start(world.hr_b, world.b, "all")


def test_a_job_held_by_a_live_worker_is_not_taken_twice(world):
    job = ReportExport.objects.create(
        requested_by=world.hr_a, unit=world.a, root_ids=[world.a.pk], status="running", heartbeat_at=timezone.now()
    )
    assert export_jobs.build(job.pk) is None  # a duplicate delivery while the first worker beats
    assert jobs.sweep() == {"requeued": 0, "failed": 0, "resent": 0}
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 0)


@pytest.mark.django_db(transaction=True)
def test_rows_read_outside_a_transaction_are_the_rows_read_inside_one(monkeypatch):
    """Outside a transaction (a Celery worker) PostgreSQL's rows come through COPY on a connection
    of their own; they are the rows the queryset gives, text with tabs, quotes and backslashes too."""
    from django.db import connections, transaction

    from lms.people import structure
    from lms.people.models import OrgUnit, PositionGroup

    province = structure.create_unit(None, name="Tỉnh", kind=OrgUnit.Kind.PROVINCE, code="P")
    commune = structure.create_unit(province, name="Xã\tTab", kind=OrgUnit.Kind.COMMUNE, code="X\\1")
    group = PositionGroup.objects.create(code="cc", name='Công chức "A"')
    awkward = 'Nguyễn\tVăn\\N "B"\nC'
    for n, name in enumerate([awkward, "=1+1", "Lê Thị Lan"]):
        user = get_user_model().objects.create(username=f"tx-{n}")
        official = Official.objects.create(
            user=user, full_name=name, employee_code=f"TX-{n}", unit=commune, position_group=group
        )
        Enrollment.objects.create(
            official=official,
            unit=commune,
            course_title="Khóa\\học",
            due_date=datetime.date(2020, 1, 1) if n else None,
            completed_at=timezone.now() if n == 2 else None,
        )
    readers = []
    create = connections.create_connection
    monkeypatch.setattr(connections, "create_connection", lambda alias: readers.append(alias) or create(alias))

    outside = list(export_jobs.rows([province]))
    with transaction.atomic():
        inside = list(export_jobs.rows([province]))

    assert outside == inside and len(outside) == 3
    assert readers == (["default"] if connections["default"].vendor == "postgresql" else [])
    by_code = {row[0]: row for row in outside}
    assert by_code["TX-0"][1:6] == (awkward, "X\\1", "Xã\tTab", 'Công chức "A"', "Khóa\\học")
    assert by_code["TX-1"][1] == "'=1+1"
    assert by_code["TX-2"][9] == timezone.localdate().strftime("%d/%m/%Y")
