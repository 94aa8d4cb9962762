"""Import workflow: upload → dry run (validate) → confirm → apply in one transaction → e-mail links.

Both background steps are stages of ``lms.core.jobs`` (``VALIDATION`` and ``APPLY``): a worker
claims the batch, beats while it works, and the sweeper sends it again or fails it if the worker
dies. The apply writes everything, the batch's new status included, in one transaction, and only
while its attempt still holds the batch: a killed apply leaves the database as it was, a finished
one is never applied twice.

When the batch asks to deactivate the officials missing from the file, the dry run lists every
one of them by unit (``report["deactivate"]``), the confirmation must state their number, and the
apply deactivates no one the dry run did not list.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.celery import enqueue_on_commit
from lms.core import jobs

from .. import signals
from ..models import ImportBatch, Official, Placement
from ..scopes import scope_for, visible_officials
from ..tasks import apply_import, send_account_emails, validate_import
from . import reader
from .validation import CREATE, ERROR, UNCHANGED, UPDATE, Context, validate_row

REPORT_ROWS = 500  # rows of detail kept for display besides every error
PROGRESS_EVERY = 2000
CHUNK = 2000
VALIDATION, APPLY = "import-validation", "import-apply"


class ImportRefused(ValueError):
    """A refusal of the import workflow; the message is translated."""


class _Superseded(Exception):
    """Another attempt took the batch over: roll this one back."""


def register_stages() -> None:
    """Declare the two background steps to ``lms.core.jobs`` (from the app's ``ready``)."""
    jobs.register(
        jobs.Stage(
            VALIDATION, ImportBatch, (ImportBatch.Status.VALIDATING,), validate_import, fail, related=("created_by",)
        )
    )
    jobs.register(
        jobs.Stage(APPLY, ImportBatch, (ImportBatch.Status.APPLYING,), apply_import, fail, related=("created_by",))
    )


def fail(batch_id: int, reason: str) -> None:
    ImportBatch.objects.filter(pk=batch_id).exclude(status=ImportBatch.Status.APPLIED).update(
        status=ImportBatch.Status.FAILED,
        report={"file_error": str(reason), "counts": {}, "errors": [], "changes": []},
        finished_at=timezone.now(),
        heartbeat_at=None,
    )


def start(user, upload, deactivate_missing: bool = False) -> ImportBatch:
    """Store the file privately and queue its dry run."""
    batch = ImportBatch(created_by=user, original_name=upload.name[:255], deactivate_missing=deactivate_missing)
    batch.file.save(upload.name, upload, save=False)
    batch.save()
    enqueue_on_commit(validate_import, batch.pk)
    return batch


def run_validation(batch_id: int, task=None) -> str | None:
    """The dry run's task body: claimed, beating, swept (``jobs.run``); the batch's new status, or
    None when there was nothing to do."""
    return jobs.run(task, jobs.stage(VALIDATION), batch_id, lambda batch: validate(batch).status)


def run_apply(batch_id: int, task=None) -> str | None:
    """The apply's task body: claimed, beating, swept (``jobs.run``); the batch's new status, or
    None when there was nothing to do."""
    return jobs.run(task, jobs.stage(APPLY), batch_id, lambda batch: apply(batch).status)


def retry(batch: ImportBatch, user) -> None:
    """Check a failed batch's file again from the start (its worker died, or an error stopped it)."""
    if batch.created_by_id != user.pk:
        raise ImportRefused(_("Only the person who uploaded the file can check it again."))
    restarted = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.FAILED).update(
        status=ImportBatch.Status.VALIDATING,
        attempts=0,
        heartbeat_at=None,
        queued_at=timezone.now(),
        processed_rows=0,
        total_rows=0,
        report={},
        finished_at=None,
    )
    if not restarted:
        raise ImportRefused(_("Only a file whose check failed can be checked again."))
    enqueue_on_commit(validate_import, batch.pk)


def progress(batch):
    """Rows processed so far: the database during the dry run, the cache while applying."""
    return cache.get(_progress_key(batch.pk), batch.processed_rows)


def _progress_key(batch_id):
    return f"people:import:{batch_id}:progress"


def _read_and_validate(batch, on_progress):
    with batch.file.open("rb") as handle:
        data = handle.read()
    records = reader.read_records(data, batch.original_name)
    context = Context(scope_for(batch.created_by), [str(r.get("employee_code", "")).strip() for _, r in records])
    seen, results = {}, []
    for number, (line, record) in enumerate(records, start=1):
        results.append(validate_row(line, record, context, seen))
        if number % PROGRESS_EVERY == 0:
            on_progress(number, len(records))
    return results


def _report(results):
    counts = {status: 0 for status in (CREATE, UPDATE, UNCHANGED, ERROR)}
    for result in results:
        counts[result.status] += 1
    errors = [r.as_report() for r in results if r.status == ERROR]
    changes = [r.as_report() for r in results if r.status in (CREATE, UPDATE)][:REPORT_ROWS]
    return {"counts": counts, "errors": errors, "changes": changes}


def _leavers(batch, codes):
    """Who the apply would deactivate: the active officials the importer manages whose code is not
    in the file, grouped by unit with each unit's active headcount (one query)."""
    active = visible_officials(batch.created_by, manage=True).filter(is_active=True)
    units, headcount = {}, defaultdict(int)
    leaving = defaultdict(list)
    rows = active.values_list("pk", "employee_code", "full_name", "unit_id", "unit__code", "unit__name")
    for pk, code, name, unit_id, unit_code, unit_name in rows.order_by("unit__path", "full_name").iterator(
        chunk_size=5000
    ):
        headcount[unit_id] += 1
        if code not in codes:
            units.setdefault(unit_id, (unit_code, unit_name))
            leaving[unit_id].append({"id": pk, "code": code, "name": name})
    share = settings.IMPORT_DEACTIVATE_WARN_SHARE
    by_unit = []
    for unit_id, officials in leaving.items():
        code, name = units[unit_id]
        ratio = len(officials) / headcount[unit_id]
        by_unit.append(
            {
                "code": code,
                "name": name,
                "active": headcount[unit_id],
                "leaving": len(officials),
                "percent": round(100 * ratio),
                "over": ratio > share,
                "officials": officials,
            }
        )
    return {
        "count": sum(unit["leaving"] for unit in by_unit),
        "units": by_unit,
        "over": any(unit["over"] for unit in by_unit),
        "warn_percent": round(100 * share),
    }


def validate(batch: ImportBatch) -> ImportBatch:
    """The dry run: every row checked, nothing written but the report (and only while this
    attempt holds the batch)."""

    def on_progress(done, total):
        ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=done, total_rows=total)

    try:
        results = _read_and_validate(batch, on_progress)
    except reader.ImportFileError as error:
        batch.report = {"file_error": str(error), "counts": {}, "errors": [], "changes": []}
        batch.status = ImportBatch.Status.INVALID
    else:
        batch.report = _report(results)
        batch.status = ImportBatch.Status.INVALID if batch.report["counts"][ERROR] else ImportBatch.Status.READY
        batch.total_rows = batch.processed_rows = len(results)
        if batch.deactivate_missing and batch.status == ImportBatch.Status.READY:
            batch.report["deactivate"] = _leavers(batch, {r.code for r in results})
    batch.finished_at = timezone.now()
    ImportBatch.objects.filter(jobs.still_held(batch), status=ImportBatch.Status.VALIDATING).update(
        report=batch.report,
        status=batch.status,
        total_rows=batch.total_rows,
        processed_rows=batch.processed_rows,
        finished_at=batch.finished_at,
        heartbeat_at=None,
    )
    return batch


def to_deactivate(batch: ImportBatch) -> int:
    """How many officials confirming ``batch`` deactivates (listed by its dry run)."""
    return ((batch.report or {}).get("deactivate") or {}).get("count", 0)


def confirm(batch: ImportBatch, user, deactivate_count=None) -> None:
    """Queue the apply step once; a second click or tab gets a refusal, not a second import.
    When the file deactivates officials, ``deactivate_count`` must be their number."""
    if batch.created_by_id != user.pk:
        raise ImportRefused(_("Only the person who uploaded the file can confirm it."))
    expected = to_deactivate(batch)
    if expected and str(deactivate_count or "").strip() != str(expected):
        raise ImportRefused(
            _("To confirm, type the number of officials who will be deactivated: %(count)s.") % {"count": expected}
        )
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.READY).update(
        status=ImportBatch.Status.APPLYING,
        processed_rows=0,
        attempts=0,
        heartbeat_at=None,
        queued_at=timezone.now(),
    )
    if not claimed:
        raise ImportRefused(_("This file is not ready to import (it has errors or was already imported)."))
    enqueue_on_commit(apply_import, batch.pk)


def apply(batch: ImportBatch) -> ImportBatch:
    """Validate again against today's data and write everything in one transaction; the batch's
    new status is written in it too, only while this attempt holds the batch."""

    def on_progress(done, total):
        cache.set(_progress_key(batch.pk), done // 2, 3600)

    try:
        with transaction.atomic():
            results = _read_and_validate(batch, on_progress)
            report = _report(results)
            if report["counts"][ERROR]:
                batch.status = ImportBatch.Status.INVALID
            else:
                report["deactivate"] = (batch.report or {}).get("deactivate")
                report["created_user_ids"], report["deactivated"] = _write(batch, results)
                batch.status = ImportBatch.Status.APPLIED
                batch.processed_rows = len(results)
            batch.report = report
            batch.finished_at = timezone.now()
            saved = ImportBatch.objects.filter(jobs.still_held(batch), status=ImportBatch.Status.APPLYING).update(
                status=batch.status,
                report=batch.report,
                processed_rows=batch.processed_rows,
                finished_at=batch.finished_at,
                heartbeat_at=None,
            )
            if not saved:
                raise _Superseded
    except _Superseded:
        return batch
    except reader.ImportFileError as error:
        ImportBatch.objects.filter(jobs.still_held(batch)).update(
            status=ImportBatch.Status.FAILED,
            report={"file_error": str(error)},
            finished_at=timezone.now(),
            heartbeat_at=None,
        )
    finally:
        cache.delete(_progress_key(batch.pk))
    if batch.status == ImportBatch.Status.APPLIED and batch.report["created_user_ids"]:
        enqueue_on_commit(send_account_emails, batch.pk)
    return batch


def _write(batch, results):
    today = timezone.localdate()
    total = len(results)
    done = 0
    created_user_ids = []
    User = get_user_model()
    creates = [r for r in results if r.status == CREATE]
    updates = [r for r in results if r.status == UPDATE]

    for start in range(0, len(creates), CHUNK):
        chunk = creates[start : start + CHUNK]
        users = []
        for r in chunk:
            name = r.changes["full_name"]
            user = User(
                username=r.code.lower(),
                email=r.changes["email"],
                first_name=name.rsplit(" ", 1)[-1][:150],
                last_name=name.rsplit(" ", 1)[0][:150] if " " in name else "",
            )
            user.set_unusable_password()  # the official sets a password from the e-mailed link
            users.append(user)
        users = User.objects.bulk_create(users)
        if any(u.pk is None for u in users):  # backends without RETURNING
            ids = dict(User.objects.filter(username__in=[u.username for u in users]).values_list("username", "pk"))
            for user in users:
                user.pk = ids[user.username]
        officials = [
            Official(
                user_id=user.pk,
                employee_code=r.code,
                **{k: v for k, v in r.changes.items() if k != "email"},
            )
            for r, user in zip(chunk, users, strict=True)
        ]
        officials = Official.objects.bulk_create(officials)
        if any(o.pk is None for o in officials):
            ids = dict(
                Official.objects.filter(employee_code__in=[o.employee_code for o in officials]).values_list(
                    "employee_code", "pk"
                )
            )
            for official in officials:
                official.pk = ids[official.employee_code]
        Placement.objects.bulk_create(
            Placement(
                official_id=o.pk, unit_id=o.unit_id, started_on=o.start_date or today, changed_by=batch.created_by
            )
            for o in officials
        )
        # Bulk writes send no post_save: the report tallies are told here, in this transaction.
        signals.officials_changed.send(sender=Official, official_ids=[o.pk for o in officials])
        created_user_ids += [u.pk for u in users if u.email]
        done += len(chunk)
        cache.set(_progress_key(batch.pk), total // 2 + done // 2, 3600)

    for start in range(0, len(updates), CHUNK):
        _update_chunk(updates[start : start + CHUNK], batch, today)
        done += min(CHUNK, len(updates) - start)
        cache.set(_progress_key(batch.pk), total // 2 + done // 2, 3600)

    deactivated = _deactivate_missing(batch, {r.code for r in results}) if batch.deactivate_missing else 0
    return created_user_ids, deactivated


def _update_chunk(rows, batch, today):
    User = get_user_model()
    by_id = {r.official_id: r for r in rows}
    officials = list(Official.objects.filter(pk__in=by_id).select_related("user"))
    moved, fields, user_fields = [], set(), set()
    for official in officials:
        changes = by_id[official.pk].changes
        if "unit_id" in changes:
            moved.append(official)
        for key, value in changes.items():
            if key == "email":
                official.user.email = value
                user_fields.add("email")
            else:
                setattr(official, key, value)
                fields.add(key)
    if fields:
        Official.objects.bulk_update(officials, sorted(fields))
    if user_fields:
        User.objects.bulk_update([o.user for o in officials], sorted(user_fields))
    if moved:
        Placement.objects.filter(official__in=moved, ended_on__isnull=True).update(
            ended_on=today - datetime.timedelta(days=1)
        )
        Placement.objects.bulk_create(
            Placement(official_id=o.pk, unit_id=o.unit_id, started_on=today, changed_by=batch.created_by) for o in moved
        )
    if fields:
        signals.officials_changed.send(sender=Official, official_ids=[o.pk for o in officials])


def _deactivate_missing(batch, codes):
    """Leavers: officials the importer manages who are not in the file become inactive; history is
    kept. Only those the dry run listed (and the HR user counted): nobody added since is touched."""
    listed = {
        official["id"]
        for unit in ((batch.report or {}).get("deactivate") or {}).get("units", [])
        for official in unit["officials"]
    }
    active = visible_officials(batch.created_by, manage=True).filter(is_active=True).values_list("pk", "employee_code")
    leaving = [pk for pk, code in active.iterator(chunk_size=5000) if code not in codes and pk in listed]
    for start in range(0, len(leaving), 5000):
        Official.objects.filter(pk__in=leaving[start : start + 5000]).update(is_active=False)
    signals.officials_changed.send(sender=Official, official_ids=leaving)
    return len(leaving)
