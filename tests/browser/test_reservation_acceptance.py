"""Issue #4's acceptance, end to end on the demo's phone at 360 px:

a resident adds the city's LINE account, opens 施設予約 from the rich menu (a LIFF page), registers
as a user, finds a free 半面 slot, books it, pays on the sandbox gateway, receives the PIN by LINE
before the slot, cancels another booking and sees the cancellation fee; staff of 生涯学習課 see both
bookings in the facility calendar. axe-core on every page.

The LINE platform, the payment gateway and the smart lock are the project's loopback sandboxes,
reached by the production clients.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from madoguchi.core import clock
from madoguchi.core.clock import TOKYO
from madoguchi.line.richmenu import rich_menus_default, rich_menus_sync
from madoguchi.line.sandbox.server import LineSandbox
from madoguchi.messaging.demo import DEMO_ACCESS_TOKEN, DEMO_CHANNEL_ID, DEMO_CHANNEL_SECRET, seed_line
from madoguchi.payments.sandbox.server import PaymentSandbox
from madoguchi.reservations.locks.sandbox import control as lock_control
from madoguchi.reservations.locks.sandbox.server import LockSandbox
from madoguchi.reservations.locks.sandbox.state import DEFAULT_LOCKS
from madoguchi.reservations.models import AccessKey, Booking, BookingStatus, KeyStatus, LockAccount
from madoguchi.reservations.services import bookings as booking_services
from madoguchi.reservations.services import keys
from madoguchi.reservations.views import day_text

from ..conftest import make_staff
from ..payments.conftest import API_KEY, SECRET, make_gateway
from ..reservations import scenario
from .conftest import axe_violations, check_page, staff_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOCK = DEFAULT_LOCKS[0][0]


@pytest.fixture
def city_services(live_server, city_a, settings) -> Iterator[dict[str, object]]:
    settings.DEMO_MODE = True
    settings.SITE_URL = live_server.url
    line = LineSandbox(
        access_token=DEMO_ACCESS_TOKEN,
        channel_secret=DEMO_CHANNEL_SECRET,
        webhook_url=f"{live_server.url}/line/webhook/{DEMO_CHANNEL_ID}/",
    ).start()
    channel = seed_line(city_a, api_base_url=line.base_url, friends=5)
    rich_menus_default(city_a)
    rich_menus_sync(channel)
    gateway = PaymentSandbox(api_key=API_KEY, signing_secret=SECRET).start()
    make_gateway(city_a, gateway.base_url)
    lock = LockSandbox(client_id="cid", client_secret="csecret").start()
    lock.state.sync_delay = 0
    LockAccount.objects.create(
        municipality=city_a,
        api_url=lock.base_url,
        token_url=lock.token_url,
        client_id="cid",
        client_secret="csecret",
        webhook_secret="lock-webhook-secret",
    )
    yield {"line": line, "gateway": gateway, "lock": lock}
    for sandbox in (line, gateway, lock):
        sandbox.stop()


def _liff_check(page, name: str) -> None:
    frame = page.frame(name="liff-frame")
    assert frame is not None
    frame.wait_for_load_state()
    assert axe_violations(frame) == [], name
    check_page(page, name)


def test_resident_books_pays_gets_the_pin_cancels_another_and_staff_see_both(
    live_server, browser, phone, city_a, city_services
) -> None:
    gym = scenario.gym(city_a)
    gym.half_a.lock_id = LOCK
    gym.half_a.save()
    today = clock.today()
    day = scenario.open_day(gym.facility, today + dt.timedelta(days=9), weekday=1)  # a Tuesday over a week ahead

    resident = phone
    resident.goto(f"{live_server.url}/demo/phone/")
    resident.get_by_role("button", name="友だち追加").click()
    resident.get_by_role("link", name="施設予約").click()
    liff = resident.frame_locator("#liff-frame")

    # Find a free 半面 on the facility page.
    liff.get_by_role("link", name=re.compile("市民体育館")).first.click()
    liff.get_by_role("heading", name=re.compile("の空き状況")).first.wait_for()
    if day.month != today.month:
        liff.get_by_role("link", name=re.compile("次の月")).click()
    liff.get_by_role("link", name=re.compile("^" + re.escape(day_text(day)))).click()
    liff.get_by_role("heading", name=f"{day_text(day)}の空き状況").wait_for()
    _liff_check(resident, "accept-01-free-slots")
    liff.get_by_role("link", name=re.compile(r"^予約する\s*アリーナ半面A 午前")).click()

    # First time: 利用者登録 (ふりがな in hiragana is fine).
    liff.get_by_role("link", name="利用者登録へ進む").click()
    liff.get_by_role("heading", name="利用者登録").wait_for()
    liff.get_by_label(re.compile("市内")).first.check()
    liff.get_by_label("氏名または団体名").fill("磯原　花子")
    liff.get_by_label("フリガナ").fill("いそはら　はなこ")
    liff.get_by_label("電話番号").fill("０２９３－４３－１１１１")
    _liff_check(resident, "accept-02-register")
    liff.get_by_role("button", name="登録する").click()

    # Back at the booking form: book, confirm, pay.
    liff.get_by_role("heading", name="予約の入力").wait_for()
    liff.get_by_label("利用目的").fill("ママさんバレーの練習")
    liff.get_by_label("利用人数").fill("12")
    liff.get_by_role("button", name="確認画面へ進む").click()
    liff.get_by_role("heading", name="予約内容の確認").wait_for()
    _liff_check(resident, "accept-03-confirm")
    liff.get_by_role("button", name="仮予約する").click()
    liff.get_by_role("button", name="お支払いへ進む").click()
    liff.get_by_role("button", name="支払う").wait_for()  # the gateway's checkout page
    assert liff.get_by_text("1,000円").first.is_visible()
    _liff_check(resident, "accept-04-gateway")
    liff.get_by_role("button", name="支払う").click()
    liff.get_by_role("heading", name="支払い完了").wait_for()
    _liff_check(resident, "accept-05-paid")
    liff.get_by_role("link", name="元のページへ戻る").click()
    liff.get_by_text("予約確定").first.wait_for()

    booking = Booking.objects.get(booked_by__isnull=False, status=BookingStatus.CONFIRMED)
    assert booking.unit_id == gym.half_a.pk and booking.paid_amount == 1000
    key = AccessKey.objects.get(booking=booking)
    assert key.status == KeyStatus.ACTIVE  # the lock knows the PIN, for the slot only
    during = booking.start + dt.timedelta(minutes=10)
    assert lock_control.unlock(city_services["lock"].base_url, lock_id=LOCK, pin=key.pin, at=during).unlocked

    # An hour before the slot the worker's clock sends the PIN; it arrives in the LINE chat.
    assert keys.keys_send_due(now=booking.start - dt.timedelta(minutes=59)) == 1
    resident.get_by_role("button", name="閉じる").click()
    log = resident.get_by_role("log")
    log.get_by_text(f"暗証番号 {key.pin}", exact=False).wait_for(timeout=15000)
    check_page(resident, "accept-06-pin-in-line")

    # Another booking of theirs, paid at the counter, three days ahead: cancelling costs 50%.
    citizen = booking.booked_by
    other_day = scenario.open_day(gym.facility, today + dt.timedelta(days=3))  # 1–6 days ahead: the 50% tier
    start, end = gym.at(other_day, "夜間")
    other = booking_services.booking_hold(
        citizen=citizen, registration_id=booking.registration_id, unit_id=gym.half_b.pk, start=start, end=end
    )
    booking_services.booking_confirm(booking=other, paid=other.fee_amount)
    resident.get_by_role("link", name="施設予約").click()
    liff.get_by_role("link", name="予約の確認").first.click()
    liff.get_by_role("link", name=re.compile("アリーナ半面B")).first.click()
    liff.get_by_role("link", name="この予約を取り消す").click()
    liff.get_by_role("heading", name="予約の取消").wait_for()
    days_before = (other_day - clock.today()).days
    fee = 0 if days_before >= 7 else (other.fee_amount // 2 if days_before >= 1 else other.fee_amount)
    assert liff.get_by_text(f"{fee:,}円").first.is_visible()
    _liff_check(resident, "accept-07-cancel-fee")
    liff.get_by_role("button", name="予約を取り消す").click()
    liff.get_by_text(f"予約を取り消しました（予約番号 {other.number}）", exact=False).wait_for()
    other.refresh_from_db()
    assert other.status == BookingStatus.CANCELLED and other.cancel_fee == fee

    # 生涯学習課 sees both on the facility's calendar.
    staff = staff_page(browser, live_server, make_staff(city_a, "shogai", username="shisetsu-yoyakuko"))
    first = min(day, other_day)
    staff.goto(f"{live_server.url}/staff/reservations/facility/{gym.facility.pk}/?date={first.isoformat()}&days=14")
    calendar = staff.get_by_role("table")
    calendar.get_by_role("link", name=re.compile(re.escape(booking.number))).wait_for()
    calendar.get_by_role("link", name=re.compile(re.escape(other.number))).wait_for()
    assert "取消" in calendar.inner_text() and "確定" in calendar.inner_text()
    check_page(staff, "accept-08-staff-calendar")
    staff.context.close()
    assert booking.start.astimezone(TOKYO).date() == day
    call_command("check")  # nothing the test changed left the project misconfigured
