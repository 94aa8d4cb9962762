"""Files built in the background for the user who asked for them (a unit's certificates as a ZIP,
a report's rows as CSV or XLSX): what such a job records and the steps every one of them shares.

A job is a row of a concrete subclass of ``FileJob``: queued → running → done | failed, with
progress (``done`` of ``total``) and the file in the private storage. A partial unique constraint
(``per_user``) keeps one job of a kind in the making per user. A Celery task runs
``build``, which starts with ``claim`` (so that a duplicate or late delivery does nothing) and ends
with ``finish``; ``run_task`` retries storage and database errors and marks the job failed once
retries are spent; ``prune`` (hourly) deletes old jobs, re-enqueues lost requests and fails builds
whose worker died.
"""

import datetime
import logging

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

KEEP = datetime.timedelta(days=7)
LOST_AFTER = datetime.timedelta(minutes=15)
STALE_AFTER = datetime.timedelta(hours=3)
CHUNK = 500


class FileJob(models.Model):
    """The state of a background job that produces a file. Subclasses add ``total``, ``done`` and
    ``file`` (with their own labels and place in the storage) and what the job is about."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Preparing")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("requested by")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.pk} ({self.get_status_display()})"

    @property
    def is_working(self):
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self):
        return min(100, round(100 * self.done / self.total)) if self.total else 0


WORKING = [FileJob.Status.QUEUED, FileJob.Status.RUNNING]


def per_user(prefix):
    """``(indexes, constraints)`` of a kind of job: its requester's latest first, and one job waiting
    or running per user (a double click or a second tab cannot queue another)."""
    return (
        [models.Index(fields=["requested_by", "-created_at"], name=f"{prefix}_requester_created")],
        [
            models.UniqueConstraint(
                fields=["requested_by"], condition=Q(status__in=WORKING), name=f"{prefix}_one_working_per_user"
            )
        ],
    )


def claim(model, job_id, *related):
    """Start (or, after a lost worker, restart) the job; None when there is nothing to do."""
    claimed = model.objects.filter(pk=job_id, status__in=WORKING).update(
        status=FileJob.Status.RUNNING, started_at=timezone.now(), done=0, error=""
    )
    if not claimed:
        return None
    return model.objects.select_related(*related).get(pk=job_id)


def build(model, job_id, write):
    """Claim the job and ``write(job)`` in the site's language (the file is for the organisation's
    records, whoever asked); None when there is nothing to do."""
    job = claim(model, job_id, "requested_by", "unit")
    if job is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        return write(job)


def set_progress(job, **counts):
    type(job).objects.filter(pk=job.pk).update(**counts)


def finish(job, done):
    """Mark the job done with the file saved in ``job.file``; if another run of the same request
    finished first, keep its file and delete this one. The file's name, or None."""
    finished = (
        type(job)
        .objects.filter(pk=job.pk, status=FileJob.Status.RUNNING)
        .update(status=FileJob.Status.DONE, file=job.file.name, done=done, finished_at=timezone.now())
    )
    if not finished:
        job.file.storage.delete(job.file.name)
    return job.file.name if finished else None


def mark_failed(model, job_id, error):
    model.objects.filter(pk=job_id).exclude(status=FileJob.Status.DONE).update(
        status=FileJob.Status.FAILED, error=repr(error)[:2000], finished_at=timezone.now()
    )


def delete(job):
    if job.file:
        job.file.storage.delete(job.file.name)
    job.delete()


def prune(model, task, now=None, keep=KEEP):
    """Delete jobs older than ``keep`` (row and file); re-enqueue ``task`` for requests that waited
    too long (their task was lost); fail builds that stopped long ago (their worker died), so that
    their requester may ask again. Returns the number deleted."""
    now = now or timezone.now()
    deleted = 0
    for job in model.objects.filter(created_at__lt=now - keep).iterator(chunk_size=CHUNK):
        delete(job)
        deleted += 1
    lost = list(
        model.objects.filter(status=FileJob.Status.QUEUED, created_at__lt=now - LOST_AFTER).values_list(
            "pk", flat=True
        )[:100]
    )
    for job_id in lost:
        task.delay(job_id)
    model.objects.filter(status=FileJob.Status.RUNNING, started_at__lt=now - STALE_AFTER).update(
        status=FileJob.Status.FAILED, error="stalled", finished_at=now
    )
    return deleted


def run_task(task, build, fail, job_id, retry_on):
    """The body of a job's Celery task (``bind=True``): ``build(job_id)``; on ``retry_on`` errors
    retried with backoff while retries last, then (or on any other error) ``fail(job_id, error)``
    for the requester to see, never raised."""
    try:
        return build(job_id)
    except retry_on as error:
        if not task.request.is_eager and task.request.retries < task.max_retries:
            raise task.retry(exc=error, countdown=30 * 2**task.request.retries) from error
        logger.exception("%s %s failed", task.name, job_id)
        fail(job_id, error)
    except Exception as error:
        logger.exception("%s %s failed", task.name, job_id)
        fail(job_id, error)
    return None
