"""Thin Celery wrappers around the ledger's services.

``run_reminders()``
    Daily (beat "send-reminders", 07:00): ``services.run_day()``: every reminder source records
    what is due today, then each person gets one e-mail. Retried on mail and database errors;
    a retry sends nothing twice (the ledger key and the day's e-mail marker).
"""

import smtplib

from celery import shared_task
from django.db import DatabaseError

RETRY_ON = (DatabaseError, smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(autoretry_for=RETRY_ON, retry_backoff=True, retry_backoff_max=600, max_retries=8)
def run_reminders():
    from . import services

    result = services.run_day()
    return {"day": result["day"].isoformat(), "recorded": result["recorded"], "sent": result["sent"]}
