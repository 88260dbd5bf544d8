"""Pages anyone may look at without signing in: facilities and their free slots, classes, lotteries.

Nothing here shows who booked or applied: availability is states, lotteries publish pseudonyms.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from madoguchi.citizens.auth import current_citizen
from madoguchi.core import clock
from madoguchi.core.selectors import municipality_for_request
from madoguchi.core.wareki import span_text
from madoguchi.reservations import calendar, selectors
from madoguchi.reservations.models import (
    ClassSession,
    Enrollment,
    EnrollmentStatus,
    Facility,
    Lottery,
    LotteryApplication,
    LotteryStatus,
    Unit,
)
from madoguchi.reservations.selectors import SlotState, UnitDay
from madoguchi.reservations.services.classes import waitlist_position
from madoguchi.reservations.views import day_text, local_param, moment_text, wareki_month

# How far ahead the month view goes.
MONTHS_AHEAD = 12

STATE_TONES = {
    SlotState.FREE: "success",
    SlotState.TAKEN: "neutral",
    SlotState.CLOSED: "danger",
    SlotState.LOTTERY: "neutral",
    SlotState.PAST: "neutral",
    SlotState.NOT_YET: "neutral",
}


def _facility(request: HttpRequest, code: str) -> Facility:
    facility = selectors.facility_public(municipality=municipality_for_request(request), code=code)
    if facility is None:
        raise Http404("facility")
    return facility


def facility_list(request: HttpRequest) -> HttpResponse:
    municipality = municipality_for_request(request)
    facilities = list(selectors.facilities_public(municipality=municipality))
    return render(
        request,
        "reservations/public/facility_list.html",
        {"facilities": facilities, "municipality": municipality, "signed_in": current_citizen(request) is not None},
    )


# --- a facility and its free slots ---------------------------------------------------


@dataclass(frozen=True)
class DayCell:
    day: dt.date
    in_month: bool
    free: int
    note: str  # 休館日 / 受付終了 / 受付前 / 抽選対象 / 空きなし
    closed: bool
    selected: bool

    @property
    def label(self) -> str:
        return day_text(self.day)


def _day_summary(units: list[UnitDay]) -> tuple[str, bool]:
    """What a day cell says when there is no free slot, and whether the day is closed."""
    states = [v for ud in units for v in ud.slots]
    if not states:
        return "予約不可", False
    if all(v.state == SlotState.CLOSED for v in states):
        return states[0].note or "休館", True
    for state in (SlotState.LOTTERY, SlotState.NOT_YET, SlotState.PAST):
        if all(v.state in (state, SlotState.CLOSED, SlotState.TAKEN) for v in states) and any(
            v.state == state for v in states
        ):
            return selectors.STATE_LABELS[state], False
    return "空きなし", False


def _month_of(request: HttpRequest, today: dt.date) -> tuple[dt.date, dt.date | None]:
    """The first day of the month shown, and the chosen day (``?date=``) if any."""
    chosen = None
    if raw := request.GET.get("date"):
        try:
            chosen = dt.date.fromisoformat(raw)
        except ValueError:
            chosen = None
    if chosen is not None:
        return chosen.replace(day=1), chosen
    if raw := request.GET.get("month"):
        try:
            return dt.date.fromisoformat(raw + "-01"), None
        except ValueError:
            pass
    return today.replace(day=1), None


def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    facility = _facility(request, code)
    today = clock.today()
    first, chosen = _month_of(request, today)
    earliest, latest = today.replace(day=1), calendar.add_months(today.replace(day=1), MONTHS_AHEAD)
    if not (earliest <= first <= latest):
        first, chosen = earliest, None
    last = calendar.add_months(first, 1) - dt.timedelta(days=1)
    days = selectors.availability(facility=facility, first=first, last=last)
    counts = selectors.free_counts(days)
    weeks = []
    for week in pycalendar.Calendar(firstweekday=6).monthdatescalendar(first.year, first.month):
        row = []
        for day in week:
            in_month = day.month == first.month
            note, closed = ("", False)
            if in_month and not counts.get(day):
                note, closed = _day_summary(days.get(day, []))
            row.append(DayCell(day, in_month, counts.get(day, 0), note, closed, day == chosen))
        weeks.append(row)
    units = [u for u in facility.units.all() if u.bookable]
    base = reverse("reservations:facility", args=[facility.code])
    chosen_units = []
    if chosen is not None and chosen in days:
        book = reverse("reservations:book", args=[facility.code])
        for unit_day in days[chosen]:
            slots = [
                {
                    "view": view,
                    "text": view.slot.label
                    if view.slot.label[:1].isdigit()
                    else f"{view.slot.label} {view.slot.start:%-H:%M}〜{view.slot.end:%-H:%M}",
                    "tone": STATE_TONES[view.state],
                    # Only digits, '-', 'T' and ':' in these values: readable and stable for links and tests.
                    "book_url": f"{book}?unit={unit_day.unit.pk}&start={local_param(view.slot.start)}"
                    f"&end={local_param(view.slot.end)}"
                    if view.state == SlotState.FREE
                    else "",
                }
                for view in unit_day.slots
            ]
            chosen_units.append({"unit": unit_day.unit, "note": _unit_note(unit_day.unit), "slots": slots})
    prev_month = calendar.add_months(first, -1) if first > earliest else None
    next_month = calendar.add_months(first, 1) if first < latest else None
    return render(
        request,
        "reservations/public/facility_detail.html",
        {
            "facility": facility,
            "photos": list(facility.photos.all()),
            "unit_rows": [(u, _unit_note(u)) for u in units],
            "month_label": wareki_month(first),
            "weeks": weeks,
            "weekday_names": ["日", "月", "火", "水", "木", "金", "土"],
            "prev_url": f"{base}?month={prev_month:%Y-%m}" if prev_month else "",
            "prev_label": wareki_month(prev_month) if prev_month else "",
            "next_url": f"{base}?month={next_month:%Y-%m}" if next_month else "",
            "next_label": wareki_month(next_month) if next_month else "",
            "chosen": chosen,
            "chosen_label": day_text(chosen) if chosen else "",
            "chosen_units": chosen_units,
            "today": today,
            "tiers": tier_lines(facility),
        },
    )


def _unit_note(unit: Unit) -> str:
    children = list(unit.children.all())
    if children:
        return f"{'・'.join(c.name for c in children)}をまとめて使います。どれかが予約済みの時間は予約できません。"
    if unit.parent_id is not None:
        return f"{unit.parent.name}の一部です。{unit.parent.name}が予約済みの時間は予約できません。"  # type: ignore[union-attr]
    return ""


def tier_lines(facility: Facility) -> list[tuple[str, str]]:
    """The cancellation tiers as a resident reads them: (いつ, 取消料)."""
    tiers = sorted(facility.cancellation_tiers.values_list("min_days_before", "fee_pct"), reverse=True)
    lines: list[tuple[str, str]] = []
    upper: int | None = None
    for min_days, pct in tiers:
        if min_days == 0 and upper in (None, 1):
            when = "利用日当日"
        elif upper is None:
            when = f"利用日の{min_days}日前まで"
        elif upper - 1 == min_days:
            when = f"利用日の{min_days}日前"
        else:
            when = f"利用日の{upper - 1}日前から{min_days}日前まで"
        lines.append((when, "無料" if pct == 0 else f"お支払い額の{pct}%"))
        upper = min_days
    if upper is None:
        lines.append(("いつでも", "お支払い額の100%"))
    elif upper > 0:
        lines.append(("それより後（当日を含む）", "お支払い額の100%"))
    return lines


# --- classes -----------------------------------------------------------------------------


def _sessions(request: HttpRequest) -> Any:
    return selectors.sessions_open(municipality=municipality_for_request(request)).annotate(
        registered=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.REGISTERED)),
        waiting=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED)),
    )


def _session_row(session: ClassSession) -> dict[str, Any]:
    now = clock.now()
    seats = max(session.capacity - session.registered, 0)  # type: ignore[attr-defined]
    if now < session.opens_at:
        open_text = f"{moment_text(session.opens_at)}から受付"
    elif now >= session.closes_at:
        open_text = "受付終了"
    else:
        open_text = f"{moment_text(session.closes_at)}まで受付"
    event = session.event
    return {
        "session": session,
        "when": span_text(session.start, session.end),
        "place": event.facility.name if event.facility else event.place,
        "seats": seats,
        "waiting": session.waiting,  # type: ignore[attr-defined]
        "open_text": open_text,
        "is_open": session.opens_at <= now < session.closes_at,
    }


def class_list(request: HttpRequest) -> HttpResponse:
    rows = [_session_row(s) for s in _sessions(request)]
    return render(request, "reservations/public/class_list.html", {"rows": rows})


def class_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _sessions(request).filter(pk=session_id).first()
    if session is None:
        raise Http404("session")
    citizen = current_citizen(request)
    mine: Enrollment | None = None
    position = None
    if citizen is not None:
        mine = (
            Enrollment.objects.filter(session=session, citizen=citizen)
            .exclude(status=EnrollmentStatus.CANCELLED)
            .first()
        )
        position = waitlist_position(mine) if mine is not None else None
    return render(
        request,
        "reservations/public/class_detail.html",
        {
            "row": _session_row(session),
            "event": session.event,
            "mine": mine,
            "position": position,
            "signed_in": citizen is not None,
            "sign_in_url": reverse("citizens:sign_in")
            + "?"
            + urlencode({"next": reverse("reservations:class", args=[session.pk])}),
            "started": session.start <= clock.now(),
        },
    )


# --- lotteries ------------------------------------------------------------------------------


def _lottery(request: HttpRequest, lottery_id: int) -> Lottery:
    item = selectors.lotteries_public(municipality=municipality_for_request(request)).filter(pk=lottery_id).first()
    if item is None:
        raise Http404("lottery")
    return item


def lottery_list(request: HttpRequest) -> HttpResponse:
    items = list(selectors.lotteries_public(municipality=municipality_for_request(request)))
    return render(request, "reservations/public/lottery_list.html", {"items": items, "periods": _periods})


def _periods(item: Lottery) -> dict[str, str]:
    return {
        "target": f"{day_text(item.target_start)}〜{day_text(item.target_end)}",
        "apply": f"{moment_text(item.apply_from)}〜{moment_text(item.apply_until)}",
        "draw": moment_text(item.draw_at),
        "confirm": moment_text(item.confirm_until),
    }


def lottery_context(request: HttpRequest, item: Lottery) -> dict[str, Any]:
    """What the lottery page shows anyone; the resident views add the form and applications."""
    now = clock.now()
    drawn = item.status in (LotteryStatus.DRAWN, LotteryStatus.SETTLED) and bool(item.published_result)
    citizen = current_citizen(request)
    applications = []
    if citizen is not None:
        for application in (
            LotteryApplication.objects.filter(lottery=item, applicant=citizen)
            .prefetch_related("choices__unit")
            .order_by("created_at")
        ):
            applications.append(
                {
                    "application": application,
                    "choices": [(c.rank, c.unit.name, span_text(c.start, c.end)) for c in application.choices.all()],
                    "booking_url": reverse("reservations:booking", args=[application.booking_id])
                    if application.booking_id
                    else "",
                }
            )
    return {
        "item": item,
        "periods": _periods(item),
        "drawn": drawn,
        "accepting": item.status == LotteryStatus.OPEN and item.apply_from <= now < item.apply_until,
        "signed_in": citizen is not None,
        "sign_in_url": reverse("citizens:sign_in")
        + "?"
        + urlencode({"next": reverse("reservations:lottery", args=[item.pk])}),
        "applications": applications,
        "verify_command": "python -m madoguchi.reservations.lottery verify input.json result.json"
        f" --seed-commitment {item.seed_commitment}" + (f" --input-digest {item.input_digest}" if drawn else ""),
    }


def lottery_detail(request: HttpRequest, lottery_id: int) -> HttpResponse:
    from madoguchi.reservations.views.resident import lottery_apply_form

    item = _lottery(request, lottery_id)
    context = lottery_context(request, item)
    citizen = current_citizen(request)
    if citizen is not None and context["accepting"]:
        context.update(lottery_apply_form(citizen, item, None))
    return render(request, "reservations/public/lottery_detail.html", context)


def lottery_download(request: HttpRequest, lottery_id: int, what: str) -> HttpResponse:
    """The published draw input or result, as the file the verify command reads."""
    item = _lottery(request, lottery_id)
    body = item.published_input if what == "input" else item.published_result
    if item.status not in (LotteryStatus.DRAWN, LotteryStatus.SETTLED) or not body:
        raise Http404("not drawn")
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{what}.json"'
    return response
