"""Kitaibaraki's demo facilities, rates, registrations, a month of bookings, a running lottery and a
スマホ講座 with a waitlist. Everything goes through the app's services, so the demo data obeys
the same rules (and leaves the same audit trail) as real use."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.clock import TOKYO
from madoguchi.core.errors import DomainError
from madoguchi.core.models import Department, Municipality, StaffUser
from madoguchi.reservations import calendar
from madoguchi.reservations.locks.sandbox.state import DEFAULT_LOCKS
from madoguchi.reservations.models import (
    AccessKey,
    CancellationTier,
    ClassEvent,
    ClassSession,
    Facility,
    FacilityKind,
    FrameMode,
    LockAccount,
    Rate,
    ReductionReason,
    Registration,
    TimeFrame,
    Unit,
    UserCategory,
)
from madoguchi.reservations.services import bookings, classes, lotteries, registrations
from madoguchi.reservations.services.keys import lock_account_connect

DEMO_LOCK_CLIENT_ID = "demo-lock-client"
DEMO_LOCK_CLIENT_SECRET = "demo-lock-secret"  # noqa: S105 - the sandbox's demo secret, by design
DEMO_LOCK_WEBHOOK_SECRET = "demo-lock-webhook-secret"  # noqa: S105 - by design
LOCK_HALL_A, LOCK_HALL_B, LOCK_GYM = (lock_id for lock_id, _, _ in DEFAULT_LOCKS)

CATEGORIES = [
    # code, name, group, resident, verify, months ahead, multiplier, max active, lottery weight
    ("resident", "市内在住・在勤の個人", False, True, False, 2, "1.00", 4, 1),
    ("outsider", "市外の個人", False, False, False, 1, "2.00", 2, 1),
    ("local-group", "市内の登録団体（社会教育関係団体など）", True, True, True, 3, "1.00", 8, 2),
    ("group", "市外の団体・その他の団体", True, False, False, 1, "2.00", 4, 1),
]
REDUCTIONS = [
    ("city-event", "市が主催・共催する事業", 100, False),
    ("disability", "障害のある方の団体の活動", 50, True),
    ("school", "市内の小中学校・子ども会の活動", 50, True),
]
FRAMES = [("午前", dt.time(9), dt.time(12)), ("午後", dt.time(13), dt.time(17)), ("夜間", dt.time(18), dt.time(21))]
DAY_FRAMES = FRAMES[:2]
GROUPS = [
    "磯原バレーボールクラブ",
    "大津港ミニバスケットボール少年団",
    "北茨城卓球愛好会",
    "中郷ソフトテニス部",
    "関南太極拳の会",
]
FAMILY = ["野口", "岡倉", "五浦", "大津", "平潟", "関本", "華川", "中郷", "磯原", "神岡"]
GIVEN = ["由美", "太郎", "花子", "次郎", "和子", "健"]
PEOPLE = [f"{FAMILY[i % 10]} {GIVEN[i % 6]}" for i in range(40)]


def _frames(unit: Unit, frames: list[tuple[str, dt.time, dt.time]], rates: list[int]) -> None:
    for (name, start, end), amount in zip(frames, rates, strict=True):
        frame = TimeFrame.objects.create(unit=unit, name=name, start=start, end=end)
        Rate.objects.create(unit=unit, frame=frame, amount=amount)


def _hourly(
    facility: Facility,
    code: str,
    name: str,
    opens: int,
    closes: int,
    rate: int,
    position: int,
    *,
    max_minutes: int = 240,
    capacity: int | None = None,
    lock_id: str = "",
) -> Unit:
    unit = Unit.objects.create(
        facility=facility,
        code=code,
        name=name,
        position=position,
        frame_mode=FrameMode.HOURLY,
        open_time=dt.time(opens),
        close_time=dt.time(closes),
        start_interval_minutes=60,
        min_minutes=60,
        max_minutes=max_minutes,
        capacity=capacity,
        lock_id=lock_id,
    )
    Rate.objects.create(unit=unit, frame=None, amount=rate)
    return unit


def _tiers(facility: Facility) -> None:
    for days, pct in ((7, 0), (1, 50), (0, 100)):
        CancellationTier.objects.create(facility=facility, min_days_before=days, fee_pct=pct)


def _facilities(city: Municipality) -> list[Facility]:
    dept = Department.objects.get(municipality=city, code="shogai_gakushu")
    gym = Facility.objects.create(
        municipality=city,
        department=dept,
        code="shimin-taiikukan",
        name="北茨城市民体育館",
        name_kana="キタイバラキシミンタイイクカン",
        kind=FacilityKind.GYM,
        postal_code="319-1541",
        address="茨城県北茨城市磯原町磯原1620",
        latitude=Decimal("36.801900"),
        longitude=Decimal("140.752100"),
        phone="0293-43-1111",
        description="バレーボール・バスケットボール・バドミントンなどに使えるアリーナです。全面または半面で予約できます。",
        equipment="バレーボール支柱・ネット、バスケットボールゴール、バドミントン支柱（各種無料）、得点板",
        accessibility="正面玄関にスロープ、多目的トイレ（1階）、車いす用駐車場2台。",
        closed_weekdays=[0],
        weekend_surcharge_pct=20,
        admission_surcharge_pct=50,
        commercial_surcharge_pct=100,
    )
    full = Unit.objects.create(
        facility=gym, code="arena", name="アリーナ全面", capacity=300, position=1, lock_id=LOCK_GYM
    )
    _frames(full, FRAMES, [2400, 3000, 3600])
    for i, label in enumerate(("A", "B"), start=2):
        half = Unit.objects.create(
            facility=gym,
            parent=full,
            code=f"arena-{label.lower()}",
            name=f"アリーナ半面{label}",
            capacity=150,
            position=i,
            lock_id=LOCK_GYM,
        )
        _frames(half, FRAMES, [1200, 1500, 1800])
    _tiers(gym)

    hall = Facility.objects.create(
        municipality=city,
        department=dept,
        code="isohara-kominkan",
        name="磯原地区公民館",
        name_kana="イソハラチクコウミンカン",
        kind=FacilityKind.HALL,
        postal_code="319-1541",
        address="茨城県北茨城市磯原町磯原1630",
        latitude=Decimal("36.802700"),
        longitude=Decimal("140.751200"),
        phone="0293-43-1112",
        description="会議・サークル活動・講座に使える部屋があります。",
        equipment="机・椅子、ホワイトボード、プロジェクター（会議室A）",
        accessibility="エレベーターあり。多目的トイレ（1階・2階）。",
        closed_weekdays=[0],
        closed_on_holidays=True,
        commercial_surcharge_pct=100,
    )
    _hourly(hall, "room-a", "会議室A（30人）", 9, 21, 330, 1, capacity=30, lock_id=LOCK_HALL_A)
    _hourly(hall, "room-b", "会議室B（20人）", 9, 21, 220, 2, capacity=20, lock_id=LOCK_HALL_B)
    _hourly(hall, "washitsu", "和室（15畳）", 9, 21, 220, 3, capacity=20)
    _tiers(hall)

    ground = Facility.objects.create(
        municipality=city,
        department=dept,
        code="shimin-ground",
        name="北茨城市民グラウンド",
        name_kana="キタイバラキシミングラウンド",
        kind=FacilityKind.GROUND,
        postal_code="319-1541",
        address="茨城県北茨城市磯原町磯原2004",
        latitude=Decimal("36.797300"),
        longitude=Decimal("140.748400"),
        description="野球・ソフトボール・サッカーに使えます。夜間照明はありません。",
        equipment="バックネット、ベース一式、サッカーゴール2基",
        accessibility="駐車場から平坦な通路あり。仮設トイレ。",
        closed_weekdays=[0],
        weekend_surcharge_pct=20,
    )
    whole = Unit.objects.create(facility=ground, code="whole", name="グラウンド全面", position=1)
    _frames(whole, DAY_FRAMES, [2000, 2400])
    for i, label in enumerate(("A", "B"), start=2):
        half = Unit.objects.create(
            facility=ground, parent=whole, code=f"field-{label.lower()}", name=f"{label}面", position=i
        )
        _frames(half, DAY_FRAMES, [1000, 1200])
    _tiers(ground)

    tennis = Facility.objects.create(
        municipality=city,
        department=dept,
        code="tennis-court",
        name="北茨城市民テニスコート",
        name_kana="キタイバラキシミンテニスコート",
        kind=FacilityKind.TENNIS,
        postal_code="319-1541",
        address="茨城県北茨城市磯原町磯原2004",
        latitude=Decimal("36.796800"),
        longitude=Decimal("140.749900"),
        description="砂入り人工芝コート4面。1時間単位で予約できます。",
        accessibility="コートまで段差なし。",
        closed_weekdays=[],
    )
    for i in range(1, 5):
        _hourly(tennis, f"court-{i}", f"第{i}コート", 8, 20, 540, i, max_minutes=120)
    _tiers(tennis)
    return [gym, hall, ground, tennis]


def _citizen(city: Municipality, name: str) -> Citizen:
    return Citizen.objects.create(municipality=city, display_name=name, created_at=clock.now())


def _registrations(city: Municipality, chief: StaffUser) -> list[Registration]:
    categories = {c.code: c for c in UserCategory.objects.filter(municipality=city)}
    made = []
    for i, name in enumerate(PEOPLE):
        owner = _citizen(city, name)
        category = categories["outsider" if i % 8 == 7 else "resident"]
        made.append(
            registrations.registration_create(
                citizen=owner,
                category_id=category.pk,
                name=name,
                name_kana="キタイバラキ",
                phone=f"0293-43-{1200 + i:04d}",
            )
        )
    for i, group in enumerate(GROUPS):
        owner = _citizen(city, f"{group} 代表")
        registration = registrations.registration_create(
            citizen=owner,
            category_id=categories["local-group"].pk,
            name=group,
            name_kana="ダンタイ",
            phone=f"0293-42-{3300 + i}",
            representative=PEOPLE[i],
        )
        if i < len(GROUPS) - 1:  # the last one waits for staff to check it
            registrations.registration_decide(
                actor=chief, registration_id=registration.pk, approve=True, note="規約・名簿を確認"
            )
            registration.refresh_from_db()
        made.append(registration)
    return made


def _bookings(facilities: list[Facility], regs: list[Registration], chief: StaffUser, rng: random.Random) -> int:
    """About a fifth of the next month's slots (as far as each registration's limit allows), confirmed and paid."""
    usable = [r for r in regs if r.status == "active"]
    today = clock.today()
    made = 0
    for facility in facilities:
        days = calendar.add_months(today, 1)
        days_ahead = (days - today).days
        units = list(facility.units.filter(bookable=True).prefetch_related("frames", "children"))
        for offset in range(2, days_ahead):
            day = today + dt.timedelta(days=offset)
            for unit in units:
                for slot in calendar.candidate_slots(unit, day):
                    if rng.random() > 0.18:
                        continue
                    registration = rng.choice(usable)
                    try:
                        booking = bookings.booking_create_by_staff(
                            actor=chief,
                            registration_id=registration.pk,
                            unit_id=unit.pk,
                            start=slot.start,
                            end=slot.end,
                            purpose=rng.choice(["練習", "定例会", "大会の準備", "サークル活動", "親睦会"]),
                            headcount=rng.randint(5, 40),
                        )
                    except DomainError:
                        continue  # closed, taken, or this registration's limit: like a real counter
                    with transaction.atomic():
                        bookings.booking_confirm(booking=booking, paid=booking.fee_amount)
                    made += 1
    return made


def _lottery(gym: Facility, regs: list[Registration], chief: StaffUser, rng: random.Random) -> None:
    """Next-but-one month's gym lottery, open for applications now."""
    today = clock.today()
    first = calendar.add_months(today.replace(day=1), 2)
    last = calendar.add_months(first, 1) - dt.timedelta(days=1)
    now = clock.now()
    item = lotteries.lottery_create(
        actor=chief,
        facility_id=gym.pk,
        name=f"{first.month}月分 市民体育館 抽選",
        target_start=first,
        target_end=last,
        apply_from=now - dt.timedelta(days=3),
        apply_until=now + dt.timedelta(days=5),
        draw_at=now + dt.timedelta(days=6),
        confirm_until=now + dt.timedelta(days=13),
        max_wins_per_applicant=2,
        max_wins_per_group=3,
    )
    units = list(gym.units.all())
    frames = {u.pk: list(u.frames.all()) for u in units}
    weekends = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    weekends = [d for d in weekends if d.weekday() >= 5]
    for registration in [r for r in regs if r.status == "active"]:
        for _ in range(rng.randint(1, 3)):
            choices, seen = [], set()
            for _rank in range(rng.randint(1, 3)):
                unit = rng.choice(units)
                frame = rng.choice(frames[unit.pk])
                day = rng.choice(weekends)
                key = (unit.pk, day, frame.pk)
                if key in seen:
                    continue
                seen.add(key)
                choices.append(
                    lotteries.Choice(unit.pk, calendar.aware(day, frame.start), calendar.aware(day, frame.end))
                )
            try:
                lotteries.lottery_apply(
                    citizen=registration.owner, lottery_id=item.pk, registration_id=registration.pk, choices=choices
                )
            except DomainError:
                break


def _classes(city: Municipality, hall: Facility, regs: list[Registration]) -> None:
    event = ClassEvent.objects.create(
        municipality=city,
        department=Department.objects.get(municipality=city, code="shogai_gakushu"),
        title="はじめてのスマホ講座（LINEと市の公式アカウント）",
        description="スマートフォンの基本操作から、LINEで市のお知らせを受け取る方法、施設予約のしかたまで、"
        "講師と支援員がていねいにお教えします。",
        facility=hall,
        place="磯原地区公民館 会議室A",
        bring="お持ちのスマートフォン（貸出機もあります）",
    )
    now = clock.now()
    for week, capacity in ((1, 8), (2, 12), (3, 12)):
        day = (now + dt.timedelta(days=7 * week)).astimezone(TOKYO).date()
        day += dt.timedelta(days=(2 - day.weekday()) % 7)  # Wednesdays
        start = calendar.aware(day, dt.time(10))
        session = ClassSession.objects.create(
            event=event,
            start=start,
            end=start + dt.timedelta(hours=2),
            capacity=capacity,
            opens_at=now - dt.timedelta(days=7),
            closes_at=start - dt.timedelta(days=1),
        )
        takers = 11 if week == 1 else 5  # the first session is full, with a waitlist of three
        for i in range(takers):
            who = regs[i % len(regs)].owner if i < len(regs) else _citizen(city, f"受講希望者{i}")
            classes.enrollment_create(citizen=who, session_id=session.pk)


def has_facilities(city: Municipality) -> bool:
    return Facility.objects.filter(municipality=city).exists()


def lock_account_ensure(city: Municipality, *, api_url: str) -> LockAccount:
    """The sandbox's URL may change on every start; the account follows it."""
    return lock_account_connect(
        municipality=city,
        api_url=api_url,
        token_url=api_url.rstrip("/") + "/oauth/token",
        client_id=DEMO_LOCK_CLIENT_ID,
        client_secret=DEMO_LOCK_CLIENT_SECRET,
        webhook_secret=DEMO_LOCK_WEBHOOK_SECRET,
        webhook_scheme="hmac-sha256",  # the sandbox signs its events
    )


def seed_reservations(city: Municipality, *, seed: int = 82155) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible on purpose
    chief = StaffUser.objects.get(username="shogai-chief")
    for code, name, group, resident, verify, months, multiplier, max_active, weight in CATEGORIES:
        UserCategory.objects.get_or_create(
            municipality=city,
            code=code,
            defaults={
                "name": name,
                "is_group": group,
                "is_resident": resident,
                "requires_verification": verify,
                "advance_months": months,
                "fee_multiplier": Decimal(multiplier),
                "max_active_bookings": max_active,
                "lottery_weight": weight,
            },
        )
    for code, name, percent, evidence in REDUCTIONS:
        ReductionReason.objects.get_or_create(
            municipality=city, code=code, defaults={"name": name, "percent": percent, "requires_evidence": evidence}
        )
    facilities = _facilities(city)
    regs = _registrations(city, chief)
    made = _bookings(facilities, regs, chief, rng)
    _lottery(facilities[0], regs, chief, rng)
    _classes(city, facilities[1], regs)
    # Seeding runs before the smart-lock sandbox starts, so every key's first call failed: clear that,
    # and the worker's repair job creates them on the sandbox within minutes (20 a minute, as in production).
    AccessKey.objects.filter(booking__municipality=city).update(attempts=0, last_error="", next_attempt_at=clock.now())
    return {"facilities": len(facilities), "registrations": len(regs), "bookings": made}
