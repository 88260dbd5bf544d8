"""A 生涯学習課 clerk signs in, opens the reservations home, a facility's week calendar with a
booking on it, and the booking's detail; every page passes axe and fits a 360 px screen."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from madoguchi.core import clock
from madoguchi.core.clock import TOKYO
from madoguchi.reservations.models import AccessKey, KeyStatus
from madoguchi.reservations.services import bookings as svc

from ..conftest import make_staff
from ..reservations import scenario
from .conftest import check_page, screenshot, staff_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk__opens_the_calendar_and_a_booking(browser, live_server, city_a) -> None:
    gym = scenario.gym(city_a)
    clerk = make_staff(city_a, "shogai", username="shogai-taro")
    day = scenario.open_day(gym.facility, clock.today() + dt.timedelta(days=3))
    hanako = scenario.registration(scenario.citizen(city_a), gym.resident, name="北茨城 花子")
    start, end = gym.at(day, "午後")
    booking = svc.booking_create_by_staff(
        actor=clerk, registration_id=hanako.pk, unit_id=gym.half_a.pk, start=start, end=end, purpose="卓球"
    )
    AccessKey.objects.create(
        booking=booking,
        lock_id="lock-1",
        pin="482913",
        status=KeyStatus.INACTIVE,
        wanted=KeyStatus.ACTIVE,
        starts_at=start,
        ends_at=end,
        attempts=2,
        last_error="錠サービスに接続できません: timeout",
        next_attempt_at=dt.datetime.combine(day, dt.time(12), tzinfo=TOKYO),
    )

    page = staff_page(browser, live_server, clerk)
    page.get_by_role("link", name="施設予約・講座").first.click()
    page.wait_for_url("**/staff/reservations/")
    assert page.get_by_role("heading", name="錠に届いていない電子鍵 1件").is_visible()
    check_page(page, "staff-reservations-01-home")

    page.get_by_role("link", name="市民体育館 予約の一覧（週）").click()
    page.wait_for_url(f"**/staff/reservations/facility/{gym.facility.pk}/")
    page.goto(f"{live_server.url}/staff/reservations/facility/{gym.facility.pk}/?date={day.isoformat()}&days=7")
    table = page.get_by_role("table", name="市民体育館の予約")
    assert table.is_visible()
    cell = page.locator("td", has=page.get_by_role("link", name=f"予約番号 {booking.number}"))
    text = cell.inner_text()
    assert "13:00〜17:00" in text and "仮予約" in text and "北茨城 花子" in text and "電子鍵エラー" in text
    check_page(page, "staff-reservations-02-calendar")
    page.set_viewport_size({"width": 1024, "height": 768})  # a tablet held sideways
    screenshot(page, "staff-reservations-02-calendar-tablet")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 360, "height": 740})

    # Keyboard only: focus the booking's link and press Enter.
    page.get_by_role("link", name=f"予約番号 {booking.number}").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staff/reservations/booking/{booking.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == f"予約 {booking.number}"
    assert page.get_by_role("button", name="窓口で現金を受け取る").is_visible()
    assert page.get_by_role("button", name="錠への反映を今すぐ再試行").is_visible()
    check_page(page, "staff-reservations-03-booking")

    page.get_by_label("取消の理由").fill("")
    page.get_by_role("button", name="この予約を取り消す").click()
    page.wait_for_load_state()
    assert "取消の理由を入力してください。" in page.content()
    check_page(page, "staff-reservations-04-booking-error")


def test_other_staff_screens__pass_axe_at_360px(browser, live_server, city_a) -> None:
    from madoguchi.core.models import Department
    from madoguchi.reservations.models import ClassEvent, ClassSession, RegistrationStatus
    from madoguchi.reservations.services import classes as class_svc

    gym = scenario.gym(city_a)
    chief = make_staff(city_a, "shogai_chief", username="shogai-hanako")
    day = scenario.open_day(gym.facility, clock.today() + dt.timedelta(days=3))
    scenario.registration(
        scenario.citizen(city_a),
        gym.group,
        name="磯原卓球クラブ",
        representative="磯原 一郎",
        status=RegistrationStatus.PENDING,
    )
    event = ClassEvent.objects.create(
        municipality=city_a,
        department=Department.objects.get(municipality=city_a, code="shogai_gakushu"),
        title="はじめてのスマホ講座",
        facility=gym.facility,
    )
    now = clock.now()
    session = ClassSession.objects.create(
        event=event,
        start=dt.datetime.combine(day, dt.time(10), tzinfo=TOKYO),
        end=dt.datetime.combine(day, dt.time(12), tzinfo=TOKYO),
        capacity=1,
        opens_at=now - dt.timedelta(days=1),
        closes_at=dt.datetime.combine(day, dt.time(9), tzinfo=TOKYO),
    )
    for name in ("磯原 トメ", "大津 ハル"):
        class_svc.enrollment_create_by_staff(actor=chief, session_id=session.pk, name=name, phone="0293431111")
    page = staff_page(browser, live_server, chief)
    base = f"{live_server.url}/staff/reservations"

    page.goto(f"{base}/facility/{gym.facility.pk}/book/?date={day.isoformat()}")
    page.get_by_label("利用者番号").fill("U000")
    page.get_by_role("button", name="利用者を確認する").click()
    page.wait_for_load_state()
    assert "この利用者番号の登録は見つかりません" in page.content()
    check_page(page, "staff-reservations-05-counter-booking")

    page.goto(f"{base}/facility/{gym.facility.pk}/closure/")
    page.get_by_label("休館の開始日").fill(day.isoformat())
    page.get_by_label("休館の終了日").fill(day.isoformat())
    page.get_by_label("理由").fill("台風接近のため")
    page.get_by_role("button", name="取り消される予約を確認する").click()
    page.get_by_text("予約0件が取り消されます").wait_for()
    check_page(page, "staff-reservations-06-closure-confirm")

    for path, name in (
        ("registrations/", "07-registrations"),
        ("lotteries/new/", "08-lottery-form"),
        ("classes/", "09-classes"),
        (f"classes/{session.pk}/", "10-roster"),
        (f"facility/{gym.facility.pk}/block/", "11-block"),
    ):
        page.goto(f"{base}/{path}")
        check_page(page, f"staff-reservations-{name}")
    page.goto(f"{base}/classes/{session.pk}/")
    present = re.compile(r"^出席\s*（磯原 トメ）$")  # the person's name is for screen readers only
    page.get_by_role("button", name=present).click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name=present).get_attribute("aria-pressed") == "true"
    assert session.enrollments.get(walk_in_name="磯原 トメ").attended is True
