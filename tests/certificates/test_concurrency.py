"""Issuing under real concurrency, on PostgreSQL: threads released together by a barrier, each with
its own connection. What is guarded: the enrolment row lock and the one-current constraint (one
certificate, however many callers), and the year's counter (distinct serials, none given twice)."""

import pytest

from lms.certificates import services
from lms.certificates.models import Certificate, SerialCounter
from tests.certificates.conftest import completed_enrollment
from tests.concurrency import run_together as shared_run_together
from tests.factories import make_course
from tests.support.db import ROW_LOCKS, postgres_only

pytestmark = [
    postgres_only(ROW_LOCKS),
    pytest.mark.django_db(transaction=True),
]

THREADS = 5
TIMEOUT = 120


def run_together(count, work):
    return shared_run_together(count, lambda index, _prepared: work(index), timeout=TIMEOUT)


def test_concurrent_issues_for_one_enrolment_make_one_certificate(course):
    enrollment = completed_enrollment(course)

    results, errors = run_together(THREADS, lambda _index: services.issue_for_enrollment(enrollment.pk).pk)

    assert errors == [None] * THREADS
    certificate = Certificate.objects.get(enrollment=enrollment, is_current=True)
    assert results == [certificate.pk] * THREADS
    assert Certificate.objects.count() == 1
    assert SerialCounter.objects.get().last_number == 1  # no number burnt by the callers that waited


def test_concurrent_issues_for_different_enrolments_get_distinct_serials(catalogue):
    enrollments = [completed_enrollment(make_course(catalogue, f"Khóa {n}", lessons=1)) for n in range(THREADS)]

    results, errors = run_together(THREADS, lambda index: services.issue_for_enrollment(enrollments[index].pk).number)

    assert errors == [None] * THREADS
    assert sorted(results) == list(range(1, THREADS + 1))
    assert Certificate.objects.values("serial").distinct().count() == THREADS
