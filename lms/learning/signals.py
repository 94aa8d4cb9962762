"""Signals sent by learning, so that higher layers can react without learning importing them.

``enrollment_completed`` is sent by ``services.complete()`` inside the completing transaction,
with ``sender=Enrollment`` and ``enrollment=<the Enrollment>``. A receiver that starts work
elsewhere (a Celery task) must defer it to the commit (``lms.celery.enqueue_on_commit``).
"""

from django.dispatch import Signal

enrollment_completed = Signal()
