import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from lms.demo import courses, learners, plans, province, quizzes, training
from lms.people.roles import ensure_roles

DEFAULT_PASSWORD = "Demo@2026"


class Command(BaseCommand):
    help = (
        "Build the demo province (Tỉnh Minh Sơn), its officials, the demo accounts and the published courses. "
        "Safe to run again: existing units, officials and courses are kept as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--officials", type=int, default=240, help="How many officials to create (default 240).")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="Password of the four demo accounts.")

    def handle(self, *args, officials, password, **options):
        if officials < 0:
            raise CommandError("--officials must be zero or more.")
        started = time.monotonic()
        province.build_tree()
        province.build_position_groups()
        created_officials = province.build_officials(officials)
        home, catalogue = courses.build_site()
        created_courses = courses.build_courses(catalogue)
        created_quizzes = quizzes.build_quizzes(catalogue)
        roles = ensure_roles(catalogue)
        accounts = province.build_demo_accounts(password, roles)
        province.build_hr_scopes()
        call_command("make_demo_signing_key", stdout=self.stdout)  # before the history: completions issue certificates
        learners.build_history()
        training.build_training()
        plan = plans.build_plan()
        call_command("rebuild_report_tallies", stdout=self.stdout)  # officials were bulk-created

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {time.monotonic() - started:.1f} s: {created_officials} new officials, "
                f"{created_courses} new courses, {created_quizzes} new final tests."
            )
        )
        if plan is not None:
            self.stdout.write(f"Training plan: {plan.name} ({plan.obligations.count()} officials assigned).")
        self.stdout.write(f"Logins (password: {password}):")
        for username, role in accounts:
            self.stdout.write(f"  {username:<10} {role}")
