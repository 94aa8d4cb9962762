"""Signals other apps listen to, so they never import certificate internals.

``certificate_expiring(sender=Certificate, certificate, days_left)``
    Sent once per certificate, when its holder is reminded that it expires soon (the daily
    reminder source ``certificate_expiry``, run by ``send_reminders``). A training plan may hook here.
"""

from django.dispatch import Signal

certificate_expiring = Signal()
