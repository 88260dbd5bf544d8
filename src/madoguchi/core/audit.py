"""The audit trail: append, verify.

Every service that changes personal data, and every read of a resident record,
calls `audit_record` inside its own transaction, so the event and the change
commit (or roll back) together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Model

from madoguchi.core import clock, context
from madoguchi.core.models import AuditChainHead, AuditEvent, Municipality, StaffUser
from madoguchi.core.permissions import role_label

GENESIS_HASH = "0" * 64

# What each action is called on the audit screen; apps add theirs in AppConfig.ready().
ACTION_LABELS: dict[str, str] = {}


def action_labels_register(labels: dict[str, str]) -> None:
    ACTION_LABELS.update(labels)


def _canonical(event: AuditEvent, municipality_code: str) -> bytes:
    occurred = event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = [
        municipality_code,
        event.seq,
        occurred,
        event.actor_id,
        event.actor_label,
        event.role,
        event.action,
        event.object_type,
        event.object_id,
        event.reason,
        event.request_id,
        event.ip_address,
        event.prev_hash,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent, municipality_code: str) -> str:
    return hashlib.sha256(_canonical(event, municipality_code)).hexdigest()


def audit_record(
    *,
    municipality: Municipality,
    actor: StaffUser | None,
    action: str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the municipality's chain.

    ``action`` is a dotted verb (``resident.view``, ``movement.register``).
    ``obj`` is referenced by model label and primary key only: no names, no addresses.
    ``actor_label`` names a non-staff actor (``citizen:12``); staff are named by username.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    ctx = context.current()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            municipality=municipality, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
        )
        event = AuditEvent(
            municipality=municipality,
            seq=head.last_seq + 1,
            occurred_at=clock.now(),
            actor=actor,
            actor_label=(actor.username if actor else actor_label or "system"),
            role=role_label(actor) if actor else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            reason=reason[:200],
            request_id=ctx.request_id if ctx else "",
            ip_address=ctx.ip_address if ctx else None,
            prev_hash=head.last_hash,
        )
        event.hash = compute_hash(event, municipality.code)
        event.save(force_insert=True)
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainProblem:
    municipality_code: str
    seq: int
    event_id: int | None
    problem: str

    def describe(self) -> str:
        where = f"監査記録 #{self.seq}" + (f" (id={self.event_id})" if self.event_id is not None else "")
        return f"{self.municipality_code}: {where}: {self.problem}"


def verify_chain(municipality: Municipality) -> ChainProblem | None:
    """Walk the municipality's chain from the start; return the first broken link, if any."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    events = AuditEvent.objects.filter(municipality=municipality).order_by("seq").iterator(chunk_size=2000)
    for event in events:
        if event.seq != expected_seq:
            return ChainProblem(
                municipality.code, expected_seq, None, f"記録が欠落しています（#{expected_seq} から #{event.seq - 1}）"
            )
        if event.prev_hash != expected_prev:
            return ChainProblem(municipality.code, event.seq, event.pk, "直前の記録との連結が一致しません")
        if compute_hash(event, municipality.code) != event.hash:
            return ChainProblem(municipality.code, event.seq, event.pk, "記録の内容が改ざんされています")
        expected_prev = event.hash
        expected_seq += 1
    head = AuditChainHead.objects.filter(municipality=municipality).first()
    last_seq = expected_seq - 1
    if head is not None and (head.last_seq != last_seq or head.last_hash != expected_prev):
        return ChainProblem(
            municipality.code,
            last_seq + 1,
            None,
            f"末尾の記録が欠落しています（#{last_seq + 1} から #{head.last_seq}）",
        )
    return None


def verify_all() -> list[ChainProblem]:
    return [p for m in Municipality.objects.order_by("code") if (p := verify_chain(m)) is not None]


@contextmanager
def maintenance() -> Iterator[None]:
    """Lift the append-only guard for this connection (database restore, tests' table flush).

    Production code never calls this; it exists so operators can restore a backup.
    """
    from madoguchi.core import db_guards

    with db_guards.audit_unlocked(connection):
        yield
