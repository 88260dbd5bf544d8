"""The sandbox's rich menus: validated like LINE validates them, kept in memory."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

SIZES = {(2500, 1686), (2500, 843), (1200, 810), (1200, 405), (800, 540), (800, 270)}
MAX_AREAS = 20
MAX_IMAGE_BYTES = 1024 * 1024
ACTION_TYPES = {"message", "postback", "uri", "datetimepicker", "richmenuswitch"}


class RichMenuError(ValueError):
    def __init__(self, message: str, details: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


def validate(menu: Any) -> None:
    """Raise RichMenuError with LINE-style details for what LINE would refuse."""
    problems: list[dict[str, str]] = []
    if not isinstance(menu, dict):
        raise RichMenuError("The request body has 1 error(s)", [{"message": "must be an object", "property": ""}])
    size = menu.get("size") or {}
    if (size.get("width"), size.get("height")) not in SIZES:
        problems.append({"message": "invalid size", "property": "size"})
    if not isinstance(menu.get("selected"), bool):
        problems.append({"message": "must be specified", "property": "selected"})
    name = menu.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 300:
        problems.append({"message": "size must be between 1 and 300", "property": "name"})
    chat_bar = menu.get("chatBarText")
    if not isinstance(chat_bar, str) or not 1 <= len(chat_bar) <= 14:
        problems.append({"message": "size must be between 1 and 14", "property": "chatBarText"})
    areas = menu.get("areas")
    if not isinstance(areas, list) or not 1 <= len(areas) <= MAX_AREAS:
        problems.append({"message": f"size must be between 1 and {MAX_AREAS}", "property": "areas"})
        areas = []
    width, height = size.get("width", 0), size.get("height", 0)
    for n, area in enumerate(areas):
        bounds, action = (area or {}).get("bounds") or {}, (area or {}).get("action") or {}
        x, y, w, h = (bounds.get(k) for k in ("x", "y", "width", "height"))
        numbers = [v for v in (x, y, w, h) if isinstance(v, int) and v >= 0]
        if len(numbers) < 4 or numbers[0] + numbers[2] > width or numbers[1] + numbers[3] > height:
            problems.append({"message": "out of the rich menu's bounds", "property": f"areas[{n}].bounds"})
        if action.get("type") not in ACTION_TYPES:
            problems.append({"message": "invalid action type", "property": f"areas[{n}].action.type"})
        label = action.get("label")
        if label is not None and (not isinstance(label, str) or len(label) > 20):
            problems.append({"message": "size must be between 0 and 20", "property": f"areas[{n}].action.label"})
    if problems:
        raise RichMenuError(f"The request body has {len(problems)} error(s)", problems)


@dataclass
class RichMenuStore:
    menus: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: dict[str, str] = field(default_factory=dict)  # rich menu id -> content type
    links: dict[str, str] = field(default_factory=dict)  # user id -> rich menu id
    default: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, menu: dict[str, Any]) -> str:
        validate(menu)
        menu_id = "richmenu-" + secrets.token_hex(16)
        with self.lock:
            self.menus[menu_id] = {**menu, "richMenuId": menu_id}
        return menu_id

    def delete(self, menu_id: str) -> bool:
        with self.lock:
            if self.menus.pop(menu_id, None) is None:
                return False
            self.images.pop(menu_id, None)
            self.links = {u: m for u, m in self.links.items() if m != menu_id}
            if self.default == menu_id:
                self.default = ""
            return True

    def shown_to(self, user_id: str) -> dict[str, Any] | None:
        """What LINE shows the user: the menu linked to them, else the default one."""
        with self.lock:
            menu_id = self.links.get(user_id) or self.default
            return self.menus.get(menu_id)
