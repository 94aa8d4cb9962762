"""Nothing is lost when the broker is down: the course is completed while Redis is stopped (the
certificate task cannot be sent), Redis comes back, the periodic sweeper runs in a real worker,
and the certificate appears."""

import shutil
import socket
import subprocess
import time

import pytest
import redis

from lms.certificates import tasks
from lms.certificates.models import Certificate
from lms.learning import services as learning
from tests.conftest import skip_or_fail
from tests.factories import OfficialFactory, lessons_of
from tests.test_celery_worker import running_worker, wait_for

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A Redis server of this test's own, so that it can be stopped without harming anyone."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        assert wait_for(lambda: self._pings(client), timeout=15), "redis-server did not start"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)

    @staticmethod
    def _pings(client):
        try:
            return client.ping()
        except redis.exceptions.ConnectionError:
            return False


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        skip_or_fail("redis-server is not installed")
    server = PrivateRedis()
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


def test_a_certificate_appears_after_the_broker_comes_back(private_redis, tmp_path, celery_conf, course, caplog):
    official = OfficialFactory(full_name="Hà Văn Thắng")
    enrollment = learning.enrol(official, course)
    with running_worker(private_redis.url, tmp_path, celery_conf, CERTIFICATE_SWEEP_GRACE_SECONDS="0") as (
        process,
        _mail,
    ):
        private_redis.stop()
        started = time.monotonic()
        for lesson in lessons_of(course):
            learning.record_lesson_done(official, lesson)  # on commit: the task cannot be sent
        assert time.monotonic() - started < 30, "completing a course must not hang on a dead broker"
        enrollment.refresh_from_db()
        assert enrollment.is_complete
        assert "Could not enqueue lms.certificates.tasks.issue_certificate" in caplog.text
        time.sleep(2)
        assert not Certificate.objects.exists()

        private_redis.start()  # the same address: the worker reconnects
        tasks.issue_missing_certificates.delay()  # what beat sends every ten minutes

        def issued():
            assert process.poll() is None, "the worker died"
            return Certificate.objects.filter(enrollment=enrollment, is_current=True).exists()

        assert wait_for(issued, timeout=120), "the sweeper did not issue the certificate"
    certificate = Certificate.objects.get()
    assert certificate.holder_name == "Hà Văn Thắng" and certificate.pdf and len(certificate.sha256) == 64
