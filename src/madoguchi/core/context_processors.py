from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from madoguchi.core.permissions import Perm, permissions_of


def madoguchi(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    perms = permissions_of(user) if user is not None and user.is_authenticated else frozenset()
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "staff_perms": {p.name: (p in perms) for p in Perm},
        "request_id": getattr(request, "request_id", ""),
    }
