"""The lock service's webhook: verify the sender, record each event once, answer fast."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from madoguchi.reservations.locks.protocol import LockBadPayload, LockBadSignature
from madoguchi.reservations.locks.webhook import verify_and_parse
from madoguchi.reservations.models import LockAccount
from madoguchi.reservations.services.keys import lock_event_record

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def lock_webhook(request: HttpRequest, municipality_code: str) -> HttpResponse:
    account = LockAccount.objects.filter(municipality__code=municipality_code).first()
    if account is None:
        return JsonResponse({"error": "unknown municipality"}, status=404)
    try:
        events = verify_and_parse(
            headers=request.headers,
            body=request.body,
            secret=account.webhook_secret,
            scheme=account.webhook_scheme,  # type: ignore[arg-type]
        )
    except LockBadSignature:
        log.warning("lock webhook refused: bad signature")
        return JsonResponse({"error": "invalid signature"}, status=401)
    except LockBadPayload:
        return JsonResponse({"error": "malformed body"}, status=400)
    recorded = sum(lock_event_record(municipality_id=account.municipality_id, event=event) for event in events)
    return JsonResponse({"received": len(events), "new": recorded})
