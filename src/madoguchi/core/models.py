"""Tenancy, departments, staff and their roles, and the audit trail."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from madoguchi.core.validators import validate_local_government_code


class Municipality(models.Model):
    """A tenant: one city, town or village. Every domain row belongs to one."""

    code = models.CharField(
        "全国地方公共団体コード",
        max_length=6,
        unique=True,
        validators=[validate_local_government_code],
        help_text="6桁（検査数字付き）。例: 北茨城市 082155",
    )
    name = models.CharField("団体名", max_length=50)
    prefecture = models.CharField("都道府県", max_length=10)
    name_kana = models.CharField("団体名（カナ）", max_length=50, blank=True)

    class Meta:
        verbose_name = "地方公共団体"
        verbose_name_plural = "地方公共団体"
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return f"{self.prefecture}{self.name}"


class Department(models.Model):
    """A 課 of a municipality (市民課, 企画政策課, …)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="departments")
    code = models.SlugField("課コード", max_length=40)
    name = models.CharField("課名", max_length=50)

    class Meta:
        verbose_name = "課"
        verbose_name_plural = "課"
        ordering: ClassVar = ["municipality", "code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "code"], name="department_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CLERK = "clerk", "担当"
    SUPERVISOR = "supervisor", "係長・課長"
    ADMIN = "admin", "管理者"
    SYSTEM_ADMIN = "system_admin", "システム管理者"


class StaffUserManager(UserManager["StaffUser"]):
    pass


class StaffUser(AbstractUser):
    """A member of staff. Residents never have one of these (they use `citizens`)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="staff")
    display_name = models.CharField("表示名", max_length=50, blank=True)

    objects: ClassVar[StaffUserManager] = StaffUserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "職員"
        verbose_name_plural = "職員"

    def __str__(self) -> str:
        return self.display_name or self.username


class StaffRole(models.Model):
    """A role a member of staff holds in one department."""

    user = models.ForeignKey(StaffUser, on_delete=models.CASCADE, related_name="roles")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="staff_roles")
    role = models.CharField("役割", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "職員の役割"
        verbose_name_plural = "職員の役割"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="staffrole_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.department.name} {self.get_role_display()}"


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained audit trail.

    Rows are chained per municipality: ``hash = sha256(prev_hash + canonical(row))``.
    Database triggers refuse UPDATE and DELETE; `madoguchi audit verify` finds
    any row changed or removed behind the application's back.
    Never store personal data here: objects are referenced by type and id only.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField("連番")
    occurred_at = models.DateTimeField("日時")
    actor = models.ForeignKey(StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField("操作者", max_length=150)
    role = models.CharField("役割", max_length=200, blank=True)
    action = models.CharField("操作", max_length=60)
    object_type = models.CharField("対象種別", max_length=60, blank=True)
    object_id = models.CharField("対象ID", max_length=60, blank=True)
    reason = models.CharField("理由", max_length=200, blank=True)
    request_id = models.CharField("リクエストID", max_length=64, blank=True)
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "監査記録"
        verbose_name_plural = "監査記録"
        ordering: ClassVar = ["municipality", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "seq"], name="auditevent_unique_seq"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["municipality", "object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["municipality", "actor", "seq"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """The last link of a municipality's chain; locked while appending so the chain never forks."""

    municipality = models.OneToOneField(Municipality, on_delete=models.PROTECT, primary_key=True, related_name="+")
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "監査記録の先頭"
        verbose_name_plural = "監査記録の先頭"

    def __str__(self) -> str:
        return f"chain head #{self.last_seq}"


class ScheduledJob(models.Model):
    """When a recurring job (`core.schedule`) next runs; claiming a run moves ``next_run_at``."""

    name = models.CharField(max_length=60, primary_key=True)
    next_run_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "定期処理"
        verbose_name_plural = "定期処理"

    def __str__(self) -> str:
        return self.name
