"""The delivery engine's data: templates, segments, jobs, batches and one row per recipient.

A batch's ``retry_key`` is stored before LINE is called, so a batch sent again after a
crash carries the same key and LINE answers 409 instead of delivering twice.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from madoguchi.citizens.models import Citizen, LineIdentity
from madoguchi.core.models import Municipality, StaffUser


class MessageTemplate(models.Model):
    """A versioned text with ``{placeholders}``; a job keeps the version it was sent with."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField("識別名", max_length=60)
    version = models.PositiveIntegerField("版", default=1)
    title = models.CharField("件名", max_length=100)
    body = models.TextField("本文")
    created_at = models.DateTimeField("作成日時")

    class Meta:
        verbose_name = "配信テンプレート"
        verbose_name_plural = "配信テンプレート"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "key", "version"], name="template_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (第{self.version}版)"


class Segment(models.Model):
    """A saved filter over 受信設定: {"topic": ["防災"], "area": ["磯原町磯原"], …}."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名前", max_length=100)
    filters = models.JSONField("条件", default=dict, blank=True)

    class Meta:
        verbose_name = "配信先の条件"
        verbose_name_plural = "配信先の条件"

    def __str__(self) -> str:
        return self.name


class JobStatus(models.TextChoices):
    PENDING = "pending", "準備中"
    SENDING = "sending", "送信中"
    DONE = "done", "完了"
    CANCELLED = "cancelled", "取消"


class DeliveryJob(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="jobs")
    segment_filters = models.JSONField("配信先の条件（送信時点）", default=dict, blank=True)
    text = models.TextField("送信文（差し込み済み）", blank=True)
    personal = models.BooleanField("個別送信", default=False)
    created_by = models.ForeignKey(StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("作成日時")
    scheduled_at = models.DateTimeField("送信予定日時", null=True, blank=True)
    status = models.CharField("状態", max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    prepared = models.BooleanField("宛先確定", default=False)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)

    class Meta:
        verbose_name = "配信"
        verbose_name_plural = "配信"

    def __str__(self) -> str:
        return f"配信 {self.pk}"


class Channel(models.TextChoices):
    LINE = "line", "LINE"
    EMAIL = "email", "メール"


class BatchStatus(models.TextChoices):
    PENDING = "pending", "未送信"
    SENDING = "sending", "送信中"
    SENT = "sent", "送信済み"
    FAILED = "failed", "失敗"


class DeliveryBatch(models.Model):
    """One Messaging API request (multicast to ≤500 ids, or one push), or one SMTP session of e-mails."""

    job = models.ForeignKey(DeliveryJob, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.LINE)
    retry_key = models.UUIDField(unique=True)
    status = models.CharField(max_length=10, choices=BatchStatus.choices, default=BatchStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, db_index=True)
    not_before = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints: ClassVar = [models.UniqueConstraint(fields=["job", "number"], name="batch_unique_number")]
        indexes: ClassVar = [models.Index(fields=["job", "status"], name="batch_job_status_idx")]

    def __str__(self) -> str:
        return f"batch {self.job_id}/{self.number}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "送信待ち"
    SENT = "sent", "送信済み"
    FAILED_RETRYABLE = "failed_retryable", "再送待ち"
    FAILED_PERMANENT = "failed_permanent", "送信失敗"
    BLOCKED = "blocked", "ブロック中"


class Delivery(models.Model):
    """One recipient of a job: a LINE identity, or (e-mail channel) a citizen's confirmed address."""

    job = models.ForeignKey(DeliveryJob, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.LINE)
    identity = models.ForeignKey(LineIdentity, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    email_citizen = models.ForeignKey(Citizen, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    batch = models.ForeignKey(
        DeliveryBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    updated_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["job", "identity"], name="delivery_unique_recipient"),
            models.UniqueConstraint(fields=["job", "email_citizen"], name="delivery_unique_email_recipient"),
            # Exactly one recipient, matching the channel.
            models.CheckConstraint(
                condition=(
                    models.Q(channel="line", identity__isnull=False, email_citizen__isnull=True)
                    | models.Q(channel="email", identity__isnull=True, email_citizen__isnull=False)
                ),
                name="delivery_one_recipient",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["job", "status"], name="delivery_job_status_idx")]

    def __str__(self) -> str:
        return f"delivery {self.pk}"
