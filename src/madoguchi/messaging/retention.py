"""How long deliveries (who was sent what) are kept (registered with core.retention)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from madoguchi.core.retention import RetentionRule, register
from madoguchi.messaging.models import Delivery, DeliveryBatch, DeliveryJob, JobStatus


def _deliveries(cutoff: dt.datetime) -> int:
    """Finished jobs (done, or cancelled before they started) with their per-recipient rows."""
    jobs = DeliveryJob.objects.filter(
        Q(status=JobStatus.DONE, finished_at__lt=cutoff) | Q(status=JobStatus.CANCELLED, created_at__lt=cutoff)
    ).values_list("pk", flat=True)
    ids = list(jobs)
    if not ids:
        return 0
    # Recipients first, in one statement each, so hundreds of thousands of rows are not loaded.
    Delivery.objects.filter(job_id__in=ids).delete()
    DeliveryBatch.objects.filter(job_id__in=ids).delete()
    return DeliveryJob.objects.filter(pk__in=ids).delete()[0]


def register_rules() -> None:
    register(
        RetentionRule(
            "deliveries", 365, "配信の記録（誰に何を送ったか）は完了から1年で削除（配信した事実は操作履歴に残る）"
        ),
        _deliveries,
    )
