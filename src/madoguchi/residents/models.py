"""住民記録: a subset of the 住民記録システム標準仕様書 data model.

A person is never deleted: 転出 and 死亡 turn the record into a 除票 (status
REMOVED) that stays searchable for authorized staff. Every change is a
`Movement` (異動) holding the record before and after, so history is complete.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q

from madoguchi.core.models import Municipality, StaffUser


class Sex(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class Relationship(models.TextChoices):
    """続柄 (relationship to the head of household), as written on a 住民票."""

    HEAD = "head", "世帯主"
    SPOUSE = "spouse", "妻"
    HUSBAND = "husband", "夫"
    CHILD = "child", "子"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孫"
    CHILDS_SPOUSE = "childs_spouse", "子の配偶者"
    SIBLING = "sibling", "兄弟姉妹"
    OTHER_RELATIVE = "other_relative", "その他の親族"
    COHABITANT = "cohabitant", "同居人"


class ResidentStatus(models.TextChoices):
    ACTIVE = "active", "住民"
    REMOVED = "removed", "除票"


class CareLevel(models.TextChoices):
    NONE = "", "なし"
    SUPPORT_1 = "support1", "要支援1"
    SUPPORT_2 = "support2", "要支援2"
    CARE_1 = "care1", "要介護1"
    CARE_2 = "care2", "要介護2"
    CARE_3 = "care3", "要介護3"
    CARE_4 = "care4", "要介護4"
    CARE_5 = "care5", "要介護5"


class PensionType(models.TextChoices):
    NONE = "", "なし"
    TYPE_1 = "1", "第1号被保険者"
    TYPE_2 = "2", "第2号被保険者"
    TYPE_3 = "3", "第3号被保険者"
    RECIPIENT = "recipient", "受給者"


class DisabilityCertificate(models.TextChoices):
    NONE = "", "なし"
    PHYSICAL = "physical", "身体障害者手帳"
    INTELLECTUAL = "intellectual", "療育手帳"
    MENTAL = "mental", "精神障害者保健福祉手帳"


class MovementKind(models.TextChoices):
    """異動事由."""

    MOVE_IN = "move_in", "転入"
    BIRTH = "birth", "出生"
    MOVE_WITHIN = "move_within", "転居"
    MOVE_OUT = "move_out", "転出"
    DEATH = "death", "死亡"
    HEAD_CHANGE = "head_change", "世帯主変更"
    CORRECTION = "correction", "職権修正"
    INITIAL = "initial", "初期登録"


class Household(models.Model):
    """世帯."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    number = models.CharField("世帯番号", max_length=15)
    head = models.ForeignKey(
        "Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="世帯主"
    )
    postal_code = models.CharField("郵便番号", max_length=7)
    town = models.CharField("町名", max_length=40)
    banchi = models.CharField("番地", max_length=40)
    katagaki = models.CharField("方書", max_length=80, blank=True)
    created_on = models.DateField("世帯となった日")

    class Meta:
        verbose_name = "世帯"
        verbose_name_plural = "世帯"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "number"], name="household_unique_number"),
        ]

    def __str__(self) -> str:
        return f"世帯 {self.number}"


class PersonQuerySet(models.QuerySet["Person"]):
    def active(self) -> PersonQuerySet:
        return self.filter(status=ResidentStatus.ACTIVE)

    def removed(self) -> PersonQuerySet:
        return self.filter(status=ResidentStatus.REMOVED)


class Person(models.Model):
    """個人 (住民票)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    atena_number = models.CharField("宛名番号", max_length=15)
    resident_code = models.CharField("住民票コード", max_length=11)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members", verbose_name="世帯")
    relationship = models.CharField("続柄", max_length=20, choices=Relationship.choices)

    family_name = models.CharField("氏", max_length=30)
    given_name = models.CharField("名", max_length=30)
    family_name_kana = models.CharField("氏（フリガナ）", max_length=60)
    given_name_kana = models.CharField("名（フリガナ）", max_length=60)
    former_family_name = models.CharField("旧氏", max_length=30, blank=True)
    birth_date = models.DateField("生年月日")
    sex = models.CharField("性別", max_length=1, choices=Sex.choices)

    postal_code = models.CharField("郵便番号", max_length=7)
    town = models.CharField("町名", max_length=40)
    banchi = models.CharField("番地", max_length=40)
    katagaki = models.CharField("方書", max_length=80, blank=True)
    became_resident_on = models.DateField("住民となった日")

    # 外国人住民
    is_foreign = models.BooleanField("外国人住民", default=False)
    alphabet_name = models.CharField("アルファベット氏名", max_length=100, blank=True)
    nationality = models.CharField("国籍・地域", max_length=40, blank=True)
    residence_status = models.CharField("在留資格", max_length=40, blank=True)
    residence_until = models.DateField("在留期間の満了日", null=True, blank=True)

    status = models.CharField("状態", max_length=10, choices=ResidentStatus.choices, default=ResidentStatus.ACTIVE)
    removed_on = models.DateField("消除日", null=True, blank=True)
    removal_reason = models.CharField("消除事由", max_length=20, choices=MovementKind.choices, blank=True)
    moved_out_to = models.CharField("転出先", max_length=120, blank=True)

    # Eligibility flags other services decide on.
    national_health_insurance = models.BooleanField("国民健康保険", default=False)
    late_elderly_insurance = models.BooleanField("後期高齢者医療", default=False)
    long_term_care_insured = models.BooleanField("介護保険", default=False)
    care_level = models.CharField("要介護度", max_length=10, choices=CareLevel.choices, blank=True)
    pension_type = models.CharField("国民年金 種別", max_length=10, choices=PensionType.choices, blank=True)
    child_allowance = models.BooleanField("児童手当 受給", default=False)
    disability_certificate = models.CharField(
        "障害者手帳", max_length=20, choices=DisabilityCertificate.choices, blank=True
    )
    seal_registered = models.BooleanField("印鑑登録", default=False)
    evacuation_support = models.BooleanField("避難行動要支援者", default=False)

    # Search keys, derived on every write by the service (see core.text).
    name_key = models.CharField(max_length=80, editable=False)
    kana_key = models.CharField(max_length=120, editable=False)
    given_kana_key = models.CharField(max_length=60, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "住民"
        verbose_name_plural = "住民"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "atena_number"], name="person_unique_atena"),
            models.UniqueConstraint(fields=["municipality", "resident_code"], name="person_unique_resident_code"),
            models.CheckConstraint(
                condition=Q(status=ResidentStatus.ACTIVE, removed_on__isnull=True)
                | Q(status=ResidentStatus.REMOVED, removed_on__isnull=False),
                name="person_removed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=models.F("birth_date")),
                name="person_removed_after_birth",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["municipality", "kana_key"], name="person_kana_idx"),
            models.Index(fields=["municipality", "given_kana_key"], name="person_given_kana_idx"),
            models.Index(fields=["municipality", "name_key"], name="person_name_idx"),
            models.Index(fields=["municipality", "birth_date"], name="person_birth_idx"),
        ]

    def __str__(self) -> str:
        return f"住民 {self.atena_number}"

    @property
    def full_name(self) -> str:
        return f"{self.family_name}　{self.given_name}"

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana}　{self.given_name_kana}"

    @property
    def is_removed(self) -> bool:
        return self.status == ResidentStatus.REMOVED


class Movement(models.Model):
    """異動: one change to the register, with the record before and after."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField("異動事由", max_length=20, choices=MovementKind.choices)
    occurred_on = models.DateField("異動日")
    notified_on = models.DateField("届出日")
    recorded_at = models.DateTimeField("処理日時")
    recorded_by = models.ForeignKey(StaffUser, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    before = models.JSONField("異動前", default=dict, blank=True)
    after = models.JSONField("異動後", default=dict, blank=True)
    note = models.CharField("備考", max_length=200, blank=True)

    class Meta:
        verbose_name = "異動"
        verbose_name_plural = "異動"
        ordering: ClassVar = ["person", "recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class NumberSequence(models.Model):
    """Issues 宛名番号 and 世帯番号 in order, one at a time (row-locked while issuing)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=20)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "採番"
        verbose_name_plural = "採番"
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["municipality", "name"], name="numbersequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"
