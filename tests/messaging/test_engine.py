"""The delivery engine against the LINE sandbox: batches, retry keys, blocks, retries, resumption."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from madoguchi.core import clock
from madoguchi.core.errors import DomainError
from madoguchi.line.client import LineClient
from madoguchi.messaging import services
from madoguchi.messaging.models import BatchStatus, DeliveryBatch, DeliveryStatus, JobStatus, Segment

from ..conftest import make_staff

pytestmark = pytest.mark.django_db
CONTEXT = {"area": "磯原町", "event": "避難訓練"}


def _delivered(sandbox) -> Counter:
    return Counter(d.to for d in sandbox.state.deliveries)


def test_broadcast__reaches_each_follower_of_the_segment_once(
    city_a, channel, line_sandbox, followers, template
) -> None:
    targets = followers(1203, topic="防災", blocked=3)
    followers(50, topic="子育て")
    job = services.broadcast(
        actor=make_staff(city_a, "kikaku"), template=template, filters={"topic": ["防災"]}, context=CONTEXT
    )
    services.job_run(job.pk)
    delivered = _delivered(line_sandbox)
    expected = {i.line_user_id for i in targets[3:]}
    assert set(delivered) == expected and set(delivered.values()) == {1}
    assert line_sandbox.state.requests == {"multicast": 3}  # 1,200 in batches of ≤500
    assert {d.messages[0]["text"] for d in line_sandbox.state.deliveries} == {"磯原町で避難訓練があります。"}
    progress = services.job_progress(job)
    assert (progress.total, progress.sent, progress.blocked, progress.failed, progress.done) == (1203, 1200, 3, 0, True)
    assert progress.percent == 100


def test_broadcast__to_a_saved_segment_and_never_another_citys(
    city_a, city_b, channel, line_sandbox, followers, template
) -> None:
    targets = followers(3, topic="子育て")
    followers(2, topic="防災")
    segment = Segment.objects.create(municipality=city_a, name="子育て", filters={"topic": ["子育て"]})
    job = services.broadcast(actor=None, template=template, segment=segment, context=CONTEXT)
    services.job_run(job.pk)
    assert set(_delivered(line_sandbox)) == {i.line_user_id for i in targets}
    theirs = Segment.objects.create(municipality=city_b, name="高萩", filters={})
    with pytest.raises(DomainError, match="この配信先は使えません"):
        services.broadcast(actor=None, template=template, segment=theirs, context=CONTEXT)


def test_broadcast__needs_the_send_permission(city_a, channel, template) -> None:
    with pytest.raises(PermissionDenied):
        services.broadcast(actor=make_staff(city_a, "clerk"), template=template, filters={}, context=CONTEXT)


def test_template__missing_placeholder_is_refused_in_japanese(city_a, channel, template) -> None:
    with pytest.raises(DomainError, match="差し込み項目が足りません: event"):
        services.broadcast(actor=None, template=template, filters={}, context={"area": "磯原町"})


def test_notify__pushes_to_one_and_never_to_a_blocked_user(city_a, channel, line_sandbox, followers, template) -> None:
    blocked, friend = followers(2, blocked=1)
    services.job_run(services.notify(citizen=friend.citizen, template=template, context=CONTEXT).pk)
    services.job_run(services.notify(citizen=blocked.citizen, template=template, context=CONTEXT).pk)
    assert _delivered(line_sandbox) == Counter({friend.line_user_id: 1})
    assert line_sandbox.state.requests == {"push": 1}


def test_server_errors__are_retried_with_the_same_key_until_sent(
    city_a, channel, line_sandbox, followers, template
) -> None:
    followers(10)
    line_sandbox.state.failure_rate = 1.0
    job = services.broadcast(actor=None, template=template, filters={}, context=CONTEXT)
    services.job_run(job.pk, deadline=clock.now())
    batch = DeliveryBatch.objects.get(job=job)
    assert batch.status == BatchStatus.PENDING and batch.attempts == 1 and batch.not_before is not None
    assert job.deliveries.filter(status=DeliveryStatus.FAILED_RETRYABLE).count() == 10
    line_sandbox.state.failure_rate = 0.0
    services.job_run(job.pk)
    assert DeliveryBatch.objects.get(job=job).status == BatchStatus.SENT
    assert set(_delivered(line_sandbox).values()) == {1} and len(_delivered(line_sandbox)) == 10


def test_crash_after_line_accepted__resumes_without_sending_twice(
    city_a, channel, line_sandbox, followers, template
) -> None:
    followers(700)
    job = services.broadcast(actor=None, template=template, filters={}, context=CONTEXT)
    services.job_prepare(job.pk)
    # A worker claims the first batch, LINE accepts it, and the worker dies before recording it.
    batch = services._claim(job.pk)
    ids = list(batch.deliveries.values_list("identity__line_user_id", flat=True))
    LineClient().multicast(channel, to=ids, texts=[job.text], retry_key=str(batch.retry_key))
    # Another worker runs once the dead worker's lease has run out.
    with time_machine.travel(clock.now() + services.lease() + dt.timedelta(seconds=1), tick=True):
        services.job_run(job.pk)
    delivered = _delivered(line_sandbox)
    assert len(delivered) == 700 and set(delivered.values()) == {1}
    assert job.deliveries.filter(status=DeliveryStatus.SENT).count() == 700
    assert type(job).objects.get(pk=job.pk).status == JobStatus.DONE


def test_unauthorised_token__fails_permanently_and_is_reported(
    city_a, channel, line_sandbox, followers, template
) -> None:
    followers(5)
    channel.access_token = "revoked"
    channel.save()
    job = services.broadcast(actor=None, template=template, filters={}, context=CONTEXT)
    services.job_run(job.pk)
    progress = services.job_progress(job)
    assert (progress.failed, progress.sent, progress.done) == (5, 0, True)
    assert "401" in job.deliveries.first().reason


def test_job_prepare__is_idempotent(city_a, channel, followers, template) -> None:
    followers(1001)
    job = services.broadcast(actor=None, template=template, filters={}, context=CONTEXT)
    services.job_prepare(job.pk)
    type(job).objects.filter(pk=job.pk).update(prepared=False)  # as if it crashed just before the end
    services.job_prepare(job.pk)
    assert job.deliveries.count() == 1001
    assert DeliveryBatch.objects.filter(job=job).count() == 3
    assert job.deliveries.filter(batch__isnull=True).count() == 0
