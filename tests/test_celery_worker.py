"""A real Celery worker, in its own process, consuming from Redis and writing to the test database."""

import contextlib
import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from lms.learning import services
from lms.learning.models import Enrollment
from tests.conftest import skip_or_fail
from tests.factories import OfficialFactory, lessons_of, make_course, site_tree

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def database_url():
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def redis_broker():
    import redis

    try:
        redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        skip_or_fail(f"Redis is not reachable at {BROKER}: {error}")
    return BROKER


@contextlib.contextmanager
def running_worker(broker, tmp_path, celery_conf, queue=None, module="celery", **extra_env):
    """A real worker process on a queue of its own at ``broker`` (or on ``queue``, to share one);
    yields (process, mail directory). ``module`` is what ``python -m`` runs with the worker's
    arguments (``tests.slow_worker`` slows chosen functions down)."""
    queue = queue or f"test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="lms.settings.test",
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=broker,
        CELERY_TASK_DEFAULT_QUEUE=queue,
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DJANGO_EMAIL_FILE_PATH=str(mail_dir),
        **extra_env,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", module, "-A", "lms", "worker", "--pool=solo", "-Q", queue, "--loglevel=INFO"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_conf(task_always_eager=False, broker_url=broker, task_default_queue=queue)
    process.queue = queue
    try:
        yield process, mail_dir
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output)


@pytest.fixture
def worker(redis_broker, tmp_path, celery_conf):
    with running_worker(redis_broker, tmp_path, celery_conf) as running:
        yield running


def wait_for(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_completing_a_course_sends_the_email_through_a_real_worker(worker):
    process, mail_dir = worker
    _home, catalogue = site_tree()
    course = make_course(catalogue, "Thư điện tử công vụ", lessons=2)
    official = OfficialFactory(full_name="Lò Thị Hạnh")
    official.user.email = "hanh@minhson.example"
    official.user.save()
    services.enrol(official, course)
    for lesson in lessons_of(course):
        services.record_lesson_done(official, lesson)  # autocommit: on_commit fires, the task goes to Redis

    def notified():
        assert process.poll() is None, "the worker died"
        return Enrollment.objects.filter(completion_notified_at__isnull=False).exists()

    assert wait_for(notified), "the worker did not process the task"
    messages = list(mail_dir.iterdir())
    assert len(messages) == 1
    body = messages[0].read_text(encoding="utf-8")
    assert "hanh@minhson.example" in body
    assert "Lò Thị Hạnh" in body
