"""Reads for the staff delivery screens, scoped to the signed-in member of staff's city."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet

from madoguchi.citizens.models import LineIdentityStatus
from madoguchi.citizens.selectors import email_recipients, line_recipients
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.messaging.models import DeliveryJob, DeliveryStatus, MessageTemplate, Segment


def jobs_for(*, actor: StaffUser) -> QuerySet[DeliveryJob]:
    require(actor, Perm.MESSAGE_SEND)
    return (
        DeliveryJob.objects.filter(municipality_id=actor.municipality_id, personal=False)
        .select_related("template", "created_by")
        .order_by("-created_at")
    )


def job_for(*, actor: StaffUser, job_id: int) -> DeliveryJob | None:
    return jobs_for(actor=actor).filter(pk=job_id).first()


def templates_latest(*, actor: StaffUser) -> list[MessageTemplate]:
    """The newest version of every template."""
    require(actor, Perm.MESSAGE_SEND)
    mine = MessageTemplate.objects.filter(municipality_id=actor.municipality_id)
    newest = {key: version for key, version in mine.values("key").annotate(v=Max("version")).values_list("key", "v")}
    return sorted((t for t in mine if newest.get(t.key) == t.version), key=lambda t: t.title)


def segments_for(*, actor: StaffUser) -> QuerySet[Segment]:
    require(actor, Perm.MESSAGE_SEND)
    return Segment.objects.filter(municipality_id=actor.municipality_id).order_by("name")


@dataclass(frozen=True)
class Reach:
    line: int
    blocked: int
    email: int

    @property
    def total(self) -> int:
        return self.line + self.email


def segment_reach(*, actor: StaffUser, filters: dict[str, list[str]]) -> Reach:
    """How many a send would reach now: LINE friends, blocked (not sent), and e-mail."""
    require(actor, Perm.MESSAGE_SEND)
    municipality = actor.municipality
    assert municipality is not None
    by_status = Counter(
        dict(
            line_recipients(municipality=municipality, filters=filters)
            .order_by()
            .values_list("status")
            .annotate(n=Count("id"))
        )
    )
    return Reach(
        line=by_status.get(LineIdentityStatus.FOLLOWING, 0),
        blocked=by_status.get(LineIdentityStatus.BLOCKED, 0) + by_status.get(LineIdentityStatus.NOT_FRIEND, 0),
        email=email_recipients(municipality=municipality, filters=filters).count(),
    )


def job_report(job: DeliveryJob) -> list[tuple[str, str, int]]:
    """(status label, reason, count) for the delivery report, most frequent first."""
    labels = dict(DeliveryStatus.choices)
    rows = job.deliveries.order_by().values_list("status", "reason").annotate(n=Count("id")).order_by("-n")
    return [(labels.get(status, status), reason, n) for status, reason, n in rows]
