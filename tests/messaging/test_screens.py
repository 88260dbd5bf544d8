"""Staff delivery screens: compose with preview and reach, send now or later, progress and report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from madoguchi.core.models import AuditEvent
from madoguchi.messaging.models import DeliveryJob, JobStatus, MessageTemplate, Segment

from ..conftest import make_staff, verified_client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kikaku(city_a):
    return verified_client(make_staff(city_a, "kikaku"))


def test_compose_preview_send_and_watch_progress(city_a, channel, line_sandbox, followers, template, kikaku) -> None:
    followers(30, topic="防災", blocked=2)
    followers(5, topic="子育て")
    segment = Segment.objects.create(municipality=city_a, name="防災を希望する方", filters={"topic": ["防災"]})
    form = {
        "template": template.pk,
        "segment": segment.pk,
        "when": "now",
        "ctx_area": "磯原町",
        "ctx_event": "避難訓練",
    }

    preview = kikaku.post("/staff/messages/new/preview/", form).content.decode()
    assert "磯原町で避難訓練があります。" in preview
    assert '<strong id="reach-total">28</strong>' in preview and "ブロック中・友だち未追加の 2人" in preview

    response = kikaku.post("/staff/messages/new/", {**form, "action": "send"})
    job = DeliveryJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/messages/{job.pk}/"
    # The test task backend runs the job on commit, as a worker would.
    assert len({d.to for d in line_sandbox.state.deliveries}) == 28
    progress = kikaku.get(f"/staff/messages/{job.pk}/progress/")
    assert 'value="100"' in progress.content.decode() and progress["HX-Refresh"] == "true"
    page = kikaku.get(f"/staff/messages/{job.pk}/").content.decode()
    assert "送信済み" in page and "ブロックされています" in page  # the report, by reason
    assert AuditEvent.objects.filter(action="message.broadcast", object_id=str(job.pk)).exists()


def test_missing_placeholder_and_past_schedule_are_explained(city_a, channel, template, kikaku) -> None:
    base = {"template": template.pk, "segment": "", "action": "send", "ctx_area": "磯原町"}
    page = kikaku.post("/staff/messages/new/", {**base, "when": "now"}).content.decode()
    assert "eventを入力してください。" in page and 'value="磯原町"' in page
    past = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page = kikaku.post(
        "/staff/messages/new/", {**base, "ctx_event": "訓練", "when": "later", "scheduled_at": past}
    ).content.decode()
    assert "これから先の日時" in page
    assert not DeliveryJob.objects.exists()


def test_scheduled_send_waits_and_can_be_cancelled(city_a, channel, line_sandbox, followers, template, kikaku) -> None:
    followers(3)
    later = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"template": template.pk, "segment": "", "ctx_area": "磯原町", "ctx_event": "訓練", "when": "later"}
    kikaku.post("/staff/messages/new/", {**form, "scheduled_at": later, "action": "send"})
    job = DeliveryJob.objects.get()
    assert job.scheduled_at is not None and job.status == JobStatus.PENDING
    assert line_sandbox.state.deliveries == []
    assert kikaku.post(f"/staff/messages/{job.pk}/cancel/").status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_templates_get_versions_and_segments_are_saved(city_a, kikaku) -> None:
    kikaku.post(
        "/staff/messages/templates/", {"key": "gomi", "title": "ごみ収集", "body": "{地区}の収集日が変わります。"}
    )
    kikaku.post(
        "/staff/messages/templates/", {"key": "gomi", "title": "ごみ収集", "body": "{地区}の収集日は{日}です。"}
    )
    assert list(MessageTemplate.objects.filter(key="gomi").values_list("version", flat=True).order_by("version")) == [
        1,
        2,
    ]
    bad = kikaku.post(
        "/staff/messages/templates/", {"key": "x", "title": "t", "body": "{閉じていない"}
    ).content.decode()
    assert "使い方が正しくありません" in bad
    kikaku.post("/staff/messages/segments/", {"name": "子育て世代", "topic": ["子育て"], "age_band": ["30代"]})
    assert Segment.objects.get(name="子育て世代").filters == {"age_band": ["30代"], "topic": ["子育て"]}


@pytest.mark.parametrize("persona", ["clerk", "hoken", "sysadmin", "norole"])
def test_only_staff_who_may_send_see_the_screens(city_a, persona) -> None:
    client = verified_client(make_staff(city_a, persona))
    for path in ("/staff/messages/", "/staff/messages/new/", "/staff/messages/templates/", "/staff/messages/segments/"):
        assert client.get(path).status_code == 403
