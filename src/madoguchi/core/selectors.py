"""Reads owned by core: the audit trail as staff may see it."""

from __future__ import annotations

from django.db.models import QuerySet

from madoguchi.core.models import AuditEvent, StaffUser
from madoguchi.core.permissions import Perm, has_perm, require


def audit_events_for(
    *, actor: StaffUser, everyone: bool = False, object_type: str = "", object_id: str = ""
) -> QuerySet[AuditEvent]:
    """Audit events of the actor's municipality: their own, or everyone's with AUDIT_VIEW_ALL."""
    require(actor, Perm.AUDIT_VIEW_OWN)
    events = AuditEvent.objects.filter(municipality_id=actor.municipality_id).select_related("actor")
    if everyone:
        require(actor, Perm.AUDIT_VIEW_ALL)
    else:
        events = events.filter(actor=actor)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    return events.order_by("-seq")


def can_view_all_audit(actor: StaffUser) -> bool:
    return has_perm(actor, Perm.AUDIT_VIEW_ALL)
