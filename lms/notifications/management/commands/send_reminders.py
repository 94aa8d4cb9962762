"""``manage.py send_reminders [--today DD/MM/YYYY]``: what the daily beat task does
(``services.run_day``), for a given day: every reminder source records what is due, then each
person gets one e-mail. Running it twice for a day sends nothing more."""

from django import forms
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, translation
from django.utils.translation import gettext as _

from lms.notifications import services


def parse_day(value):
    """A day in one of the site's date input formats (dd/mm/yyyy first); CommandError otherwise."""
    try:
        return forms.DateField().clean(value)
    except forms.ValidationError:
        raise CommandError(
            _("“%(value)s” is not a valid date: write it as dd/mm/yyyy, e.g. 31/03/2027.") % {"value": value}
        ) from None


class Command(BaseCommand):
    help = "Record the reminders due on a day and send each person one e-mail (default: today)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="The day to run for, as DD/MM/YYYY (default: today in Vietnam).")

    def handle(self, *args, today=None, **options):
        with translation.override(settings.LANGUAGE_CODE):
            day = parse_day(today) if today else None
            result = services.run_day(day)
            self.stdout.write(
                _("Reminders of %(day)s:") % {"day": formats.date_format(result["day"], "SHORT_DATE_FORMAT")}
            )
            for name, count in result["recorded"].items():
                self.stdout.write(_("  %(source)s: %(count)d recorded") % {"source": name, "count": count})
            self.stdout.write(_("E-mails sent: %(count)d") % {"count": result["sent"]})
