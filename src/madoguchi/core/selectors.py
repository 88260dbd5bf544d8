"""Reads owned by core: the audit trail as staff may see it."""

from __future__ import annotations

from django.db.models import QuerySet

from madoguchi.core.models import AuditEvent, Municipality, StaffUser
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


def municipality_for_request(request: object) -> Municipality:
    """The municipality a public (resident-facing) page serves.

    One deployment serves one city's residents by default (``MADOGUCHI_MUNICIPALITY``);
    a shared deployment maps host names to cities here.
    """
    from django.conf import settings
    from django.http import Http404

    municipality = Municipality.objects.filter(code=settings.MADOGUCHI_DEFAULT_MUNICIPALITY).first()
    if municipality is None:
        raise Http404("municipality not configured")
    return municipality
