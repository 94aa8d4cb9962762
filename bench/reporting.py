"""Benchmark: HR reporting at province scale on PostgreSQL — tallies against a raw GROUP BY.

    python bench/reporting.py [--officials 200000] [--per-official 10] [--repeat 20]

Creates a throwaway database ``lms_bench_<random>`` on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432), migrates it and builds, with COPY, a province of ~2 000 units
over three levels (40 districts and departments of 50 communes each, 100 communes merged into a
neighbour), 4 position groups, --officials officials (95 % active), 20 courses and
--per-official enrolments each (2 000 000 by default: completed, in progress, not started, with
and without due dates — quarter ends, or any day with --rolling-due —, some recertified, over
2024–2026). Then it measures:
  * ``rebuild_report_tallies`` and ``--check`` on the whole province;
  * the dashboard read through ``lms.reports.aggregation`` (summary, drill-down to the child units,
    by group, by course, completions by month) for the root, a district and a commune: median and
    p95 over --repeat runs, and its number of queries;
  * one hand-written SQL GROUP BY over the raw enrolments of the same subtree (by group and course,
    with completed / in progress / overdue), the same way; and the ratio;
  * the full export of the root's enrolments (every row, as HR's "export every enrolment" job
    builds it: ``export_jobs.start`` and the Celery task body, run in a fresh process so that its
    peak memory is its own), as CSV and as XLSX: rows per second and peak RSS; against
    PostgreSQL's own ``COPY (the same SELECT) TO STDOUT`` of those rows, and the ratio;
  * the whole dashboard page over HTTP (session, filters, tables, charts, template) per unit;
  * the API's summary and by-unit answers for the root, through the whole stack (middleware,
    bearer token, JSON): median and p95;
  * the first page of the overdue officials' list for the root, the district and the commune;
  * folding the past due dates together (the nightly task), and the root dashboard after it;
  * what the increments cost: completing enrolments through ``learning.services`` with and without
    the report receivers, a change of group for 10 000 officials (the import's bulk path), and
    moving a district (re-tally of its records).
Only 127.0.0.1 is ever contacted. The database is dropped at the end (unless --keep).
"""

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
# A child process (the export, measured on its own) is told the database by the parent.
DB_NAME = os.environ.get("BENCH_DB") or f"lms_bench_{uuid.uuid4().hex[:8]}"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.dev"
os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

DISTRICTS, COMMUNES, MERGED = 40, 50, 100
COURSES = 20
GROUPS = ["lanh-dao", "cntt", "cong-chuc", "vien-chuc"]
UTC = datetime.UTC


def admin_sql(statement):
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def timed(label, call):
    started = time.perf_counter()
    result = call()
    print(f"{label}: {time.perf_counter() - started:.2f} s")
    return result


def copy_rows(table, columns, rows):
    from django.db import connection

    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def build_units():
    """Root, districts/departments, communes; MERGED communes closed into their next sibling."""
    from lms.people.models import OrgUnit

    rows, leaves = [], []
    next_id = 1
    rows.append((next_id, "0001", 1, DISTRICTS, "Tỉnh Benchmark", "province", "B", None, None))
    root_id = next_id
    for d in range(DISTRICTS):
        next_id += 1
        district_id, district_path = next_id, OrgUnit._get_path("0001", 2, d + 1)
        kind = "district" if d % 2 else "department"
        rows.append((district_id, district_path, 2, COMMUNES, f"Khối {d}", kind, f"B-{d:02d}", None, None))
        for c in range(COMMUNES):
            next_id += 1
            rows.append(
                (
                    next_id,
                    OrgUnit._get_path(district_path, 3, c + 1),
                    3,
                    0,
                    f"Xã {d}.{c}",
                    "commune",
                    f"B-{d:02d}-{c:02d}",
                )
                + (None, None)
            )
            leaves.append(next_id)
    # Merged communes: closed on 30/06/2025, successor the next commune of the same district.
    closed = set(random.Random(1).sample([u for i, u in enumerate(leaves) if i % COMMUNES != COMMUNES - 1], MERGED))
    reform = datetime.date(2025, 6, 30)
    rows = [row[:7] + ((reform, row[0] + 1) if row[0] in closed else (None, None)) for row in rows]
    copy_rows(
        "people_orgunit",
        ["id", "path", "depth", "numchild", "name", "kind", "code", "valid_to", "successor_id"],
        rows,
    )
    return root_id, leaves, closed


def build_people(officials, leaves, closed):
    from lms.people.models import PositionGroup

    groups = [PositionGroup.objects.create(code=code, name=code, sort_order=n).pk for n, code in enumerate(GROUPS)]
    rng = random.Random(2)
    joined = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    copy_rows(
        "auth_user",
        [
            "id",
            "password",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
        ],
        ((n, "!", False, f"bm{n:07d}", "", "", "", False, True, joined) for n in range(1, officials + 1)),
    )
    open_leaves = [u for u in leaves if u not in closed]
    homes = {}

    def official(n):
        unit = rng.choice(open_leaves)
        homes[n] = unit
        return (n, n, f"Cán bộ {n}", f"BM-{n:07d}", unit, rng.choice(groups), "", rng.random() < 0.95)

    copy_rows(
        "people_official",
        ["id", "user_id", "full_name", "employee_code", "unit_id", "position_group_id", "phone", "is_active"],
        (official(n) for n in range(1, officials + 1)),
    )
    return homes


def build_courses():
    from content.models import CourseIndexPage, CoursePage, HomePage
    from content.tree import ensure_wagtail_base

    home = ensure_wagtail_base().add_child(instance=HomePage(title="Công chức số", slug="trang-chu-bench"))
    catalogue = home.add_child(instance=CourseIndexPage(title="Khóa học", slug="khoa-hoc"))
    return [
        catalogue.add_child(instance=CoursePage(title=f"Khóa {n:02d}", slug=f"khoa-{n:02d}", summary="…")).pk
        for n in range(COURSES)
    ]


def quarter_end(moment, rolling=False):
    """The plan's deadline: the end of the quarter (or, with --rolling-due, that very day)."""
    if rolling:
        return moment.date()
    month = 3 * ((moment.month - 1) // 3) + 3
    return datetime.date(moment.year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)


def build_enrollments(homes, courses, per_official, closed_into, rolling_due=False):
    """per_official distinct courses for every official, statuses drawn at random."""
    rng = random.Random(3)
    start = datetime.datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    span = 2.8 * 365 * 86400

    def rows():
        n = 0
        for official, unit in homes.items():
            for course in rng.sample(courses, per_official):
                n += 1
                enrolled = datetime.datetime.fromtimestamp(start + rng.random() * span, UTC)
                # Older records of officials whose commune was merged stay on the closed commune.
                recorded_unit = closed_into.get(unit, unit) if enrolled.date() < datetime.date(2025, 7, 1) else unit
                due = None
                if rng.random() < 0.4:  # assigned by a training plan: due at the end of a quarter
                    due = quarter_end(enrolled + datetime.timedelta(days=rng.randint(30, 150)), rolling_due)
                roll = rng.random()
                activity = completed = cycle_started = None
                cycle = 1
                if roll < 0.45:
                    completed = enrolled + datetime.timedelta(days=rng.randint(1, 120))
                    activity = completed
                elif roll < 0.70:
                    activity = enrolled + datetime.timedelta(days=rng.randint(1, 60))
                elif roll < 0.74:
                    cycle, cycle_started = 2, enrolled + datetime.timedelta(days=200)
                    activity = cycle_started
                yield (
                    n,
                    official,
                    recorded_unit,
                    course,
                    f"Khóa {course}",
                    "self",
                    due,
                    enrolled,
                    activity,
                    completed,
                    cycle,
                    cycle_started,
                )

    copy_rows(
        "learning_enrollment",
        [
            "id",
            "official_id",
            "unit_id",
            "course_id",
            "course_title",
            "source",
            "due_date",
            "enrolled_at",
            "last_activity_at",
            "completed_at",
            "cycle",
            "cycle_started_at",
        ],
        rows(),
    )


RAW_GROUP_BY = """
SELECT o.position_group_id, e.course_id, COUNT(*),
       SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.completed_at IS NULL AND e.last_activity_at IS NOT NULL
                 AND (e.cycle_started_at IS NULL OR e.last_activity_at > e.cycle_started_at) THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.completed_at IS NULL AND e.due_date < %s THEN 1 ELSE 0 END)
FROM learning_enrollment e
JOIN people_official o ON o.id = e.official_id
JOIN people_orgunit u ON u.id = e.unit_id
WHERE o.is_active AND u.path LIKE %s
GROUP BY 1, 2
"""


def measure(call, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()  # warm
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(queries)


def dashboard(unit):
    """Everything the HR dashboard shows for ``unit``, through the one aggregation service."""
    from lms.reports import aggregation

    return aggregation.overview([unit])


def separate_calls(unit):
    """The same numbers asked one function at a time (summary, drill-down, group, course, month)."""
    from lms.reports import aggregation

    roots = [unit]
    aggregation.summary(roots)
    aggregation.by_child_unit(unit)
    aggregation.by_group(roots)
    aggregation.by_course(roots)
    aggregation.completions_by_month(roots)


def raw_group_by(unit, today):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RAW_GROUP_BY, [today, unit.path + "%"])
        return cursor.fetchall()


def increments(courses, repeat=200):
    """Completions through the service, with and without the report receivers."""
    from django.db import transaction

    from lms.learning import services, signals
    from lms.learning.models import Enrollment
    from lms.reports import rebuild, receivers

    pending = list(
        Enrollment.objects.filter(completed_at__isnull=True, official__is_active=True, cycle=1).order_by("pk")[
            : 2 * repeat
        ]
    )
    # No e-mail or certificate after each completion here: only the write and its tallies are timed.
    services.enqueue_on_commit = lambda *args, **kwargs: None
    signals.enrollment_completed.receivers = []
    signals.enrollment_completed.sender_receivers_cache.clear()

    def complete(enrollment):
        with transaction.atomic():
            locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
            services.complete(locked)

    def run(batch):
        times = []
        for enrollment in batch:
            started = time.perf_counter()
            complete(enrollment)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    with_tallies = run(pending[:repeat])
    signals.enrollment_changed.disconnect(dispatch_uid="reports.enrollment_changed")
    without = run(pending[repeat:])
    receivers.connect()
    rebuild.rebuild()  # the completions made without the receivers left the tallies behind
    print(f"one completion through learning.services: {with_tallies:.1f} ms with tallies, {without:.1f} ms without")


def export_child(fmt):
    """In a fresh process: HR's full export of the root, through the real job. Prints one JSON line."""
    import json
    import tempfile

    os.environ["DJANGO_PRIVATE_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="lms-bench-export-")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from lms.reports import export_jobs

    user = get_user_model().objects.get(username=BENCH_ADMIN)
    before = memory_kb("VmRSS")
    started = time.perf_counter()
    export = export_jobs.start(user, None, "all", fmt=fmt)  # eager: the task runs at the commit
    seconds = time.perf_counter() - started
    export.refresh_from_db()
    print(
        json.dumps(
            {
                "status": export.status,
                "rows": export.done,
                "seconds": seconds,
                "bytes": export.file.size if export.file else 0,
                "rss_before_mb": before / 1024,
                "rss_peak_mb": memory_kb("VmHWM") / 1024,
            }
        )
    )
    export.file.delete(save=False)


def memory_kb(field):
    """VmRSS (now) or VmHWM (peak) of this process in kB. Not ``ru_maxrss``: that one survives
    ``exec`` and would report the parent's size at the fork."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(f"{field}:"))


def run_export(fmt):
    import json
    import subprocess

    env = {**os.environ, "BENCH_DB": DB_NAME, "CELERY_TASK_ALWAYS_EAGER": "1"}
    env.pop("CELERY_BROKER_URL", None)
    out = subprocess.run(
        [sys.executable, __file__, "--export-child", fmt], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def copy_export(root):
    """PostgreSQL's own COPY of the rows the export writes: the same SELECT, straight to CSV."""
    from django.db import connection

    from lms.reports import export_rows

    sql, params = export_rows.queryset([root]).query.sql_with_params()
    size = 0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for block in copy:
                size += len(block)
    return time.perf_counter() - started, size


def api_answers(root, repeat):
    """The API's summary and by-unit answers for the root, through the whole stack."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from lms.api import tokens

    _token, secret = tokens.issue(get_user_model().objects.get(username=BENCH_ADMIN), "bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", SERVER_NAME="127.0.0.1")
    results = {}
    for name, path in (("summary", "/api/v1/summary/"), ("by-unit", "/api/v1/by-unit/")):

        def get(path=path):
            response = client.get(path, {"unit": root.pk})
            assert response.status_code == 200, response.content[:300]

        results[name] = measure(get, repeat)
    return results


def dashboard_pages(units, repeat):
    """The whole HR dashboard page (session, form, every table, SVG charts, template) per unit."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=BENCH_ADMIN))
    results = []
    for unit in units:

        def get(unit=unit):
            response = client.get("/nhan-su/bao-cao/", {"unit": unit.pk})
            assert response.status_code == 200, response.status_code

        results.append(measure(get, repeat))
    return results


BENCH_ADMIN = "bench-admin"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--officials", type=int, default=200_000)
    parser.add_argument("--per-official", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database (drop it yourself)")
    parser.add_argument(
        "--rolling-due", action="store_true", help="due dates on any day (worst case) instead of quarter ends"
    )
    parser.add_argument("--export-child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--skip-xlsx", action="store_true", help="time the full export as CSV only")
    args = parser.parse_args()
    if args.export_child:
        return export_child(args.export_child)

    admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, transaction

        from lms.core import dates
        from lms.people import structure
        from lms.people.models import Official, OrgUnit
        from lms.people.signals import officials_changed
        from lms.reports import maintenance, rebuild
        from lms.reports.models import DueTally, EnrollmentTally

        call_command("migrate", verbosity=0)
        print(f"PostgreSQL benchmark database {DB_NAME}")
        started = time.perf_counter()
        root_id, leaves, closed = build_units()
        closed_into = {unit + 1: unit for unit in closed}  # successor → its merged predecessor
        homes = build_people(args.officials, leaves, closed)
        courses = build_courses()
        build_enrollments(homes, courses, args.per_official, closed_into, args.rolling_due)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT COUNT(*) FROM learning_enrollment")
            enrollments = cursor.fetchone()[0]
        print(
            f"built {OrgUnit.objects.count()} units ({len(closed)} merged), {args.officials} officials, "
            f"{COURSES} courses, {enrollments} enrolments in {time.perf_counter() - started:.0f} s"
        )

        timed("rebuild_report_tallies", lambda: call_command("rebuild_report_tallies", stdout=io.StringIO()))
        timed(
            "rebuild_report_tallies --check",
            lambda: call_command("rebuild_report_tallies", "--check", stdout=io.StringIO()),
        )
        print(f"enrolment tally rows: {EnrollmentTally.objects.count()}")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        root = OrgUnit.objects.get(pk=root_id)
        district = OrgUnit.objects.filter(depth=2).order_by("path")[1]
        commune = OrgUnit.objects.filter(depth=3, valid_to__isnull=True, path__startswith=district.path).first()
        today = dates.today()
        print("milliseconds, median / p95 of", args.repeat, "runs (queries)")
        header = ["dashboard (overview)", "separate calls", "raw GROUP BY", "ratio"]
        print(f"{'':<9}" + "".join(f"{h:>24}" for h in header))
        for name, unit in (("root", root), ("district", district), ("commune", commune)):
            d_med, d_p95, d_queries = measure(lambda unit=unit: dashboard(unit), args.repeat)
            s_med, s_p95, s_queries = measure(lambda unit=unit: separate_calls(unit), args.repeat)
            r_med, r_p95, _ = measure(lambda unit=unit: raw_group_by(unit, today), args.repeat)
            print(
                f"{name:<9}{f'{d_med * 1000:.1f} / {d_p95 * 1000:.1f} ({d_queries})':>24}"
                f"{f'{s_med * 1000:.1f} / {s_p95 * 1000:.1f} ({s_queries})':>24}"
                f"{f'{r_med * 1000:.1f} / {r_p95 * 1000:.1f}':>24}{d_med / r_med:>24.3f}"
            )

        from lms.reports import lists

        for name, unit in (("root", root), ("district", district), ("commune", commune)):
            med, p95, queries = measure(lambda unit=unit: lists.page("overdue", [unit], None, 1), args.repeat)
            print(f"overdue list, first page, {name}: {med * 1000:.1f} / {p95 * 1000:.1f} ms ({queries} queries)")

        from django.contrib.auth import get_user_model

        get_user_model().objects.create_superuser(BENCH_ADMIN, "", None)
        pages = dashboard_pages([root, district, commune], args.repeat)
        for name, (p_med, p_p95, p_queries) in zip(("root", "district", "commune"), pages, strict=True):
            print(f"dashboard page over HTTP, {name}: {p_med * 1000:.1f} / {p_p95 * 1000:.1f} ms ({p_queries} queries)")
        api = api_answers(root, args.repeat)
        for name, (a_med, a_p95, a_queries) in api.items():
            print(f"API {name} (root): {a_med * 1000:.1f} / {a_p95 * 1000:.1f} ms ({a_queries} queries)")

        copy_runs = [copy_export(root) for _ in range(3)]
        copy_seconds = statistics.median(run[0] for run in copy_runs)
        for fmt in ("csv",) if args.skip_xlsx else ("csv", "xlsx"):
            job = run_export(fmt)
            assert job["status"] == "done", job
            rate, copy_rate = job["rows"] / job["seconds"], job["rows"] / copy_seconds
            print(
                f"full export {fmt}: {job['rows']} rows in {job['seconds']:.1f} s = {rate:,.0f} rows/s, "
                f"{job['bytes'] / 1e6:.0f} MB, peak RSS {job['rss_peak_mb']:.0f} MB "
                f"(process at start {job['rss_before_mb']:.0f} MB); "
                f"COPY TO STDOUT {copy_seconds:.1f} s = {copy_rate:,.0f} rows/s; ratio {rate / copy_rate:.3f}"
            )

        due_rows = DueTally.objects.count()
        timed("folding past due dates (nightly compact_due_tallies)", maintenance.compact_due_dates)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE reports_duetally")  # what autovacuum does after the nightly fold
        d_med, d_p95, _ = measure(lambda: dashboard(root), args.repeat)
        print(
            f"due-date tally rows {due_rows} -> {DueTally.objects.count()}; "
            f"root dashboard after folding: {d_med * 1000:.1f} / {d_p95 * 1000:.1f} ms"
        )

        increments(courses)

        regrouped = list(Official.objects.filter(position_group__code="cntt").values_list("pk", flat=True)[:10_000])
        group = Official.objects.filter(position_group__code="cong-chuc").first().position_group_id

        def regroup():
            with transaction.atomic():
                Official.objects.filter(pk__in=regrouped).update(position_group_id=group)
                officials_changed.send(sender=Official, official_ids=regrouped)

        timed(f"change of group for {len(regrouped)} officials (bulk, as the import)", regroup)
        moved = OrgUnit.objects.filter(depth=2).order_by("path")[2]
        target = OrgUnit.objects.filter(depth=2).order_by("path")[3]
        timed(
            f"moving a district of {moved.numchild} communes under another", lambda: structure.move_unit(moved, target)
        )
        drifts = timed("rebuild_report_tallies --check after all that", rebuild.check)
        print(f"drift: {drifts or 'none'}")
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"kept: {SERVER}/{DB_NAME}")
        else:
            admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}"')


if __name__ == "__main__":
    main()
