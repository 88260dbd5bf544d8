"""A 仮予約 paid on the sandbox gateway becomes a confirmed booking with an active key; a payment
that arrives after the hold lapsed is refunded, and a duplicate notification changes nothing."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
import time_machine

from madoguchi.core import clock
from madoguchi.payments.models import IntentStatus, PaymentIntent
from madoguchi.payments.sandbox import control
from madoguchi.payments.sandbox.server import PaymentSandbox
from madoguchi.reservations.models import Booking, BookingStatus
from madoguchi.reservations.services import bookings as svc
from madoguchi.reservations.services.payment import payment_start

from ..payments.conftest import API_KEY, SECRET, make_gateway
from . import scenario

pytestmark = pytest.mark.django_db(transaction=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _submit(url: str, form: dict[str, str]) -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=urllib.parse.urlencode(form).encode()), timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def gateway_sandbox():
    box = PaymentSandbox(api_key=API_KEY, signing_secret=SECRET).start()
    yield box
    box.stop()


@pytest.fixture
def held(city_a, gateway_sandbox, settings, live_server):
    settings.SITE_URL = live_server.url
    make_gateway(city_a, gateway_sandbox.base_url)
    gym = scenario.gym(city_a)
    who = scenario.citizen(city_a)
    reg = scenario.registration(who, gym.resident)
    # The gateway and the live server run on the real clock, so the slot is chosen from today.
    day = scenario.open_day(gym.facility, clock.today() + dt.timedelta(days=10), weekday=1)
    start, end = gym.at(day, "午後")
    booking = svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end)
    return who, booking


def test_paying_on_the_gateway__confirms_the_booking_once(held, gateway_sandbox) -> None:
    who, booking = held
    url = payment_start(citizen=who, booking_id=booking.pk, return_url=f"/reservations/my/b/{booking.pk}/")
    assert url.startswith(gateway_sandbox.base_url)
    assert _submit(url, {"action": "pay", "method": "card"}) == 303
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.paid_amount == 1300
    intent = PaymentIntent.objects.get(pk=booking.payment_intent_id)
    assert intent.subject_id == str(booking.pk) and intent.account_label == "市民体育館"
    confirmed_at = booking.confirmed_at
    # The gateway delivers the same notification again: nothing changes.
    paid_event = control.notifications(gateway_sandbox.base_url)[-1]
    assert control.resend(gateway_sandbox.base_url, paid_event["event_id"]) == 200
    booking.refresh_from_db()
    assert booking.confirmed_at == confirmed_at and booking.paid_amount == 1300


def test_payment_after_the_hold_lapsed__is_refunded_and_the_slot_stays_free(held, gateway_sandbox) -> None:
    who, booking = held
    url = payment_start(citizen=who, booking_id=booking.pk, return_url="/reservations/my/")
    with time_machine.travel(booking.hold_deadline + dt.timedelta(minutes=1), tick=False):
        assert svc.bookings_expire_overdue() == 1
    assert PaymentIntent.objects.get(pk=Booking.objects.get(pk=booking.pk).payment_intent_id).status in (
        IntentStatus.CANCELLED,
        IntentStatus.EXPIRED,
    )
    # The resident still had the checkout page open and pays anyway.
    session = url.rsplit("/", 1)[-1]
    control.pay(gateway_sandbox.base_url, session)
    booking.refresh_from_db()
    intent = PaymentIntent.objects.get(pk=booking.payment_intent_id)
    assert booking.status == BookingStatus.EXPIRED
    assert intent.status == IntentStatus.REFUNDED
    assert intent.refunds.count() == 1
