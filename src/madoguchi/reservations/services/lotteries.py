"""抽選 (lottery) use cases: create, apply with ranked choices, draw from the committed seed, settle.

The draw itself is `reservations.lottery.draw` (pure, published algorithm). Here the
applications become its input, the winners become 仮予約 that must be paid by
``confirm_until``, and the input and result are kept for publication, naming applicants
only by pseudonyms.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache, partial

from django.conf import settings
from django.db import transaction

from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.audit import audit_record
from madoguchi.core.clock import TOKYO
from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.text import normalize_prose
from madoguchi.core.wareki import moment_text, to_wareki
from madoguchi.reservations import calendar, lottery, occupancy
from madoguchi.reservations.errors import SlotTaken, SlotUnavailable
from madoguchi.reservations.models import (
    Booking,
    BookingSource,
    Facility,
    Lottery,
    LotteryApplication,
    LotteryChoice,
    LotteryStatus,
    Occupancy,
    Unit,
)
from madoguchi.reservations.models.lotteries import ApplicationStatus
from madoguchi.reservations.notices import notice_now
from madoguchi.reservations.services.registrations import audit_citizen, registration_usable


@dataclass(frozen=True)
class Choice:
    unit_id: int
    start: dt.datetime
    end: dt.datetime


@lru_cache(maxsize=65536)  # pure, and called for every choice of thousands of applications
def slot_key(unit_id: int, start: dt.datetime, end: dt.datetime) -> str:
    return calendar.Slot(unit_id, start, end, "").key


@transaction.atomic
def lottery_create(
    *,
    actor: StaffUser,
    facility_id: int,
    name: str,
    target_start: dt.date,
    target_end: dt.date,
    apply_from: dt.datetime,
    apply_until: dt.datetime,
    draw_at: dt.datetime,
    confirm_until: dt.datetime,
    max_choices: int = 3,
    max_applications: int = 4,
    max_wins_per_applicant: int = 2,
    max_wins_per_group: int | None = None,
) -> Lottery:
    """A lottery, with its seed drawn now and its commitment published from the start."""
    require(actor, Perm.FACILITY_MANAGE)
    facility = Facility.objects.filter(municipality_id=actor.municipality_id, pk=facility_id).first()
    if facility is None:
        raise DomainError("施設が見つかりません。", field="facility")
    if not (apply_from < apply_until <= draw_at < confirm_until):
        raise DomainError("申込開始 < 申込締切 ≦ 抽選日時 < 確定期限 の順に設定してください。", field="apply_until")
    if target_end < target_start:
        raise DomainError("対象期間の終了は開始以降にしてください。", field="target_end")
    seed = lottery.seed_new()
    item = Lottery.objects.create(
        municipality_id=actor.municipality_id,
        facility=facility,
        name=name,
        target_start=target_start,
        target_end=target_end,
        apply_from=apply_from,
        apply_until=apply_until,
        draw_at=draw_at,
        confirm_until=confirm_until,
        max_choices=max_choices,
        max_applications=max_applications,
        max_wins_per_applicant=max_wins_per_applicant,
        max_wins_per_group=max_wins_per_group,
        seed=seed,
        seed_commitment=lottery.seed_commitment(seed),
    )
    audit_record(municipality=actor.municipality, actor=actor, action="lottery.create", obj=item)
    return item


def _check_choice(item: Lottery, choice: Choice, units: dict[int, Unit]) -> None:
    unit = units.get(choice.unit_id)
    if unit is None or not unit.bookable:
        raise SlotUnavailable("この施設の区画から選んでください。", field="choices")
    day = choice.start.astimezone(TOKYO).date()
    if not (item.target_start <= day <= item.target_end):
        raise SlotUnavailable("抽選の対象期間の日を選んでください。", field="choices")
    if calendar.slot_fits(unit, choice.start, choice.end) is False:
        raise SlotUnavailable("この区画で選べる時間ではありません。", field="choices")
    reason = calendar.closed_reason(item.facility, unit, day, calendar.closures_between(item.facility, day, day))
    if reason:
        raise SlotUnavailable(f"{to_wareki(day)}は{reason}のため選べません。", field="choices")


@transaction.atomic
def lottery_apply(
    *, citizen: Citizen, lottery_id: int, registration_id: int, choices: list[Choice], purpose: str = ""
) -> LotteryApplication:
    registration = registration_usable(citizen=citizen, registration_id=registration_id)
    item = (
        Lottery.objects.select_for_update(of=("self",))
        .select_related("facility")
        .filter(municipality_id=citizen.municipality_id, pk=lottery_id)
        .first()
    )
    if item is None:
        raise DomainError("抽選が見つかりません。")
    now = clock.now()
    if item.status != LotteryStatus.OPEN or not (item.apply_from <= now < item.apply_until):
        raise DomainError("この抽選は申込期間外です。")
    if not choices:
        raise DomainError("第1希望を選んでください。", field="choices")
    if len(choices) > item.max_choices:
        raise DomainError(f"希望は第{item.max_choices}希望まで選べます。", field="choices")
    if len({slot_key(c.unit_id, c.start, c.end) for c in choices}) != len(choices):
        raise DomainError("同じ枠を重ねて選ぶことはできません。", field="choices")
    units = {u.pk: u for u in Unit.objects.filter(facility=item.facility).select_related("facility")}
    for choice in choices:
        _check_choice(item, choice, units)
    live = LotteryApplication.objects.filter(lottery=item, registration=registration, status=ApplicationStatus.APPLIED)
    if live.count() >= item.max_applications:
        raise DomainError(f"この抽選への申込は1登録あたり{item.max_applications}件までです。")
    application = LotteryApplication.objects.create(
        lottery=item,
        public_id="L" + secrets.token_hex(5).upper(),
        registration=registration,
        applicant=citizen,
        weight=registration.category.lottery_weight,
        status=ApplicationStatus.APPLIED,
        purpose=normalize_prose(purpose)[:100],
        created_at=now,
    )
    LotteryChoice.objects.bulk_create(
        LotteryChoice(application=application, rank=rank, unit_id=c.unit_id, start=c.start, end=c.end)
        for rank, c in enumerate(choices, start=1)
    )
    audit_citizen(citizen, "lottery.apply", application)
    return application


@transaction.atomic
def lottery_withdraw(*, citizen: Citizen, application_id: int) -> LotteryApplication:
    application = (
        LotteryApplication.objects.select_for_update(of=("self",))
        .select_related("lottery")
        .filter(pk=application_id, applicant=citizen)
        .first()
    )
    if application is None:
        raise DomainError("申込が見つかりません。")
    if application.status != ApplicationStatus.APPLIED or application.lottery.status != LotteryStatus.OPEN:
        raise DomainError("抽選の締切後は取り下げられません。")
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status"])
    audit_citizen(citizen, "lottery.withdraw", application)
    return application


# --- the draw ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    public_id: str
    applicant_id: int
    registration_id: int
    is_group: bool
    weight: int
    choices: tuple[Choice, ...]


def _entries(item: Lottery) -> list[_Entry]:
    """The live applications as plain rows (10,000 of them: no model instances)."""
    rows = list(
        LotteryApplication.objects.filter(lottery=item, status=ApplicationStatus.APPLIED)
        .order_by("pk")
        .values_list("pk", "public_id", "applicant_id", "registration_id", "registration__category__is_group", "weight")
    )
    picks: dict[int, list[tuple[int, Choice]]] = defaultdict(list)
    for application_id, rank, unit_id, start, end in LotteryChoice.objects.filter(
        application__lottery=item, application__status=ApplicationStatus.APPLIED
    ).values_list("application_id", "rank", "unit_id", "start", "end"):
        picks[application_id].append((rank, Choice(unit_id, start, end)))
    return [
        _Entry(public_id, applicant_id, registration_id, is_group, weight, tuple(c for _, c in sorted(picks[pk])))
        for pk, public_id, applicant_id, registration_id, is_group, weight in rows
    ]


def _draw_input(item: Lottery) -> tuple[lottery.DrawInput, dict[str, Choice]]:
    entries = _entries(item)
    choices: dict[str, Choice] = {}
    for entry in entries:
        for c in entry.choices:
            choices.setdefault(slot_key(c.unit_id, c.start, c.end), c)
    # Slots taken before the draw (the city's own blocks) are not in the draw.
    units = {u.pk: u for u in Unit.objects.filter(facility=item.facility).prefetch_related("children")}
    leaves = {unit_id: {leaf.pk for leaf in occupancy.leaves_of(unit)} for unit_id, unit in units.items()}
    taken = list(
        Occupancy.objects.filter(
            leaf__facility=item.facility,
            start__lt=calendar.aware(item.target_end + dt.timedelta(days=1), dt.time()),
            end__gt=calendar.aware(item.target_start, dt.time()),
        ).values_list("leaf_id", "start", "end")
    )
    available = {
        key: c
        for key, c in choices.items()
        if not any(leaf in leaves[c.unit_id] and s < c.end and c.start < e for leaf, s, e in taken)
    }
    # Two slots conflict when they share a leaf unit and their times overlap (全面 vs 半面).
    by_day: dict[dt.date, list[str]] = defaultdict(list)
    for key, c in available.items():
        by_day[c.start.astimezone(TOKYO).date()].append(key)
    conflicts: dict[str, set[str]] = {key: set() for key in available}
    for keys in by_day.values():
        for i, a in enumerate(keys):
            ca = available[a]
            for b in keys[i + 1 :]:
                cb = available[b]
                if ca.start < cb.end and cb.start < ca.end and leaves[ca.unit_id] & leaves[cb.unit_id]:
                    conflicts[a].add(b)
                    conflicts[b].add(a)
    secret = settings.SECRET_KEY
    lottery_id = f"{item.municipality.code}-{item.pk}"
    draw_input = lottery.DrawInput(
        lottery_id=lottery_id,
        seed=item.seed,
        slots=tuple(lottery.Slot(key) for key in sorted(available)),
        conflicts={k: frozenset(v) for k, v in conflicts.items()},
        applications=tuple(
            lottery.Application(
                id=e.public_id,
                applicant=lottery.pseudonym(secret=secret, lottery_id=lottery_id, value=f"c{e.applicant_id}"),
                group=(
                    lottery.pseudonym(secret=secret, lottery_id=lottery_id, value=f"r{e.registration_id}")
                    if e.is_group
                    else None
                ),
                weight=e.weight,
                choices=tuple(k for c in e.choices if (k := slot_key(c.unit_id, c.start, c.end)) in available),
            )
            for e in entries
        ),
        caps=lottery.Caps(
            max_wins_per_applicant=item.max_wins_per_applicant, max_wins_per_group=item.max_wins_per_group
        ),
    )
    return draw_input, available


@transaction.atomic
def lottery_draw(*, lottery_id: int, actor: StaffUser | None = None) -> lottery.DrawResult:
    """Draw, publish the seed, input and result, and hold the won slots for the winners."""
    from madoguchi.reservations.services.bookings import BookingRequest, create_for_lottery

    if actor is not None:
        require(actor, Perm.FACILITY_MANAGE)
    item = Lottery.objects.select_for_update(of=("self",)).select_related("facility", "municipality").get(pk=lottery_id)
    if actor is not None and item.municipality_id != actor.municipality_id:
        raise DomainError("抽選が見つかりません。")
    if item.status not in (LotteryStatus.OPEN, LotteryStatus.CLOSED) or clock.now() < item.draw_at:
        raise DomainError("抽選日時になっていないか、すでに抽選済みです。")
    draw_input, available = _draw_input(item)
    result = lottery.draw(draw_input)
    item.published_input = lottery.draw_input_to_json(draw_input)
    item.published_result = lottery.draw_result_to_json(result)
    item.input_digest = lottery.input_digest(draw_input)
    item.status = LotteryStatus.DRAWN
    item.drawn_at = clock.now()
    item.save(update_fields=["published_input", "published_result", "input_digest", "status", "drawn_at"])
    units = {u.pk: u for u in Unit.objects.filter(facility=item.facility).select_related("facility")}
    won_ids: list[int] = []
    winners = LotteryApplication.objects.filter(lottery=item, public_id__in=list(result.winners.values()))
    for application in winners.select_related("registration__category", "applicant").order_by("pk"):
        outcome = result.outcomes[application.public_id]
        assert outcome.slot is not None
        choice = available[outcome.slot]
        try:
            booking = create_for_lottery(
                registration=application.registration,
                booked_by=application.applicant,
                request=BookingRequest(units[choice.unit_id], choice.start, choice.end),
                purpose=application.purpose,
                deadline=item.confirm_until,
            )
        except SlotTaken:  # a staff booking made after the input was read; the draw is never re-run
            continue
        application.status = ApplicationStatus.WON
        application.won_rank = outcome.rank
        application.booking = booking
        application.save(update_fields=["status", "won_rank", "booking"])
        won_ids.append(application.pk)
    LotteryApplication.objects.filter(lottery=item, status=ApplicationStatus.APPLIED).exclude(pk__in=won_ids).update(
        status=ApplicationStatus.LOST
    )
    # Results go out from a background task, one resident at a time, resumable (see lottery_results_notify).
    transaction.on_commit(partial(_enqueue_results, item.pk))
    audit_record(
        municipality=item.municipality,
        actor=actor,
        actor_label="system",
        action="lottery.draw",
        obj=item,
        reason=f"input {item.input_digest[:16]}",
    )
    return result


def _enqueue_results(lottery_id: int) -> None:
    from madoguchi.reservations.tasks import lottery_results_notify

    lottery_results_notify.enqueue(lottery_id)


def lottery_results_notify(*, lottery_id: int) -> int:
    """Tell every applicant their result by LINE (or e-mail), once each.

    Each notice and its ``notified_at`` mark commit together, so a worker that dies midway
    resumes where it stopped without telling anyone twice.
    """
    from madoguchi.reservations.services.bookings import booking_context

    item = Lottery.objects.get(pk=lottery_id)
    deadline_text = moment_text(item.confirm_until)
    pending = LotteryApplication.objects.filter(
        lottery=item, status__in=[ApplicationStatus.WON, ApplicationStatus.LOST], notified_at__isnull=True
    )
    sent = 0
    for application_id in list(pending.values_list("pk", flat=True)):
        with transaction.atomic():
            application = (
                LotteryApplication.objects.select_for_update(of=("self",))
                .select_related("booking__unit__facility")
                .get(pk=application_id)
            )
            if application.notified_at is not None:
                continue
            if application.status == ApplicationStatus.WON and application.booking is not None:
                context = {
                    **booking_context(application.booking),
                    "lottery": item.name,
                    "rank": str(application.won_rank),
                    "deadline": deadline_text,
                }
                notice_now(citizen_id=application.applicant_id, key="reservations.lottery_won", context=context)
            else:
                notice_now(
                    citizen_id=application.applicant_id,
                    key="reservations.lottery_lost",
                    context={"lottery": item.name, "number": application.public_id, "opens": "抽選結果の発表後"},
                )
            application.notified_at = clock.now()
            application.save(update_fields=["notified_at"])
            sent += 1
    return sent


def lotteries_advance(*, now: dt.datetime | None = None) -> int:
    """The worker's clock: close applications, draw at the draw time, settle after the confirm period."""
    now = now or clock.now()
    changed = Lottery.objects.filter(status=LotteryStatus.OPEN, apply_until__lte=now).update(
        status=LotteryStatus.CLOSED
    )
    for lottery_id in list(
        Lottery.objects.filter(status=LotteryStatus.CLOSED, draw_at__lte=now).values_list("pk", flat=True)
    ):
        lottery_draw(lottery_id=lottery_id)
        changed += 1
    changed += Lottery.objects.filter(status=LotteryStatus.DRAWN, confirm_until__lte=now).update(
        status=LotteryStatus.SETTLED
    )
    return changed


def lottery_bookings(*, item: Lottery) -> list[Booking]:
    return list(Booking.objects.filter(source=BookingSource.LOTTERY, pk__in=item.applications.values("booking")))
