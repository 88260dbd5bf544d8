"""iCalendar feeds: a registration's bookings (secret URL), and a facility's busy times (public, no names).

Times are written in UTC (``...Z``), which every calendar app reads without a VTIMEZONE;
UIDs are stable per booking so a subscribed calendar updates events instead of adding them.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from icalendar import Calendar, Event

from madoguchi.core import clock
from madoguchi.reservations import calendar as slots
from madoguchi.reservations import selectors
from madoguchi.reservations.models import Booking, BookingStatus, Facility
from madoguchi.reservations.models.bookings import ACTIVE_STATUSES
from madoguchi.reservations.views.public import _facility

PRODID = "-//madoguchi//reservations//JA"
# How much of the past a feed keeps, and how far ahead the public feed looks.
PAST_DAYS = 90
AHEAD_DAYS = 200


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Tokyo")
    return cal


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def feed_url(token: str) -> str:
    """The path of a registration's feed; the secret is a query parameter, so logs never hold it."""
    return reverse("reservations:feed") + "?" + urlencode({"key": token})


def _stamp(booking: Booking) -> dt.datetime:
    """DTSTAMP: when this version of the event came to be (changes when it is confirmed or cancelled)."""
    return _utc(max(m for m in (booking.created_at, booking.confirmed_at, booking.cancelled_at) if m is not None))


def _response(cal: Calendar, filename: str, *, private: bool) -> HttpResponse:
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300" if private else "public, max-age=300"
    return response


def registration_feed(request: HttpRequest) -> HttpResponse:
    """The bookings of one 利用者登録 (unit, facility, address, 予約番号); cancelled ones as CANCELLED."""
    token = request.GET.get("key", "")
    registration = selectors.registration_by_feed_token(token=token)
    if registration is None:
        raise Http404("feed")
    since = clock.now() - dt.timedelta(days=PAST_DAYS)
    bookings = (
        Booking.objects.filter(registration=registration, end__gte=since)
        .exclude(status=BookingStatus.EXPIRED)
        .select_related("unit__facility")
        .order_by("start")
    )
    cal = _calendar(f"{registration.municipality.name} 施設予約")
    for booking in bookings:
        facility = booking.unit.facility
        event = Event()
        event.add("uid", f"booking-{booking.pk}-{registration.municipality.code}@madoguchi")
        event.add("dtstamp", _stamp(booking))
        event.add("dtstart", _utc(booking.start))
        event.add("dtend", _utc(booking.end))
        event.add("summary", f"{facility.name} {booking.unit.name}")
        event.add("location", f"{facility.name}（{facility.address}）")
        event.add("description", f"予約番号 {booking.number}\n{booking.get_status_display()}")
        if booking.status == BookingStatus.CANCELLED:
            event.add("status", "CANCELLED")
            event.add("sequence", 1)
        else:
            event.add("status", "CONFIRMED" if booking.status == BookingStatus.CONFIRMED else "TENTATIVE")
            event.add("sequence", 0)
        cal.add_component(event)
    return _response(cal, "bookings.ics", private=True)


def facility_feed(request: HttpRequest, code: str) -> HttpResponse:
    """When the facility's units are taken: "予約済み" and the unit, nothing about who."""
    facility: Facility = _facility(request, code)
    today = clock.today()
    bookings = (
        Booking.objects.filter(
            unit__facility=facility,
            status__in=ACTIVE_STATUSES,
            end__gt=slots.aware(today - dt.timedelta(days=PAST_DAYS), dt.time()),
            start__lt=slots.aware(today + dt.timedelta(days=AHEAD_DAYS), dt.time()),
        )
        .select_related("unit")
        .order_by("start")
    )
    cal = _calendar(f"{facility.name} 予約状況")
    for booking in bookings:
        event = Event()
        event.add("uid", f"busy-{booking.pk}-{facility.code}@madoguchi")
        event.add("dtstamp", _stamp(booking))
        event.add("dtstart", _utc(booking.start))
        event.add("dtend", _utc(booking.end))
        event.add("summary", "予約済み")
        event.add("location", f"{facility.name} {booking.unit.name}")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return _response(cal, f"{facility.code}.ics", private=False)
