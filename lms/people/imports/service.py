"""Import workflow: upload → dry run (validate) → confirm → apply in one transaction → e-mail links."""

import datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.celery import enqueue_on_commit

from .. import signals
from ..models import ImportBatch, Official, Placement
from ..scopes import scope_for, visible_officials
from . import reader
from .validation import CREATE, ERROR, UNCHANGED, UPDATE, Context, validate_row

REPORT_ROWS = 500  # rows of detail kept for display besides every error
PROGRESS_EVERY = 2000
CHUNK = 2000


class ImportRefused(ValueError):
    """A refusal of the import workflow; the message is translated."""


def start(user, upload, deactivate_missing=False):
    """Store the file privately and queue its dry run."""
    from ..tasks import validate_import

    batch = ImportBatch(created_by=user, original_name=upload.name[:255], deactivate_missing=deactivate_missing)
    batch.file.save(upload.name, upload, save=False)
    batch.save()
    enqueue_on_commit(validate_import, batch.pk)
    return batch


def progress(batch):
    """Rows processed so far: the database during the dry run, the cache while applying."""
    return cache.get(_progress_key(batch.pk), batch.processed_rows)


def _progress_key(batch_id):
    return f"people:import:{batch_id}:progress"


def _read_and_validate(batch, on_progress):
    with batch.file.open("rb") as handle:
        data = handle.read()
    records = list(reader.read_rows(data, batch.original_name))
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


def validate(batch):
    """The dry run: every row checked, nothing written but the report."""

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
    batch.finished_at = timezone.now()
    batch.save(update_fields=["report", "status", "total_rows", "processed_rows", "finished_at"])
    return batch


def confirm(batch, user):
    """Queue the apply step once; a second click or tab gets a refusal, not a second import."""
    from ..tasks import apply_import

    if batch.created_by_id != user.pk:
        raise ImportRefused(_("Only the person who uploaded the file can confirm it."))
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.READY).update(
        status=ImportBatch.Status.APPLYING, processed_rows=0
    )
    if not claimed:
        raise ImportRefused(_("This file is not ready to import (it has errors or was already imported)."))
    enqueue_on_commit(apply_import, batch.pk)


def apply(batch):
    """Validate again against today's data and write everything in one transaction."""

    def on_progress(done, total):
        cache.set(_progress_key(batch.pk), done // 2, 3600)

    try:
        with transaction.atomic():
            results = _read_and_validate(batch, on_progress)
            report = _report(results)
            if report["counts"][ERROR]:
                batch.status = ImportBatch.Status.INVALID
                batch.report = report
            else:
                report["created_user_ids"], report["deactivated"] = _write(batch, results)
                batch.status = ImportBatch.Status.APPLIED
                batch.report = report
                batch.processed_rows = len(results)
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "report", "processed_rows", "finished_at"])
    except reader.ImportFileError as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, report={"file_error": str(error)}, finished_at=timezone.now()
        )
    finally:
        cache.delete(_progress_key(batch.pk))
    if batch.status == ImportBatch.Status.APPLIED and batch.report["created_user_ids"]:
        from ..tasks import send_account_emails

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
    """Leavers: officials the importer manages who are not in the file become inactive; history is kept."""
    active = visible_officials(batch.created_by, manage=True).filter(is_active=True).values_list("pk", "employee_code")
    leaving = [pk for pk, code in active.iterator(chunk_size=5000) if code not in codes]
    for start in range(0, len(leaving), 5000):
        Official.objects.filter(pk__in=leaving[start : start + 5000]).update(is_active=False)
    signals.officials_changed.send(sender=Official, official_ids=leaving)
    return len(leaving)
