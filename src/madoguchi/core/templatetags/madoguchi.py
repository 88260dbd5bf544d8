"""Template filters every page uses: 和暦 dates, postal codes, masked identifiers."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import template

from madoguchi.core import audit, wareki

if TYPE_CHECKING:
    from django.forms import BoundField

register = template.Library()


@register.filter
def wareki_date(value: dt.date | dt.datetime | None, fmt: str = "long") -> str:
    """``{{ person.birth_date|wareki_date }}`` → 昭和50年4月1日."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        # The date as seen in Japan, not in UTC (before 9:00 the UTC date is the day before).
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    try:
        return wareki.to_wareki(value, short=(fmt == "short"))
    except ValueError:
        return value.isoformat()


@register.filter
def postal(value: str | None) -> str:
    if not value or len(value) != 7:
        return value or ""
    return f"〒{value[:3]}-{value[3:]}"


@register.filter
def age_on(value: dt.date | None, on: dt.date | None = None) -> str:
    from madoguchi.core import clock

    if value is None:
        return ""
    return str(wareki.age_on(value, on or clock.today()))


@register.simple_tag
def render_widget(field: BoundField) -> str:
    """The field's widget with aria-describedby pointing at its help and error text."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    attrs: dict[str, str | bool] = {}
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.field.required:
        attrs["aria-required"] = "true"
    return field.as_widget(attrs=attrs)


AUDIT_ACTIONS = {
    "resident.view": "住民記録の閲覧",
    "resident.search": "住民の検索",
    "resident.history_view": "異動履歴の閲覧",
    "household.view": "世帯の閲覧",
    "movement.move_in": "転入の登録",
    "movement.birth": "出生の登録",
    "movement.move_within": "転居の登録",
    "movement.move_out": "転出の登録",
    "movement.death": "死亡の登録",
    "movement.head_change": "世帯主変更の登録",
    "staff.otp_enrol": "二要素認証の設定",
    "seed.demo": "デモデータの作成",
    "citizen.link_code_issue": "連携コードの発行",
    "citizen.link": "住民記録との連携（本人）",
    "citizen.link_refused": "連携コードの誤り",
    "citizen.unlink": "連携の解除",
    "citizen.view_own_link": "連携情報の閲覧（本人）",
    "citizen.sign_in_line": "LINEでのログイン",
    "citizen.sign_in_email": "メールでのログイン",
    "citizen.preferences": "受信設定の変更",
    "message.broadcast": "一斉配信",
    "message.notify": "個別の通知",
    "message.cancel": "送信予約の取り消し",
    "message.template_save": "配信テンプレートの保存",
    "message.segment_save": "配信先の条件の保存",
    "line.channel_connect": "LINEチャネルの接続",
    "line.keyword_save": "キーワード応答の保存",
    "line.rich_menus_sync": "リッチメニューの作成",
    "line.disaster_mode_on": "災害モードの開始",
    "line.disaster_mode_off": "災害モードの終了",
}


@register.filter
def audit_action(value: str) -> str:
    return AUDIT_ACTIONS.get(value) or audit.ACTION_LABELS.get(value, value)
