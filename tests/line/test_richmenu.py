"""Rich menus as data: created through the Messaging API, switched per resident's state."""

from __future__ import annotations

import json
import urllib.request

import pytest

from madoguchi.citizens.models import Citizen, LineIdentity
from madoguchi.citizens.signals import citizen_link_changed
from madoguchi.core.models import AuditEvent
from madoguchi.line.client import LineClient, LinePermanentError
from madoguchi.line.models import RichMenu, RichMenuState
from madoguchi.line.richmenu import disaster_mode_set, grid_png, rich_menus_default, rich_menus_sync

from ..conftest import make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def _shown(sandbox, user_id: str) -> str:
    with urllib.request.urlopen(f"{sandbox.base_url}/sandbox/richmenu?userId={user_id}") as r:
        return json.loads(r.read())["richMenuId"]


def _menu_id(state: str) -> str:
    return RichMenu.objects.get(state=state).line_rich_menu_id


@pytest.fixture
def menus(city_a, channel, line_sandbox, settings):
    settings.SITE_URL = "https://madoguchi.example.jp"
    rich_menus_default(city_a)
    rich_menus_sync(channel)
    return line_sandbox.state.rich_menus


def _follow(client, channel, sandbox, user_id: str) -> None:
    body = json.dumps({"events": [sandbox.event("follow", user_id)]}).encode()
    response = client.post(
        f"/line/webhook/{channel.channel_id}/",
        data=body,
        content_type="application/json",
        HTTP_X_LINE_SIGNATURE=sandbox.sign(body),
    )
    assert response.status_code == 200


def test_sync_creates_menus_with_bounds_images_and_the_default(menus, channel) -> None:
    assert len(menus.menus) == 3 and set(menus.images) == set(menus.menus)
    unlinked = menus.menus[_menu_id(RichMenuState.UNLINKED)]
    assert unlinked["size"] == {"width": 2500, "height": 1686}
    bounds = [a["bounds"] for a in unlinked["areas"]]
    assert bounds[0] == {"x": 0, "y": 0, "width": 833, "height": 843}
    assert bounds[5] == {"x": 1666, "y": 843, "width": 834, "height": 843}  # the last column takes the remainder
    liff = next(a["action"] for a in unlinked["areas"] if a["action"]["label"] == "受信設定")
    assert liff == {"type": "uri", "label": "受信設定", "uri": "https://madoguchi.example.jp/my/preferences/"}
    assert menus.default == _menu_id(RichMenuState.UNLINKED)

    channel.liff_id = "2000000000-AbCdEfGh"
    channel.save()
    first_ids = set(menus.menus)
    rich_menus_sync(channel)
    assert not first_ids & set(menus.menus)  # the old menus were deleted on LINE
    unlinked = menus.menus[_menu_id(RichMenuState.UNLINKED)]
    assert any(a["action"].get("uri") == "https://liff.line.me/2000000000-AbCdEfGh/my/link/" for a in unlinked["areas"])


def test_generated_image_is_a_png_under_the_size_limit() -> None:
    image = grid_png(2, 3)
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) < 1024 * 1024


def test_follow_link_and_disaster_mode_switch_the_menu(client, menus, city_a, channel, line_sandbox, residents) -> None:
    user = "U" + "c" * 32
    _follow(client, channel, line_sandbox, user)
    assert _shown(line_sandbox, user) == _menu_id(RichMenuState.UNLINKED)

    identity = LineIdentity.objects.get(line_user_id=user)
    Citizen.objects.filter(pk=identity.citizen_id).update(person=residents.person(city_a))
    citizen_link_changed.send(sender=Citizen, citizen_id=identity.citizen_id, linked=True)
    assert _shown(line_sandbox, user) == _menu_id(RichMenuState.LINKED)

    others = ["U" + f"{n:032x}" for n in range(3)]
    for other in others:
        _follow(client, channel, line_sandbox, other)
    kikaku = make_staff(city_a, "kikaku")
    disaster_mode_set(actor=kikaku, on=True)
    assert {_shown(line_sandbox, u) for u in [user, *others]} == {_menu_id(RichMenuState.DISASTER)}
    assert line_sandbox.state.requests.get("richmenu", 0) > 0
    disaster_mode_set(actor=kikaku, on=False)
    assert _shown(line_sandbox, user) == _menu_id(RichMenuState.LINKED)
    assert {_shown(line_sandbox, u) for u in others} == {_menu_id(RichMenuState.UNLINKED)}
    assert AuditEvent.objects.filter(action="line.disaster_mode_on", actor=kikaku).exists()


def test_only_line_managers_switch_disaster_mode(menus, city_a) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        disaster_mode_set(actor=make_staff(city_a, "clerk"), on=True)


def test_sandbox_refuses_a_malformed_menu_like_line(channel, line_sandbox) -> None:
    bad = {
        "size": {"width": 2500, "height": 843},
        "selected": False,
        "name": "x",
        "chatBarText": "メニュー",  # valid: the SDK checks lengths itself; bounds only LINE checks
        "areas": [
            {"bounds": {"x": 0, "y": 0, "width": 2600, "height": 843}, "action": {"type": "message", "text": "a"}}
        ],
    }
    with pytest.raises(LinePermanentError) as caught:
        LineClient().rich_menu_create(channel, bad, grid_png(1, 1), "image/png")
    assert caught.value.status == 400
    assert line_sandbox.state.rich_menus.menus == {}
