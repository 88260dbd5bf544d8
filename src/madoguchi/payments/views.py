"""Residents' return page and the gateways' notification endpoint."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from madoguchi.citizens.auth import safe_next
from madoguchi.core.errors import DomainError
from madoguchi.payments import selectors, services
from madoguchi.payments.models import IntentStatus, PaymentIntent

MAX_BODY_BYTES = 64 * 1024


@csrf_exempt
@require_POST
def notify(request: HttpRequest, gateway_code: str) -> HttpResponse:
    """A gateway tells us what happened. 400 with a JSON error when the signature or body is
    wrong (the gateway will not retry a 4xx forever); 200 for duplicates, as gateways expect."""
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "body_too_large"}, status=413)
    try:
        result = services.notification_receive(
            gateway_code=gateway_code, headers=dict(request.headers), body=request.body
        )
    except services.UnknownGateway:
        return JsonResponse({"error": "unknown_gateway"}, status=404)
    except services.BadNotificationSignature:
        return JsonResponse({"error": "invalid_signature", "message": "signature verification failed"}, status=400)
    except services.BadNotificationBody as exc:
        return JsonResponse({"error": "malformed_notification", "message": str(exc)}, status=400)
    return JsonResponse({"received": True, "duplicate": result.duplicate, "outcome": result.outcome})


def _intent(token: str) -> PaymentIntent:
    intent = selectors.intent_by_token(token=token)
    if intent is None:
        raise Http404("このお支払いは見つかりません。")
    return intent


def _state(intent: PaymentIntent, *, cancelled: bool) -> str:
    if intent.status == IntentStatus.PAID:
        return "paid"
    if intent.status == IntentStatus.REFUNDED:
        return "refunded"
    if intent.status in (IntentStatus.EXPIRED, IntentStatus.CANCELLED):
        return "closed"
    if intent.status == IntentStatus.FAILED:
        return "failed"
    if cancelled:
        return "stopped"
    return "processing" if intent.status == IntentStatus.PENDING else "unpaid"


def payment_return(request: HttpRequest, token: str, error: str = "") -> HttpResponse:
    """Where the gateway sends the resident back: 支払い完了 / 処理中 / 失敗, and a way back."""
    intent = _intent(token)
    if intent.status == IntentStatus.PENDING:
        intent = services.intent_status_refresh(intent=intent)  # the notification may be late
    next_url = safe_next(request, "/")
    return render(
        request,
        "payments/return.html",
        {
            "intent": intent,
            "state": _state(intent, cancelled=request.GET.get("cancelled") == "1"),
            "next_url": next_url,
            "error": error,
        },
        status=200 if not error else 409,
    )


@require_POST
def payment_retry(request: HttpRequest, token: str) -> HttpResponse:
    """The resident tries again (after giving up or a failure): a new checkout session."""
    intent = _intent(token)
    try:
        url = services.intent_checkout_start(
            intent=intent, return_url=safe_next(request, "/"), site_url=request.build_absolute_uri("/")
        )
    except DomainError as exc:
        return payment_return(request, token, error=exc.message)
    return HttpResponseRedirect(url)
