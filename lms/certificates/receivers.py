"""Signal receivers: how the rest of the platform reaches certificates without importing them."""

from lms.celery import enqueue_on_commit

from .tasks import issue_certificate


def issue_on_completion(sender, enrollment, **kwargs):
    """A course was completed: issue its certificate once the completing transaction commits."""
    enqueue_on_commit(issue_certificate, enrollment.pk)
