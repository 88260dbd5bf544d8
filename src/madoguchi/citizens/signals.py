"""Signals other apps listen to (citizens never imports them).

``citizen_link_changed``: a citizen account was linked to, or unlinked from, a 住民記録
person. Sent after the transaction commits, with ``citizen_id`` and ``linked`` (bool).
The `line` app switches the citizen's rich menu on it.
"""

from __future__ import annotations

from django.dispatch import Signal

citizen_link_changed = Signal()
