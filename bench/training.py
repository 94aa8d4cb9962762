"""Benchmark: training plans at a province's scale on PostgreSQL, each figure against a bare SQL
baseline measured in the same run, interleaved.

    python bench/training.py [--officials 200000] [--targeted 100000] [--rounds 3]
                             [--parts activation,reminders,progress] [--keep] [--explain]

Creates a throwaway database ``lms_bench_<random>`` on $BENCH_PG (default
postgres://postgres@127.0.0.1:5432), migrates it and builds, with COPY, a province of 921 units
(the province, 20 districts of 45 communes each), --officials active officials with their
accounts (95 % with an e-mail address), open placements, job positions and titles, 2 % more
inactive ones, and two enrolments each in other courses (plus 5 % already self-enrolled in the
plan's courses, half of them completed); then the report tallies are rebuilt, as on a live site.
Exactly --targeted of the active officials work in the first ten districts, shuffled among the
others (their ids are interleaved with everyone else's).

``activation``: a draft plan whose one requirement (a published course, the ten districts, a
fixed due date) matches --targeted officials. Each round runs, in random order, A = the real job
(``services.activate`` and the task body ``services.run_activation``: enrolments, obligations,
the plan's tallies, the ledger's "assigned" rows and the HR dashboard's tallies through the
report receivers) and B = a bare ``INSERT … SELECT`` of the same enrolments and obligations (no
tallies, no ledger), each in a transaction rolled back at the end, after a ``VACUUM ANALYZE``.
A's statements are timed by kind (``--explain``: EXPLAIN ANALYZE of the slowest). Then the plan is
activated for good (committed), for the progress page.

``reminders``: a second plan, two requirements over the whole province (every official has two
obligations, due on the same day: every reminder falls on one day, the worst case), activated;
its "assigned" messages are marked e-mailed as the activation day's run would have. Each round
runs, rolled back and in random order, A = every registered reminder source's ``collect(day)``
(what ``notifications.services.run_day(day)`` calls first) for the day of the first reminder and
B = a bare ``SELECT`` of the obligations due for a reminder that day; then once, committed, the
delivery step (``services.deliver(day)``, Django's locmem backend), against building and sending
the same number of plain messages through the same backend.

``progress``: the committed plan of ``activation`` (some of its enrolments completed or in
progress): the progress page's selectors (and the page itself, through the test client) against
one raw ``GROUP BY`` over its obligations and enrolments, by requirement and unit.

Only 127.0.0.1 is ever contacted. The database is dropped at the end (unless --keep).
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = f"lms_bench_{uuid.uuid4().hex[:8]}"
os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"
os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.pop("CELERY_BROKER_URL", None)  # tasks eager, never a broker
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

DISTRICTS, COMMUNES = 20, 45
TARGET_DISTRICTS = 10
GROUPS = ["lanh-dao", "cntt", "cong-chuc", "vien-chuc"]
UTC = datetime.UTC
BENCH_HR = "bench-hr"


def admin_sql(statement):
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(statement)


def sql(statement, params=()):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def copy_rows(table, columns, rows, serial=True):
    from django.db import connection

    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if serial:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


# The province ---------------------------------------------------------------------------------


def build_units():
    """The province, DISTRICTS districts, COMMUNES communes each; returns (root, districts, communes by district)."""
    from lms.people.models import OrgUnit

    rows, districts, communes = [], [], defaultdict(list)
    rows.append((1, "0001", 1, DISTRICTS, "Tỉnh Benchmark — dữ liệu minh họa", "province", "BT"))
    next_id = 1
    for d in range(DISTRICTS):
        next_id += 1
        district_id, district_path = next_id, OrgUnit._get_path("0001", 2, d + 1)
        rows.append((district_id, district_path, 2, COMMUNES, f"Huyện {d}", "district", f"BT-{d:02d}"))
        districts.append(district_id)
        for c in range(COMMUNES):
            next_id += 1
            path = OrgUnit._get_path(district_path, 3, c + 1)
            rows.append((next_id, path, 3, 0, f"Xã {d}.{c}", "commune", f"BT-{d:02d}-{c:02d}"))
            communes[district_id].append(next_id)
    copy_rows("people_orgunit", ["id", "path", "depth", "numchild", "name", "kind", "code"], rows)
    return 1, districts, communes


def build_people(officials, targeted, districts, communes):
    """``officials`` active officials (``targeted`` of them in the first TARGET_DISTRICTS
    districts, shuffled) and 2 % more inactive ones, with accounts and open placements."""
    from lms.people.models import JobPosition, LeadershipTitle, PositionGroup

    groups = [
        PositionGroup.objects.get_or_create(code=code, defaults={"name": code, "sort_order": n})[0].pk
        for n, code in enumerate(GROUPS)
    ]
    positions = list(JobPosition.objects.values_list("pk", flat=True)) or [None]
    titles = list(LeadershipTitle.objects.values_list("pk", flat=True)) or [None]
    rng = random.Random(2)
    inactive = officials // 50
    total = officials + inactive
    inside = [u for d in districts[:TARGET_DISTRICTS] for u in communes[d]]
    outside = [u for d in districts[TARGET_DISTRICTS:] for u in communes[d]]
    kinds = ["in"] * targeted + ["out"] * (officials - targeted) + ["off"] * inactive
    rng.shuffle(kinds)
    joined = datetime.datetime(2024, 1, 1, tzinfo=UTC)
    copy_rows(
        "auth_user",
        ["id", "password", "is_superuser", "username", "first_name", "last_name", "email", "is_staff", "is_active"]
        + ["date_joined"],
        (
            (n, "!", False, f"bt{n:07d}", "", "", f"bt{n:07d}@example.test" if n % 20 else "", False, True, joined)
            for n in range(1, total + 1)
        ),
    )
    homes, people = {}, []
    for n, kind in enumerate(kinds, start=1):
        unit = rng.choice(inside if kind == "in" else outside if kind == "out" else inside + outside)
        homes[n] = unit
        started = datetime.date(2010, 1, 1) + datetime.timedelta(days=rng.randrange(5800))
        position = rng.choice(positions) if rng.random() < 0.3 else None
        title = rng.choice(titles) if rng.random() < 0.1 else None
        people.append(
            (n, n, f"Cán bộ {n}", f"BT-{n:07d}", unit, rng.choice(groups), position, title)
            + (started if position or title else None, started, "", kind != "off")
        )
    copy_rows(
        "people_official",
        ["id", "user_id", "full_name", "employee_code", "unit_id", "position_group_id", "job_position_id"]
        + ["leadership_title_id", "position_since", "start_date", "phone", "is_active"],
        people,
    )
    copy_rows(
        "people_placement",
        ["official_id", "unit_id", "started_on"],
        ((row[0], row[4], row[9]) for row in people),
        serial=False,
    )
    return homes


def build_courses():
    from content.models import CourseIndexPage, CoursePage, HomePage
    from content.tree import ensure_wagtail_base

    home = ensure_wagtail_base().add_child(instance=HomePage(title="Công chức số", slug="trang-chu-bench"))
    catalogue = home.add_child(instance=CourseIndexPage(title="Khóa học", slug="khoa-hoc"))
    titles = ["Chữ ký số chuyên dùng", "Chuyển đổi số cơ bản", "An toàn thông tin", "Khóa nền 1", "Khóa nền 2"]
    return [
        catalogue.add_child(instance=CoursePage(title=title, slug=f"khoa-{n}", summary="…"))
        for n, title in enumerate(titles)
    ]


def build_enrollments(homes, plan_courses, other_courses):
    """Two enrolments per official in other courses; 5 % already self-enrolled in each plan course."""
    rng = random.Random(3)
    start = datetime.datetime(2024, 1, 1, tzinfo=UTC).timestamp()

    def rows():
        n = 0
        for official, unit in homes.items():
            courses = list(other_courses) + [c for c in plan_courses if rng.random() < 0.05]
            for course in courses:
                n += 1
                enrolled = datetime.datetime.fromtimestamp(start + rng.random() * 700 * 86400, UTC)
                roll = rng.random()
                completed = enrolled + datetime.timedelta(days=rng.randint(1, 90)) if roll < 0.5 else None
                activity = completed or (enrolled + datetime.timedelta(days=3) if roll < 0.75 else None)
                yield (n, official, unit, course.pk, course.title, "self", None, enrolled, activity, completed, 1)

    copy_rows(
        "learning_enrollment",
        ["id", "official_id", "unit_id", "course_id", "course_title", "source", "due_date", "enrolled_at"]
        + ["last_activity_at", "completed_at", "cycle"],
        rows(),
    )


def build_hr(root_id):
    """An HR user managing the whole province, in the HR role."""
    from django.contrib.auth import get_user_model

    from lms.people import roles
    from lms.people.models import HRScope

    user = get_user_model().objects.create_user(BENCH_HR, f"{BENCH_HR}@example.test", None)
    user.groups.add(roles.ensure_roles()[roles.HR])
    HRScope.objects.create(user=user, unit_id=root_id, can_manage=True)
    return user


# Measuring ------------------------------------------------------------------------------------


def kind_of(sql_text):
    return " ".join(str(sql_text).split())[:110]


class Statements:
    """Wall time of every SQL statement, by kind (its first words), through an execute wrapper."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.count = defaultdict(int)

    def __call__(self, execute, sql_text, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            kind = kind_of(sql_text)
            self.seconds[kind] += time.perf_counter() - started
            self.count[kind] += 1

    def top(self, n=12):
        return sorted(self.seconds.items(), key=lambda item: -item[1])[:n]


class Explainer:
    """In context: before each statement of ``kinds``, its EXPLAIN ANALYZE inside a savepoint that
    is rolled back (the statement then runs for real); keeps the slowest plan of each kind."""

    def __init__(self, kinds):
        self.kinds = set(kinds)
        self.plans = {}

    def __call__(self, execute, sql_text, params, many, context):
        kind = kind_of(sql_text)
        if kind in self.kinds and not many:
            raw = context["cursor"].cursor
            raw.execute("SAVEPOINT bench_explain")
            raw.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql_text}", params)
            lines = [line for (line,) in raw.fetchall()]
            raw.execute("ROLLBACK TO SAVEPOINT bench_explain")
            raw.execute("RELEASE SAVEPOINT bench_explain")
            ms = next((float(line.split()[2]) for line in lines if line.startswith("Execution Time")), 0.0)
            if ms > self.plans.get(kind, (-1, None))[0]:
                self.plans[kind] = (ms, lines)
        return execute(sql_text, params, many, context)

    def show(self):
        for kind, (ms, lines) in sorted(self.plans.items(), key=lambda item: -item[1][0]):
            print(f"\n-- slowest {kind} ({ms:.0f} ms):")
            for line in lines:
                print("   ", line if len(line) < 200 else line[:200] + " …")


class Spans:
    """Time spent inside named functions (patched module attributes), summed over a run."""

    def __init__(self, targets):
        self.targets = targets  # (label, module, attribute)
        self.seconds = defaultdict(float)
        self._saved = []

    def __enter__(self):
        for label, module, name in self.targets:
            original = getattr(module, name)

            def wrapper(*args, _original=original, _label=label, **kwargs):
                started = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.seconds[_label] += time.perf_counter() - started

            self._saved.append((module, name, original))
            setattr(module, name, wrapper)
        return self

    def __exit__(self, *exc):
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)
        self._saved.clear()


@contextmanager
def rolled_back():
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Fresh copies of the database ------------------------------------------------------------------


def use_database(name):
    """Point Django's connection at ``name`` (the next query connects to it)."""
    from django.db import connections

    connections.close_all()
    for alias in connections:
        connections[alias].settings_dict["NAME"] = name


@contextmanager
def fresh_copy(template, label):
    """A copy of ``template`` (CREATE DATABASE … TEMPLATE: a file copy, a second or two, untimed),
    used and then dropped; Django connected to it meanwhile, and to ``template`` again after."""
    copy = f"{template}_{label}"
    use_database(template)
    admin_sql(f'DROP DATABASE IF EXISTS "{copy}"')
    admin_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    use_database(copy)
    try:
        yield copy
    finally:
        use_database(template)
        admin_sql(f'DROP DATABASE IF EXISTS "{copy}"')


def interleaved(rounds, sides, seed=7):
    """Each side once per round, in an order drawn per round, each on a fresh copy of the database,
    committed; ``{name: [seconds…]}``. A side is ``(name, call)``; ``call()`` returns its own measured
    seconds (its checks excluded)."""
    rng = random.Random(seed)
    times = defaultdict(list)
    for number in range(rounds):
        order = list(sides)
        rng.shuffle(order)
        for name, call in order:
            with fresh_copy(DB_NAME, "run"):
                seconds = call()
            times[name].append(seconds)
            print(f"  round {number + 1}: {name} {seconds:.2f} s", flush=True)
    return times


def median(values):
    return statistics.median(values)


def show(values):
    return f"{median(values):.2f} s (runs: {', '.join(f'{v:.2f}' for v in values)})"


def ratio(a, b):
    return f"{median(a) / median(b):.2f}"


# Part 1: activation ---------------------------------------------------------------------------


def bare_insert_sql(requirement, paths):
    """The enrolments and obligations a minimal implementation would insert, straight from the
    officials: no tallies, no ledger, no reconciliation of anything already there."""
    likes = [f"{path}%" for path in paths]
    target = "people_official o JOIN people_orgunit u ON u.id = o.unit_id"
    where = f"o.is_active AND ({' OR '.join(['u.path LIKE %s'] * len(paths))})"
    enrol = (
        "INSERT INTO learning_enrollment (official_id, unit_id, course_id, course_title, source, assigned_by_id,"
        " due_date, enrolled_at, cycle)"
        f" SELECT o.id, o.unit_id, %s, %s, 'assignment', NULL, %s, now(), 1 FROM {target} WHERE {where}"
        " AND NOT EXISTS (SELECT 1 FROM learning_enrollment x WHERE x.official_id = o.id AND x.course_id = %s)"
    )
    oblige = (
        "INSERT INTO training_obligation (requirement_id, plan_id, official_id, enrollment_id, assigned_at,"
        " rule_due_date, due_date, round, tally_unit_id, tally_group_id, tally_position_id, tally_title_id)"
        " SELECT %s, %s, o.id, e.id, now(), %s, %s, 1, o.unit_id, o.position_group_id,"
        " COALESCE(o.job_position_id, 0), COALESCE(o.leadership_title_id, 0)"
        f" FROM {target} JOIN learning_enrollment e ON e.official_id = o.id AND e.course_id = %s WHERE {where}"
    )
    r = requirement
    return [
        (enrol, [r.course_id, r.course_title, r.due_date, *likes, r.course_id]),
        (oblige, [r.pk, r.plan_id, r.due_date, r.due_date, r.course_id, *likes]),
    ]


SPANS = [
    ("assignment.sync, all of it", "lms.training.assignment", "sync"),
    ("learning.bulk.insert_assigned (the INSERT and the report receivers)", "lms.learning.bulk", "insert_assigned"),
    ("reports: enrollments_added", "lms.reports.maintenance", "enrollments_added"),
    (
        "reports: enrollments_rewritten (self-enrolled made assigned)",
        "lms.reports.maintenance",
        "enrollments_rewritten",
    ),
    ("training.tallies.add_ids", "lms.training.tallies", "add_ids"),
    ("ledger: the assigned rows (_notify_assigned)", "lms.training.assignment", "_notify_assigned"),
    (
        "assignment.sync_enrollments (due dates of enrolments already there)",
        "lms.training.assignment",
        "sync_enrollments",
    ),
]


def spans():
    import importlib

    return Spans([(label, importlib.import_module(module), name) for label, module, name in SPANS])


def make_plan(hr, name, units, courses, due_date, audience):
    from lms.training import services
    from lms.training.models import Requirement

    plan = services.create_plan(hr, name=name, year=due_date.year, owner_unit=units[0].get_root())
    for course in courses:
        services.save_requirement(
            hr,
            plan,
            services.RequirementFields(
                course=course, audience=audience, units=units, due_rule=Requirement.DueRule.FIXED, due_date=due_date
            ),
        )
    return plan


def activate(plan_id, hr):
    """The real job: ``services.activate`` (its transaction), then at the commit the Celery task,
    eager here: ``services.run_activation`` → ``assign_plan`` (its own transaction)."""
    from lms.training import services
    from lms.training.models import TrainingPlan

    started = time.perf_counter()
    services.activate(TrainingPlan.objects.get(pk=plan_id), hr)
    seconds = time.perf_counter() - started
    plan = TrainingPlan.objects.get(pk=plan_id)
    assert plan.status == TrainingPlan.Status.ACTIVE, (plan.status, plan.last_error)
    return seconds


def activation(args, world):
    from django.db import connection

    from lms.notifications.models import Notification
    from lms.training import rules, tallies
    from lms.training.models import Obligation

    hr, today = world["hr"], world["today"]
    units = list(world["units"].filter(pk__in=world["districts"][:TARGET_DISTRICTS]))
    plan = make_plan(
        hr,
        "Kế hoạch bồi dưỡng kỹ năng số năm 2026",
        units,
        world["courses"][:1],
        today + datetime.timedelta(days=120),
        "Cán bộ, công chức mười huyện",
    )
    requirement = plan.requirements.get()
    matched = rules.targeted(requirement).count()
    paths = rules.target_paths(requirement)
    print(f"\n== Activation: one requirement matching {matched} officials (chunk {settings_chunk()}) ==")
    statements, spans_total, counts = Statements(), defaultdict(list), {}

    def real_job():
        with spans() as timed, connection.execute_wrapper(statements):
            seconds = activate(plan.pk, hr)
        counts["obligations"] = Obligation.objects.filter(plan=plan).count()
        counts["assigned messages"] = Notification.objects.filter(topic="obligation", trigger="assigned").count()
        counts["plan tally right"] = tallies.check(plan.pk)
        for label, value in timed.seconds.items():
            spans_total[label].append(value)
        return seconds

    def bare():
        started = time.perf_counter()
        rows = 0
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
            for statement, params in bare_insert_sql(requirement, paths):
                cursor.execute(statement, params)
                rows += cursor.rowcount
            cursor.execute("COMMIT")
        seconds = time.perf_counter() - started
        counts["bare rows"] = rows
        return seconds

    a_name, b_name = "A the real job", "B bare INSERT … SELECT"
    times = interleaved(args.rounds, [(a_name, real_job), (b_name, bare)])
    print(
        f"obligations {counts['obligations']}, assigned messages {counts['assigned messages']},"
        f" plan tally right: {counts['plan tally right']}; bare rows inserted {counts['bare rows']}"
    )
    print(f"{a_name} (services.activate + the task): {show(times[a_name])}")
    print(f"{b_name} (enrolments + obligations, one transaction): {show(times[b_name])}")
    print(f"ratio A / B: {ratio(times[a_name], times[b_name])}  (targets: A under 60 s, A / B at most 4)")
    print("of A (median of the runs):")
    for label, values in spans_total.items():
        print(f"  {label}: {median(values):.2f} s")
    runs = len(times[a_name])
    print("slowest statements of A (seconds and count per run):")
    for kind, seconds in statements.top():
        print(f"  {seconds / runs:7.2f} s  x{statements.count[kind] // runs:<5} {kind}")
    if args.explain:
        explainer = Explainer([kind for kind, _ in statements.top(8)])
        with fresh_copy(DB_NAME, "explain"), connection.execute_wrapper(explainer):
            activate(plan.pk, hr)
        explainer.show()
    # For good, in the main database: the plan whose progress page part 3 reads.
    activate(plan.pk, hr)
    return {"A": times[a_name], "B": times[b_name], "plan": plan, "matched": matched}


def settings_chunk():
    from django.conf import settings

    return settings.TRAINING_ACTIVATION_CHUNK


# Part 2: reminders -----------------------------------------------------------------------------

BARE_DUE = """
SELECT o.user_id, b.id FROM training_obligation b
JOIN training_trainingplan p ON p.id = b.plan_id
JOIN learning_enrollment e ON e.id = b.enrollment_id
JOIN people_official o ON o.id = b.official_id
WHERE b.ended_at IS NULL AND p.status = 'active' AND e.completed_at IS NULL AND o.is_active
  AND b.due_date IN (%s, %s, %s)
"""


def reminders(args, world):
    from django.core import mail
    from django.core.mail import EmailMessage, get_connection
    from django.db import connection
    from django.db.models import Count

    from lms.notifications import registry, services
    from lms.notifications.models import Notification

    hr, today = world["hr"], world["today"]
    due = today + datetime.timedelta(days=30)
    plan = make_plan(
        hr,
        "Kế hoạch chuyển đổi số năm 2026",
        [world["units"].get(pk=world["root"])],
        world["courses"][1:3],
        due,
        "Toàn thể cán bộ, công chức, viên chức",
    )
    print(f"\n== Reminders: plan of two requirements over the whole province, due {due} ==")
    seconds = activate(plan.pk, world["hr"])
    obligations = plan.obligations.count()
    print(f"activated for good (services.activate + the task): {seconds:.2f} s for {obligations} obligations")
    # The activation day's run e-mailed the "assigned" messages.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE notifications_notification SET email_status = 'sent', emailed_at = now()")
        cursor.execute("VACUUM ANALYZE")
    day = due - datetime.timedelta(days=14)  # the 14-day reminder of every one of them
    sources = registry.sources()
    print(f"day {day}; registered sources: {', '.join(sources)}")
    counts = {}

    def record():
        started = time.perf_counter()
        counts["recorded"] = {name: collect(day) for name, collect in sources.items()}
        return time.perf_counter() - started

    def bare():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(BARE_DUE, [day + datetime.timedelta(days=14), day + datetime.timedelta(days=3), day])
            counts["bare rows"] = len(cursor.fetchall())
        return time.perf_counter() - started

    a_name, b_name = "A recording (every source's collect)", "B bare SELECT of the due obligations"
    times = interleaved(args.rounds, [(a_name, record), (b_name, bare)])
    print(f"recorded {counts['recorded']}; bare SELECT rows {counts['bare rows']}")
    print(f"{a_name}: {show(times[a_name])}")
    print(f"{b_name}: {show(times[b_name])}")
    print(f"ratio A / B: {ratio(times[a_name], times[b_name])}")

    # Delivery, once, on a copy where the day's rows are recorded.
    with fresh_copy(DB_NAME, "deliver"):
        record()
        pending = Notification.objects.due_by(day).count()
        mail.outbox = []
        started = time.perf_counter()
        sent = services.deliver(day)
        delivery = time.perf_counter() - started
        outbox = len(mail.outbox)
        sample = mail.outbox[0] if mail.outbox else None
        statuses = dict(
            Notification.objects.filter(day=day).values_list("email_status").annotate(n=Count("pk")).order_by()
        )
    size = len(sample.message().as_bytes()) if sample else 0
    print(
        f"delivery (services.deliver, locmem): {sent} e-mails for {pending} notifications in {delivery:.1f} s"
        f" = {sent / delivery:.0f} e-mails/s; outbox {outbox}, {size} bytes each; statuses {statuses}"
    )
    # The floor: as many plain messages of that size, built and sent through the same backend.
    mail.outbox = []
    body = sample.body if sample else "x" * 1000
    messages = [EmailMessage(f"Nhắc việc {n}", body, to=[f"bt{n:07d}@example.test"]) for n in range(sent)]
    started = time.perf_counter()
    with get_connection() as backend:
        backend.send_messages(messages)
    floor = time.perf_counter() - started
    mail.outbox = []
    print(
        f"the same number of plain messages through locmem: {floor:.1f} s = {sent / floor:.0f} e-mails/s;"
        f" delivery takes {delivery / floor:.1f}× as long"
    )
    return {"A": times[a_name], "B": times[b_name], "delivery": delivery, "sent": sent, "floor": floor}


# Part 3: the progress page ----------------------------------------------------------------------

RAW_PROGRESS = """
SELECT b.requirement_id, b.tally_unit_id, COUNT(*),
       SUM(CASE WHEN e.completed_at IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.completed_at IS NULL AND e.last_activity_at IS NOT NULL
                 AND (e.cycle_started_at IS NULL OR e.last_activity_at > e.cycle_started_at) THEN 1 ELSE 0 END),
       SUM(CASE WHEN e.completed_at IS NULL AND b.due_date < %s THEN 1 ELSE 0 END)
FROM training_obligation b JOIN learning_enrollment e ON e.id = b.enrollment_id
WHERE b.plan_id = %s AND b.ended_at IS NULL
GROUP BY 1, 2
"""


def measure_pair(first, second, repeat):
    """Both calls alternately, ``repeat`` times each after a warm-up; (median, p95) of each, and
    the number of queries of one call of each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = []
    for call in (first, second):
        with CaptureQueriesContext(connection) as queries:
            call()
        results.append([[], len(queries)])
    for _ in range(repeat):
        for index, call in enumerate((first, second)):
            started = time.perf_counter()
            call()
            results[index][0].append(time.perf_counter() - started)
    out = []
    for times, queries in results:
        times.sort()
        out.append((median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))], queries))
    return out


def progress(args, world, plan):
    from django.db import connection
    from django.test import Client

    from lms.training import progress as selectors
    from lms.training import tallies

    today = world["today"]
    # Some progress: a third completed, a quarter in progress (straight in SQL), tallies recounted.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE learning_enrollment SET completed_at = now(), last_activity_at = now()"
            " WHERE id IN (SELECT enrollment_id FROM training_obligation WHERE plan_id = %s) AND id %% 3 = 0",
            [plan.pk],
        )
        cursor.execute(
            "UPDATE learning_enrollment SET last_activity_at = now() WHERE completed_at IS NULL"
            " AND id IN (SELECT enrollment_id FROM training_obligation WHERE plan_id = %s) AND id %% 4 = 1",
            [plan.pk],
        )
    tallies.rebuild(plan.pk)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(
            "SELECT COUNT(*) FROM training_plantally WHERE requirement_id IN"
            " (SELECT id FROM training_requirement WHERE plan_id = %s)",
            [plan.pk],
        )
        tally_rows = cursor.fetchone()[0]
    targeted = plan.obligations.filter(ended_at__isnull=True).count()
    print(f"\n== Progress page: {targeted} targeted officials, {tally_rows} tally rows ==")
    hr = world["hr"]
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(hr)
    url = f"/nhan-su/ke-hoach/{plan.pk}/tien-do/"
    district = world["districts"][0]

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_PROGRESS, [today, plan.pk])
            return cursor.fetchall()

    cases = []
    for label, unit in (("the province", None), ("a district", district)):

        def selector(unit=unit):
            hr_user = type(hr).objects.get(pk=hr.pk)  # a fresh request's user: its scope computed again
            area = selectors.area_for(hr_user, unit)
            return selectors.progress(plan, area, None, today)

        def page(unit=unit):
            response = client.get(url, {"unit": unit} if unit else {})
            assert response.status_code == 200, response.status_code

        (s_med, s_p95, s_q), (r_med, r_p95, _) = measure_pair(selector, raw, args.repeat)
        (p_med, p_p95, p_q), (r2_med, r2_p95, _) = measure_pair(page, raw, args.repeat)
        cases.append((label, s_med, p_med, r_med, r2_med))
        print(
            f"{label}: selectors {s_med * 1000:.1f} / {s_p95 * 1000:.1f} ms ({s_q} queries);"
            f" the page over HTTP {p_med * 1000:.1f} / {p_p95 * 1000:.1f} ms ({p_q} queries);"
            f" raw GROUP BY {r_med * 1000:.1f} / {r_p95 * 1000:.1f} ms (and {r2_med * 1000:.1f} alongside the page);"
            f" ratios {s_med / r_med:.3f} (selectors) and {p_med / r2_med:.3f} (page)"
        )
    return cases


# Main -----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--officials", type=int, default=200_000)
    parser.add_argument("--targeted", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds, each on fresh copies of the data")
    parser.add_argument("--repeat", type=int, default=20, help="requests of the progress page (and raw queries)")
    parser.add_argument("--parts", default="activation,reminders,progress")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest statements")
    parser.add_argument("--keep", action="store_true", help="keep the database (drop it yourself)")
    parser.add_argument("--build-only", action="store_true", help="build the province, keep it, measure nothing")
    parser.add_argument("--from-template", metavar="DB", help="copy a --build-only database instead of building")
    args = parser.parse_args()
    parts = set(args.parts.split(","))

    if args.from_template:
        admin_sql(f'CREATE DATABASE "{DB_NAME}" TEMPLATE "{args.from_template}"')
    else:
        admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    keep = args.keep or args.build_only
    try:
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from content.models import CoursePage
        from lms.core import dates
        from lms.people.models import OrgUnit
        from lms.reports import rebuild

        print(f"PostgreSQL benchmark database {DB_NAME}; {os.cpu_count()} cores")
        if args.from_template:
            print(f"copied from {args.from_template}")
        else:
            call_command("migrate", run_syncdb=True, verbosity=0)
            started = time.perf_counter()
            root_id, _districts, communes = build_units()
            homes = build_people(args.officials, args.targeted, _districts, communes)
            courses = build_courses()
            build_enrollments(homes, courses[:3], courses[3:])
            build_hr(root_id)
            sql("ANALYZE")
            enrollments = sql("SELECT COUNT(*) FROM learning_enrollment")[0][0]
            print(
                f"built {OrgUnit.objects.count()} units, {len(homes)} officials ({args.officials} active),"
                f" {enrollments} enrolments in {time.perf_counter() - started:.0f} s"
            )
            started = time.perf_counter()
            rebuild.rebuild()
            sql("VACUUM ANALYZE")
            print(f"report tallies rebuilt in {time.perf_counter() - started:.1f} s")
        if args.build_only:
            return
        world = {
            "hr": get_user_model().objects.get(username=BENCH_HR),
            "root": OrgUnit.objects.get(depth=1).pk,
            "districts": list(OrgUnit.objects.filter(depth=2).order_by("path").values_list("pk", flat=True)),
            "courses": list(CoursePage.objects.order_by("pk")),
            "units": OrgUnit.objects.all(),
            "today": dates.today(),
        }
        if "activation" in parts or "progress" in parts:
            plan = activation(args, world)["plan"]
            if "progress" in parts:
                progress(args, world, plan)
        if "reminders" in parts:
            reminders(args, world)
    finally:
        from django.db import connections

        connections.close_all()
        if keep:
            print(f"kept: {SERVER}/{DB_NAME}")
        else:
            admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}"')


if __name__ == "__main__":
    main()
