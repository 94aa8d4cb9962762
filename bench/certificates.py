"""Benchmark: certificates rendered, signed and issued per second, in one process and through Celery.

    python bench/certificates.py [--count 100] [--repeat 3] [--bulk 1000] [--keep-db] [--sqlite]
                                 [--profile N]

Creates a throwaway database ``lms_bench_cert_<random>`` on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432; ``--sqlite``: a SQLite file instead), migrates it, makes a
course, a certificate template with a logo, a seal and a background picture, the demo signing PKI
and completed enrolments, all in a temporary directory, and measures (medians of --repeat runs,
wall clock and this process's CPU time: on a shared machine the two differ):
  * baseline: ``rendering.render_pdf`` alone (unsigned PDF), --count certificates (and, for
    comparison, the same with the built-in template, which has no pictures);
  * ``signing.sign_pdf`` alone, on --count pre-rendered PDFs;
  * ``services.issue_for_enrollment`` in this process, --count enrolments, split into render,
    sign and the rest (database and storage);
  * --bulk issues through a real Celery worker (``celery -A lms worker --pool=prefork``, Redis
    $BENCH_REDIS, default redis://127.0.0.1:6379/11, a queue of its own), once with
    --concurrency=1 and once with 2: throughput, the pool processes' CPU time and RSS (sampled
    from /proc every half second) and how busy the whole machine was.
``--profile N`` prints a cProfile of N renders and N signatures instead. Only 127.0.0.1 is
contacted; the database, the Redis queues and the temporary directory are removed at the end
(``--keep-db`` keeps the PostgreSQL database and prints its name). Needs the test tools
(requirements-dev.txt): the course is made with the tests' factories.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
BROKER = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/11")
DB_NAME = f"lms_bench_cert_{uuid.uuid4().hex[:8]}"
SCRATCH = Path(tempfile.gettempdir()) / f"lms-bench-cert-{uuid.uuid4().hex[:8]}"  # made by main()
QUEUE = f"bench-cert-{uuid.uuid4().hex[:8]}"

# The environment the benchmark and its Celery workers share.
ENV = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
    "DJANGO_DEBUG": "0",  # DEBUG keeps every query in memory: not what production runs
    "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "DJANGO_LOG_LEVEL": "WARNING",
    "DJANGO_MEDIA_ROOT": str(SCRATCH / "media"),
    "DJANGO_PRIVATE_MEDIA_ROOT": str(SCRATCH / "private-media"),
    "CERTIFICATE_DEMO_PKI_DIR": str(SCRATCH / "signing"),
    "CERTIFICATE_ALLOW_DEMO_PKI": "1",
    "CERTIFICATE_SIGNING_P12": "",
    "WAGTAILADMIN_BASE_URL": "https://congchucso.example.gov.vn",
    "CELERY_BROKER_URL": BROKER,
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
}

NAMES = [
    "Nguyễn Thị Hồng Nhung",
    "Trần Văn Bình",
    "Lê Hoàng Yến",
    "Phạm Đức Thắng",
    "Hoàng Thị Lụa",
    "Võ Minh Tuấn",
    "Đặng Quốc Việt",
    "Bùi Thị Ngọc Ánh",
    "Đỗ Văn Hùng",
    "Lò Thị Hạnh",
]

med = statistics.median


def admin_sql(statement):
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


# Data ------------------------------------------------------------------------------------------


def _picture(size, colour, fmt):
    """A picture that compresses like a real one (a gradient with a disc), not a flat colour."""
    from PIL import Image, ImageDraw

    width, height = size
    mode = "RGBA" if fmt == "PNG" else "RGB"
    image = Image.linear_gradient("L").resize(size).convert(mode)
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 6, height // 6, width * 5 // 6, height * 5 // 6), outline=colour, width=max(4, width // 40))
    draw.text((width // 3, height // 2), "SỞ NỘI VỤ", fill=colour)
    if fmt == "PNG":
        image.putalpha(Image.linear_gradient("L").resize(size).point(lambda value: 60 + value // 2))
    buffer = BytesIO()
    image.save(buffer, format=fmt, quality=85)
    return buffer


def make_template():
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    from lms.certificates.models import CertificateTemplate

    image_model = get_image_model()

    def image(title, size, colour, fmt):
        extension = "png" if fmt == "PNG" else "jpg"
        picture = ImageFile(_picture(size, colour, fmt), name=f"{title}.{extension}")
        return image_model.objects.create(title=title, file=picture)

    return CertificateTemplate.objects.create(
        name="Sở Nội vụ — mẫu chuẩn",
        issuing_organisation="UBND TỈNH MINH SƠN\nSỞ NỘI VỤ",
        signer_name="Trần Văn Bình",
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        logo=image("logo", (400, 400), (143, 29, 33, 255), "PNG"),
        seal=image("seal", (500, 500), (200, 0, 0, 255), "PNG"),
        background=image("background", (1600, 1200), (184, 137, 58), "JPEG"),
        is_default=True,
    )


def make_course():
    from tests.factories import make_course as factory_make_course
    from tests.factories import site_tree

    _home, catalogue = site_tree()
    course = factory_make_course(catalogue, "Chữ ký số chuyên dùng và chứng thư số", lessons=1)
    course.certificate_validity_months = 24
    course.save_revision().publish()
    return course


class People:
    """Completed enrolments of fresh officials, made in bulk (no on-commit tasks)."""

    def __init__(self, course):
        from lms.people.models import OrgUnit, PositionGroup

        self.course = course
        self.units = [
            OrgUnit.add_root(name=name, kind="commune", code=f"BC-{number:03d}")
            for number, name in enumerate(["Xã Đồng Tâm", "Phường Sơn Hà", "Xã Tân Lập"])
        ]
        self.group = PositionGroup.objects.create(code="cong-chuc", name="Công chức", sort_order=1)
        self.made = 0

    def enrollments(self, count):
        from django.contrib.auth import get_user_model
        from django.utils import timezone

        from lms.learning.models import Enrollment
        from lms.people.models import Official

        start, self.made = self.made, self.made + count
        users = get_user_model().objects.bulk_create(
            [get_user_model()(username=f"bench{n}", email=f"bench{n}@example.test") for n in range(start, self.made)]
        )
        officials = Official.objects.bulk_create(
            [
                Official(
                    user=user,
                    full_name=NAMES[n % len(NAMES)],
                    employee_code=f"BC-{n:07d}",
                    unit=self.units[n % len(self.units)],
                    position_group=self.group,
                )
                for n, user in zip(range(start, self.made), users, strict=True)
            ]
        )
        now = timezone.now()
        enrollments = Enrollment.objects.bulk_create(
            [
                Enrollment(
                    official=official,
                    unit=official.unit,
                    course=self.course,
                    course_title=self.course.title,
                    completed_at=now - timezone.timedelta(hours=1),
                )
                for official in officials
            ]
        )
        return [enrollment.pk for enrollment in enrollments]


def unsaved_certificates(enrollment_ids, template):
    """Certificates as ``issue_for_enrollment`` fills them in, without a serial taken or a row."""
    from django.utils import timezone

    from lms.certificates import services
    from lms.certificates.models import Certificate
    from lms.learning.models import Enrollment

    enrollments = Enrollment.objects.select_related("official__unit", "unit", "course").filter(pk__in=enrollment_ids)
    certificates = []
    for number, enrollment in enumerate(enrollments, start=900_001):
        issued_on = timezone.localdate()
        certificate = Certificate(
            enrollment=enrollment,
            year=issued_on.year,
            number=number,
            serial=services.format_serial(issued_on.year, number),
            revision=1,
            cycle=enrollment.cycle,
            issued_on=issued_on,
            expires_on=services.expiry_for(enrollment.course, issued_on),
            verification_code=services.new_verification_code(),
        )
        services._snapshot(certificate, enrollment, template)
        certificates.append(certificate)
    return certificates


# In-process measurements ----------------------------------------------------------------------


class Timed:
    """Wraps a module function and adds up the time spent in it."""

    def __init__(self, module, name):
        self.module, self.name, self.original, self.seconds = module, name, getattr(module, name), 0.0

    def __enter__(self):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(self.module, self.name, timed)
        return self

    def __exit__(self, *exc):
        setattr(self.module, self.name, self.original)


class Clock:
    """Wall-clock and CPU time (this process) of a block: on a shared machine the wall clock also
    counts the time other processes had the CPU; the CPU time does not."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def render_run(certificates, template):
    from lms.certificates import rendering

    with Clock() as clock:
        pdfs = [rendering.render_pdf(certificate, template) for certificate in certificates]
    return clock, pdfs


def sign_run(pdfs):
    from lms.certificates import services, signing

    reason = services._signature_reason()
    with Clock() as clock:
        for pdf in pdfs:
            signing.sign_pdf(pdf, reason=reason)
    return clock


def issue_run(enrollment_ids):
    from lms.certificates import rendering, services, signing

    with Timed(rendering, "render_pdf") as render, Timed(signing, "sign_pdf") as sign, Clock() as clock:
        for enrollment_id in enrollment_ids:
            services.issue_for_enrollment(enrollment_id)
    return clock, render.seconds, sign.seconds


def profile(count, template, certificates):
    import cProfile
    import pstats

    from lms.certificates import rendering, services, signing

    certificates = certificates[:count]
    reason = services._signature_reason()
    signing.sign_pdf(rendering.render_pdf(certificates[0], template), reason=reason)  # first use
    pdfs = [rendering.render_pdf(certificate, template) for certificate in certificates]
    for title, work in [
        ("render_pdf", lambda: [rendering.render_pdf(certificate, template) for certificate in certificates]),
        ("sign_pdf", lambda: [signing.sign_pdf(pdf, reason=reason) for pdf in pdfs]),
    ]:
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.runcall(work)
        elapsed = time.perf_counter() - started
        print(f"\n## cProfile of {count} × {title}: {elapsed:.2f} s under the profiler\n")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(20)


# Celery worker --------------------------------------------------------------------------------


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_times():
    """(busy, total) CPU time of the whole machine so far, in clock ticks (/proc/stat)."""
    with open("/proc/stat") as handle:
        values = [int(value) for value in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


def database_url():
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    return os.environ["DATABASE_URL"]


def start_worker(concurrency, queue, log_path):
    # The run's own queue, also the default one: the e-mail task each issue enqueues stays in it.
    env = {**os.environ, **ENV, "DATABASE_URL": database_url(), "CELERY_TASK_DEFAULT_QUEUE": queue}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "lms",
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "-Q",
        queue,
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"bench-{uuid.uuid4().hex[:6]}@%h",
    ]
    log = open(log_path, "w")  # noqa: SIM115 - closed in stop_worker
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.log = log
    return process


def stop_worker(process):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.log.close()


def wait_until(condition, timeout, what, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the worker died while waiting for {what}; see its log")
        if condition():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def bulk_run(people, count, concurrency):
    """Issue ``count`` certificates through a real worker: seconds, RSS samples, the pool
    processes' CPU seconds and the share of the machine's CPU that was busy meanwhile."""
    from lms.celery import app
    from lms.certificates.models import Certificate
    from lms.certificates.tasks import issue_certificate

    ids = people.enrollments(count)
    before = Certificate.objects.count()
    queue = f"{QUEUE}-{concurrency}"
    log_path = SCRATCH / f"worker-{concurrency}.log"
    process = start_worker(concurrency, queue, log_path)
    try:
        wait_until(lambda: len(children(process.pid)) >= concurrency, 60, "the pool processes", process)
        # Warm every pool process (imports, fonts, key) outside the timing, as a running worker is.
        warm = people.enrollments(concurrency * 2)
        for enrollment_id in warm:
            issue_certificate.apply_async((enrollment_id,), queue=queue)
        wait_until(lambda: Certificate.objects.count() >= before + len(warm), 300, "the warm-up", process)
        before += len(warm)
        pool = children(process.pid)
        samples = []  # (certificates issued so far, RSS of each pool process in KiB)
        done = threading.Event()

        def sample():
            from django.db import connection

            while not done.is_set():
                issued = Certificate.objects.count() - before
                samples.append((issued, [rss_kib(pid) or 0 for pid in pool]))
                done.wait(0.5)
            connection.close()

        cpu_before = sum(cpu_seconds(pid) for pid in pool)
        machine_before = machine_times()
        with app.producer_or_acquire() as producer:
            started = time.perf_counter()
            for enrollment_id in ids:
                issue_certificate.apply_async((enrollment_id,), queue=queue, producer=producer)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        wait_until(lambda: Certificate.objects.count() >= before + count, 3600, f"{count} certificates", process)
        elapsed = time.perf_counter() - started
        cpu = sum(cpu_seconds(pid) for pid in pool) - cpu_before
        machine_after = machine_times()
        busy = (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1])
        done.set()
        sampler.join()
        samples.append((count, [rss_kib(pid) or 0 for pid in pool]))
        return {"seconds": elapsed, "samples": samples, "cpu": cpu, "busy": busy}
    finally:
        stop_worker(process)
        delete_queue(queue)


def delete_queue(queue):
    """Drop what is left in the run's queue (the e-mail tasks queued behind the issues)."""
    import redis

    try:
        client = redis.Redis.from_url(BROKER)
        keys = [*client.scan_iter(match=f"{queue}*"), *client.scan_iter(match=f"_kombu.binding*{queue}*")]
        if keys:
            client.delete(*keys)
    except redis.RedisError as error:
        print(f"could not remove the queue {queue}: {error}")


def rss_at(samples, count, share):
    """The pool processes' RSS (MiB, the largest of them) when ``share`` of the work was done."""
    target = count * share
    for issued, values in samples:
        if issued >= target:
            return max(values) / 1024
    return max(samples[-1][1]) / 1024


# Main -----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100, help="certificates per in-process run")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each in-process measurement (median)")
    parser.add_argument("--bulk", type=int, default=1000, help="issues through the Celery worker (0: skip)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL")
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="print a cProfile of N renders and signatures"
    )
    args = parser.parse_args()

    SCRATCH.mkdir(mode=0o700)
    os.environ.update(ENV)
    if args.sqlite:
        sqlite_path = SCRATCH / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{sqlite_path}"
        where = f"SQLite {sqlite_path}"
    else:
        os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
        admin_sql(f'CREATE DATABASE "{DB_NAME}"')
        where = f"PostgreSQL database {DB_NAME}"
    try:
        import django

        django.setup()
        from django.core.management import call_command

        from lms.certificates import signing
        from lms.certificates.models import CertificateTemplate

        call_command("migrate", verbosity=0)
        signing.ensure_demo_pki()
        course = make_course()
        template = make_template()
        people = People(course)
        print(f"{where}; template with logo 400×400, seal 500×500, background 1600×1200; demo PKI (RSA-2048)")

        warm = unsaved_certificates(people.enrollments(max(args.count, args.profile, 2)), template)
        if args.profile:
            profile(args.profile, template, warm)
            return
        render_run(warm[:2], template)  # first use: renditions made, fonts and key loaded
        sign_run(render_run(warm[:2], template)[1])

        renders, plain_renders, signs, issues = [], [], [], []
        builtin = CertificateTemplate.builtin()
        machine_before = machine_times()
        for _run in range(args.repeat):
            certificates = unsaved_certificates(people.enrollments(args.count), template)
            plain_renders.append(render_run(certificates, builtin)[0])
            clock, pdfs = render_run(certificates, template)
            renders.append(clock)
            signs.append(sign_run(pdfs))
            issues.append(issue_run([c.enrollment_id for c in certificates]))
        machine_after = machine_times()
        busy = (machine_after[0] - machine_before[0]) / max(1, machine_after[1] - machine_before[1])
        n = args.count
        render_s, render_cpu = med(c.wall for c in renders), med(c.cpu for c in renders)
        sign_s, sign_cpu = med(c.wall for c in signs), med(c.cpu for c in signs)
        issue_s, issue_cpu = med(c.wall for c, _, _ in issues), med(c.cpu for c, _, _ in issues)
        issue_render = med(render for _, render, _ in issues)
        issue_sign = med(sign for _, _, sign in issues)
        issue_rest = med(c.wall - render - sign for c, render, sign in issues)
        render_rate, issue_rate = n / render_s, n / issue_s
        plain_s, plain_cpu = med(c.wall for c in plain_renders), med(c.cpu for c in plain_renders)

        def ms(seconds):
            return f"{1000 * seconds / n:.1f} ms"

        rows = [
            ("unsigned render only, `render_pdf` (baseline)", ms(render_s), f"{render_rate:.1f}/s", ms(render_cpu)),
            ("sign only, `sign_pdf` of a rendered PDF", ms(sign_s), f"{n / sign_s:.1f}/s", ms(sign_cpu)),
            ("**full `issue_for_enrollment`**", f"**{ms(issue_s)}**", f"**{issue_rate:.1f}/s**", ms(issue_cpu)),
            ("— of which render", ms(issue_render), "", ""),
            ("— of which sign", ms(issue_sign), "", ""),
            ("— of which database and storage", ms(issue_rest), "", ""),
            (
                "signed issue vs unsigned render",
                f"{issue_s / render_s:.2f}× the time",
                f"{issue_rate / render_rate:.2f}× the rate",
                f"{issue_cpu / render_cpu:.2f}× the CPU",
            ),
            (
                "for comparison: unsigned render, built-in template without pictures",
                ms(plain_s),
                f"{n / plain_s:.1f}/s",
                ms(plain_cpu),
            ),
        ]

        bulk_rows = []
        if args.bulk:
            for concurrency in (1, 2):
                run = bulk_run(people, args.bulk, concurrency)
                run["rss"] = [rss_at(run["samples"], args.bulk, share) for share in (0.0, 0.1, 0.5, 1.0)]
                bulk_rows.append((concurrency, run))
        from lms.certificates.models import Certificate, SerialCounter

        numbers_taken = sum(SerialCounter.objects.values_list("last_number", flat=True))
        issued = Certificate.objects.count()

        print(
            f"\n{n} certificates per run, median of {args.repeat} runs, one process "
            f"(machine CPU busy meanwhile: {100 * busy:.0f} % of {os.cpu_count()} cores):\n"
        )
        print("| what | per certificate | rate | CPU time per certificate |")
        print("|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        if bulk_rows:
            base = args.bulk / bulk_rows[0][1]["seconds"]
            print(f"\n{args.bulk} issues through a real Celery worker (prefork, Redis), after a warm-up:\n")
            print(
                "| worker | time | rate | vs concurrency 1 | pool CPU per certificate | pool CPU / wall time "
                "| machine CPU busy | RSS per pool process after warm-up / at 10 % / 50 % / 100 % | growth 10→100 % |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            for concurrency, run in bulk_rows:
                rate, at = args.bulk / run["seconds"], run["rss"]
                print(
                    f"| `--concurrency={concurrency}` | {run['seconds']:.1f} s | {rate:.1f}/s | {rate / base:.2f}× "
                    f"| {1000 * run['cpu'] / args.bulk:.0f} ms | {run['cpu'] / run['seconds']:.2f} "
                    f"| {100 * run['busy']:.0f} % of {os.cpu_count()} cores "
                    f"| {at[0]:.0f} / {at[1]:.0f} / {at[2]:.0f} / {at[3]:.0f} MiB | {at[3] - at[1]:+.1f} MiB |"
                )
        print(
            f"\ncertificates issued: {issued}; serial numbers taken: {numbers_taken} "
            f"({numbers_taken - issued} left unused)"
        )
        target = "met" if issue_rate >= 10 else "NOT met"
        print(
            f"target (≥ 10 signed certificates per second per process): {target} ({issue_rate:.1f}/s by the clock; "
            f"{n / issue_cpu:.1f}/s of this process's CPU time)"
        )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.sqlite and args.keep_db:
            print(f"kept the database {DB_NAME}")
        elif not args.sqlite:
            admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
