"""iCalendar feeds, read back with `icalendar`: a registration's bookings (cancelled ones marked),
the facility's busy times without personal data, Japan times, stable UIDs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from madoguchi.core.clock import TOKYO
from madoguchi.reservations.services import bookings as svc
from madoguchi.reservations.views.feeds import feed_url

from . import scenario

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)
TUE = dt.date(2026, 12, 15)
WED = dt.date(2026, 12, 16)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def gym(city_a):
    return scenario.gym(city_a)


@pytest.fixture
def booked(city_a, gym):
    who = scenario.citizen(city_a)
    reg = scenario.registration(who, gym.resident, name="北茨城 花子")
    start, end = gym.at(TUE, "午前")
    kept = svc.booking_hold(
        citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end, purpose="個人的な練習"
    )
    start, end = gym.at(WED, "夜間")
    dropped = svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.full.pk, start=start, end=end)
    svc.booking_cancel(citizen=who, booking_id=dropped.pk)
    return reg, kept, dropped


def _events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    return list(cal.walk("VEVENT"))


def test_registration_feed__lists_bookings_in_japan_time_and_marks_the_cancelled(gym, booked) -> None:
    reg, kept, dropped = booked
    url = feed_url(reg.feed_token)
    events = {str(e["UID"]): e for e in _events(Client().get(url))}
    assert len(events) == 2

    first = events[f"booking-{kept.pk}-{gym.city.code}@madoguchi"]
    start = first.decoded("DTSTART")
    assert start.astimezone(TOKYO) == dt.datetime(2026, 12, 15, 9, 0, tzinfo=TOKYO)
    assert first.decoded("DTEND").astimezone(TOKYO) == dt.datetime(2026, 12, 15, 12, 0, tzinfo=TOKYO)
    assert str(first["SUMMARY"]) == "市民体育館 アリーナ半面A"
    assert gym.facility.address in str(first["LOCATION"])
    assert kept.number in str(first["DESCRIPTION"])
    assert str(first["STATUS"]) == "TENTATIVE"
    assert first.decoded("DTSTAMP").tzinfo is not None

    second = events[f"booking-{dropped.pk}-{gym.city.code}@madoguchi"]
    assert str(second["STATUS"]) == "CANCELLED"

    # The same booking keeps its UID on the next fetch (calendar apps update instead of duplicating).
    again = {str(e["UID"]) for e in _events(Client().get(url))}
    assert again == set(events)


def test_registration_feed__unknown_token_is_404(gym, booked) -> None:
    assert Client().get(feed_url("not-a-token")).status_code == 404


def test_facility_feed__busy_times_only_without_personal_data(gym, booked) -> None:
    reg, kept, _dropped = booked
    response = Client().get(reverse("reservations:facility_feed", args=[gym.facility.code]))
    events = _events(response)
    assert len(events) == 1  # the cancelled booking no longer occupies anything
    (event,) = events
    assert str(event["SUMMARY"]) == "予約済み"
    assert event.decoded("DTSTART").astimezone(TOKYO) == dt.datetime(2026, 12, 15, 9, 0, tzinfo=TOKYO)
    body = response.content.decode() + " ".join(str(value) for value in event.values())
    for private in (reg.name, reg.number, reg.phone, kept.number, "個人的な練習"):
        assert private not in body


def test_facility_feed__unknown_facility_is_404(gym) -> None:
    assert Client().get(reverse("reservations:facility_feed", args=["nope"])).status_code == 404
