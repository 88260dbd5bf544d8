"""Residents' booking pages through the test client: availability → form → confirm → 仮予約,
the same slot again, cancel with the tier's fee, other residents kept out, public pages without
personal data, classes with a waitlist, 利用者登録, and the payment hand-off."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from madoguchi.citizens.models import Citizen
from madoguchi.core import clock
from madoguchi.core.clock import TOKYO
from madoguchi.core.models import Department
from madoguchi.reservations.models import (
    AccessKey,
    Booking,
    BookingStatus,
    ClassEvent,
    ClassSession,
    Enrollment,
    EnrollmentStatus,
    KeyStatus,
    Registration,
    RegistrationStatus,
)
from madoguchi.reservations.services import bookings as svc
from madoguchi.reservations.views.feeds import feed_url

from . import scenario

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)  # a Tuesday
TUE = dt.date(2026, 12, 15)
SECRET_NAME = "北茨城 花子"
SECRET_PURPOSE = "町内会の秘密の打合せ"


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def gym(city_a):
    return scenario.gym(city_a)


def signed_in(citizen: Citizen) -> Client:
    client = Client()
    session = client.session
    session["citizen_id"] = citizen.pk
    session.save()
    return client


@pytest.fixture
def hanako(city_a, gym):
    who = scenario.citizen(city_a)
    return who, scenario.registration(who, gym.resident, name=SECRET_NAME)


def book_url(gym, unit, start, end) -> str:
    return (
        reverse("reservations:book", args=[gym.facility.code])
        + f"?unit={unit.pk}&start={start:%Y-%m-%dT%H:%M}&end={end:%Y-%m-%dT%H:%M}"
    )


def form_data(reg: Registration, **overrides: str) -> dict[str, str]:
    data = {"slot": "09:00-12:00", "registration": str(reg.pk), "purpose": "バレーボールの練習", "headcount": "12"}
    data.update(overrides)
    return data


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="id_{field}_error">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


# --- the whole flow ------------------------------------------------------------------------


def test_booking_flow__free_slot_to_held_booking_with_the_quoted_fee(gym, hanako) -> None:
    who, reg = hanako
    client = signed_in(who)
    start, end = gym.at(TUE, "午前")

    page = client.get(reverse("reservations:facility", args=[gym.facility.code]) + f"?date={TUE}").content.decode()
    assert "令和8年12月" in page
    assert "令和8年12月15日（火）の空き状況" in page
    assert "休館日" in page  # Mondays are closed, and the month view says why
    link = book_url(gym, gym.half_a, start, end)
    assert link.replace("&", "&amp;") in page

    form = client.get(link)
    assert form.status_code == 200
    assert "予約の入力" in form.content.decode()

    confirm = client.post(link, {**form_data(reg), "step": "review"}).content.decode()
    assert "予約内容の確認" in confirm
    assert "1,000円" in confirm  # 半面 午前 for 市内個人
    assert "利用日の7日前まで: 無料" in confirm
    assert "お支払い額の50%" in confirm
    assert not Booking.objects.exists()  # nothing is booked before the confirm page's button

    done = client.post(link, {**form_data(reg), "step": "hold"})
    booking = Booking.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("reservations:booking", args=[booking.pk])
    assert booking.status == BookingStatus.HELD
    assert booking.fee_amount == 1000
    assert (booking.unit_id, booking.start, booking.end) == (gym.half_a.pk, start, end)
    assert booking.purpose == "バレーボールの練習" and booking.headcount == 12

    detail = client.get(done["Location"]).content.decode()
    assert booking.number in detail
    assert "お支払いへ進む" in detail
    assert "支払期限" in detail and "令和8年12月2日（水）10:00" in detail
    assert "基本使用料" in detail

    # The day now shows the slot as taken, in words.
    page = client.get(reverse("reservations:facility", args=[gym.facility.code]) + f"?date={TUE}").content.decode()
    assert link.replace("&", "&amp;") not in page
    assert "予約済み" in page


def test_book__needs_sign_in_and_comes_back(gym) -> None:
    start, end = gym.at(TUE, "午前")
    link = book_url(gym, gym.half_a, start, end)
    response = Client().get(link)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == reverse("citizens:sign_in")
    assert parse_qs(target.query)["next"] == [link]


def test_same_slot_again__the_form_says_already_booked_beside_the_time_and_keeps_the_input(city_a, gym, hanako) -> None:
    who, reg = hanako
    start, end = gym.at(TUE, "午前")
    rival = scenario.citizen(city_a)
    svc.booking_hold(
        citizen=rival,
        registration_id=scenario.registration(rival, gym.resident).pk,
        unit_id=gym.half_a.pk,
        start=start,
        end=end,
    )
    client = signed_in(who)
    link = book_url(gym, gym.half_a, start, end)
    for step in ("review", "hold"):  # taken before the form was sent, and between confirm and 「仮予約する」
        response = client.post(link, {**form_data(reg, purpose="卓球の練習会"), "step": step})
        html = response.content.decode()
        assert response.status_code == 200
        assert "すでに予約" in error_of(html, "slot"), step
        assert 'value="卓球の練習会"' in html
        assert 'value="12"' in html
    assert Booking.objects.count() == 1


def test_double_submit__one_booking_and_a_clear_message(gym, hanako) -> None:
    who, reg = hanako
    client = signed_in(who)
    start, end = gym.at(TUE, "午後")
    link = book_url(gym, gym.half_b, start, end)
    data = {**form_data(reg, slot="13:00-17:00"), "step": "hold"}
    first = client.post(link, data)
    second = client.post(link, data)
    booking = Booking.objects.get()
    assert first["Location"] == second["Location"] == reverse("reservations:booking", args=[booking.pk])
    page = client.get(second["Location"]).content.decode()
    assert "この予約はすでに受け付けています" in page


def test_booking_form__checks_fields_in_japanese_and_lists_the_days_slots(gym, hanako) -> None:
    who, reg = hanako
    client = signed_in(who)
    start, end = gym.at(TUE, "午前")
    html = client.post(book_url(gym, gym.half_a, start, end), {**form_data(reg, headcount=""), "step": "review"})
    text = html.content.decode()
    assert "利用人数を入力してください。" in error_of(text, "headcount")
    assert "午後 13:00〜17:00" in text and "夜間 18:00〜21:00" in text


def test_booking_page__guides_a_resident_without_registration_to_register(city_a, gym) -> None:
    who = scenario.citizen(city_a)
    client = signed_in(who)
    start, end = gym.at(TUE, "午前")
    link = book_url(gym, gym.half_a, start, end)
    page = client.get(link).content.decode()
    assert "予約には利用者登録が必要です" in page
    register = reverse("reservations:register")
    assert register in page

    done = client.post(
        register + "?next=" + link,
        {
            "category": str(gym.resident.pk),
            "name": "磯原 太郎",
            "name_kana": "いそはら たろう",
            "phone": "０２９３－４３－１１１１",
            "representative": "",
            "next": link,
        },
    )
    assert done.status_code == 302 and done["Location"] == link
    registration = Registration.objects.get(owner=who)
    assert registration.name_kana == "イソハラ タロウ"
    assert registration.phone == "0293431111"
    assert registration.status == RegistrationStatus.ACTIVE
    assert "予約の入力" in client.get(link).content.decode()


def test_register__a_group_needs_a_representative_and_waits_for_staff(city_a, gym) -> None:
    who = scenario.citizen(city_a)
    client = signed_in(who)
    data = {
        "category": str(gym.group.pk),
        "name": "磯原バレー部",
        "name_kana": "いそはらばれーぶ",
        "phone": "0293431111",
    }
    page = client.post(reverse("reservations:register"), data).content.decode()
    assert "団体の代表者名を入力してください。" in error_of(page, "representative")
    assert 'value="磯原バレー部"' in page
    done = client.post(reverse("reservations:register"), {**data, "representative": "磯原 一郎"})
    assert done["Location"] == reverse("reservations:my")
    assert Registration.objects.get(owner=who).status == RegistrationStatus.PENDING
    assert "職員が確認したあと" in client.get(done["Location"]).content.decode()


# --- my bookings: cancel, keys, payment, privacy ---------------------------------------------------


def _paid(booking: Booking, amount: int) -> Booking:
    with transaction.atomic():
        svc.booking_confirm(booking=booking, paid=amount)
    booking.refresh_from_db()
    return booking


def test_cancel__shows_todays_tier_fee_and_refund_before_confirming(gym, hanako) -> None:
    who, reg = hanako
    start, end = gym.at(TUE, "夜間")
    booking = _paid(
        svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end), 1500
    )
    with time_machine.travel(dt.datetime(2026, 12, 12, 9, 0, tzinfo=TOKYO), tick=False):  # 3 days before: 50%
        client = signed_in(who)
        page = client.get(reverse("reservations:booking_cancel", args=[booking.pk])).content.decode()
        assert "750円" in page  # 取消料 and 返金額 by today's tier
        assert "利用日の3日前" in page
        assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED  # looking changes nothing
        done = client.post(reverse("reservations:booking_cancel", args=[booking.pk]))
        assert "取消料 750円、返金額 750円" in client.get(done["Location"]).content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert (booking.cancel_fee, booking.refund_amount) == (750, 750)


def test_another_resident_can_neither_see_nor_cancel_nor_pay_my_booking(city_a, gym, hanako) -> None:
    who, reg = hanako
    start, end = gym.at(TUE, "午前")
    booking = svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end)
    other = signed_in(scenario.citizen(city_a))
    assert other.get(reverse("reservations:booking", args=[booking.pk])).status_code == 404
    assert other.get(reverse("reservations:booking_cancel", args=[booking.pk])).status_code == 404
    assert other.post(reverse("reservations:booking_cancel", args=[booking.pk])).status_code == 404
    assert other.post(reverse("reservations:booking_pay", args=[booking.pk])).status_code == 404
    assert booking.number not in other.get(reverse("reservations:my")).content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD


def test_my_bookings__lists_upcoming_and_the_calendar_link(gym, hanako) -> None:
    who, reg = hanako
    start, end = gym.at(TUE, "午前")
    booking = svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end)
    page = signed_in(who).get(reverse("reservations:my")).content.decode()
    assert booking.number in page
    assert "仮予約（お支払い待ち）" in page
    assert "カレンダーに追加" in page
    assert feed_url(reg.feed_token) in page


def test_booking_detail__shows_the_pin_once_sent_or_says_the_counter_has_the_key(gym, hanako) -> None:
    who, reg = hanako
    client = signed_in(who)
    start, end = gym.at(TUE, "午前")
    with_lock = _paid(
        svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end), 1000
    )
    page = client.get(reverse("reservations:booking", args=[with_lock.pk])).content.decode()
    assert "施設の窓口でお受け取りください" in page  # 半面A has no smart lock

    gym.half_b.lock_id = "lock-1"
    gym.half_b.save()
    keyed = _paid(
        svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_b.pk, start=start, end=end), 1000
    )
    key, _ = AccessKey.objects.update_or_create(
        booking=keyed,
        defaults={
            "lock_id": "lock-1",
            "pin": "482915",
            "status": KeyStatus.ACTIVE,
            "wanted": KeyStatus.ACTIVE,
            "starts_at": start - dt.timedelta(minutes=15),
            "ends_at": end + dt.timedelta(minutes=15),
        },
    )
    url = reverse("reservations:booking", args=[keyed.pk])
    assert "482915" not in client.get(url).content.decode()  # not sent yet
    key.sent_at = clock.now()
    key.save()
    response = client.get(url)
    page = response.content.decode()
    assert "482915" in page
    assert "令和8年12月15日（火）8:45〜令和8年12月15日（火）12:15" in page
    assert "no-store" in response["Cache-Control"]


def test_pay__sends_the_resident_to_the_gateway_and_back_to_this_booking(gym, hanako, settings) -> None:
    from madoguchi.payments.demo import seed_payments
    from madoguchi.payments.sandbox.__main__ import DEMO_API_KEY, DEMO_SIGNING_SECRET
    from madoguchi.payments.sandbox.server import PaymentSandbox

    settings.SITE_URL = "http://testserver"
    sandbox = PaymentSandbox(api_key=DEMO_API_KEY, signing_secret=DEMO_SIGNING_SECRET).start()
    try:
        seed_payments(gym.city, sandbox_url=sandbox.base_url, days=0)
        who, reg = hanako
        start, end = gym.at(TUE, "午前")
        booking = svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end)
        response = signed_in(who).post(reverse("reservations:booking_pay", args=[booking.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith(sandbox.base_url)
        (session,) = sandbox.state.sessions.values()
        assert session.amount == 1000
        back = parse_qs(urlsplit(session.success_url).query)["next"]
        assert back == [reverse("reservations:booking", args=[booking.pk])]
    finally:
        sandbox.stop()


def test_pay__without_online_payment_explains_in_japanese(gym, hanako) -> None:
    who, reg = hanako
    start, end = gym.at(TUE, "午前")
    booking = svc.booking_hold(citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end)
    client = signed_in(who)
    response = client.post(reverse("reservations:booking_pay", args=[booking.pk]))
    assert response["Location"] == reverse("reservations:booking", args=[booking.pk])
    assert "窓口でお支払いください" in client.get(response["Location"]).content.decode()


def test_public_pages__show_no_registration_names_or_purposes(gym, hanako) -> None:
    who, reg = hanako
    start, end = gym.at(TUE, "午前")
    svc.booking_hold(
        citizen=who, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end, purpose=SECRET_PURPOSE
    )
    anonymous = Client()
    pages = [
        reverse("reservations:facilities"),
        reverse("reservations:facility", args=[gym.facility.code]),
        reverse("reservations:facility", args=[gym.facility.code]) + f"?date={TUE}",
        reverse("reservations:facility_feed", args=[gym.facility.code]),
        reverse("reservations:classes"),
        reverse("reservations:lotteries"),
    ]
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SECRET_NAME not in body and SECRET_PURPOSE not in body and reg.number not in body, url


def test_unknown_facility_is_404(city_a) -> None:
    assert Client().get(reverse("reservations:facility", args=["nope"])).status_code == 404


# --- classes ---------------------------------------------------------------------------------


@pytest.fixture
def smartphone_class(city_a):
    event = ClassEvent.objects.create(
        municipality=city_a,
        department=Department.objects.get(municipality=city_a, code="shogai_gakushu"),
        title="はじめてのスマホ講座",
        place="市民交流センター",
        bring="スマートフォン",
    )
    return ClassSession.objects.create(
        event=event,
        start=NOW + dt.timedelta(days=10),
        end=NOW + dt.timedelta(days=10, hours=2),
        capacity=1,
        opens_at=NOW - dt.timedelta(days=1),
        closes_at=NOW + dt.timedelta(days=9),
    )


def test_class__sign_up_then_waitlist_when_full_and_cancel_promotes_the_next(city_a, smartphone_class) -> None:
    page_url = reverse("reservations:class", args=[smartphone_class.pk])
    first, second = scenario.citizen(city_a), scenario.citizen(city_a)
    a, b = signed_in(first), signed_in(second)

    assert "残り1席" in Client().get(reverse("reservations:classes")).content.decode()
    a.post(reverse("reservations:class_enroll", args=[smartphone_class.pk]))
    assert "参加が決まっています" in a.get(page_url).content.decode()

    assert "キャンセル待ちで申し込む" in b.get(page_url).content.decode()
    b.post(reverse("reservations:class_enroll", args=[smartphone_class.pk]))
    page = b.get(page_url).content.decode()
    assert "キャンセル待ち（1番目）" in page
    assert "満席（キャンセル待ち 1人）" in Client().get(reverse("reservations:classes")).content.decode()

    a.post(reverse("reservations:class_cancel", args=[smartphone_class.pk]))
    assert Enrollment.objects.get(citizen=first).status == EnrollmentStatus.CANCELLED
    assert Enrollment.objects.get(citizen=second).status == EnrollmentStatus.REGISTERED
    assert "参加が決まっています" in b.get(page_url).content.decode()
    assert "参加予定" in b.get(reverse("reservations:my")).content.decode()


def test_class__enroll_needs_sign_in(city_a, smartphone_class) -> None:
    response = Client().post(reverse("reservations:class_enroll", args=[smartphone_class.pk]))
    assert response.status_code == 302 and reverse("citizens:sign_in") in response["Location"]
    assert not Enrollment.objects.exists()


# --- lotteries -----------------------------------------------------------------------------------


def test_lottery__commitment_always_shown_apply_with_ranked_choices_then_seed_and_files_after_the_draw(
    gym, hanako
) -> None:
    from madoguchi.reservations import lottery as draw
    from madoguchi.reservations.models import Lottery, LotteryApplication
    from madoguchi.reservations.services.lotteries import lottery_draw

    seed = draw.seed_new()
    item = Lottery.objects.create(
        municipality=gym.city,
        facility=gym.facility,
        name="令和9年2月分 体育館の抽選",
        target_start=dt.date(2027, 2, 1),
        target_end=dt.date(2027, 2, 28),
        apply_from=NOW - dt.timedelta(days=1),
        apply_until=NOW + dt.timedelta(days=5),
        draw_at=NOW + dt.timedelta(days=6),
        confirm_until=NOW + dt.timedelta(days=13),
        max_choices=2,
        seed=seed,
        seed_commitment=draw.seed_commitment(seed),
    )
    who, reg = hanako
    client = signed_in(who)
    url = reverse("reservations:lottery", args=[item.pk])
    anonymous = Client().get(url).content.decode()
    assert item.seed_commitment in anonymous and seed not in anonymous
    assert "ログインして申し込む" in anonymous
    assert Client().get(reverse("reservations:lottery_input", args=[item.pk])).status_code == 404  # not drawn yet

    page = client.get(url).content.decode()
    assert "第1希望" in page and "第2希望" in page and "第3希望" not in page
    apply = reverse("reservations:lottery_apply", args=[item.pk])
    half = client.post(apply, {"registration": reg.pk, "unit_1": gym.half_a.pk, "day_1": "2027-02-06"})
    assert "第1希望の時間帯を選んでください。" in error_of(half.content.decode(), "frame_1")
    done = client.post(
        apply,
        {
            "registration": reg.pk,
            "unit_1": gym.half_a.pk,
            "day_1": "2027-02-06",
            "frame_1": "0900-1200",
            "unit_2": gym.half_b.pk,
            "day_2": "2027-02-06",
            "frame_2": "0900-1200",
        },
    )
    assert done.status_code == 302
    application = LotteryApplication.objects.get()
    assert [(c.rank, c.unit_id) for c in application.choices.order_by("rank")] == [
        (1, gym.half_a.pk),
        (2, gym.half_b.pk),
    ]
    assert application.public_id in client.get(url).content.decode()

    with time_machine.travel(item.draw_at + dt.timedelta(minutes=1), tick=False):
        lottery_draw(lottery_id=item.pk)
        item.refresh_from_db()
        after = Client().get(url).content.decode()
        assert seed in after and item.input_digest in after
        assert "python -m madoguchi.reservations.lottery verify input.json result.json" in after
        published = Client().get(reverse("reservations:lottery_input", args=[item.pk]))
        assert published.status_code == 200 and published.content.decode() == item.published_input
        assert SECRET_NAME not in published.content.decode()
        assert Client().get(reverse("reservations:lottery_result", args=[item.pk])).status_code == 200
        mine = signed_in(who).get(url).content.decode()
        assert "第1希望で当選" in mine


def test_reduction_with_evidence__uploaded_on_the_confirm_page_and_the_booking_waits_for_review(
    city_a, gym, hanako, settings, tmp_path
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    reason = scenario.reduction(city_a, 50, evidence=True)
    who, reg = hanako
    client = signed_in(who)
    start, end = gym.at(TUE, "午前")
    link = book_url(gym, gym.half_a, start, end)
    data = {**form_data(reg), "reduction_reason": str(reason.pk)}

    confirm = client.post(link, {**data, "step": "review"}).content.decode()
    assert "減免の証明書類" in confirm and 'type="file"' in confirm
    assert "500円" in confirm  # 50% off, as the fee table shows before booking

    missing = client.post(link, {**data, "step": "hold"}).content.decode()
    assert error_of(missing, "reduction_evidence")
    assert not Booking.objects.exists()

    upload = SimpleUploadedFile("shomei.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    done = client.post(link, {**data, "step": "hold", "reduction_evidence": upload})
    booking = Booking.objects.get()
    assert done["Location"] == reverse("reservations:booking", args=[booking.pk])
    assert booking.reduction_status == "pending" and booking.reduction_evidence
    page = client.get(done["Location"]).content.decode()
    assert "減免の申請を審査しています" in page
    assert "お支払いへ進む" not in page
