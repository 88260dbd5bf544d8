"""End to end: the production HTTP client against the running sandbox, notifications arriving at
a real madoguchi server (pytest-django's live_server).

Acceptance: duplicate, out-of-order and tampered payment notifications each produce exactly one
correct state change or a refusal.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest

from madoguchi.payments import services
from madoguchi.payments.models import GatewayNotification, IntentStatus, PaymentIntent, Refund, RefundKind, RefundStatus
from madoguchi.payments.sandbox import control

pytestmark = pytest.mark.django_db(transaction=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _open(url: str, form: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=30) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


@pytest.fixture
def checkout(live_server, city_a, gateway, make_intent):
    """Start a checkout for a new intent; returns (intent, checkout URL, session id)."""

    def start(**fields: Any) -> tuple[PaymentIntent, str, str]:
        intent = make_intent(city_a, **fields)
        url = services.intent_checkout_start(intent=intent, return_url="/my/?tab=bookings", site_url=live_server.url)
        intent.refresh_from_db()
        return intent, url, url.rsplit("/", 1)[-1]

    return start


def test_resident_pays_on_the_sandbox__intent_paid_and_return_page_says_so(
    live_server, sandbox, checkout, hook_log
) -> None:
    intent, url, session = checkout()
    assert intent.status == IntentStatus.PENDING and intent.gateway_ref == session
    call = next(c for c in control.calls(sandbox.base_url) if c["path"] == "/v1/checkout/sessions")
    assert call["status"] == 200 and call["idempotency_key"]
    assert call["body"]["amount"] == 1200 and call["body"]["client_reference_id"] == intent.public_token
    assert call["body"]["notify_url"] == f"{live_server.url}/payments/notify/{intent.gateway}/"

    status, page, _ = _open(url)
    assert status == 200
    for text in (
        "市民体育館 卓球台 2時間",
        "1,200円",
        "支払う",
        "支払いをやめる",
        "<legend>支払方法</legend>",
        'lang="ja"',
    ):
        assert text in page

    status, _, headers = _open(url, {"action": "pay", "method": "card"})
    assert status == 303
    location = headers["Location"]
    assert location.startswith(f"{live_server.url}/payments/return/{intent.public_token}/")
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID and intent.method == "card"
    assert hook_log.events(intent) == ["paid"]

    status, page, _ = _open(location)
    assert status == 200 and "支払い完了" in page
    assert 'href="/my/?tab=bookings"' in page


def test_resident_gives_up__nothing_paid_and_may_try_again(live_server, sandbox, checkout, hook_log) -> None:
    intent, url, _ = checkout()
    status, _, headers = _open(url, {"action": "cancel"})
    assert status == 303 and "cancelled=1" in headers["Location"]
    status, page, _ = _open(headers["Location"])
    assert "お支払いを中止しました" in page and "もう一度支払う" in page
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING and hook_log.calls == []


def test_return_page__refuses_a_next_on_another_site(live_server, checkout) -> None:
    intent, _, _ = checkout()
    evil = f"{live_server.url}/payments/return/{intent.public_token}/?next=https://evil.example/"
    _, page, _ = _open(evil)
    assert "evil.example" not in page and 'href="/"' in page


def test_duplicate_notification__one_change(live_server, sandbox, checkout, hook_log) -> None:
    intent, url, _ = checkout()
    _open(url, {"action": "pay", "method": "qr"})
    first = control.notifications(sandbox.base_url)[-1]
    assert first["status"] == 200
    for _ in range(3):
        assert control.resend(sandbox.base_url, first["event_id"]) == 200
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID
    assert hook_log.events(intent) == ["paid"]
    assert GatewayNotification.objects.filter(event_id=first["event_id"]).count() == 1


def test_out_of_order_notifications__stay_paid(live_server, sandbox, checkout, hook_log) -> None:
    intent, _, session = checkout()
    sent = control.out_of_order(sandbox.base_url, session)
    assert [s["type"] for s in sent] == ["payment.succeeded", "payment.pending"]
    assert [s["status"] for s in sent] == [200, 200]
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID
    assert hook_log.events(intent) == ["paid"]


@pytest.mark.parametrize("mode", ["body", "secret", "stale", "unsigned"])
def test_tampered_notification__refused(live_server, sandbox, checkout, hook_log, mode: str) -> None:
    intent, _, session = checkout()
    sent = control.tamper(sandbox.base_url, session, mode=mode)
    assert sent["status"] == 400
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING
    assert hook_log.calls == [] and not GatewayNotification.objects.exists()


def test_convenience_store__pending_then_paid_when_the_shop_takes_it(live_server, sandbox, checkout, hook_log) -> None:
    intent, url, session = checkout()
    _, _, headers = _open(url, {"action": "pay", "method": "convenience"})
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING and intent.method == "convenience"
    _, page, _ = _open(headers["Location"])
    assert "処理中" in page and "コンビニ" in page
    control.pay(sandbox.base_url, session, method="convenience")
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID and hook_log.events(intent) == ["paid"]


def test_failed_payment__failed_then_paid_on_retry(live_server, sandbox, checkout, hook_log) -> None:
    intent, _, session = checkout()
    control.fail(sandbox.base_url, session)
    intent.refresh_from_db()
    assert intent.status == IntentStatus.FAILED
    url = services.intent_checkout_start(intent=intent, return_url="/", site_url=live_server.url)
    _open(url, {"action": "pay", "method": "card"})
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID
    assert hook_log.events(intent) == ["failed", "paid"]


def test_paid_after_cancel__refunded_at_the_gateway_and_recorded(live_server, sandbox, checkout, hook_log) -> None:
    intent, url, session = checkout()
    services.intent_cancel(intent=intent, reason="仮予約の期限切れ")
    status, _, headers = _open(url, {"action": "pay", "method": "card"})
    assert status == 303
    intent.refresh_from_db()
    assert intent.status == IntentStatus.REFUNDED and intent.late_payment
    refund = Refund.objects.get(intent=intent)
    assert refund.kind == RefundKind.LATE and refund.status == RefundStatus.SUCCEEDED
    refunds = [c for c in control.calls(sandbox.base_url) if c["path"] == "/v1/refunds"]
    assert len(refunds) == 1 and refunds[0]["body"] == {
        "payment": session,
        "amount": 1200,
        "reason": "期限後の入金の返金",
    }
    assert hook_log.events(intent) == ["cancelled", "refunded"]
    _, page, _ = _open(headers["Location"])
    assert "返金しました" in page


def test_lost_notification__return_page_asks_the_gateway(live_server, sandbox, checkout, hook_log) -> None:
    intent, url, session = checkout()
    # The notification cannot arrive (madoguchi is unreachable from the gateway for a moment).
    sandbox.state.sessions[session].notify_url = "http://127.0.0.1:9/unreachable"
    _, _, headers = _open(url, {"action": "pay", "method": "card"})
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING
    _, page, _ = _open(headers["Location"])
    assert "支払い完了" in page
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID and hook_log.events(intent) == ["paid"]


def test_wrong_api_key__checkout_refused_with_a_japanese_message(live_server, sandbox, checkout, gateway) -> None:
    from madoguchi.core.errors import DomainError

    gateway.api_key = "sk_wrong"
    gateway.save()
    with pytest.raises(DomainError) as refused:
        checkout()
    assert "決済を開始できませんでした" in refused.value.message
