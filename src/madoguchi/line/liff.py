"""LIFF sign-in: a LIFF page posts the LINE ID token; the server verifies it and signs the resident in."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from madoguchi.citizens.auth import citizen_session_start, safe_next
from madoguchi.citizens.services import line_identity_sign_in
from madoguchi.core.pages import is_resident_page
from madoguchi.core.selectors import municipality_for_request
from madoguchi.line.idtoken import InvalidIdToken, id_token_verify
from madoguchi.line.selectors import channel_of


@require_POST
def liff_sign_in(request: HttpRequest) -> JsonResponse:
    municipality = municipality_for_request(request)
    channel = channel_of(municipality_id=municipality.pk)
    token = request.POST.get("id_token", "")
    if channel is None:
        return JsonResponse({"message": "この市ではLINEでのログインを使えません。"}, status=404)
    if not token or len(token) > 4096:
        return JsonResponse({"message": "LINEの認証情報がありません。もう一度開き直してください。"}, status=400)
    try:
        claims = id_token_verify(channel, token)
    except InvalidIdToken as exc:
        return JsonResponse({"message": exc.message}, status=401)
    citizen = line_identity_sign_in(municipality=municipality, line_user_id=claims.user_id, display_name=claims.name)
    citizen_session_start(request, citizen, method="line")
    return JsonResponse({"next": safe_next(request, reverse("citizens:home"))})


def liff_context(request: HttpRequest) -> dict[str, str]:
    """Template context: the LIFF app id and SDK, when the city's channel has a real LIFF app."""
    if not is_resident_page(request.path):
        return {}
    channel = channel_of(municipality_id=municipality_for_request(request).pk)
    liff_id = channel.liff_id if channel else ""
    if not liff_id:
        return {}
    return {"liff_id": liff_id, "liff_sdk_url": "https://static.line-scdn.net/liff/edge/2/sdk.js"}
