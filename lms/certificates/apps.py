from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "lms.certificates"
    label = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        # learning knows nothing of certificates: it sends a signal, and this app listens.
        from lms.learning.signals import enrollment_completed

        from .receivers import issue_on_completion

        enrollment_completed.connect(issue_on_completion, dispatch_uid="certificates.issue_on_completion")

        from lms.core import jobs

        from . import archive, models, tasks

        jobs.file_stage(archive.STAGE, models.CertificateArchive, tasks.build_certificate_archive)

        # Expiry reminders go through the notification ledger (one e-mail per person per day).
        from lms.notifications import registry

        from . import notifications

        registry.register_topic(notifications.TOPIC, notifications.describe_certificates)
        registry.register_source(notifications.SOURCE, notifications.collect_expiry_reminders)
