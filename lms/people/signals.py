"""Signals sent by people, so that higher layers (the reports) can follow changes made in bulk or
with raw updates, which Django's own ``post_save`` does not see.

``officials_changed(sender=Official, official_ids)``
    Sent inside the writing transaction after officials were created, updated or deactivated in
    bulk (the import). Single saves already send ``post_save``.
``units_changed(sender=OrgUnit, unit_ids)``
    Sent inside the transaction by ``structure`` after units were created, edited, moved, closed
    or merged: the mapping of records onto today's tree may have changed.
"""

from django.dispatch import Signal

officials_changed = Signal()
units_changed = Signal()
