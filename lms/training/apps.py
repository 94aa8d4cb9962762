from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "lms.training"
    label = "training"
    verbose_name = _("Training plans")

    def ready(self):
        from lms.learning import hooks

        from . import receivers, reminders, selectors

        receivers.connect()
        hooks.register_enrollment_notes(selectors.enrollment_notes)
        reminders.register()
