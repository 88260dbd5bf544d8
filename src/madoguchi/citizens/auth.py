"""Resident sign-in sessions, apart from staff accounts (residents are not Django users).

A signed-in resident has ``citizen_id`` in the session; the key is rotated on sign-in
so a session fixed before sign-in cannot be reused after it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from madoguchi.citizens.models import Citizen
from madoguchi.citizens.selectors import citizen_get
from madoguchi.core.selectors import municipality_for_request

SESSION_KEY = "citizen_id"
METHOD_KEY = "citizen_sign_in_method"


def citizen_session_start(request: HttpRequest, citizen: Citizen, *, method: str) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = citizen.pk
    request.session[METHOD_KEY] = method


def citizen_session_end(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(METHOD_KEY, None)
    request.session.cycle_key()


def current_citizen(request: HttpRequest) -> Citizen | None:
    citizen_id = request.session.get(SESSION_KEY)
    if not isinstance(citizen_id, int):
        return None
    return citizen_get(municipality=municipality_for_request(request), citizen_id=citizen_id)


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go after signing in: the page asked for, if it is on this site; else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def citizen_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send residents who are not signed in to the sign-in page, then back."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        citizen = current_citizen(request)
        if citizen is None:
            return redirect(reverse("citizens:sign_in") + "?" + urlencode({"next": request.get_full_path()}))
        request.citizen = citizen  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
