"""Changes to resident accounts: LINE identities, web sign-in, counter linking, 受信設定.

Called by `line` event handlers and by the citizens' own pages (never the other way).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.http import Http404

from madoguchi.citizens.models import (
    TOPICS,
    Citizen,
    CitizenInterest,
    EmailSignIn,
    InterestKind,
    LineIdentity,
    LineIdentityStatus,
    LinkCode,
    PreferredChannel,
)
from madoguchi.citizens.signals import citizen_link_changed
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.text import normalize_text
from madoguchi.residents.models import Person, ResidentStatus
from madoguchi.residents.selectors import access_person

# Counter codes: no 0/O, 1/I/L, so they can be read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_VALIDITY = dt.timedelta(days=14)
LINK_MAX_FAILURES = 5
LINK_LOCK = dt.timedelta(minutes=30)
EMAIL_SIGN_IN_VALIDITY = dt.timedelta(minutes=15)


def _minutes(period: dt.timedelta) -> int:
    return int(period.total_seconds() // 60)


def _keyed_hash(value: str, purpose: str) -> str:
    """HMAC with the site's secret: a stolen database alone does not reveal or verify codes."""
    key = f"{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _audit_citizen(citizen: Citizen, action: str, obj: Model | None = None) -> None:
    """What residents do themselves: the actor is the account, not a member of staff."""
    audit_record(
        municipality=citizen.municipality,
        actor=None,
        actor_label=f"citizen:{citizen.pk}",
        action=action,
        obj=obj or citizen,
    )


def _after_commit_link_changed(citizen_id: int, linked: bool) -> None:
    transaction.on_commit(
        partial(citizen_link_changed.send_robust, sender=Citizen, citizen_id=citizen_id, linked=linked)
    )


# --- LINE identities ----------------------------------------------------------


@transaction.atomic
def line_identity_follow(*, municipality: Municipality, line_user_id: str, display_name: str = "") -> LineIdentity:
    """A follow event: create the citizen's LINE identity, or reactivate it after an unblock."""
    now = clock.now()
    identity = (
        LineIdentity.objects.select_for_update()
        .filter(municipality=municipality, line_user_id=line_user_id)
        .select_related("citizen")
        .first()
    )
    if identity is None:
        return _identity_create(municipality, line_user_id, display_name, LineIdentityStatus.FOLLOWING)
    identity.status = LineIdentityStatus.FOLLOWING
    identity.followed_at = now
    identity.blocked_at = None
    identity.save(update_fields=["status", "followed_at", "blocked_at"])
    return identity


@transaction.atomic
def line_identity_unfollow(*, municipality: Municipality, line_user_id: str) -> LineIdentity | None:
    """An unfollow (block) event: nothing more may be sent to this user."""
    identity = (
        LineIdentity.objects.select_for_update().filter(municipality=municipality, line_user_id=line_user_id).first()
    )
    if identity is not None and identity.status != LineIdentityStatus.BLOCKED:
        identity.status = LineIdentityStatus.BLOCKED
        identity.blocked_at = clock.now()
        identity.save(update_fields=["status", "blocked_at"])
    return identity


def _identity_create(municipality: Municipality, line_user_id: str, display_name: str, status: str) -> LineIdentity:
    now = clock.now()
    citizen = Citizen.objects.create(municipality=municipality, display_name=display_name[:100], created_at=now)
    return LineIdentity.objects.create(
        municipality=municipality, citizen=citizen, line_user_id=line_user_id, status=status, followed_at=now
    )


@transaction.atomic
def line_identity_sign_in(*, municipality: Municipality, line_user_id: str, display_name: str = "") -> Citizen:
    """A verified LIFF sign-in: the citizen behind the LINE user, created if LINE never told us of them."""
    identity = LineIdentity.objects.filter(municipality=municipality, line_user_id=line_user_id).first()
    if identity is None:
        try:
            with transaction.atomic():
                identity = _identity_create(municipality, line_user_id, display_name, LineIdentityStatus.NOT_FRIEND)
        except IntegrityError:  # a follow event created it meanwhile
            identity = LineIdentity.objects.get(municipality=municipality, line_user_id=line_user_id)
    _audit_citizen(identity.citizen, "citizen.sign_in_line")
    return identity.citizen


# --- e-mail sign-in ------------------------------------------------------------


def email_sign_in_start(*, municipality: Municipality, email: str, sign_in_url: str) -> None:
    """Send a one-time sign-in link. Says nothing about whether the address was known (no enumeration)."""
    email = email.strip().lower()
    now = clock.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        citizen = Citizen.objects.filter(municipality=municipality, email=email).first()
        if citizen is None:
            citizen = Citizen.objects.create(municipality=municipality, email=email, created_at=now)
        EmailSignIn.objects.create(
            citizen=citizen,
            email=email,
            token_hash=_keyed_hash(token, "email-sign-in"),
            created_at=now,
            expires_at=now + EMAIL_SIGN_IN_VALIDITY,
        )
    minutes = _minutes(EMAIL_SIGN_IN_VALIDITY)
    send_mail(
        subject=f"【{municipality.name}】ログイン用のリンク",
        message=(
            f"{municipality.name}のスマホ市役所にログインするには、{minutes}分以内に次のリンクを開いてください。\n\n"
            f"{sign_in_url.replace('{token}', token)}\n\n"
            "このメールに心当たりがない場合は、何もせずに削除してください。リンクは一度だけ使えます。"
        ),
        from_email=None,
        recipient_list=[email],
    )


@transaction.atomic
def email_sign_in_finish(*, municipality: Municipality, token: str) -> Citizen:
    """Use a sign-in link: marks the address verified. Expired or used links are refused."""
    sign_in = (
        EmailSignIn.objects.select_for_update()
        .select_related("citizen")
        .filter(token_hash=_keyed_hash(token, "email-sign-in"), citizen__municipality=municipality)
        .first()
    )
    now = clock.now()
    if sign_in is None or sign_in.used_at is not None or sign_in.expires_at < now:
        raise DomainError(
            f"このリンクは使えません。期限（{_minutes(EMAIL_SIGN_IN_VALIDITY)}分）が過ぎたか、すでに使われています。"
            "もう一度メールを送ってください。"
        )
    sign_in.used_at = now
    sign_in.save(update_fields=["used_at"])
    citizen = sign_in.citizen
    if citizen.email != sign_in.email or citizen.email_verified_at is None:
        citizen.email = sign_in.email
        citizen.email_verified_at = now
        citizen.save(update_fields=["email", "email_verified_at"])
    _audit_citizen(citizen, "citizen.sign_in_email")
    return citizen


# --- linking to the register at the counter ----------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once; only its hash is kept
    expires_at: dt.datetime


def _format_code(raw: str) -> str:
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _normalize_code(typed: str) -> str:
    return "".join(ch for ch in normalize_text(typed).upper() if ch.isalnum())


@transaction.atomic
def link_code_issue(*, actor: StaffUser, person_id: int) -> IssuedCode:
    """Issue a counter code for a person whose identity staff have just checked; earlier codes stop working."""
    require(actor, Perm.CITIZEN_LINK)
    try:
        person = access_person(actor=actor, person_id=person_id)  # scoped to the actor's city
    except Http404:
        raise DomainError("この方の住民記録が見つかりません。") from None
    if person.status != ResidentStatus.ACTIVE:
        raise DomainError("この方には連携コードを発行できません（除票です）。")
    now = clock.now()
    LinkCode.objects.filter(person=person, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    code = LinkCode.objects.create(
        municipality_id=person.municipality_id,
        person=person,
        code_hash=_keyed_hash(raw, "link-code"),
        issued_by=actor,
        issued_at=now,
        expires_at=now + CODE_VALIDITY,
    )
    audit_record(municipality=person.municipality, actor=actor, action="citizen.link_code_issue", obj=code)
    return IssuedCode(code=_format_code(raw), expires_at=code.expires_at)


def citizen_link(*, citizen: Citizen, typed_code: str) -> Person:
    """The resident enters the counter code: link the account to the person it was issued for."""
    now = clock.now()
    with transaction.atomic():
        citizen = Citizen.objects.select_for_update().get(pk=citizen.pk)
        if citizen.link_locked_until and citizen.link_locked_until > now:
            raise DomainError(
                f"入力の誤りが続いたため、しばらく入力できません。{_minutes(LINK_LOCK)}分ほどしてからお試しください。",
                field="code",
            )
        if citizen.person_id is not None:
            raise DomainError("このアカウントはすでに住民記録と連携しています。", field="code")
        code = (
            LinkCode.objects.select_for_update()
            .select_related("person")
            .filter(
                municipality_id=citizen.municipality_id, code_hash=_keyed_hash(_normalize_code(typed_code), "link-code")
            )
            .first()
        )
        problem = ""
        if code is None:
            problem = "連携コードが正しくありません。窓口でお渡しした用紙のコードをご確認ください。"
        elif code.used_at or code.revoked_at:
            problem = "この連携コードはすでに使われたか、無効になっています。窓口で新しいコードを受け取ってください。"
        elif code.expires_at < now:
            problem = "この連携コードは有効期限が過ぎています。窓口で新しいコードを受け取ってください。"
        elif Citizen.objects.filter(person=code.person).exists():
            problem = "この住民記録は、別のアカウントと連携しています。窓口にお問い合わせください。"
        if problem:
            failures = citizen.link_failures + 1
            Citizen.objects.filter(pk=citizen.pk).update(
                link_failures=0 if failures >= LINK_MAX_FAILURES else failures,
                link_locked_until=now + LINK_LOCK if failures >= LINK_MAX_FAILURES else citizen.link_locked_until,
            )
            _audit_citizen(citizen, "citizen.link_refused")
    if problem:  # the failure count above is committed; now tell the resident
        raise DomainError(problem, field="code")
    with transaction.atomic():
        assert code is not None
        LinkCode.objects.filter(pk=code.pk).update(used_at=now, used_by=citizen)
        Citizen.objects.filter(pk=citizen.pk).update(
            person=code.person, linked_at=now, linked_by=code.issued_by_id, link_failures=0, link_locked_until=None
        )
        _audit_citizen(citizen, "citizen.link")
        _after_commit_link_changed(citizen.pk, True)
    return code.person


def citizen_linked_person(*, citizen: Citizen) -> Person | None:
    """The person the account is linked to, for the resident's own page; the read is audited."""
    person = citizen.person if citizen.person_id is not None else None
    if person is not None:
        _audit_citizen(citizen, "citizen.view_own_link", obj=person)
    return person


def _unlink(citizen: Citizen) -> None:
    Citizen.objects.filter(pk=citizen.pk).update(person=None, linked_at=None, linked_by=None)
    _after_commit_link_changed(citizen.pk, False)


@transaction.atomic
def citizen_unlink_self(*, citizen: Citizen) -> None:
    """The resident ends the link themselves (from the LIFF page)."""
    if citizen.person_id is None:
        return
    _unlink(citizen)
    _audit_citizen(citizen, "citizen.unlink")


@transaction.atomic
def citizen_unlink_by_staff(*, actor: StaffUser, person_id: int, reason: str) -> None:
    """Staff end a link (lost phone, wrong person, request at the counter); the reason is audited."""
    require(actor, Perm.CITIZEN_LINK)
    if not reason.strip():
        raise DomainError("解除の理由を入力してください。", field="reason")
    citizen = Citizen.objects.filter(person_id=person_id, municipality_id=actor.municipality_id).first()
    if citizen is None:
        raise DomainError("この方の連携はありません。")
    _unlink(citizen)
    audit_record(
        municipality=citizen.municipality, actor=actor, action="citizen.unlink", obj=citizen, reason=reason.strip()
    )


# --- 受信設定 ---------------------------------------------------------------------


@transaction.atomic
def citizen_preferences_set(
    *, citizen: Citizen, choices: dict[str, list[str]], preferred_channel: str | None = None
) -> None:
    """Replace the citizen's 受信設定 with ``choices`` ({kind: [values]}) and, if given, how to receive."""
    valid = {k.value for k in InterestKind}
    rows = [
        CitizenInterest(citizen=citizen, kind=kind, value=value[:60])
        for kind, values in choices.items()
        if kind in valid
        for value in dict.fromkeys(v.strip() for v in values if v.strip())
    ]
    unknown_topics = {r.value for r in rows if r.kind == InterestKind.TOPIC} - set(TOPICS)
    if unknown_topics:
        raise DomainError("受け取りたい情報の選択肢から選んでください。", field="topics")
    if preferred_channel is not None:
        if preferred_channel == PreferredChannel.EMAIL and not (citizen.email and citizen.email_verified_at):
            raise DomainError("メールで受け取るには、先にメールアドレスを確認してください。", field="preferred_channel")
        if preferred_channel not in PreferredChannel.values:
            raise DomainError("受け取り方法の選択肢から選んでください。", field="preferred_channel")
        Citizen.objects.filter(pk=citizen.pk).update(preferred_channel=preferred_channel)
    CitizenInterest.objects.filter(citizen=citizen).delete()
    CitizenInterest.objects.bulk_create(rows)
    _audit_citizen(citizen, "citizen.preferences")
