import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

app = Celery("lms")
# Every Celery option lives in Django settings under the CELERY_ prefix.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args, **kwargs):
    """Send ``task`` once the surrounding transaction commits.

    If the broker cannot be reached the error is logged rather than raised: the data is already
    committed, and every task's outcome is also produced by a periodic sweeper.
    """
    import logging

    from django.db import transaction
    from kombu.exceptions import OperationalError

    def send():
        try:
            task.apply_async(args, kwargs, retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2})
        except (OperationalError, ConnectionError) as error:
            logging.getLogger(__name__).warning("Could not enqueue %s%r: %s", task.name, args, error)

    transaction.on_commit(send)
