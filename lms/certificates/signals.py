"""Signals other apps listen to, so they never import certificate internals.

``certificate_expiring(sender=Certificate, certificate, days_left)``
    Sent once per certificate, when its holder is reminded that it expires soon (the daily
    ``send_expiry_reminders`` task). A training plan hooks here to schedule the retake.
"""

from django.dispatch import Signal

certificate_expiring = Signal()
