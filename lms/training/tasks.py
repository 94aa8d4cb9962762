"""Thin Celery wrappers around training plans."""

from celery import shared_task


@shared_task(bind=True, max_retries=3)
def activate_plan(self, plan_id):
    """Assign an activated plan to everyone its requirements target (``services.run_activation``)."""
    from . import services

    return services.run_activation(plan_id, self)
