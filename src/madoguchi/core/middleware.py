"""Request-level plumbing: request ids, the acting staff member, and the second factor."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from madoguchi.core import context
from madoguchi.core.pages import is_resident_page

_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


def _client_ip(request: HttpRequest) -> str | None:
    if getattr(settings, "AXES_IPWARE_PROXY_COUNT", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Give every request an id (or keep a proxy's) and remember the client address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else context.new_request_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        with context.bound(context.RequestContext(request_id=request_id, ip_address=_client_ip(request))):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


# Staff pages that may be reached before the second factor is verified.
_OTP_EXEMPT_NAMES = {"login", "logout", "otp_setup", "otp_verify"}


class SecondFactorMiddleware:
    """Outside demo mode, staff must have passed the second factor for every staff page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        match = request.resolver_match
        if not settings.MADOGUCHI_REQUIRE_OTP or match is None or "staff" not in match.namespaces:
            return None
        if match.url_name in _OTP_EXEMPT_NAMES:
            return None
        user = request.user
        if user.is_authenticated and not getattr(user, "is_verified", lambda: False)():
            from django.urls import reverse
            from django.utils.http import urlencode

            return redirect(f"{reverse('staff:otp_verify')}?{urlencode({'next': request.path})}")
        return None


class DemoPhoneFrameMiddleware:
    """In demo mode the phone page shows the residents' LIFF pages (`core.pages`) in a same-origin frame,
    as LINE shows them over the chat; every other page, and every page outside the demo, stays DENY."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEMO_MODE and is_resident_page(request.path):
            response["X-Frame-Options"] = "SAMEORIGIN"
        return response
