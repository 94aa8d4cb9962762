from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Builds the demo province and courses (``manage.py seed_demo``)."""

    name = "lms.demo"
    label = "demo"
    verbose_name = "Demo data"
