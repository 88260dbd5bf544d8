"""The demo's "phone": a simulated resident's LINE chat with the city, for visitors without LINE.

Everything goes through the LINE sandbox exactly as it would through LINE: the phone asks
the sandbox to send signed webhook events as this resident, the city answers through the
Messaging API client, and the phone shows what the sandbox received for the resident.
Shown in demo mode only.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import urllib.parse
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from madoguchi.citizens.models import LineIdentityStatus
from madoguchi.citizens.selectors import line_identity_get
from madoguchi.core.pages import is_resident_page
from madoguchi.core.selectors import municipality_for_request
from madoguchi.line.models import LineChannel
from madoguchi.line.sandbox import control
from madoguchi.line.selectors import channel_of

USER_KEY = "demo_line_user_id"
SENT_KEY = "demo_line_sent"
DISPLAY_NAME = "デモ 利用者"


def demo_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.DEMO_MODE:
            raise Http404("demo only")
        return view(request, *args, **kwargs)

    return wrapper


def _user_id(request: HttpRequest) -> str:
    if USER_KEY not in request.session:
        request.session[USER_KEY] = "U" + secrets.token_hex(16)
    return str(request.session[USER_KEY])


def _channel(request: HttpRequest) -> LineChannel:
    channel = channel_of(municipality_id=municipality_for_request(request).pk)
    if channel is None:
        raise Http404("no LINE channel")
    return channel


def _seconds(value: Any) -> float:
    """The sandbox's time stamps (epoch ms, epoch s or ISO 8601) as epoch seconds."""
    if isinstance(value, int | float):
        return value / 1000 if value > 10**11 else float(value)
    try:
        return dt.datetime.fromisoformat(str(value)).timestamp()
    except ValueError:
        return 0.0


def _conversation(request: HttpRequest, channel: LineChannel) -> list[dict[str, Any]]:
    user_id = _user_id(request)
    try:
        received = control.messages_to(channel.api_base_url, user_id)
    except control.SandboxUnavailable:
        received = []
    lines = [{"at": _seconds(m.get("at")), "mine": False, "text": m.get("text", "")} for m in received]
    lines += [{"at": at, "mine": True, "text": text} for at, text in request.session.get(SENT_KEY, [])]
    return sorted(lines, key=lambda line: line["at"])


def _following(request: HttpRequest, channel: LineChannel) -> bool:
    identity = line_identity_get(municipality=channel.municipality, line_user_id=_user_id(request))
    return identity is not None and identity.status == LineIdentityStatus.FOLLOWING


def _menu(request: HttpRequest, channel: LineChannel) -> dict[str, Any] | None:
    """The rich menu this resident sees, as buttons in rows (from the areas' bounds)."""
    try:
        menu = control.rich_menu_of(channel.api_base_url, _user_id(request))
    except control.SandboxUnavailable:
        return None
    if menu is None:
        return None
    rows: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for area in menu.get("areas", []):
        bounds, action = area.get("bounds", {}), area.get("action", {})
        label = action.get("label") or action.get("text") or action.get("displayText") or "メニュー"
        button = {
            "label": label,
            "type": action.get("type"),
            "text": action.get("text", ""),
            "data": action.get("data", ""),
        }
        if action.get("type") == "uri":
            button["liff_path"] = _liff_path(str(action.get("uri", "")))
        rows.setdefault(int(bounds.get("y", 0)), []).append((int(bounds.get("x", 0)), button))
    ordered = [[b for _, b in sorted(row, key=lambda item: item[0])] for _, row in sorted(rows.items())]
    return {"id": menu.get("richMenuId", ""), "chat_bar_text": menu.get("chatBarText") or "メニュー", "rows": ordered}


def _liff_path(uri: str) -> str:
    """The page a LIFF link opens: ``https://liff.line.me/{id}/my/…`` or ``{SITE_URL}/my/…`` → ``/my/…``."""
    parsed = urllib.parse.urlsplit(uri)
    path = parsed.path
    if parsed.netloc == "liff.line.me":
        path = "/" + "/".join(path.split("/")[2:])
    return path + (f"?{parsed.query}" if parsed.query else "") if is_resident_page(path) else ""


@demo_only
def phone(request: HttpRequest) -> HttpResponse:
    return render(request, "line/phone.html", _chat_context(request, _channel(request)))


@demo_only
def phone_chat(request: HttpRequest) -> HttpResponse:
    """htmx: the chat log with the controls and the menu, after an action or a change of state."""
    return render(request, "line/_phone_chat.html", _chat_context(request, _channel(request)))


@demo_only
def phone_log(request: HttpRequest) -> HttpResponse:
    """htmx: the chat log alone, polled; 204 (htmx leaves the page alone) when nothing is new."""
    channel = _channel(request)
    context = _chat_context(request, channel)
    if request.GET.get("state") != context["state"]:
        # Followed, blocked or the rich menu switched (after linking): redraw the menu as well.
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "phone-state-changed"
        return response
    if request.GET.get("shown") == str(len(context["conversation"])):
        return HttpResponse(status=204)
    return render(request, "line/_phone_log.html", context)


def _chat_context(request: HttpRequest, channel: LineChannel) -> dict[str, Any]:
    """What the phone shows; ``state`` changes when the chat's controls must be redrawn."""
    following, menu = _following(request, channel), _menu(request, channel)
    return {
        "city": channel.municipality,
        "following": following,
        "conversation": _conversation(request, channel),
        "menu": menu,
        "state": f"{int(following)}-{menu['id'] if menu else ''}",
    }


@demo_only
@require_POST
def phone_act(request: HttpRequest) -> HttpResponse:
    """The resident acts in LINE: add as friend, block, type a message, or tap a menu button."""
    channel = _channel(request)
    user_id = _user_id(request)
    action = request.POST.get("action", "")
    fields: dict[str, str] = {}
    text = ""
    if action == "follow":
        fields["displayName"] = DISPLAY_NAME
    elif action == "message":
        text = request.POST.get("text", "").strip()[:500]
        if not text:
            return redirect("demo:phone")
        fields["text"] = text
    elif action == "postback":
        fields["data"] = request.POST.get("data", "")[:300]
        text = request.POST.get("label", "")[:50]
    elif action != "unfollow":
        raise Http404("unknown action")
    if action in ("message", "postback") and text:
        request.session[SENT_KEY] = [*request.session.get(SENT_KEY, []), (time.time(), text)][-50:]  # noqa: TID251 - ordering with the sandbox's epoch stamps
    try:
        control.simulate(channel.api_base_url, kind=action, user_id=user_id, **fields)
    except control.SandboxUnavailable:
        messages.error(request, "LINEのサンドボックスに接続できません。`madoguchi demo` を起動し直してください。")
    if request.htmx:  # type: ignore[attr-defined]
        return phone_chat(request)
    return redirect("demo:phone")


@demo_only
def phone_liff(request: HttpRequest) -> HttpResponse:
    """Open a LIFF page as LINE would: signed in with an ID token the sandbox (as LINE Login) issues."""
    channel = _channel(request)
    path = request.GET.get("path", "/my/")
    if not is_resident_page(path):
        raise Http404("not a LIFF page")
    token = control.id_token(
        channel.api_base_url,
        user_id=_user_id(request),
        name=DISPLAY_NAME,
        aud=channel.id_token_audience,
    )
    return redirect(reverse("citizens:sign_in") + "?" + urllib.parse.urlencode({"next": path}) + f"#id_token={token}")
