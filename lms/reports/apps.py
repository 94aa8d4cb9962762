from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "lms.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # Lower layers know nothing of reports: they send signals, and the tallies follow them.
        from . import receivers

        receivers.connect()

        from lms.core import jobs

        from . import export_jobs, models, tasks

        jobs.file_stage(export_jobs.STAGE, models.ReportExport, tasks.build_report_export)
