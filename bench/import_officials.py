"""Benchmark: import N officials from one CSV on PostgreSQL (dry run + apply), against COPY.

    python bench/import_officials.py [--rows 100000] [--repeat 3] [--small 10000]

Creates a throwaway database ``lms_bench_<random>`` on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432), migrates it, builds a province of ~2 000 units, and measures:
  * the full import of --rows new officials (dry run, then apply in one transaction: users,
    officials, placements), once;
  * the same for --small rows, --repeat times (median), and the re-import of that file
    (every row "unchanged"), --repeat times;
  * baseline: PostgreSQL COPY of the same CSV into an unlogged table, --repeat times (median).
Only 127.0.0.1 is ever contacted. The database is dropped at the end.
"""

import argparse
import csv
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
DB_NAME = f"lms_bench_{uuid.uuid4().hex[:8]}"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.dev"
os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")


def admin_sql(statement):
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def build_units(count):
    from lms.people.models import OrgUnit, PositionGroup

    province = OrgUnit.add_root(name="Tỉnh Benchmark", kind="province", code="B")
    districts = [province.add_child(name=f"Khối {d}", kind="department", code=f"B-{d:02d}") for d in range(20)]
    units = []
    for number in range(count):
        parent = districts[number % len(districts)]
        units.append(parent.add_child(name=f"Xã {number}", kind="commune", code=f"B-X{number:05d}"))
    for order, code in enumerate(["lanh-dao", "cntt", "cong-chuc", "vien-chuc"]):
        PositionGroup.objects.create(code=code, name=code, sort_order=order)
    return [unit.code for unit in units]


def make_csv(rows, unit_codes, offset=0):
    from lms.people.imports.columns import COLUMNS

    rng = random.Random(rows + offset)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in COLUMNS])
    groups = ["lanh-dao", "cntt", "cong-chuc", "vien-chuc"]
    for number in range(rows):
        code = f"BM-{offset + number:07d}"
        writer.writerow(
            [
                code,
                f"Nguyễn Văn Thử {number}",
                f"{code.lower()}@bench.example",
                "0912345678",
                rng.choice(unit_codes),
                rng.choice(groups),
                "15/04/1990",
                "01/07/2025",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def import_once(user, data):
    from django.core.files.base import ContentFile

    from lms.people.imports import service
    from lms.people.models import ImportBatch

    # The password e-mails are a separate task after the import; timed on their own below.
    service.enqueue_on_commit = lambda *args, **kwargs: None

    batch = ImportBatch(created_by=user, original_name="bench.csv")
    batch.file.save("bench.csv", ContentFile(data), save=False)
    batch.save()
    started = time.perf_counter()
    service.validate(batch)
    validated = time.perf_counter()
    assert batch.status == ImportBatch.Status.READY, batch.report.get("file_error") or batch.report["errors"][:3]
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.APPLYING)
    batch.refresh_from_db()
    service.apply(batch)
    applied = time.perf_counter()
    assert batch.status == ImportBatch.Status.APPLIED
    return validated - started, applied - validated, batch.report["counts"]


def copy_baseline(data):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_copy (a text, b text, c text, d text, e text, f text, g text, h text)"
        )
        started = time.perf_counter()
        with cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            copy.write(data)
        return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--units", type=int, default=2000)
    args = parser.parse_args()

    admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from lms.people.models import Official

        call_command("migrate", verbosity=0)
        unit_codes = build_units(args.units)
        user = get_user_model().objects.create_superuser("bench", "bench@example.test", "x")

        print(f"PostgreSQL benchmark database {DB_NAME}, {args.units} units")
        small = [make_csv(args.small, unit_codes, offset=(i + 1) * 1_000_000) for i in range(args.repeat)]
        small_runs = [import_once(user, data) for data in small]
        unchanged = [import_once(user, small[0]) for _ in range(args.repeat)]
        copies = [copy_baseline(data) for data in small]
        med = statistics.median
        small_total = med(v + a for v, a, _ in small_runs)
        copy_small = med(copies)
        print(
            f"{args.small} new rows: dry run {med(v for v, _, _ in small_runs):.2f} s, apply {med(a for _, a, _ in small_runs):.2f} s, "
            f"total {small_total:.2f} s (median of {args.repeat}) = {args.small / small_total:,.0f} rows/s"
        )
        print(f"{args.small} unchanged rows (re-import): total {med(v + a for v, a, _ in unchanged):.2f} s (median)")
        print(
            f"baseline COPY of {args.small} rows: {copy_small:.3f} s (median) = {args.small / copy_small:,.0f} rows/s; "
            f"import/COPY time ratio {small_total / copy_small:.0f}x"
        )

        from lms.people import accounts
        from lms.people.models import ImportBatch

        ids = ImportBatch.objects.filter(status="applied").order_by("pk").first().report["created_user_ids"]
        started = time.perf_counter()
        accounts.send_password_links(ids)
        mail_s = time.perf_counter() - started
        print(f"password e-mails for {len(ids)} new accounts (rendered, dummy backend): {mail_s:.2f} s")

        big = make_csv(args.rows, unit_codes)
        validate_s, apply_s, counts = import_once(user, big)
        copy_big = copy_baseline(big)
        total = validate_s + apply_s
        print(
            f"{args.rows} new rows: dry run {validate_s:.1f} s, apply {apply_s:.1f} s, total {total:.1f} s "
            f"= {args.rows / total:,.0f} rows/s; counts {counts}"
        )
        print(f"baseline COPY of {args.rows} rows: {copy_big:.2f} s; import/COPY time ratio {total / copy_big:.0f}x")
        print(f"officials in database: {Official.objects.count()}")
        print(f"target (<120 s for {args.rows} rows): {'met' if total < 120 else 'NOT met'}")
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}"')


if __name__ == "__main__":
    main()
