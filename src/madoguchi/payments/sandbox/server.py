"""A loopback payment gateway for tests and the demo.

Speaks the hosted-checkout API of `madoguchi.payments.gateways.hosted` (checkout sessions,
session status, refunds), checks the API key, honours ``Idempotency-Key``, serves a Japanese
checkout page where a visitor pays or gives up, and sends signed notifications to madoguchi.
Runs on its own (no Django): ``python -m madoguchi.payments.sandbox --port 8202``.

Sandbox-only control endpoints live under ``/sandbox/``: list calls, sessions and sent
notifications; pay, fail or expire a session; resend a notification (a duplicate); send events
out of order; send a tampered one (changed body, wrong secret, stale timestamp); change how
refunds answer.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from madoguchi.core.sandbox import LOOPBACK_URLS, LoopbackSandbox, check_loopback_host
from madoguchi.payments.gateways import signing

METHODS = {"card": "クレジットカード", "qr": "QRコード決済", "convenience": "コンビニ払い"}


def _now() -> int:
    return int(time.time())  # noqa: TID251 - the gateway's own clock, unix seconds as in its API


@dataclass
class Session:
    id: str
    amount: int
    description: str
    reference: str
    success_url: str
    cancel_url: str
    notify_url: str
    expires_at: int
    status: str = "open"  # open | pending | complete | failed | expired
    payment_method: str = ""
    refunded: int = 0


@dataclass
class Sent:
    event_id: str
    type: str
    session: str
    body: str
    status: int  # what madoguchi answered (0: unreachable)
    tampered: str = ""


@dataclass
class SandboxState:
    api_key: str
    signing_secret: str
    notify_url: str = ""
    sessions: dict[str, Session] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    idempotent: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    refund_mode: str = "succeeded"  # succeeded | pending | refuse | unavailable
    lock: threading.RLock = field(default_factory=threading.RLock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return

    # --- plumbing -------------------------------------------------------------------
    def _send(self, status: int, body: dict[str, Any] | list[Any], headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _html(self, status: int, page: str) -> None:
        data = page.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _redirect(self, location: str) -> None:
        self.send_response(303)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _raw(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self) -> dict[str, Any]:
        try:
            body = json.loads(self._raw() or b"{}")
        except json.JSONDecodeError:
            return {}
        return body if isinstance(body, dict) else {}

    def _authorized(self) -> bool:
        return self.headers.get("Authorization", "") == f"Bearer {self.server.state.api_key}"

    def _error(self, status: int, code: str, message: str) -> None:
        self._send(status, {"error": {"code": code, "message": message}})

    def _record(self, method: str, path: str, status: int, body: dict[str, Any] | None = None) -> None:
        state = self.server.state
        with state.lock:
            state.calls.append(
                {
                    "method": method,
                    "path": path,
                    "status": status,
                    "idempotency_key": self.headers.get("Idempotency-Key", ""),
                    "body": body or {},
                }
            )

    # --- GET ------------------------------------------------------------------------
    def do_GET(self) -> None:
        state = self.server.state
        path = urllib.parse.urlsplit(self.path).path
        if path == "/sandbox/calls":
            with state.lock:
                return self._send(200, {"calls": list(state.calls)})
        if path == "/sandbox/sessions":
            with state.lock:
                return self._send(200, {"sessions": [asdict(s) for s in state.sessions.values()]})
        if path == "/sandbox/notifications":
            with state.lock:
                return self._send(200, {"notifications": [asdict(s) for s in state.sent]})
        if path.startswith("/checkout/"):
            return self._checkout_page(path.removeprefix("/checkout/"))
        if path.startswith("/v1/checkout/sessions/"):
            if not self._authorized():
                self._record("GET", path, 401)
                return self._error(401, "invalid_api_key", "Invalid API key")
            session = state.sessions.get(path.rsplit("/", 1)[-1])
            self._record("GET", path, 200 if session else 404)
            if session is None:
                return self._error(404, "resource_missing", "No such checkout session")
            self.server.sandbox.expire_if_due(session)
            return self._send(200, _session_json(session, self.server.sandbox.base_url))
        return self._error(404, "not_found", "Not found")

    # --- POST -----------------------------------------------------------------------
    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/sandbox/"):
            return self._control(path, self._json())
        if path.startswith("/checkout/"):
            return self._checkout_submit(path.removeprefix("/checkout/"))
        body = self._json()
        if path not in ("/v1/checkout/sessions", "/v1/refunds"):
            return self._error(404, "not_found", "Not found")
        if not self._authorized():
            self._record("POST", path, 401, body)
            return self._error(401, "invalid_api_key", "Invalid API key")
        state = self.server.state
        key = self.headers.get("Idempotency-Key", "")
        with state.lock:
            if key and (path + key) in state.idempotent:
                status, answer = state.idempotent[path + key]
                self._record("POST", path, status, body)
                return self._send(status, answer, {"Idempotent-Replayed": "true"})
            status, answer = self._create_session(body) if path == "/v1/checkout/sessions" else self._refund(body)
            if key and status < 500:
                state.idempotent[path + key] = (status, answer)
            self._record("POST", path, status, body)
        return self._send(status, answer)

    def _create_session(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount = body.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            return 400, {"error": {"code": "parameter_invalid", "message": "amount must be a positive integer"}}
        if body.get("currency") != "jpy":
            return 400, {"error": {"code": "parameter_invalid", "message": "currency must be jpy"}}
        for name in ("success_url", "cancel_url", "client_reference_id"):
            if not isinstance(body.get(name), str) or not body[name]:
                return 400, {"error": {"code": "parameter_missing", "message": f"{name} is required"}}
        session = Session(
            id="cs_" + secrets.token_hex(12),
            amount=amount,
            description=str(body.get("description", ""))[:200],
            reference=body["client_reference_id"],
            success_url=body["success_url"],
            cancel_url=body["cancel_url"],
            notify_url=str(body.get("notify_url") or self.server.state.notify_url),
            expires_at=int(body.get("expires_at") or _now() + 3600),
        )
        self.server.state.sessions[session.id] = session
        return 200, _session_json(session, self.server.sandbox.base_url)

    def _refund(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        state = self.server.state
        session = state.sessions.get(str(body.get("payment", "")))
        amount = body.get("amount")
        if session is None:
            return 404, {"error": {"code": "resource_missing", "message": "No such payment"}}
        if session.status != "complete":
            return 400, {"error": {"code": "payment_not_captured", "message": "The payment is not complete"}}
        if not isinstance(amount, int) or not 0 < amount <= session.amount - session.refunded:
            return 400, {"error": {"code": "amount_too_large", "message": "Refund amount exceeds the payment"}}
        if state.refund_mode == "unavailable":
            return 503, {"error": {"code": "service_unavailable", "message": "Try again later (injected)"}}
        if state.refund_mode == "refuse":
            return 402, {"error": {"code": "refund_refused", "message": "Refund refused (injected)"}}
        session.refunded += amount
        refund_id = "re_" + secrets.token_hex(10)
        refund: dict[str, Any] = {
            "id": refund_id,
            "payment": session.id,
            "amount": amount,
            "status": "pending" if state.refund_mode == "pending" else "succeeded",
        }
        state.refunds[refund_id] = refund
        return 200, refund

    # --- the checkout page ------------------------------------------------------------
    def _checkout_page(self, session_id: str, error: str = "") -> None:
        session = self.server.state.sessions.get(session_id)
        if session is None:
            return self._html(404, _page("お支払いページが見つかりません", "<p>URLをご確認ください。</p>"))
        self.server.sandbox.expire_if_due(session)
        if session.status not in ("open", "failed"):
            back = html.escape(session.cancel_url)
            return self._html(
                410,
                _page(
                    "このお支払いページは使えません",
                    "<p>お支払いが済んでいるか、有効期限が切れています。</p>"
                    f'<p><a class="button secondary" href="{back}">元のページへ戻る</a></p>',
                ),
            )
        methods = "".join(
            f'<label class="choice"><input type="radio" name="method" value="{k}"{" checked" if k == "card" else ""}> {v}</label>'
            for k, v in METHODS.items()
        )
        alert = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        body = f"""
<p class="note">これは動作確認用の決済画面（サンドボックス）です。実際の請求は発生しません。</p>
{alert}
<dl class="summary">
  <dt>内容</dt><dd>{html.escape(session.description)}</dd>
  <dt>お支払い金額</dt><dd class="amount">{session.amount:,}円</dd>
</dl>
<form method="post">
  <fieldset>
    <legend>支払方法</legend>
    {methods}
  </fieldset>
  <button type="submit" name="action" value="pay" class="button">支払う</button>
  <button type="submit" name="action" value="cancel" class="button secondary">支払いをやめる</button>
</form>"""
        return self._html(200, _page("お支払い", body))

    def _checkout_submit(self, session_id: str) -> None:
        form = dict(urllib.parse.parse_qsl(self._raw().decode("utf-8", "replace")))
        sandbox = self.server.sandbox
        session = self.server.state.sessions.get(session_id)
        if session is None:
            return self._html(404, _page("お支払いページが見つかりません", "<p>URLをご確認ください。</p>"))
        sandbox.expire_if_due(session)
        if form.get("action") == "cancel":
            return self._redirect(session.cancel_url)
        if session.status not in ("open", "failed"):
            return self._checkout_page(session_id)
        method = form.get("method", "")
        if method not in METHODS:
            return self._checkout_page(session_id, error="支払方法を選んでください。")
        if method == "convenience":
            # A payment number is issued; the money comes later (``/sandbox/pay`` plays the shop).
            sandbox.transition(session, "pending", method)
        else:
            sandbox.transition(session, "complete", method)
        return self._redirect(session.success_url)

    # --- control --------------------------------------------------------------------------
    def _control(self, path: str, body: dict[str, Any]) -> None:
        sandbox, state = self.server.sandbox, self.server.state
        session = state.sessions.get(str(body.get("session", "")))
        if path == "/sandbox/reset":
            with state.lock:
                state.sessions.clear()
                state.sent.clear()
                state.calls.clear()
                state.idempotent.clear()
                state.refunds.clear()
                state.refund_mode = "succeeded"
            return self._send(200, {})
        if path == "/sandbox/config":
            if body.get("refund_mode") in ("succeeded", "pending", "refuse", "unavailable"):
                state.refund_mode = str(body["refund_mode"])
            if "notify_url" in body:
                state.notify_url = str(body["notify_url"])
            return self._send(200, {"refund_mode": state.refund_mode, "notify_url": state.notify_url})
        if path == "/sandbox/resend":
            sent = next((s for s in state.sent if s.event_id == body.get("event_id") and not s.tampered), None)
            if sent is None:
                return self._error(404, "not_found", "No such notification")
            status = sandbox.deliver_raw(state.sessions[sent.session], sent.body.encode(), sent.type, sent.event_id)
            return self._send(200, {"status": status, "event_id": sent.event_id})
        if path == "/sandbox/refund-complete":
            refund = state.refunds.get(str(body.get("refund", "")))
            if refund is None:
                return self._error(404, "not_found", "No such refund")
            refund["status"] = "failed" if body.get("failed") else "succeeded"
            kind = "refund.failed" if body.get("failed") else "refund.succeeded"
            sent = sandbox.notify(state.sessions[refund["payment"]], kind, refund=refund["id"])
            return self._send(200, {"status": sent.status, "event_id": sent.event_id})
        if session is None:
            return self._error(404, "not_found", "No such session")
        method = str(body.get("method") or session.payment_method or "card")
        if path == "/sandbox/pay":
            return self._send(200, asdict(sandbox.transition(session, "complete", method)))
        if path == "/sandbox/fail":
            return self._send(200, asdict(sandbox.transition(session, "failed", method)))
        if path == "/sandbox/expire":
            return self._send(200, asdict(sandbox.transition(session, "expired", method)))
        if path == "/sandbox/send":
            sent = sandbox.notify(
                session,
                str(body.get("type", "")),
                created=_now() + int(body.get("created_offset", 0)),
                amount=int(body.get("amount", session.amount)),
                method=method,
            )
            return self._send(200, asdict(sent))
        if path == "/sandbox/out-of-order":
            # The payment completes, then an older "pending" event arrives late.
            first = sandbox.transition(session, "complete", method)
            late = sandbox.notify(session, "payment.pending", created=_now() - 60, method=method)
            return self._send(200, {"sent": [asdict(first), asdict(late)]})
        if path == "/sandbox/tamper":
            mode = str(body.get("mode", "body"))
            if mode not in ("body", "secret", "stale", "unsigned"):
                return self._error(400, "parameter_invalid", "mode: body | secret | stale | unsigned")
            sent = sandbox.notify(session, str(body.get("type", "payment.succeeded")), method=method, tamper=mode)
            return self._send(200, asdict(sent))
        return self._error(404, "not_found", "Not found")


def _session_json(session: Session, base_url: str) -> dict[str, Any]:
    return {
        "id": session.id,
        "url": f"{base_url}/checkout/{session.id}",
        "status": session.status,
        "payment_status": {"complete": "paid", "pending": "pending"}.get(session.status, "unpaid"),
        "amount": session.amount,
        "currency": "jpy",
        "payment_method": session.payment_method,
        "client_reference_id": session.reference,
        "expires_at": session.expires_at,
    }


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} | 決済サンドボックス</title>
<style>
body {{ font-family: "Noto Sans JP", sans-serif; margin: 0; color: #1a1a1c; background: #f8f8fb; line-height: 1.7; }}
main {{ max-width: 28rem; margin: 0 auto; padding: 1rem; }}
h1 {{ font-size: 1.5rem; }}
.note {{ background: #fff4d6; border-left: 4px solid #b78a00; padding: .5rem .75rem; }}
.error {{ color: #c01; font-weight: bold; }}
.summary dt {{ font-weight: bold; }} .summary dd {{ margin: 0 0 .75rem; }}
.amount {{ font-size: 1.75rem; font-weight: bold; }}
fieldset {{ border: 1px solid #888; border-radius: 8px; margin: 0 0 1rem; }}
.choice {{ display: block; padding: .5rem 0; font-size: 1.1rem; }}
.button {{ display: block; width: 100%; min-height: 48px; margin: .5rem 0; font-size: 1.1rem; border-radius: 8px;
  border: 2px solid #0031d8; background: #0031d8; color: #fff; text-align: center; text-decoration: none; padding: .6rem; box-sizing: border-box; }}
.button.secondary {{ background: #fff; color: #0031d8; }}
:focus-visible {{ outline: 3px solid #f5a300; outline-offset: 2px; }}
</style></head>
<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: SandboxState, sandbox: PaymentSandbox) -> None:
        super().__init__(address, _Handler)
        self.state = state
        self.sandbox = sandbox


EVENT_OF = {"complete": "payment.succeeded", "pending": "payment.pending", "failed": "payment.failed"}


class PaymentSandbox(LoopbackSandbox):
    """Start with `start()`; `base_url` is what a GatewayConfig's ``base_url`` should be."""

    thread_name = "payment-sandbox"

    def __init__(
        self, *, api_key: str, signing_secret: str, host: str = "127.0.0.1", port: int = 0, notify_url: str = ""
    ) -> None:
        check_loopback_host(host)
        self.state = SandboxState(api_key=api_key, signing_secret=signing_secret, notify_url=notify_url)
        self._server = _Server((host, port), self.state, self)

    # --- what the gateway does -------------------------------------------------------
    def expire_if_due(self, session: Session) -> None:
        if session.status in ("open", "failed") and session.expires_at <= _now():
            self.transition(session, "expired", session.payment_method)

    def transition(self, session: Session, status: str, method: str) -> Sent:
        """Move a session and tell madoguchi (payment.succeeded / pending / failed / expired)."""
        with self.state.lock:
            session.status = status
            session.payment_method = method
        return self.notify(session, EVENT_OF.get(status, f"payment.{status}"), method=method)

    def event(
        self, session: Session, kind: str, *, created: int | None = None, amount: int | None = None, **extra: str
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "session": session.id,
            "client_reference_id": session.reference,
            "amount": session.amount if amount is None else amount,
            "currency": "jpy",
            "payment_method": extra.pop("method", session.payment_method),
        }
        data.update(extra)
        return {"id": "evt_" + secrets.token_hex(12), "type": kind, "created": created or _now(), "data": data}

    def notify(
        self,
        session: Session,
        kind: str,
        *,
        created: int | None = None,
        amount: int | None = None,
        tamper: str = "",
        **extra: str,
    ) -> Sent:
        event = self.event(session, kind, created=created, amount=amount, **extra)
        body = json.dumps(event, ensure_ascii=False).encode()
        status = self.deliver_raw(session, body, kind, event["id"], tamper)
        return Sent(event["id"], kind, session.id, body.decode(), status, tamper)

    def deliver_raw(self, session: Session, body: bytes, kind: str, event_id: str, tamper: str = "") -> int:
        """POST a signed body to madoguchi's notification URL; returns the HTTP status (0: unreachable)."""
        url = session.notify_url or self.state.notify_url
        timestamp, secret, sent_body = _now(), self.state.signing_secret, body
        if tamper == "stale":
            timestamp -= 3600
        elif tamper == "secret":
            secret = "not-" + secret
        header = signing.sign(secret, body, timestamp)
        if tamper == "body":  # signed, then changed on the way: the amount is lowered
            payload = json.loads(body)
            payload["data"]["amount"] = max(1, int(payload["data"]["amount"]) // 10)
            sent_body = json.dumps(payload, ensure_ascii=False).encode()
        status = 0
        if url.startswith(LOOPBACK_URLS):
            headers = {"Content-Type": "application/json"}
            if tamper != "unsigned":
                headers[signing.HEADER] = header
            request = urllib.request.Request(url, data=sent_body, method="POST", headers=headers)  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - loopback only
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
        with self.state.lock:
            self.state.sent.append(Sent(event_id, kind, session.id, sent_body.decode(), status, tamper))
        return status
