"""A resident on a 360 px phone finds a free 半面 slot on the facility page, books it through the
form and the confirm page, and sees the held booking and its fee. axe on every page."""

from __future__ import annotations

import datetime as dt
import re
from importlib import import_module

import pytest
from django.conf import settings

from madoguchi.core import clock
from madoguchi.reservations.models import Booking, BookingStatus
from madoguchi.reservations.views import day_text

from ..reservations import scenario
from .conftest import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, citizen) -> None:
    """The session a LINE or e-mail sign-in leaves behind (those flows have their own tests)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["citizen_id"] = citizen.pk
    store.create()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": store.session_key, "url": live_server.url}]
    )


def test_resident__books_a_free_half_court_on_a_phone_and_sees_the_held_booking(live_server, phone, city_a) -> None:
    gym = scenario.gym(city_a)
    hanako = scenario.citizen(city_a)
    scenario.registration(hanako, gym.resident)
    today = clock.today()
    day = scenario.open_day(gym.facility, today + dt.timedelta(days=8), weekday=1)  # a Tuesday over a week ahead
    page = phone
    _sign_in(page, live_server, hanako)

    page.goto(f"{live_server.url}/reservations/")
    page.get_by_role("link", name=re.compile("市民体育館")).click()
    page.get_by_role("heading", name=re.compile("の空き状況")).first.wait_for()
    if day.month != today.month:
        page.get_by_role("link", name=re.compile("次の月")).click()
    check_page(page, "booking-01-facility-month")

    page.get_by_role("link", name=re.compile("^" + re.escape(day_text(day)))).click()
    page.get_by_role("heading", name=f"{day_text(day)}の空き状況").wait_for()
    check_page(page, "booking-02-facility-day")
    page.get_by_role("link", name=re.compile(r"^予約する\s*アリーナ半面A 午前")).click()

    page.get_by_role("heading", name="予約の入力").wait_for()
    check_page(page, "booking-03-form")
    page.get_by_label("利用目的").fill("ママさんバレーの練習")
    page.get_by_label("利用人数").fill("１２")  # full-width digits, as a phone keyboard may type them
    page.get_by_role("button", name="確認画面へ進む").click()

    page.get_by_role("heading", name="予約内容の確認").wait_for()
    assert page.get_by_role("row", name=re.compile("合計")).get_by_text("1,000円").is_visible()
    check_page(page, "booking-04-confirm")
    page.get_by_role("button", name="仮予約する").click()

    page.get_by_role("heading", name="市民体育館 アリーナ半面A").wait_for()
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.HELD and booking.fee_amount == 1000
    assert page.get_by_text("仮予約（お支払い待ち）").first.is_visible()
    assert page.get_by_text(booking.number).first.is_visible()
    assert page.get_by_role("button", name="お支払いへ進む").is_visible()
    check_page(page, "booking-05-detail")

    page.get_by_role("link", name="予約の確認").first.click()
    page.get_by_role("heading", name="これからの予約").wait_for()
    assert page.get_by_text(booking.number).is_visible()
    check_page(page, "booking-06-my-bookings")

    page.get_by_role("link", name=re.compile("市民体育館 アリーナ半面A")).click()
    page.get_by_role("link", name="この予約を取り消す").click()
    page.get_by_role("heading", name="予約の取消").wait_for()
    check_page(page, "booking-07-cancel")
    page.get_by_role("button", name="予約を取り消す").click()
    page.get_by_text("予約を取り消しました", exact=False).wait_for()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_resident__registers_and_signs_up_for_a_class_accessibly(live_server, phone, city_a) -> None:
    from madoguchi.core.models import Department
    from madoguchi.reservations.models import ClassEvent, ClassSession

    gym = scenario.gym(city_a)
    now = clock.now()
    event = ClassEvent.objects.create(
        municipality=city_a,
        department=Department.objects.get(municipality=city_a, code="shogai_gakushu"),
        title="はじめてのスマホ講座",
        facility=gym.facility,
        bring="スマートフォン",
    )
    ClassSession.objects.create(
        event=event,
        start=now + dt.timedelta(days=10),
        end=now + dt.timedelta(days=10, hours=2),
        capacity=10,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=9),
    )
    page = phone
    _sign_in(page, live_server, scenario.citizen(city_a))

    page.goto(f"{live_server.url}/reservations/my/register/")
    check_page(page, "register-01-form")
    page.get_by_label("市内個人").check()
    page.get_by_label("氏名または団体名").fill("磯原 太郎")
    page.get_by_label("フリガナ").fill("いそはら たろう")
    page.get_by_label("電話番号").fill("0293-43-1111")
    page.get_by_role("button", name="登録する").click()
    page.get_by_text("利用者登録が完了しました", exact=False).wait_for()

    page.get_by_role("link", name="講座", exact=True).click()
    check_page(page, "class-01-list")
    page.get_by_role("link", name=re.compile("はじめてのスマホ講座")).click()
    page.get_by_role("button", name="申し込む").click()
    page.get_by_text("参加が決まっています", exact=False).first.wait_for()
    check_page(page, "class-02-registered")
