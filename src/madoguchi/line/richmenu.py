"""Rich menus as data: created on LINE from `RichMenu` rows and switched per resident.

Which menu a resident sees follows their state: the disaster menu while the city is in
disaster mode, the linked menu once their account is linked to the 住民記録, otherwise
the menu for residents not yet linked (also LINE's default, for new friends).
"""

from __future__ import annotations

import struct
import zlib

from django.conf import settings
from django.db import transaction

from madoguchi.citizens.models import LineIdentity, LineIdentityStatus
from madoguchi.citizens.selectors import citizen_is_linked, line_friend_user_ids
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Municipality, StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.line.client import LineClient, LineError
from madoguchi.line.models import LineChannel, RichMenu, RichMenuState
from madoguchi.line.selectors import channel_of

WIDTH = 2500
ROW_HEIGHT = 843
BULK_LINK_SIZE = 500

_DEFAULT_UNLINKED = [
    {"label": "手続き", "action": {"type": "message", "text": "手続き"}},
    {"label": "施設予約", "action": {"type": "liff", "path": "/reservations/"}},
    {"label": "防災情報", "action": {"type": "message", "text": "防災"}},
    {"label": "受信設定", "action": {"type": "liff", "path": "/my/preferences/"}},
    {"label": "住民記録と連携", "action": {"type": "liff", "path": "/my/link/"}},
    {"label": "お問い合わせ", "action": {"type": "message", "text": "問い合わせ"}},
]
DEFAULT_MENUS = {
    RichMenuState.UNLINKED: ("スマホ市役所（未連携）", _DEFAULT_UNLINKED),
    RichMenuState.LINKED: (
        "スマホ市役所（連携済み）",
        [
            *_DEFAULT_UNLINKED[:4],
            {"label": "マイページ", "action": {"type": "liff", "path": "/my/"}},
            _DEFAULT_UNLINKED[5],
        ],
    ),
    RichMenuState.DISASTER: (
        "災害モード",
        [
            {"label": "避難所", "action": {"type": "message", "text": "避難所"}},
            {"label": "安否確認", "action": {"type": "postback", "data": "action=safety"}},
            {"label": "防災情報", "action": {"type": "message", "text": "防災"}},
            {"label": "受信設定", "action": {"type": "liff", "path": "/my/preferences/"}},
            {"label": "マイページ", "action": {"type": "liff", "path": "/my/"}},
            {"label": "お問い合わせ", "action": {"type": "message", "text": "問い合わせ"}},
        ],
    ),
}


def rich_menus_default(municipality: Municipality) -> None:
    """The three menus a city starts with (staff may edit them afterwards)."""
    for state, (name, areas) in DEFAULT_MENUS.items():
        RichMenu.objects.get_or_create(municipality=municipality, state=state, defaults={"name": name, "areas": areas})


# --- building LINE's rich menu object ------------------------------------------


def _liff_uri(channel: LineChannel, path: str) -> str:
    if channel.liff_id:
        return f"https://liff.line.me/{channel.liff_id}{path}"
    return settings.SITE_URL.rstrip("/") + path


def _action(channel: LineChannel, label: str, action: dict[str, str]) -> dict[str, str]:
    kind = action.get("type")
    if kind == "message":
        return {"type": "message", "label": label, "text": action["text"]}
    if kind == "postback":
        return {"type": "postback", "label": label, "data": action["data"], "displayText": label}
    if kind == "liff":
        return {"type": "uri", "label": label, "uri": _liff_uri(channel, action["path"])}
    return {"type": "uri", "label": label, "uri": action["uri"]}


def rich_menu_object(menu: RichMenu, channel: LineChannel) -> dict[str, object]:
    height = ROW_HEIGHT * menu.rows
    cell_w, cell_h = WIDTH // menu.cols, ROW_HEIGHT
    areas = []
    for n, area in enumerate(menu.areas[: menu.rows * menu.cols]):
        row, col = divmod(n, menu.cols)
        width = WIDTH - cell_w * col if col == menu.cols - 1 else cell_w  # the last column takes the remainder
        areas.append(
            {
                "bounds": {"x": cell_w * col, "y": cell_h * row, "width": width, "height": cell_h},
                "action": _action(channel, area["label"], area["action"]),
            }
        )
    return {
        "size": {"width": WIDTH, "height": height},
        "selected": False,
        "name": menu.name[:300],
        "chatBarText": menu.chat_bar_text[:14],
        "areas": areas,
    }


def grid_png(rows: int, cols: int) -> bytes:
    """A plain image for a menu without a designed one: white cells with grey borders.

    LINE requires an image; cities upload their own designed one (`RichMenu.image`).
    Paletted and deflated, a 2500×1686 grid is a few kilobytes.
    """
    height = ROW_HEIGHT * rows
    cell_w = WIDTH // cols
    border = 6

    def row_bytes(y: int) -> bytes:
        if y % ROW_HEIGHT < border or y % ROW_HEIGHT >= ROW_HEIGHT - border:
            return b"\x00" + b"\x01" * WIDTH
        line = bytearray(b"\x00" * WIDTH)
        for c in range(cols + 1):
            x = min(c * cell_w, WIDTH - border)
            line[x : x + border] = b"\x01" * border
        return b"\x00" + bytes(line)

    raw = b"".join(row_bytes(y) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", WIDTH, height, 8, 3, 0, 0, 0)  # 8-bit paletted
    palette = bytes([255, 255, 255, 148, 148, 151])  # white, DADS grey 420
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", palette)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _image(menu: RichMenu) -> tuple[bytes, str]:
    if menu.image:
        with menu.image.open("rb") as f:
            data = f.read()
        return data, "image/jpeg" if (menu.image.name or "").lower().endswith((".jpg", ".jpeg")) else "image/png"
    return grid_png(menu.rows, menu.cols), "image/png"


def rich_menus_sync(channel: LineChannel) -> int:
    """Create every menu of the city on LINE (replacing the previous ones); the unlinked one is the default."""
    client = LineClient()
    menus = list(RichMenu.objects.filter(municipality_id=channel.municipality_id))
    for menu in menus:
        image, content_type = _image(menu)
        new_id = client.rich_menu_create(channel, rich_menu_object(menu, channel), image, content_type)
        old_id = menu.line_rich_menu_id
        RichMenu.objects.filter(pk=menu.pk).update(line_rich_menu_id=new_id, synced_at=clock.now())
        menu.line_rich_menu_id = new_id
        if old_id:
            client.rich_menu_delete(channel, old_id)
        if menu.state == RichMenuState.UNLINKED:
            client.rich_menu_set_default(channel, new_id)
    return len(menus)


# --- per resident ------------------------------------------------------------------


def rich_menu_state(identity: LineIdentity, channel: LineChannel) -> str:
    if channel.disaster_mode:
        return RichMenuState.DISASTER
    if citizen_is_linked(citizen_id=identity.citizen_id):
        return RichMenuState.LINKED
    return RichMenuState.UNLINKED


def _line_ids(municipality_id: int) -> dict[str, str]:
    return dict(
        RichMenu.objects.filter(municipality_id=municipality_id)
        .exclude(line_rich_menu_id="")
        .values_list("state", "line_rich_menu_id")
    )


def rich_menu_apply(identity: LineIdentity) -> str:
    """Link the menu for the resident's state; returns the state (empty if nothing was linked)."""
    if identity.status != LineIdentityStatus.FOLLOWING:
        return ""
    channel = channel_of(municipality_id=identity.municipality_id)
    if channel is None:
        return ""
    state = rich_menu_state(identity, channel)
    menu_id = _line_ids(channel.municipality_id).get(state)
    if not menu_id:
        return ""
    LineClient().rich_menu_link(channel, user_id=identity.line_user_id, rich_menu_id=menu_id)
    return state


def rich_menus_apply_all(channel_id: int) -> int:
    """Relink every friend of the city (after disaster mode changes), 500 users per request."""
    channel = LineChannel.objects.get(pk=channel_id)
    ids = _line_ids(channel.municipality_id)
    client = LineClient()
    city = channel.municipality_id
    if channel.disaster_mode:
        groups = {RichMenuState.DISASTER: line_friend_user_ids(municipality_id=city)}
    else:
        groups = {
            RichMenuState.LINKED: line_friend_user_ids(municipality_id=city, linked=True),
            RichMenuState.UNLINKED: line_friend_user_ids(municipality_id=city, linked=False),
        }
    linked = 0
    for state, users in groups.items():
        menu_id = ids.get(state)
        if not menu_id:
            continue
        batch: list[str] = []
        for user_id in users.iterator(chunk_size=2000):
            batch.append(user_id)
            if len(batch) == BULK_LINK_SIZE:
                client.rich_menu_link_many(channel, user_ids=batch, rich_menu_id=menu_id)
                linked, batch = linked + len(batch), []
        if batch:
            client.rich_menu_link_many(channel, user_ids=batch, rich_menu_id=menu_id)
            linked += len(batch)
    return linked


@transaction.atomic
def disaster_mode_set(*, actor: StaffUser, on: bool) -> LineChannel:
    """Switch every resident's menu to the disaster menu, or back. Audited."""
    require(actor, Perm.LINE_MANAGE)
    channel = LineChannel.objects.select_for_update().get(municipality_id=actor.municipality_id)
    channel.disaster_mode = on
    channel.save(update_fields=["disaster_mode"])
    audit_record(
        municipality=channel.municipality,
        actor=actor,
        action="line.disaster_mode_on" if on else "line.disaster_mode_off",
        obj=channel,
    )
    from madoguchi.line.tasks import apply_rich_menus_to_all

    transaction.on_commit(lambda: apply_rich_menus_to_all.enqueue(channel.pk))
    return channel


def rich_menus_publish(*, actor: StaffUser) -> int:
    """Staff: (re)create the city's menus on LINE and relink every friend. Audited."""
    require(actor, Perm.LINE_MANAGE)
    assert actor.municipality_id is not None
    channel = channel_of(municipality_id=actor.municipality_id)
    if channel is None:
        raise DomainError(
            "LINEチャネルが登録されていません。運用担当者に `madoguchi manage linechannel` を依頼してください。"
        )
    rich_menus_default(channel.municipality)
    try:
        count = rich_menus_sync(channel)
    except LineError as exc:
        raise DomainError(
            f"LINEにリッチメニューを作成できませんでした（応答 {exc.status or '通信エラー'}）。"
            "チャネルアクセストークンと接続先を確認してください。"
        ) from exc
    audit_record(municipality=channel.municipality, actor=actor, action="line.rich_menus_sync", obj=channel)
    from madoguchi.line.tasks import apply_rich_menus_to_all

    apply_rich_menus_to_all.enqueue(channel.pk)
    return count
