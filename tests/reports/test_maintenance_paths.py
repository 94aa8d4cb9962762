"""The bulk and admin paths keep the tallies exact: the import, the rebuild command, the demo seed."""

import csv
import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from lms.learning import services
from lms.people.imports import service as imports
from lms.people.imports.columns import COLUMNS
from lms.people.models import ImportBatch, Official
from lms.reports import aggregation, maintenance, rebuild
from lms.reports.models import EnrollmentTally, TalliedOfficial
from tests.factories import UserFactory, placed_official
from tests.support.people import hr_of

from .helpers import assert_matches_brute_force


def run_import(user, rows, deactivate_missing=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in COLUMNS])
    writer.writerows(rows)
    batch = ImportBatch(created_by=user, original_name="can-bo.csv", deactivate_missing=deactivate_missing)
    batch.file.save("can-bo.csv", ContentFile(buffer.getvalue().encode()), save=False)
    batch.save()
    imports.validate(batch)
    assert batch.status == ImportBatch.Status.READY, batch.report
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.APPLYING)
    batch.refresh_from_db()
    imports.apply(batch)
    assert batch.status == ImportBatch.Status.APPLIED, batch.report


def test_the_import_moves_regroups_creates_and_deactivates(clock, tree, groups, course):
    hr = hr_of(tree.district, in_group=False, username="hr-district")
    stays, moves, leaves = (placed_official(tree.a, position_group=groups.staff) for _ in range(3))
    for official in (stays, moves, leaves):
        services.enrol(official, course)
    clock.advance(days=1)

    def line(code, unit, group):
        return [code, "Nguyễn Văn Nam", "", "", unit, group, "", ""]

    run_import(
        hr,
        [
            line(stays.employee_code, "XA", "lanh-dao"),  # a new group
            line(moves.employee_code, "XB", "cong-chuc"),  # another commune
            line("CB-NEW-1", "XB", "cong-chuc"),  # a newcomer
        ],
        deactivate_missing=True,  # `leaves` is not in the file
    )
    assert not Official.objects.get(pk=leaves.pk).is_active
    assert aggregation.summary([tree.district]).headcount == 3
    assert aggregation.summary([tree.district], aggregation.Filters(group=groups.leaders.pk)).enrolled == 1
    assert_matches_brute_force()


def test_check_finds_drift_and_rebuild_repairs_it(clock, tree, groups, course):
    official = placed_official(tree.a, position_group=groups.staff)
    services.enrol(official, course)
    EnrollmentTally.objects.filter(unit_id=tree.province.pk).update(enrolled=5)
    TalliedOfficial.objects.filter(pk=official.pk).update(is_active=False)
    drifts = {drift.name: drift for drift in rebuild.check()}
    assert drifts["EnrollmentTally"].different == 1
    assert drifts["TalliedOfficial"].different == 1
    with pytest.raises(CommandError):
        call_command("rebuild_report_tallies", "--check", stdout=io.StringIO())
    call_command("rebuild_report_tallies", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_report_tallies", "--check", stdout=out)
    assert "match" in out.getvalue()
    assert aggregation.summary([tree.province]).enrolled == 1


def test_a_rebuild_gives_the_same_tallies_as_the_increments(clock, tree, groups, course):
    for unit in (tree.a, tree.b, tree.department):
        official = placed_official(unit, position_group=groups.staff)
        services.enrol(official, course, due_date=datetime.date(2025, 3, 1))
        services.record_lesson_done(official, course.lessons()[0])
    maintenance.compact_due_dates()  # as a rebuild leaves them
    before = {table.name: rebuild.tally_sql.stored(table) for table in rebuild.tally_sql.TABLES}
    rebuild.rebuild()
    after = {table.name: rebuild.tally_sql.stored(table) for table in rebuild.tally_sql.TABLES}
    assert before == after
    assert after["reports_enrollmenttally"] and after["reports_duetally"]


def test_the_demo_seed_leaves_no_drift(db):
    call_command("seed_demo", "--officials", "30", stdout=io.StringIO())
    assert rebuild.check() == []
    assert aggregation.summary(aggregation.roots_for_user(UserFactory(is_superuser=True))).headcount >= 30
