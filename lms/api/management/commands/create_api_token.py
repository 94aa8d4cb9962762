"""``manage.py create_api_token <username> --name ... [--days N]``: a token for the reporting API.
Only the secret goes to standard output (for a script to capture); it is shown this once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lms.api import tokens
from lms.api.forms import MAX_DAYS
from lms.people.scopes import scope_for


class Command(BaseCommand):
    help = "Create a token for the reporting API (/api/v1/) and print its secret, which is shown only once."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user the token reads as (an HR user or an administrator).")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument("--days", type=int, default=None, help="Days until it expires (default: never).")

    def handle(self, username, name, days, **options):
        user_model = get_user_model()
        user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        if not user.is_active:
            raise CommandError(f"The user {username!r} is inactive.")
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("--name must be 1 to 100 characters.")
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}.")
        if scope_for(user).is_empty:
            self.stderr.write(
                self.style.WARNING(
                    f"{username} has no HR scope and is not an administrator: the API will answer 403 "
                    "until they have one."
                )
            )
        token, secret = tokens.issue(user, name, days)
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M %Z}" if token.expires_at else "does not expire"
        self.stderr.write(f"Token {token.prefix}… “{token.name}” for {username}, {expiry}. Keep the secret safe:")
        self.stdout.write(secret)
