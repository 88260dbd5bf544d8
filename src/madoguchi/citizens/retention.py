"""How long residents' sign-in links and counter codes are kept (registered with core.retention)."""

from __future__ import annotations

import datetime as dt

from madoguchi.citizens.models import EmailSignIn, LinkCode
from madoguchi.core.retention import RetentionRule, register


def _email_sign_ins(cutoff: dt.datetime) -> int:
    return EmailSignIn.objects.filter(expires_at__lt=cutoff).delete()[0]


def _link_codes(cutoff: dt.datetime) -> int:
    return LinkCode.objects.filter(expires_at__lt=cutoff).delete()[0]


def register_rules() -> None:
    register(
        RetentionRule("email_sign_ins", 1, "メールのログイン用リンク（メールアドレスを含む）は期限切れの翌日に削除"),
        _email_sign_ins,
    )
    register(
        RetentionRule("link_codes", 365, "連携コードの記録は期限切れから1年で削除（発行・連携の事実は操作履歴に残る）"),
        _link_codes,
    )
