"""Which pages are residents' pages: the ones LINE opens as LIFF pages (and the demo's phone frames)."""

from __future__ import annotations

# /my/ (account, preferences), /reservations/ (facility booking, classes), /payments/return/ (after paying).
RESIDENT_PAGE_PREFIXES = ("/my/", "/reservations/", "/payments/return/")


def is_resident_page(path: str) -> bool:
    return path.startswith(RESIDENT_PAGE_PREFIXES)
