"""Staff screens of facility booking and classes: who may open them, what they show, and the
actions they take through POST (blocks, closures, registrations, 減免, counter bookings,
lotteries, walk-in class sign-ups and attendance)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.core.clock import TOKYO
from madoguchi.core.models import AuditEvent, Department, Municipality, StaffUser
from madoguchi.reservations.models import (
    AccessKey,
    Booking,
    BookingKind,
    BookingStatus,
    ClassEvent,
    ClassSession,
    Closure,
    Enrollment,
    EnrollmentStatus,
    KeyStatus,
    Lottery,
    LotteryStatus,
    Registration,
    RegistrationStatus,
)
from madoguchi.reservations.models.bookings import ReductionStatus
from madoguchi.reservations.models.lotteries import ApplicationStatus
from madoguchi.reservations.services import bookings as svc
from madoguchi.reservations.services import classes as class_svc
from madoguchi.reservations.services import lotteries as lottery_svc

from ..conftest import make_staff, verified_client
from . import scenario

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)  # a Tuesday
TUE = dt.date(2026, 12, 8)
WED = dt.date(2026, 12, 9)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@dataclass
class World:
    city: Municipality
    gym: scenario.Gym
    hanako: Registration
    booking: Booking  # a 仮予約 by 北茨城 花子, with a 減免 request awaiting a decision
    paid: Booking  # a confirmed booking (no fee: 100% reduction by staff)
    pending: Registration  # a group registration awaiting verification
    session: ClassSession
    lottery: Lottery


def _world(city: Municipality, *, place: str = "北茨城") -> World:
    gym = scenario.gym(city)
    who = scenario.citizen(city)
    hanako = scenario.registration(who, gym.resident, name=f"{place} 花子")
    reduction = scenario.reduction(city, 50, evidence=True)
    start, end = gym.at(TUE, "午前")
    booking = svc.booking_hold(
        citizen=who,
        registration_id=hanako.pk,
        unit_id=gym.half_a.pk,
        start=start,
        end=end,
        reduction_reason_id=reduction.pk,
        reduction_evidence=SimpleUploadedFile("shomei.pdf", b"%PDF-1.4 evidence", content_type="application/pdf"),
    )
    setter = make_staff(city, "shogai", username=f"setup-{city.code}")
    free = scenario.reduction(city, 100)
    start, end = gym.at(TUE, "夜間")
    paid = svc.booking_create_by_staff(
        actor=setter, registration_id=hanako.pk, unit_id=gym.full.pk, start=start, end=end, reduction_reason_id=free.pk
    )
    pending = scenario.registration(
        scenario.citizen(city),
        gym.group,
        name=f"{place}卓球クラブ",
        representative="磯原 一郎",
        status=RegistrationStatus.PENDING,
    )
    event = ClassEvent.objects.create(
        municipality=city,
        department=Department.objects.get(municipality=city, code="shogai_gakushu"),
        title=f"{place}のスマホ講座",
        facility=gym.facility,
    )
    session = ClassSession.objects.create(
        event=event,
        start=dt.datetime(2026, 12, 10, 10, tzinfo=TOKYO),
        end=dt.datetime(2026, 12, 10, 12, tzinfo=TOKYO),
        capacity=1,
        opens_at=NOW - dt.timedelta(days=7),
        closes_at=dt.datetime(2026, 12, 9, 17, tzinfo=TOKYO),
    )
    lottery = lottery_svc.lottery_create(
        actor=setter,
        facility_id=gym.facility.pk,
        name=f"{place} 令和9年1月 抽選",
        target_start=dt.date(2027, 1, 5),
        target_end=dt.date(2027, 1, 31),
        apply_from=NOW - dt.timedelta(days=1),
        apply_until=NOW + dt.timedelta(days=5),
        draw_at=NOW + dt.timedelta(days=6),
        confirm_until=NOW + dt.timedelta(days=13),
    )
    return World(city, gym, hanako, booking, paid, pending, session, lottery)


@pytest.fixture
def world(city_a) -> World:
    return _world(city_a)


@pytest.fixture
def shogai(city_a) -> StaffUser:
    return make_staff(city_a, "shogai")


@pytest.fixture
def chief(city_a) -> StaffUser:
    return make_staff(city_a, "shogai_chief")


def _list_screens() -> list[str]:
    names = ("home", "reductions", "registrations", "lotteries", "lottery_create", "classes")
    return [reverse(f"staff:reservations:{name}") for name in names]


def _object_screens(w: World) -> list[str]:
    facility = w.gym.facility.pk
    return [
        reverse("staff:reservations:calendar", args=[facility]) + f"?date={TUE.isoformat()}&days=7",
        reverse("staff:reservations:book", args=[facility]) + f"?date={TUE.isoformat()}",
        reverse("staff:reservations:block", args=[facility]),
        reverse("staff:reservations:closure", args=[facility]),
        reverse("staff:reservations:booking", args=[w.booking.pk]),
        reverse("staff:reservations:booking", args=[w.paid.pk]),
        reverse("staff:reservations:booking_evidence", args=[w.booking.pk]),
        reverse("staff:reservations:lottery", args=[w.lottery.pk]),
        reverse("staff:reservations:lottery_input", args=[w.lottery.pk]),
        reverse("staff:reservations:class", args=[w.session.pk]),
    ]


def _screens(w: World) -> list[str]:
    return _list_screens() + [u for u in _object_screens(w) if "/evidence/" not in u and ".json" not in u]


def _actions(w: World) -> list[str]:
    enrollment = Enrollment.objects.create(
        session=w.session, walk_in_name="窓口 太郎", status="registered", created_at=NOW
    )
    return [
        reverse("staff:reservations:booking_cancel", args=[w.booking.pk]),
        reverse("staff:reservations:booking_reduction", args=[w.booking.pk]),
        reverse("staff:reservations:booking_cash", args=[w.booking.pk]),
        reverse("staff:reservations:booking_key_retry", args=[w.booking.pk]),
        reverse("staff:reservations:registration_decide", args=[w.pending.pk]),
        reverse("staff:reservations:lottery_draw", args=[w.lottery.pk]),
        reverse("staff:reservations:class_walk_in", args=[w.session.pk]),
        reverse("staff:reservations:class_capacity", args=[w.session.pk]),
        reverse("staff:reservations:enrollment_attendance", args=[enrollment.pk]),
        reverse("staff:reservations:enrollment_cancel", args=[enrollment.pk]),
    ]


# --- who may open what ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["shogai", "shogai_chief"])
def test_every_screen__renders_for_shogai_staff(persona, world, city_a) -> None:
    client = verified_client(make_staff(city_a, persona))
    for url in _screens(world):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "<h1" in response.content.decode(), url


@pytest.mark.parametrize("persona", ["clerk", "norole"])
def test_every_screen_and_action__is_refused_without_the_role(persona, world, city_a) -> None:
    client = verified_client(make_staff(city_a, persona))
    for url in _list_screens() + _object_screens(world):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "権限がありません" in response.content.decode()
        assert "北茨城 花子" not in response.content.decode()
    for url in _actions(world):
        response = client.post(
            url, {"reason": "x", "decision": "approve", "name": "x", "capacity": "5", "attended": "1"}
        )
        assert response.status_code == 403, url
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.HELD
    assert world.booking.reduction_status == ReductionStatus.PENDING
    world.pending.refresh_from_db()
    assert world.pending.status == RegistrationStatus.PENDING


def test_staff_of_b__never_see_a(world, city_b) -> None:
    _world(city_b, place="高萩")
    client = verified_client(make_staff(city_b, "shogai_chief"))
    for url in _object_screens(world):
        assert client.get(url).status_code == 404, url
    for url in _actions(world):
        assert client.post(url, {"reason": "x", "decision": "approve", "name": "x", "capacity": "5"}).status_code == 404
    for url in _list_screens():
        body = client.get(url).content.decode()
        assert "北茨城 花子" not in body and "北茨城卓球クラブ" not in body, url
        assert world.booking.number not in body and world.lottery.name not in body, url
        assert "北茨城のスマホ講座" not in body, url
    body = client.get(reverse("staff:reservations:classes")).content.decode()
    assert f"/classes/{world.session.pk}/" not in body
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.HELD


# --- what the screens show ----------------------------------------------------------------


def test_home__counts_pending_work_and_lists_failing_keys_and_today(world, shogai, city_a) -> None:
    key = AccessKey.objects.create(
        booking=world.paid,
        lock_id="lock-1",
        pin="123456",
        status=KeyStatus.INACTIVE,
        wanted=KeyStatus.ACTIVE,
        starts_at=world.paid.start,
        ends_at=world.paid.end,
        last_error="錠サービスに接続できません: timeout",
    )
    today = svc.block_create(
        actor=shogai,
        unit_id=world.gym.room.pk,
        start=dt.datetime(2026, 12, 1, 18, tzinfo=TOKYO),
        end=dt.datetime(2026, 12, 1, 20, tzinfo=TOKYO),
        reason="市主催の会議",
    )
    response = verified_client(shogai).get(reverse("staff:reservations:home"))
    body = response.content.decode()
    assert "利用者登録の確認待ち 1件" in body
    assert "減免の審査待ち 1件" in body
    assert response.context["keys_failing"][0][0] == key
    assert "timeout" in body and world.paid.number in body
    assert [e.booking for e in response.context["today_entries"]] == [today]
    # Once the key is in line with the booking it leaves the list.
    AccessKey.objects.filter(pk=key.pk).update(status=KeyStatus.ACTIVE, last_error="")
    response = verified_client(shogai).get(reverse("staff:reservations:home"))
    assert response.context["keys_failing"] == []


def test_calendar__shows_the_week_grid_with_names_and_audits_the_read(world, shogai) -> None:
    url = reverse("staff:reservations:calendar", args=[world.gym.facility.pk])
    response = verified_client(shogai).get(url, {"date": TUE.isoformat(), "days": 7})
    body = response.content.decode()
    assert "<caption" in body and 'scope="col">アリーナ半面A</th>' in body
    row = response.context["rows"][0]
    assert row.day == TUE
    cells = {c.unit.pk: c for c in row.cells}
    assert [e.booking for e in cells[world.gym.half_a.pk].entries] == [world.booking]
    assert [e.booking for e in cells[world.gym.full.pk].entries] == [world.paid]
    assert cells[world.gym.half_a.pk].entries[0].status == "仮予約"
    assert cells[world.gym.full.pk].entries[0].status == "確定"
    assert "北茨城 花子" in body and world.booking.number in body and "鍵は窓口で受け渡し" in body
    # 月曜休館 on the 14th shows as closed.
    monday = next(r for r in response.context["rows"] if r.day.weekday() == 0)
    assert monday.closed == "休館日"
    assert response.context["prev"] == (TUE - dt.timedelta(days=7)).isoformat()
    assert AuditEvent.objects.filter(
        action="booking.calendar_view", object_id=str(world.gym.facility.pk), actor=shogai
    ).exists()


def test_booking_detail__shows_fee_lines_reduction_evidence_and_audits(world, chief) -> None:
    client = verified_client(chief)
    response = client.get(reverse("staff:reservations:booking", args=[world.booking.pk]))
    body = response.content.decode()
    assert "基本使用料" in body and "減免（障害者団体の利用）" in body
    assert "審査中" in body and "審査結果を登録する" in body
    assert AuditEvent.objects.filter(action="booking.view", object_id=str(world.booking.pk), actor=chief).exists()
    evidence = client.get(reverse("staff:reservations:booking_evidence", args=[world.booking.pk]))
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content) == b"%PDF-1.4 evidence"
    assert evidence["Content-Disposition"].startswith("attachment")
    assert "no-store" in evidence["Cache-Control"]
    # A clerk sees that evidence was filed, not the document: only those who decide 減免 open it.
    clerk = verified_client(make_staff(world.city, "shogai", username="evidence-clerk"))
    assert "提出済み" in clerk.get(reverse("staff:reservations:booking", args=[world.booking.pk])).content.decode()
    assert clerk.get(reverse("staff:reservations:booking_evidence", args=[world.booking.pk])).status_code == 403
    assert AuditEvent.objects.filter(action="booking.evidence_view", object_id=str(world.booking.pk)).exists()


def test_booking_detail__clerk_sees_no_decision_form(world, shogai) -> None:
    body = verified_client(shogai).get(reverse("staff:reservations:booking", args=[world.booking.pk])).content.decode()
    assert "審査結果を登録する" not in body and "係長" in body


# --- actions -------------------------------------------------------------------------------


def test_block__holds_the_unit_and_refuses_an_overlap_next_to_the_field(world, shogai) -> None:
    client = verified_client(shogai)
    url = reverse("staff:reservations:block", args=[world.gym.facility.pk])
    data = {
        "unit": world.gym.half_b.pk,
        "date": TUE.isoformat(),
        "start": "09:00",
        "end": "12:00",
        "reason": "床の補修",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    block = Booking.objects.get(kind=BookingKind.BLOCK, unit=world.gym.half_b)
    assert block.purpose == "床の補修" and block.status == BookingStatus.CONFIRMED
    # The full court overlaps both the block and 花子's half: refused, input kept.
    response = client.post(url, {**data, "unit": world.gym.full.pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert "すでに予約が入っています" in body and 'value="床の補修"' in body
    response = client.post(url, {**data, "start": "12:00", "end": "10:00"})
    assert response.status_code == 400
    assert response.context["form"].errors["end"] == ["終了時刻は開始時刻より後にしてください。"]


def test_closure__previews_then_cancels_with_full_refund(world, shogai) -> None:
    client = verified_client(shogai)
    url = reverse("staff:reservations:closure", args=[world.gym.facility.pk])
    data = {
        "start_date": TUE.isoformat(),
        "end_date": TUE.isoformat(),
        "unit": "",
        "reason": "台風接近のため",
        "is_disaster": "on",
    }
    preview = client.post(url, data)
    assert preview.status_code == 200
    assert [e.booking for e in preview.context["affected"]] == [world.booking, world.paid]
    assert "予約2件が取り消されます" in preview.content.decode()
    assert not Closure.objects.exists()
    assert Booking.objects.active().count() == 2
    confirm = client.post(url, {**data, "is_disaster": "True", "confirm": "on"})
    assert confirm.status_code == 302
    closure = Closure.objects.get()
    assert closure.is_disaster and closure.reason == "台風接近のため"
    for booking in (world.booking, world.paid):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert booking.cancel_fee == 0 and booking.refund_amount == booking.paid_amount
    assert AuditEvent.objects.filter(action="facility.closure").count() == 1


def test_closure__of_one_half_spares_the_other_half(world, shogai) -> None:
    url = reverse("staff:reservations:closure", args=[world.gym.facility.pk])
    data = {
        "start_date": WED.isoformat(),
        "end_date": WED.isoformat(),
        "unit": world.gym.half_b.pk,
        "reason": "照明工事",
    }
    preview = verified_client(shogai).post(url, data)
    assert preview.context["affected"] == []
    assert "予約0件が取り消されます" in preview.content.decode()


def test_staff_cancel__asks_for_a_reason_then_cancels(world, shogai) -> None:
    client = verified_client(shogai)
    url = reverse("staff:reservations:booking_cancel", args=[world.booking.pk])
    response = client.post(url, {"reason": "", "full_refund": "on"})
    assert response.status_code == 400
    assert "取消の理由を入力してください。" in response.content.decode()
    response = client.post(url, {"reason": "電話で取消の依頼", "full_refund": "on"})
    assert response.status_code == 302
    world.booking.refresh_from_db()
    assert world.booking.status == BookingStatus.CANCELLED and world.booking.cancel_reason == "電話で取消の依頼"


def test_registration__approval_lets_the_group_book(world, shogai) -> None:
    client = verified_client(shogai)
    page = client.get(reverse("staff:reservations:registrations"))
    assert "北茨城卓球クラブ" in page.content.decode()
    url = reverse("staff:reservations:registration_decide", args=[world.pending.pk])
    prefix = f"r{world.pending.pk}"
    refused = client.post(url, {f"{prefix}-decision": "reject", f"{prefix}-note": ""})
    assert refused.status_code == 400
    assert "却下する場合は理由を入力してください。" in refused.content.decode()
    response = client.post(url, {f"{prefix}-decision": "approve", f"{prefix}-note": "会則を確認"})
    assert response.status_code == 302
    world.pending.refresh_from_db()
    assert world.pending.status == RegistrationStatus.ACTIVE and world.pending.decision_note == "会則を確認"
    assert "北茨城卓球クラブ" not in client.get(reverse("staff:reservations:registrations")).content.decode()


def test_reduction__only_the_chief_decides(world, shogai, chief) -> None:
    url = reverse("staff:reservations:booking_reduction", args=[world.booking.pk])
    assert verified_client(shogai).post(url, {"decision": "approve"}).status_code == 403
    world.booking.refresh_from_db()
    assert world.booking.reduction_status == ReductionStatus.PENDING
    response = verified_client(chief).post(url, {"decision": "approve", "note": "手帳の写しを確認"})
    assert response.status_code == 302
    world.booking.refresh_from_db()
    assert world.booking.reduction_status == ReductionStatus.APPROVED
    assert world.booking.fee_amount == 500  # 1,000円 half court, 50% off
    assert AuditEvent.objects.filter(action="booking.reduction_approve", actor=chief).exists()


def test_counter_booking__looks_up_the_registration_and_books_a_free_frame(world, shogai) -> None:
    client = verified_client(shogai)
    url = reverse("staff:reservations:book", args=[world.gym.facility.pk])
    missing = client.post(url, {"action": "lookup", "date": TUE.isoformat(), "number": "U999999999"})
    assert missing.status_code == 400
    assert "この利用者番号の登録は見つかりません" in missing.content.decode()
    pending = client.post(url, {"action": "lookup", "date": TUE.isoformat(), "number": world.pending.number})
    assert "確認待ち" in pending.content.decode() and pending.status_code == 400
    # Full-width digits as typed on a Japanese keyboard are accepted.
    number = world.hanako.number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    found = client.post(url, {"action": "lookup", "date": TUE.isoformat(), "number": number})
    assert found.status_code == 200
    assert found.context["registration"] == world.hanako
    assert AuditEvent.objects.filter(action="registration.view", object_id=str(world.hanako.pk)).exists()
    slots = dict(found.context["booking_form"].fields["slot"].choices)
    start, end = world.gym.at(TUE, "午後")
    key = f"{world.gym.half_b.pk}@{start:%Y%m%dT%H%M}-{end:%H%M}"
    assert key in slots
    taken = f"{world.gym.half_a.pk}@{TUE:%Y%m%d}T0900-1200"
    assert taken not in slots  # 花子's 仮予約
    response = client.post(
        url,
        {
            "action": "book",
            "date": TUE.isoformat(),
            "registration_number": world.hanako.number,
            "slot": key,
            "purpose": "卓球の練習",
            "headcount": "8",
        },
    )
    assert response.status_code == 302
    booking = Booking.objects.get(unit=world.gym.half_b, start=start)
    assert booking.registration == world.hanako and booking.staff == shogai and booking.fee_amount == 1300
    assert booking.status == BookingStatus.HELD
    assert response["Location"] == reverse("staff:reservations:booking", args=[booking.pk])


def test_counter_booking__an_hourly_room_takes_the_hours_chosen(world, shogai) -> None:
    url = reverse("staff:reservations:book", args=[world.gym.facility.pk])
    key = f"{world.gym.room.pk}@{TUE:%Y%m%d}T1300-1400"
    response = verified_client(shogai).post(
        url,
        {
            "action": "book",
            "date": TUE.isoformat(),
            "registration_number": world.hanako.number,
            "slot": key,
            "hours": "3",
        },
    )
    assert response.status_code == 302
    booking = Booking.objects.get(unit=world.gym.room)
    assert booking.end - booking.start == dt.timedelta(hours=3) and booking.fee_amount == 990


def test_cash_at_counter__redirects_to_the_payments_cash_screen(world, chief) -> None:
    client = verified_client(chief)
    client.post(reverse("staff:reservations:booking_reduction", args=[world.booking.pk]), {"decision": "approve"})
    response = client.post(reverse("staff:reservations:booking_cash", args=[world.booking.pk]))
    world.booking.refresh_from_db()
    assert world.booking.payment_intent_id is not None
    assert response["Location"].startswith(
        reverse("staff:payments:intent", kwargs={"intent_id": world.booking.payment_intent_id})
    )


def test_cash_at_counter__waits_for_the_reduction_decision(world, shogai) -> None:
    response = verified_client(shogai).post(reverse("staff:reservations:booking_cash", args=[world.booking.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:reservations:booking", args=[world.booking.pk])
    world.booking.refresh_from_db()
    assert world.booking.payment_intent_id is None


def test_key_retry__records_the_lock_error_when_no_lock_account(world, shogai) -> None:
    key = AccessKey.objects.create(
        booking=world.paid,
        lock_id="lock-1",
        pin="123456",
        status=KeyStatus.PENDING,
        wanted=KeyStatus.ACTIVE,
        starts_at=world.paid.start,
        ends_at=world.paid.end,
    )
    response = verified_client(shogai).post(reverse("staff:reservations:booking_key_retry", args=[world.paid.pk]))
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.attempts == 1 and "契約が設定されていません" in key.last_error


def test_classes__walk_in_goes_to_the_waitlist_when_full_and_capacity_promotes(world, shogai) -> None:
    client = verified_client(shogai)
    walk_in = reverse("staff:reservations:class_walk_in", args=[world.session.pk])
    assert client.post(walk_in, {"name": "", "phone": ""}).status_code == 400
    client.post(walk_in, {"name": "磯原 トメ", "phone": "０２９３－４３－１１１１"})
    client.post(walk_in, {"name": "大津 ハル", "phone": ""})
    first, second = Enrollment.objects.filter(session=world.session).order_by("pk")
    assert first.status == EnrollmentStatus.REGISTERED and first.walk_in_phone == "0293431111"
    assert second.status == EnrollmentStatus.WAITLISTED
    roster = client.get(reverse("staff:reservations:class", args=[world.session.pk]))
    assert "磯原 トメ" in roster.content.decode() and "大津 ハル" in roster.content.decode()
    assert AuditEvent.objects.filter(action="class.roster_view").exists()
    response = client.post(reverse("staff:reservations:class_capacity", args=[world.session.pk]), {"capacity": "2"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == EnrollmentStatus.REGISTERED
    lowered = client.post(reverse("staff:reservations:class_capacity", args=[world.session.pk]), {"capacity": "1"})
    assert lowered.status_code == 400
    assert "少なくできません" in lowered.content.decode()


def test_classes__attendance_and_cancel(world, shogai) -> None:
    client = verified_client(shogai)
    one = class_svc.enrollment_create_by_staff(actor=shogai, session_id=world.session.pk, name="磯原 トメ", phone="")
    two = class_svc.enrollment_create_by_staff(actor=shogai, session_id=world.session.pk, name="大津 ハル", phone="")
    client.post(reverse("staff:reservations:enrollment_attendance", args=[one.pk]), {"attended": "1"})
    one.refresh_from_db()
    assert one.attended is True
    client.post(reverse("staff:reservations:enrollment_attendance", args=[one.pk]), {"attended": "0"})
    one.refresh_from_db()
    assert one.attended is False
    client.post(reverse("staff:reservations:enrollment_cancel", args=[one.pk]))
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.status == EnrollmentStatus.CANCELLED and two.status == EnrollmentStatus.REGISTERED


def test_lottery__create_then_draw_after_the_draw_time(world, shogai, _now) -> None:
    client = verified_client(shogai)
    response = client.post(
        reverse("staff:reservations:lottery_create"),
        {
            "facility": world.gym.facility.pk,
            "name": "令和9年2月 抽選",
            "target_start": "2027-02-01",
            "target_end": "2027-02-28",
            "apply_from": "2026-12-01T09:00",
            "apply_until": "2026-12-10T17:00",
            "draw_at": "2026-12-09T10:00",
            "confirm_until": "2026-12-20T17:00",
            "max_choices": "3",
            "max_applications": "4",
            "max_wins_per_applicant": "2",
        },
    )
    assert response.status_code == 400  # the draw before the deadline
    assert "申込開始 < 申込締切" in response.context["form"].errors["apply_until"][0]
    assert 'value="令和9年2月 抽選"' in response.content.decode()
    # Two residents want the same frame in the lottery.
    item = world.lottery
    start, end = world.gym.at(dt.date(2027, 1, 12), "午前")
    who = world.hanako.owner
    lottery_svc.lottery_apply(
        citizen=who,
        lottery_id=item.pk,
        registration_id=world.hanako.pk,
        choices=[lottery_svc.Choice(world.gym.half_a.pk, start, end)],
    )
    other = scenario.citizen(world.city)
    other_reg = scenario.registration(other, world.gym.outsider)
    lottery_svc.lottery_apply(
        citizen=other,
        lottery_id=item.pk,
        registration_id=other_reg.pk,
        choices=[lottery_svc.Choice(world.gym.half_a.pk, start, end)],
    )
    url = reverse("staff:reservations:lottery", args=[item.pk])
    page = client.get(url)
    assert page.context["slots"][0].first_choice == 2 and not page.context["can_draw"]
    assert item.seed_commitment in page.content.decode() and item.seed not in page.content.decode()
    assert AuditEvent.objects.filter(action="lottery.view", object_id=str(item.pk)).exists()
    early = client.post(reverse("staff:reservations:lottery_draw", args=[item.pk]))
    assert early.status_code == 302
    item.refresh_from_db()
    assert item.status == LotteryStatus.OPEN
    _now.move_to(item.draw_at + dt.timedelta(minutes=1))
    client = verified_client(shogai)  # a new day, a new sign-in
    assert client.get(url).context["can_draw"]
    client.post(reverse("staff:reservations:lottery_draw", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == LotteryStatus.DRAWN
    statuses = sorted(item.applications.values_list("status", flat=True))
    assert statuses == [ApplicationStatus.LOST, ApplicationStatus.WON]
    page = client.get(url)
    body = page.content.decode()
    assert item.seed in body and "当選" in body and "落選" in body
    winner = item.applications.get(status=ApplicationStatus.WON)
    assert winner.booking is not None and winner.booking.number in body
    published = client.get(reverse("staff:reservations:lottery_result", args=[item.pk]))
    assert published["Content-Type"].startswith("application/json")
    assert winner.public_id in published.content.decode() and "北茨城 花子" not in published.content.decode()
    assert client.get(reverse("staff:reservations:lottery_input", args=[item.pk])).content.decode() == (
        item.published_input
    )


def test_closure__of_one_half_cancels_it_and_the_full_court_but_not_the_other_half(world, shogai) -> None:
    start, end = world.gym.at(TUE, "午後")
    other_half = svc.booking_create_by_staff(
        actor=shogai, registration_id=world.hanako.pk, unit_id=world.gym.half_b.pk, start=start, end=end
    )
    url = reverse("staff:reservations:closure", args=[world.gym.facility.pk])
    data = {
        "start_date": TUE.isoformat(),
        "end_date": TUE.isoformat(),
        "unit": world.gym.half_a.pk,
        "reason": "床の補修",
    }
    preview = verified_client(shogai).post(url, data)
    assert [e.booking for e in preview.context["affected"]] == [world.booking, world.paid]
    response = verified_client(shogai).post(url, {**data, "is_disaster": "False", "confirm": "on"})
    assert response.status_code == 302
    statuses = {b.pk: b.status for b in Booking.objects.all()}
    assert statuses[world.booking.pk] == statuses[world.paid.pk] == BookingStatus.CANCELLED
    assert statuses[other_half.pk] == BookingStatus.HELD


def test_booking_create_by_staff__refuses_a_registration_awaiting_verification(world, shogai) -> None:
    start, end = world.gym.at(TUE, "午後")
    with pytest.raises(svc.DomainError) as err:
        svc.booking_create_by_staff(
            actor=shogai, registration_id=world.pending.pk, unit_id=world.gym.half_b.pk, start=start, end=end
        )
    assert err.value.field == "registration" and "確認待ち" in err.value.message
    assert not Booking.objects.filter(registration=world.pending).exists()


def test_classes__staff_add_a_session_and_the_form_keeps_input_on_error(world, shogai, city_a, staff_factory) -> None:
    client = verified_client(shogai)
    url = reverse("staff:reservations:class_create")
    data = {
        "title": "はじめてのスマホ講座",
        "facility": "",
        "place": "",
        "date": "2026-12-16",
        "start": "10:00",
        "end": "12:00",
        "capacity": "１０",
        "opens_at": "2026-12-01T09:00",
        "closes_at": "2026-12-15T17:00",
    }
    missing_place = client.post(url, data)
    assert missing_place.status_code == 400
    body = missing_place.content.decode()
    assert "会場（施設を選ぶか、場所を入力）を指定してください。" in body and 'value="はじめてのスマホ講座"' in body
    response = client.post(url, {**data, "place": "磯原地区公民館 会議室A"})
    session = ClassSession.objects.get(event__title="はじめてのスマホ講座")
    assert response.status_code == 302 and response["Location"] == reverse(
        "staff:reservations:class", args=[session.pk]
    )
    assert (session.capacity, session.start) == (10, dt.datetime(2026, 12, 16, 10, tzinfo=TOKYO))
    second = client.post(url, {**data, "place": "磯原地区公民館 会議室A", "date": "2026-12-23"})
    assert second.status_code == 302
    assert ClassEvent.objects.filter(title="はじめてのスマホ講座").count() == 1  # a series is one 講座
    assert verified_client(staff_factory(city_a, "clerk")).post(url, data).status_code == 403
