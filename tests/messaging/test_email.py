"""The e-mail channel: residents who chose e-mail get mail instead of LINE, once each."""

from __future__ import annotations

from collections import Counter
from unittest import mock

import pytest
from django.core import mail

from madoguchi.citizens.models import Citizen, PreferredChannel
from madoguchi.core import clock
from madoguchi.core.errors import DomainError
from madoguchi.messaging import services
from madoguchi.messaging.models import BatchStatus, Channel, Delivery, DeliveryBatch, DeliveryStatus

pytestmark = pytest.mark.django_db
CONTEXT = {"area": "磯原町", "event": "避難訓練"}


def _prefer_email(identities, verified: bool = True, prefix: str = "resident") -> None:
    for n, identity in enumerate(identities):
        Citizen.objects.filter(pk=identity.citizen_id).update(
            email=f"{prefix}{n}@example.jp",
            email_verified_at=clock.now() if verified else None,
            preferred_channel=PreferredChannel.EMAIL,
        )


def test_broadcast_splits_line_and_email_each_recipient_once(
    city_a, channel, line_sandbox, followers, template
) -> None:
    people = followers(120, topic="防災")
    _prefer_email(people[:60])
    _prefer_email(people[60:70], verified=False, prefix="unverified")  # unconfirmed address: stays on LINE
    job = services.broadcast(actor=None, template=template, filters={"topic": ["防災"]}, context=CONTEXT)
    services.job_run(job.pk)

    line_users = Counter(d.to for d in line_sandbox.state.deliveries)
    assert set(line_users) == {p.line_user_id for p in people[60:]} and set(line_users.values()) == {1}
    addresses = Counter(m.to[0] for m in mail.outbox)
    assert len(addresses) == 60 and set(addresses.values()) == {1}
    assert mail.outbox[0].subject == f"【北茨城市】{template.title}"
    assert "磯原町で避難訓練があります。" in mail.outbox[0].body and "/my/preferences/" in mail.outbox[0].body
    assert DeliveryBatch.objects.filter(job=job, channel=Channel.EMAIL).count() == 2  # batches of 50
    progress = services.job_progress(job)
    assert (progress.total, progress.sent, progress.done) == (120, 120, True)


def test_notify_uses_email_when_chosen_and_refuses_without_any_channel(
    city_a, channel, line_sandbox, followers, template
) -> None:
    (person,) = followers(1)
    _prefer_email([person])
    services.job_run(services.notify(citizen=person.citizen, template=template, context=CONTEXT).pk)
    assert [m.to for m in mail.outbox] == [["resident0@example.jp"]]
    assert line_sandbox.state.deliveries == []

    nobody = Citizen.objects.create(municipality=city_a, created_at=clock.now())
    with pytest.raises(DomainError, match="連絡手段"):
        services.notify(citizen=nobody, template=template, context=CONTEXT)


def test_smtp_failure_is_retried_not_lost(city_a, channel, followers, template) -> None:
    people = followers(3)
    _prefer_email(people)
    job = services.broadcast(actor=None, template=template, filters={}, context=CONTEXT)
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=ConnectionRefusedError):
        services.job_run(job.pk, deadline=clock.now())
    batch = DeliveryBatch.objects.get(job=job, channel=Channel.EMAIL)
    assert batch.status == BatchStatus.PENDING and batch.attempts == 1
    assert Delivery.objects.filter(job=job, status=DeliveryStatus.FAILED_RETRYABLE).count() == 3
    DeliveryBatch.objects.filter(pk=batch.pk).update(not_before=None)
    services.job_run(job.pk)
    assert sorted(m.to[0] for m in mail.outbox) == [f"resident{n}@example.jp" for n in range(3)]
