"""Background jobs that work on a row of their own: what every kind shares, so that no dead
worker, lost message or late redelivery can leave one stuck, run twice or lie about its state.

Kinds of job: the import of officials (two stages: the dry run and the apply), a unit's
certificates as a ZIP, a report's rows as CSV or XLSX. Each is a model with the fields of
``Tracked``; a kind declares each of its stages once (``Stage``, registered in its app's
``ready``), and these rules hold for all of them:

- **Claim.** A task starts with ``run``: an atomic ``UPDATE`` takes the job only while it is in
  the stage's status and nobody holds it (no heartbeat, or a stale one), adds one to ``attempts``
  and stamps ``heartbeat_at``. A duplicate message, a second worker or Redis's redelivery an hour
  later finds it held or finished and does nothing.
- **Heartbeat.** While the work runs, a thread of the worker stamps ``heartbeat_at`` every
  ``JOBS_HEARTBEAT_SECONDS`` on a connection of its own, so a stage that holds one long
  transaction (the apply) still shows it is alive. A killed worker stops beating.
- **Sweeper.** ``sweep`` (beat, every minute) finds jobs whose heartbeat is older than
  ``JOBS_STALE_SECONDS``: while ``attempts`` is below ``JOBS_MAX_ATTEMPTS`` it releases them and
  sends their task again (another worker finishes them); after that it marks them failed with a
  translated reason, so that the requester may start again. Jobs never claimed (their message was
  lost with the broker) are sent again after ``JOBS_LOST_SECONDS``.
- **Retries.** Database and storage errors release the job and retry the task with backoff; any
  other error, or the last retry, marks it failed with a translated reason; the details go to the
  log, never to the page.

``FileJob`` is the model of the jobs that produce a file for their requester: queued → running →
done | failed, progress (``done`` of ``total``), the file in the private storage; a partial unique
constraint (``per_user``) keeps one job of a kind in the making per user. ``prune`` (hourly)
deletes the old ones.
"""

import contextlib
import datetime
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar, cast

from django.conf import settings
from django.db import DatabaseError, connections, models
from django.db.models import F, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

logger = logging.getLogger(__name__)

KEEP = datetime.timedelta(days=7)
CHUNK = 500
RETRY_ON = (DatabaseError, OSError)
R = TypeVar("R")


def heartbeat_every() -> float:
    return float(settings.JOBS_HEARTBEAT_SECONDS)


def stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(settings.JOBS_STALE_SECONDS))


def lost_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=float(settings.JOBS_LOST_SECONDS))


def max_attempts() -> int:
    return int(settings.JOBS_MAX_ATTEMPTS)


class Tracked(models.Model):
    """What the claim, the heartbeat and the sweeper need on a job's row."""

    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0, editable=False)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now, editable=False)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True, editable=False)
    # Each kind is a concrete model with its default manager (declared here for the type checker only).
    objects: ClassVar[models.Manager[Self]]

    class Meta:
        abstract = True


@dataclass(frozen=True)
class Stage:
    """One step of a kind of job that a Celery task performs.

    ``statuses``: the statuses in which the step is waiting or running (the sweeper looks there);
    ``running``: the status a claim sets (None: keep it); ``task``: the Celery task run with the
    job's id; ``fail(job_id, reason)``: mark the job failed with a translated reason."""

    name: str
    model: type[Any]  # a concrete model with the fields of ``Tracked`` and a ``status``
    statuses: tuple[str, ...]
    task: Any  # a Celery task (Celery has no type hints)
    fail: Callable[[int, str], None]
    running: str | None = None
    related: tuple[str, ...] = field(default=())


_stages: dict[str, Stage] = {}


def register(stage: Stage) -> Stage:
    _stages[stage.name] = stage
    return stage


def stages() -> Iterable[Stage]:
    return list(_stages.values())


def stage(name: str) -> Stage:
    return _stages[name]


# Reasons the requester reads (the site's language; see ``_reason``).
REASON_STALLED = _("The worker preparing this job stopped before finishing, several times. Please start again.")
REASON_ERROR = _("An unexpected error stopped this job. Please start again; if it fails again, tell the administrator.")


def _reason(text: "str | StrPromise") -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def claim(stage: Stage, job_id: int, now: datetime.datetime | None = None) -> Any:
    """Take the job for one attempt; the job (with its new ``attempts``) or None if it is finished,
    in another stage, or held by a worker that is alive."""
    now = now or timezone.now()
    free = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - stale_after())
    changes = {"attempts": F("attempts") + 1, "heartbeat_at": now}
    if stage.running:
        changes["status"] = stage.running
    claimed = stage.model.objects.filter(free, pk=job_id, status__in=stage.statuses).update(**changes)
    if not claimed:
        return None
    return stage.model.objects.select_related(*stage.related).get(pk=job_id)


def release(job: Tracked) -> None:
    """Give the job back (before a retry), so that the next delivery may claim it at once."""
    type(job).objects.filter(pk=job.pk, attempts=job.attempts).update(heartbeat_at=None, queued_at=timezone.now())


def still_held(job: Tracked) -> Q:
    """A filter that matches the job's row only while this attempt holds it."""
    return Q(pk=job.pk, attempts=job.attempts)


@contextlib.contextmanager
def heartbeat(job: Tracked, enabled: bool = True, every: float | None = None) -> Iterator[None]:
    """Stamp ``heartbeat_at`` from a thread of this process while the block runs."""
    if not enabled:
        yield
        return
    every = every or heartbeat_every()
    stop = threading.Event()
    model = type(job)

    def beat() -> None:
        try:
            while not stop.wait(every):
                try:
                    model.objects.filter(still_held(job)).update(heartbeat_at=timezone.now())
                except DatabaseError as error:  # SQLite's single writer, a blip: try again next time
                    logger.warning("Heartbeat of %s %s missed: %s", model.__name__, job.pk, error)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{job.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 30)


def run(
    task: Any,
    stage: Stage,
    job_id: int,
    work: Callable[[Any], R],
    retry_on: type[BaseException] | tuple[type[BaseException], ...] = RETRY_ON,
) -> R | None:
    """The body of a stage's Celery task (``bind=True``): claim, ``work(job)`` with a heartbeat,
    retry on ``retry_on`` errors with backoff while retries last; otherwise (or at the end) fail the
    job with a translated reason. Never raises but for the retry; returns what ``work`` returned.
    ``task`` None runs the stage in this process (a command, a test): no heartbeat, no retry."""
    job = claim(stage, job_id)
    if job is None:
        return None
    in_worker = task is not None and not task.request.is_eager
    try:
        with heartbeat(job, enabled=in_worker):
            return work(job)
    except retry_on as error:
        if in_worker and task.request.retries < task.max_retries:
            release(job)
            raise task.retry(exc=error, countdown=30 * 2**task.request.retries) from error
        logger.exception("%s %s failed", task.name, job_id)
        stage.fail(job_id, _reason(REASON_ERROR))
    except Exception:
        logger.exception("%s %s failed", task.name, job_id)
        stage.fail(job_id, _reason(REASON_ERROR))
    return None


def sweep(now: datetime.datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Requeue or fail the jobs of every registered stage whose worker stopped; send again the
    ones whose message was lost. Returns ``{"requeued": n, "failed": n, "resent": n}``."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "resent": 0}
    for stage in stages():
        objects = stage.model.objects.filter(status__in=stage.statuses)
        stale = objects.filter(heartbeat_at__lt=now - stale_after()).order_by("heartbeat_at")
        for job_id, attempts, beat in stale.values_list("pk", "attempts", "heartbeat_at")[:limit]:
            held = stage.model.objects.filter(pk=job_id, attempts=attempts, heartbeat_at=beat)
            if attempts >= max_attempts():
                logger.error("%s %s stalled %s times; marked failed", stage.name, job_id, attempts)
                if held.exists():
                    stage.fail(job_id, _reason(REASON_STALLED))
                    counts["failed"] += 1
            elif held.update(heartbeat_at=None, queued_at=now):
                logger.warning("%s %s stalled (attempt %s); sent again", stage.name, job_id, attempts)
                stage.task.delay(job_id)
                counts["requeued"] += 1
        lost = objects.filter(heartbeat_at__isnull=True, queued_at__lt=now - lost_after())
        for job_id in list(lost.values_list("pk", flat=True)[:limit]):
            if stage.model.objects.filter(pk=job_id, heartbeat_at__isnull=True).update(queued_at=now):
                stage.task.delay(job_id)
                counts["resent"] += 1
    return counts


class FileJob(Tracked):
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
    # Why it failed, in words for the requester (details are in the worker's log).
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Fields each kind declares with its own labels and storage (annotations only: no columns here).
    total: int
    done: int
    file: FieldFile

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} ({self.get_status_display()})"

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


WORKING = [FileJob.Status.QUEUED, FileJob.Status.RUNNING]


def per_user(prefix: str) -> tuple[list[models.Index], list[models.BaseConstraint]]:
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


def file_stage(name: str, model: type[FileJob], task: Any) -> Stage:
    """The one stage of a file job: queued or running, claimed into running."""
    return register(
        Stage(
            name=name,
            model=model,
            statuses=tuple(WORKING),
            task=task,
            fail=lambda job_id, reason: mark_failed(model, job_id, reason),
            running=FileJob.Status.RUNNING,
            related=("requested_by", "unit"),
        )
    )


def build(stage: Stage, job_id: int, write: Callable[[Any], R], task: Any = None) -> R | None:
    """Run a file job's task: claim it, reset its progress and ``write(job)`` in the site's
    language (the file is for the organisation's records, whoever asked)."""

    def work(job: Any) -> R:
        stage.model.objects.filter(still_held(job)).update(started_at=timezone.now(), done=0, error="")
        with translation.override(settings.LANGUAGE_CODE):
            return write(job)

    return run(task, stage, job_id, work)


def set_progress(job: FileJob, **counts: int) -> None:
    type(job).objects.filter(pk=job.pk).update(**counts)


# ``job`` is a row of a kind: its ``file`` and ``done`` are the kind's fields, which FileJob's queries do not know.
def finish(job: Any, done: int) -> str | None:
    """Mark the job done with the file saved in ``job.file``, if this attempt still holds it;
    otherwise (another attempt took over) delete this file. The file's name, or None."""
    finished = (
        type(job)
        .objects.filter(still_held(job), status=FileJob.Status.RUNNING)
        .update(status=FileJob.Status.DONE, file=job.file.name, done=done, finished_at=timezone.now())
    )
    if not finished:
        job.file.storage.delete(job.file.name)
    return job.file.name if finished else None


def mark_failed(model: type[FileJob], job_id: int, reason: "str | StrPromise") -> None:
    model.objects.filter(pk=job_id).exclude(status=FileJob.Status.DONE).update(
        status=FileJob.Status.FAILED, error=str(reason)[:2000], finished_at=timezone.now(), heartbeat_at=None
    )


def delete(job: FileJob) -> None:
    if job.file:  # so it has a name
        job.file.storage.delete(cast(str, job.file.name))
    job.delete()


def prune(model: type[FileJob], now: datetime.datetime | None = None, keep: datetime.timedelta = KEEP) -> int:
    """Delete jobs older than ``keep`` (row and file). Returns the number deleted."""
    now = now or timezone.now()
    deleted = 0
    for job in model.objects.filter(created_at__lt=now - keep).iterator(chunk_size=CHUNK):
        delete(job)
        deleted += 1
    return deleted
