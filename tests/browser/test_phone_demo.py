"""The demo's phone page, end to end through the LINE sandbox: a resident adds the city's
account, uses the rich menu, sets 受信設定 in a LIFF page, and receives the message a
member of staff sends to that segment, whose progress bar runs to the end. axe at 360 px."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from madoguchi.line.richmenu import rich_menus_default, rich_menus_sync
from madoguchi.line.sandbox.server import LineSandbox
from madoguchi.messaging.demo import DEMO_ACCESS_TOKEN, DEMO_CHANNEL_ID, DEMO_CHANNEL_SECRET, seed_line
from madoguchi.messaging.models import DeliveryJob, JobStatus

from ..conftest import make_staff
from .conftest import axe_violations, check_page, screenshot, staff_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_line(live_server, city_a, settings) -> Iterator[LineSandbox]:
    settings.DEMO_MODE = True
    settings.SITE_URL = live_server.url
    sandbox = LineSandbox(
        access_token=DEMO_ACCESS_TOKEN,
        channel_secret=DEMO_CHANNEL_SECRET,
        webhook_url=f"{live_server.url}/line/webhook/{DEMO_CHANNEL_ID}/",
    ).start()
    channel = seed_line(city_a, api_base_url=sandbox.base_url, friends=40)
    rich_menus_default(city_a)
    rich_menus_sync(channel)
    yield sandbox
    sandbox.stop()


def test_resident_follows_sets_preferences_in_liff_and_receives_staff_message(
    live_server, browser, phone, city_a, demo_line
) -> None:
    resident = phone
    resident.goto(f"{live_server.url}/demo/phone/")
    check_page(resident, "phone-01-before-follow")

    resident.get_by_role("button", name="友だち追加").click()
    log = resident.get_by_role("log")
    log.get_by_text("友だち追加ありがとうございます", exact=False).wait_for()
    resident.get_by_text("防災情報", exact=True).wait_for()  # the rich menu for residents not yet linked
    check_page(resident, "phone-02-followed-with-menu")

    resident.get_by_role("button", name="防災情報").click()
    log.get_by_text("防災情報です", exact=False).wait_for()
    assert "防災情報" in log.inner_text()  # what the resident tapped is shown as their message

    resident.get_by_role("link", name="受信設定").click()
    liff = resident.frame_locator("#liff-frame")
    liff.get_by_role("heading", name="受信設定").wait_for()  # signed in with the sandbox's LINE ID token
    liff.get_by_label("防災").check()
    liff.get_by_label("お住まいの地域（町名）").select_option("磯原町磯原")
    liff.get_by_role("button", name="保存する").click()
    liff.get_by_text("受信設定を保存しました。").wait_for()
    frame = resident.frame(name="liff-frame")
    assert frame is not None and axe_violations(frame) == []
    screenshot(resident, "phone-03-liff-preferences")
    resident.get_by_role("button", name="閉じる").click()

    # A member of staff (企画政策課) sends to the segment of residents who want 防災 information.
    staff = staff_page(browser, live_server, make_staff(city_a, "kikaku", username="suishin-jiro"))

    # The city's LINE account as 企画政策課 sees it: 40 seeded friends and this resident.
    staff.get_by_role("link", name="LINE公式アカウント").click()
    staff.get_by_text("41人（うち住民記録と連携 0人）", exact=False).wait_for()
    check_page(staff, "phone-04a-staff-line-account")
    staff.goto(f"{live_server.url}/staff/")
    staff.get_by_role("link", name="LINE・メール配信").click()
    staff.get_by_role("link", name="新しい配信").click()
    staff.get_by_label("テンプレート").select_option(label="防災訓練のお知らせ (第1版)")
    staff.get_by_role("button", name="テンプレートの差し込み項目を表示").click()
    staff.get_by_label("差し込み: 地区").fill("磯原町磯原")
    staff.get_by_label("差し込み: 日時").fill("12月6日（土）9時")
    staff.get_by_label("配信先").select_option(label="防災情報を希望する方")
    staff.get_by_role("button", name="プレビュー").click()
    staff.get_by_text("磯原町磯原で12月6日（土）9時に防災訓練を行います", exact=False).first.wait_for()
    check_page(staff, "phone-04-staff-compose-preview")

    staff.get_by_role("button", name="送信する").click()
    staff.wait_for_url("**/staff/messages/*/")
    staff.locator("#progress-done").wait_for()
    assert staff.locator("#progress-bar").get_attribute("value") == "100"
    check_page(staff, "phone-05-staff-progress-done")
    job = DeliveryJob.objects.get()
    assert job.status == JobStatus.DONE

    # The resident's phone shows the message (the chat polls the sandbox).
    log.get_by_text("磯原町磯原で12月6日（土）9時に防災訓練を行います", exact=False).wait_for(timeout=15000)
    check_page(resident, "phone-06-message-received")
    staff.context.close()


def test_counter_code_links_the_resident_and_their_menu_follows(
    live_server, browser, phone, city_a, demo_line, residents
) -> None:
    person = residents.person(city_a, family_name="北茨城", given_name="花子")
    resident = phone
    resident.goto(f"{live_server.url}/demo/phone/")
    resident.get_by_role("button", name="友だち追加").click()
    resident.get_by_role("link", name="住民記録と連携").wait_for()

    # At the counter: 市民課 checks identity and issues the one-time code.
    staff = staff_page(browser, live_server, make_staff(city_a, "clerk", username="madoguchi-taro"))
    staff.goto(f"{live_server.url}/staff/citizens/link/{person.pk}/")
    staff.get_by_role("button", name="連携コードを発行する").click()
    code = staff.locator("#link-code").inner_text()
    check_page(staff, "link-01-staff-code")

    # In LINE: the resident types it (lower case, without hyphens, is fine).
    resident.get_by_role("link", name="住民記録と連携").click()
    liff = resident.frame_locator("#liff-frame")
    liff.get_by_role("heading", name="住民記録との連携").wait_for()
    liff.get_by_label("連携コード").fill(code.lower().replace("-", ""))
    liff.get_by_role("button", name="連携する").click()
    liff.get_by_text("住民記録と連携しました。", exact=False).wait_for()
    frame = resident.frame(name="liff-frame")
    assert frame is not None and axe_violations(frame) == []
    resident.get_by_role("button", name="閉じる").click()
    resident.get_by_role("link", name="マイページ").wait_for()  # the linked residents' menu
    check_page(resident, "link-02-linked-menu")

    # Staff revoke the link (e.g. a lost phone): the menu goes back.
    staff.reload()
    staff.get_by_label("解除の理由").fill("携帯電話を紛失したとの申し出")
    staff.get_by_role("button", name="連携を解除する").click()
    staff.get_by_text("連携していません", exact=False).wait_for()
    resident.get_by_role("link", name="住民記録と連携").wait_for(timeout=15000)
    staff.context.close()
