"""利用者登録: residents register as individuals or groups; staff verify where the category needs it."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction

from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.text import normalize_digits, normalize_text, to_furigana
from madoguchi.reservations.errors import RegistrationInvalid
from madoguchi.reservations.models import (
    GroupMember,
    Registration,
    RegistrationStatus,
    UserCategory,
)


def audit_citizen(citizen: Citizen, action: str, obj: object) -> None:
    audit_record(
        municipality=citizen.municipality,
        actor=None,
        actor_label=f"citizen:{citizen.pk}",
        action=action,
        obj=obj,  # type: ignore[arg-type]
    )


def _new_number() -> str:
    return "U" + "".join(secrets.choice("0123456789") for _ in range(9))


@transaction.atomic
def registration_create(
    *,
    citizen: Citizen,
    category_id: int,
    name: str,
    name_kana: str,
    phone: str,
    representative: str = "",
) -> Registration:
    category = UserCategory.objects.filter(municipality_id=citizen.municipality_id, pk=category_id).first()
    if category is None:
        raise DomainError("利用者区分を選んでください。", field="category")
    if (
        not category.is_group
        and Registration.objects.filter(
            owner=citizen, category__is_group=False, status__in=[RegistrationStatus.ACTIVE, RegistrationStatus.PENDING]
        ).exists()
    ):
        raise DomainError("個人の利用者登録はすでにあります。", field="category")
    if category.is_group and not representative.strip():
        raise DomainError("団体の代表者名を入力してください。", field="representative")
    try:
        kana = to_furigana(name_kana)
    except ValueError as exc:
        raise DomainError(str(exc), field="name_kana") from None
    if not kana:
        raise DomainError("フリガナを入力してください。", field="name_kana")
    digits = normalize_digits(phone)
    if not (digits.isdigit() and 10 <= len(digits) <= 11):
        raise DomainError("電話番号は市外局番から10桁または11桁の数字で入力してください。", field="phone")
    status = RegistrationStatus.PENDING if category.requires_verification else RegistrationStatus.ACTIVE
    for _ in range(5):
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    municipality_id=citizen.municipality_id,
                    number=_new_number(),
                    owner=citizen,
                    category=category,
                    name=normalize_text(name),
                    name_kana=kana,
                    representative=normalize_text(representative),
                    phone=digits,
                    status=status,
                    created_at=clock.now(),
                    feed_token=secrets.token_urlsafe(32),
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - 10^9 numbers; five collisions in a row mean something else is wrong
        raise DomainError("登録番号を発行できませんでした。もう一度お試しください。")
    audit_citizen(citizen, "registration.create", registration)
    return registration


@transaction.atomic
def registration_decide(*, actor: StaffUser, registration_id: int, approve: bool, note: str = "") -> Registration:
    require(actor, Perm.BOOKING_CHANGE)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .filter(municipality_id=actor.municipality_id, pk=registration_id)
        .first()
    )
    if registration is None:
        raise DomainError("利用者登録が見つかりません。")
    if registration.status != RegistrationStatus.PENDING:
        raise DomainError("この利用者登録はすでに確認済みです。")
    registration.status = RegistrationStatus.ACTIVE if approve else RegistrationStatus.REJECTED
    registration.decided_by = actor
    registration.decided_at = clock.now()
    registration.decision_note = note[:200]
    registration.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        municipality=actor.municipality,
        actor=actor,
        action="registration.approve" if approve else "registration.reject",
        obj=registration,
        reason=note,
    )
    return registration


@transaction.atomic
def group_member_add(*, actor: StaffUser, registration_id: int, citizen_id: int) -> GroupMember:
    """Staff add a member who may book for the group (the 代表者 asks at the counter or by form)."""
    require(actor, Perm.BOOKING_CHANGE)
    registration = Registration.objects.filter(
        municipality_id=actor.municipality_id, pk=registration_id, category__is_group=True
    ).first()
    citizen = Citizen.objects.filter(municipality_id=actor.municipality_id, pk=citizen_id).first()
    if registration is None or citizen is None:
        raise DomainError("団体またはアカウントが見つかりません。")
    member, _ = GroupMember.objects.get_or_create(
        registration=registration, citizen=citizen, defaults={"added_at": clock.now()}
    )
    audit_record(municipality=actor.municipality, actor=actor, action="registration.member_add", obj=registration)
    return member


def registration_usable(*, citizen: Citizen, registration_id: int) -> Registration:
    """The registration ``citizen`` may book with (owner or member), locked for this transaction."""
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(municipality_id=citizen.municipality_id, pk=registration_id)
        .first()
    )
    if registration is None or not (
        registration.owner_id == citizen.pk or registration.members.filter(citizen=citizen).exists()
    ):
        raise RegistrationInvalid("この利用者登録では予約できません。", field="registration")
    if registration.status == RegistrationStatus.PENDING:
        raise RegistrationInvalid(
            "利用者登録は職員の確認待ちです。確認が済むと予約できるようになります。", field="registration"
        )
    if registration.status != RegistrationStatus.ACTIVE:
        raise RegistrationInvalid("この利用者登録は現在ご利用いただけません。", field="registration")
    return registration
