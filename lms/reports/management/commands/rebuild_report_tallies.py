import time

from django.core.management.base import BaseCommand, CommandError

from lms.reports import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the report tallies from enrolments, officials and the organisation tree. "
        "With --check, only report differences (exit code 1 if any), writing nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Compare instead of rebuilding.")

    def handle(self, *args, check, **options):
        started = time.monotonic()
        if not check:
            rebuild.rebuild()
            self.stdout.write(f"Report tallies rebuilt in {time.monotonic() - started:.1f} s.")
            return
        drifts = rebuild.check()
        for drift in drifts:
            self.stdout.write(
                f"{drift.name}: {drift.missing} missing, {drift.extra} extra, {drift.different} different rows"
            )
            for key, want, have in drift.examples:
                self.stdout.write(f"    {key}: expected {want}, stored {have}")
        if drifts:
            # CommandError: exit code 1 on the command line.
            raise CommandError(f"Drift found ({time.monotonic() - started:.1f} s); run without --check to rebuild.")
        self.stdout.write(f"Report tallies match a fresh count ({time.monotonic() - started:.1f} s).")
