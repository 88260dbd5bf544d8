"""What the city tells a resident about their bookings and classes (LINE, or e-mail if they chose it).

The wording is a messaging template per notice, created from the defaults here on first
use; staff can edit it on the template screen. A notice goes out after the change commits,
and a resident without any channel never makes a booking fail.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import transaction

from madoguchi.citizens.models import Citizen
from madoguchi.core.errors import DomainError
from madoguchi.messaging.services import notify, template_system

log = logging.getLogger(__name__)

DEFAULTS: dict[str, tuple[str, str]] = {
    "reservations.held": (
        "仮予約を受け付けました",
        "{facility} {unit}\n{when}\n仮予約を受け付けました（予約番号 {number}）。\n"
        "使用料 {fee} を {deadline} までにお支払いください。期限を過ぎると仮予約は自動で取り消されます。",
    ),
    "reservations.confirmed": (
        "予約が確定しました",
        "{facility} {unit}\n{when}\n予約が確定しました（予約番号 {number}）。{key_note}",
    ),
    "reservations.key": (
        "電子鍵（暗証番号）のお知らせ",
        "{facility} {unit}\n{when}\n入口のスマートロックで暗証番号 {pin} を押してください。\n"
        "この番号は {valid} の間だけ使えます。他の人に教えないでください。",
    ),
    "reservations.cancelled": (
        "予約を取り消しました",
        "{facility} {unit}\n{when}\n予約を取り消しました（予約番号 {number}）。{money_note}",
    ),
    "reservations.expired": (
        "仮予約の期限が過ぎました",
        "{facility} {unit}\n{when}\nお支払いの期限が過ぎたため、仮予約（予約番号 {number}）を取り消しました。",
    ),
    "reservations.closure": (
        "休館のため予約を取り消しました",
        "{facility} {unit}\n{when}\n{reason}のため休館となり、予約（予約番号 {number}）を取り消しました。"
        "お支払い済みの使用料は全額お返しします。",
    ),
    "reservations.reminder": (
        "明日のご予約",
        "{facility} {unit}\n{when}\n（{address}）\n明日のご予約です（予約番号 {number}）。{key_note}\n"
        "ご都合が悪くなった場合は、マイページから取り消してください。",
    ),
    "reservations.lottery_won": (
        "抽選の結果（当選）",
        "{lottery}\n当選しました（第{rank}希望）: {facility} {unit} {when}\n"
        "{deadline} までにお支払いのうえ、予約を確定してください。期限を過ぎると当選は無効になります。",
    ),
    "reservations.lottery_lost": (
        "抽選の結果",
        "{lottery}\n申込番号 {number} は、残念ながら落選となりました。空いている枠は {opens} から先着順で予約できます。",
    ),
    "reservations.class_registered": (
        "講座のお申し込みを受け付けました",
        "{title}\n{when}\n{place}\nお申し込みを受け付けました。",
    ),
    "reservations.class_waitlisted": (
        "講座のキャンセル待ちを受け付けました",
        "{title}\n{when}\n定員に達しているため、キャンセル待ち（{position}番目）で受け付けました。"
        "空きが出たら自動で繰り上げ、お知らせします。",
    ),
    "reservations.class_promoted": (
        "キャンセル待ちから繰り上がりました",
        "{title}\n{when}\n{place}\n空きが出たため、参加が決まりました。ご都合が悪くなった場合は取り消しをお願いします。",
    ),
    "reservations.class_reminder": (
        "講座は明日です",
        "{title}\n{when}\n{place}\n持ち物: {bring}",
    ),
}


# The audit screen's names for this app's actions.
AUDIT_LABELS = {
    "booking.hold": "仮予約（本人）",
    "booking.create": "窓口・電話での予約",
    "booking.block": "職員による確保",
    "booking.confirm": "予約の確定",
    "booking.expire": "仮予約の期限切れ",
    "booking.cancel": "予約の取消（本人）",
    "booking.cancel_by_staff": "予約の取消（職員）",
    "booking.reduction_approve": "減免の承認",
    "booking.reduction_reject": "減免の不承認",
    "booking.check_in": "入室（初回の解錠）",
    "booking.view": "予約の閲覧",
    "booking.calendar_view": "予約カレンダーの閲覧",
    "booking.evidence_view": "減免の証明書類の閲覧",
    "facility.closure": "臨時休館の登録",
    "lock.account_connect": "スマートロックの接続設定",
    "lock.key_retry": "電子鍵の再反映（職員）",
    "registration.create": "利用者登録（本人）",
    "registration.approve": "利用者登録の承認",
    "registration.reject": "利用者登録の却下",
    "registration.member_add": "団体の構成員の追加",
    "registration.view": "利用者登録の閲覧",
    "lottery.create": "抽選の作成",
    "lottery.apply": "抽選の申込（本人）",
    "lottery.withdraw": "抽選の取下げ（本人）",
    "lottery.draw": "抽選の実施",
    "lottery.view": "抽選の申込状況の閲覧",
    "class.session_create": "講座の回の追加",
    "class.enroll": "講座の申込（本人）",
    "class.enroll_by_staff": "講座の申込（窓口）",
    "class.cancel": "講座の取消（本人）",
    "class.cancel_by_staff": "講座の取消（職員）",
    "class.promote": "キャンセル待ちの繰り上げ",
    "class.capacity": "講座の定員の変更",
    "class.attendance": "講座の出欠の記録",
    "class.roster_view": "講座の名簿の閲覧",
    "facility.create": "施設の登録",
    "facility.update": "施設の設定の変更",
    "facility.unit_create": "区画の追加",
    "facility.unit_update": "区画の変更",
    "facility.frame_create": "利用区分の追加",
    "facility.frame_update": "利用区分・使用料の変更",
    "facility.frame_delete": "利用区分の削除",
    "facility.rate_set": "時間あたりの使用料の変更",
    "facility.tier_create": "取消料の段階の追加",
    "facility.tier_delete": "取消料の段階の削除",
    "facility.photo_add": "施設の写真の追加",
    "facility.photo_delete": "施設の写真の削除",
    "facility.photo_move": "施設の写真の並べ替え",
    "user_category.create": "利用者区分の追加",
    "user_category.update": "利用者区分の変更",
    "reduction_reason.create": "減免の理由の追加",
    "reduction_reason.update": "減免の理由の変更",
}


def notice_now(*, citizen_id: int, key: str, context: dict[str, Any]) -> None:
    """Queue ``key`` for the resident within the current transaction (for resumable loops)."""
    _send(citizen_id, key, context)


def _send(citizen_id: int, key: str, context: dict[str, Any]) -> None:
    citizen = Citizen.objects.select_related("municipality").get(pk=citizen_id)
    title, body = DEFAULTS[key]
    template = template_system(municipality=citizen.municipality, key=key.replace(".", "-"), title=title, body=body)
    try:
        notify(citizen=citizen, template=template, context=context)
    except DomainError as exc:
        # No channel (LINE blocked, no verified e-mail): the booking stands; staff see it on the booking.
        log.debug("notice %s not sent: %s", key, exc.message)


def notice_send(*, citizen_id: int | None, key: str, context: dict[str, Any]) -> None:
    """Send ``key`` to the resident once the current transaction commits."""
    if citizen_id is None:
        return
    transaction.on_commit(partial(_send, citizen_id, key, context))
