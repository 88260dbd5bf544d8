"""Facility settings (施設の設定) kept by 生涯学習課: who may open the screens, tenancy, what the
services refuse (shown next to the field with the input kept), and what a change does to
availability and fees."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from madoguchi.core.clock import TOKYO
from madoguchi.core.errors import DomainError
from madoguchi.core.models import AuditEvent, Department
from madoguchi.reservations import selectors
from madoguchi.reservations.models import (
    CancellationTier,
    Facility,
    FacilityPhoto,
    Rate,
    ReductionReason,
    TimeFrame,
    Unit,
    UserCategory,
)
from madoguchi.reservations.services import bookings as booking_svc
from madoguchi.reservations.services import facilities as svc

from ..conftest import make_staff, verified_client
from . import scenario

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)  # a Tuesday
TUE = dt.date(2026, 12, 8)
WED = dt.date(2026, 12, 9)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def gym(city_a) -> scenario.Gym:
    return scenario.gym(city_a)


@pytest.fixture
def shogai(city_a):
    return make_staff(city_a, "shogai")


@pytest.fixture
def client(shogai) -> Client:
    return verified_client(shogai)


def _photo(gym: scenario.Gym, shogai) -> FacilityPhoto:
    return svc.photo_add(
        actor=shogai,
        facility_id=gym.facility.pk,
        image=SimpleUploadedFile("arena.png", PNG, content_type="image/png"),
        alt="体育館アリーナの全景",
    )


def _screens(gym: scenario.Gym, photo: FacilityPhoto, category: UserCategory, reason: ReductionReason) -> list[str]:
    f = gym.facility.pk
    return [
        reverse("staff:reservations:settings"),
        reverse("staff:reservations:settings_facility_create"),
        reverse("staff:reservations:settings_facility", args=[f]),
        reverse("staff:reservations:settings_units", args=[f]),
        reverse("staff:reservations:settings_unit_create", args=[f]),
        reverse("staff:reservations:settings_unit", args=[gym.half_a.pk]),
        reverse("staff:reservations:settings_frames", args=[gym.half_a.pk]),
        reverse("staff:reservations:settings_frames", args=[gym.room.pk]),
        reverse("staff:reservations:settings_tiers", args=[f]),
        reverse("staff:reservations:settings_photos", args=[f]),
        reverse("staff:reservations:settings_categories"),
        reverse("staff:reservations:settings_category_create"),
        reverse("staff:reservations:settings_category", args=[category.pk]),
        reverse("staff:reservations:settings_reasons"),
        reverse("staff:reservations:settings_reason_create"),
        reverse("staff:reservations:settings_reason", args=[reason.pk]),
    ]


def _object_urls(gym: scenario.Gym, photo: FacilityPhoto, category, reason) -> list[tuple[str, str]]:
    """(method, url) of every screen and action that names one of the city's objects."""
    f = gym.facility.pk
    frame = gym.frames["午前"]
    tier = gym.facility.cancellation_tiers.first()
    assert tier is not None
    return [
        ("get", reverse("staff:reservations:settings_facility", args=[f])),
        ("post", reverse("staff:reservations:settings_facility", args=[f])),
        ("get", reverse("staff:reservations:settings_units", args=[f])),
        ("post", reverse("staff:reservations:settings_unit_create", args=[f])),
        ("post", reverse("staff:reservations:settings_unit", args=[gym.half_a.pk])),
        ("get", reverse("staff:reservations:settings_frames", args=[gym.full.pk])),
        ("post", reverse("staff:reservations:settings_frame_create", args=[gym.full.pk])),
        ("post", reverse("staff:reservations:settings_hourly_rate", args=[gym.room.pk])),
        ("post", reverse("staff:reservations:settings_frame", args=[frame.pk])),
        ("post", reverse("staff:reservations:settings_frame_delete", args=[frame.pk])),
        ("post", reverse("staff:reservations:settings_tiers", args=[f])),
        ("post", reverse("staff:reservations:settings_tier_delete", args=[tier.pk])),
        ("post", reverse("staff:reservations:settings_photos", args=[f])),
        ("get", reverse("staff:reservations:settings_photo_image", args=[photo.pk])),
        ("post", reverse("staff:reservations:settings_photo_delete", args=[photo.pk])),
        ("post", reverse("staff:reservations:settings_photo_move", args=[photo.pk])),
        ("post", reverse("staff:reservations:settings_category", args=[category.pk])),
        ("post", reverse("staff:reservations:settings_reason", args=[reason.pk])),
    ]


ATTACK = {
    "name": "侵入",
    "f1-name": "侵入",
    "new-name": "侵入",
    "amount": "0",
    "min_days_before": "30",
    "fee_pct": "100",
    "percent": "100",
    "alt": "侵入",
    "direction": "up",
}


# --- who may open what ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["shogai", "shogai_chief"])
def test_every_settings_screen__renders_for_shogai(persona, gym, city_a) -> None:
    photo = _photo(gym, make_staff(city_a, "shogai", username="setter"))
    reason = scenario.reduction(city_a, 50)
    client = verified_client(make_staff(city_a, persona))
    for url in _screens(gym, photo, gym.resident, reason):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "<h1" in body, url
    image = client.get(reverse("staff:reservations:settings_photo_image", args=[photo.pk]))
    assert image.status_code == 200 and b"".join(image.streaming_content) == PNG


@pytest.mark.parametrize("persona", ["clerk", "kaikei", "norole"])
def test_every_settings_screen_and_action__is_refused_without_facility_manage(persona, gym, city_a) -> None:
    photo = _photo(gym, make_staff(city_a, "shogai", username="setter"))
    reason = scenario.reduction(city_a, 50)
    client = verified_client(make_staff(city_a, persona))
    for url in _screens(gym, photo, gym.resident, reason):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "権限がありません" in response.content.decode()
    for method, url in _object_urls(gym, photo, gym.resident, reason):
        assert getattr(client, method)(url, ATTACK if method == "post" else None).status_code == 403, url
    assert not AuditEvent.objects.filter(action__startswith="facility.").exclude(action="facility.photo_add").exists()
    assert TimeFrame.objects.filter(unit=gym.full).count() == 3
    assert FacilityPhoto.objects.filter(pk=photo.pk).exists()


def test_staff_of_b__get_404_for_a_objects(gym, city_a, city_b) -> None:
    photo = _photo(gym, make_staff(city_a, "shogai", username="setter"))
    reason = scenario.reduction(city_a, 50)
    scenario.gym(city_b)
    client = verified_client(make_staff(city_b, "shogai_chief"))
    for method, url in _object_urls(gym, photo, gym.resident, reason):
        response = getattr(client, method)(url, ATTACK if method == "post" else None)
        assert response.status_code == 404, (method, url)
    # B's own lists never show A's rows.
    body = client.get(reverse("staff:reservations:settings")).content.decode()
    assert f"/settings/facilities/{gym.facility.pk}/" not in body
    body = client.get(reverse("staff:reservations:settings_reasons")).content.decode()
    assert f"/settings/reductions/{reason.pk}/" not in body
    gym.facility.refresh_from_db()
    assert gym.facility.name == "市民体育館"
    assert Rate.objects.get(frame=gym.frames["午前"]).amount == 2000
    assert FacilityPhoto.objects.filter(pk=photo.pk).exists()
    reason.refresh_from_db()
    assert reason.percent == 50


def test_services__refuse_another_citys_objects(gym, city_b) -> None:
    intruder = make_staff(city_b, "shogai_chief")
    with pytest.raises(DomainError):
        svc.hourly_rate_set(actor=intruder, unit_id=gym.room.pk, amount=0)
    with pytest.raises(DomainError):
        svc.frame_delete(actor=intruder, frame_id=gym.frames["午前"].pk)
    assert Rate.objects.get(unit=gym.room, frame=None).amount == 330


def test_home__links_to_the_settings_for_managers_only(gym, city_a, client) -> None:
    link = reverse("staff:reservations:settings")
    assert link in client.get(reverse("staff:reservations:home")).content.decode()
    kaikei = verified_client(make_staff(city_a, "kaikei"))
    assert kaikei.get(reverse("staff:reservations:home")).status_code == 403


# --- facility -----------------------------------------------------------------------------------------


def _facility_post(facility: Facility, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": facility.name,
        "name_kana": "しみんたいいくかん",
        "kind": facility.kind,
        "postal_code": "３１９－１５４１",
        "address": facility.address,
        "latitude": "36.801800",
        "longitude": "140.751000",
        "phone": "0293-43-1111",
        "description": "市民の体育館です。",
        "equipment": "卓球台 10台",
        "accessibility": "多目的トイレあり",
        "is_public": "on",
        "closed_weekdays": ["0"],
        "closed_year_end": "on",
        "hold_minutes": "1440",
        "lead_hours": "1",
        "weekend_surcharge_pct": "0",
        "admission_surcharge_pct": "0",
        "commercial_surcharge_pct": "0",
        "rounding": "floor_10",
    }
    data.update(overrides)
    return data


def test_facility_edit__saves_normalized_and_audits(gym, client, shogai) -> None:
    url = reverse("staff:reservations:settings_facility", args=[gym.facility.pk])
    response = client.post(url, _facility_post(gym.facility, commercial_surcharge_pct="50"))
    assert response.status_code == 302
    gym.facility.refresh_from_db()
    assert gym.facility.name_kana == "シミンタイイクカン"
    assert gym.facility.postal_code == "319-1541"
    assert str(gym.facility.latitude) == "36.801800"
    assert gym.facility.commercial_surcharge_pct == 50
    event = AuditEvent.objects.get(action="facility.update", object_id=str(gym.facility.pk))
    assert event.actor == shogai and "営利目的の加算" in event.reason


def test_facility_edit__latitude_out_of_range_shows_next_to_field_and_keeps_input(gym, client) -> None:
    url = reverse("staff:reservations:settings_facility", args=[gym.facility.pk])
    response = client.post(url, _facility_post(gym.facility, latitude="136.8", description="入力を残す"))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["latitude"] == ["緯度は-90から90までの値にしてください。"]
    body = response.content.decode()
    assert 'id="id_latitude_error"' in body and 'value="136.8"' in body and "入力を残す" in body
    gym.facility.refresh_from_db()
    assert gym.facility.latitude is None
    assert not AuditEvent.objects.filter(action="facility.update").exists()


def test_facility_edit__blank_address_is_filled_from_the_postal_code(gym, client) -> None:
    url = reverse("staff:reservations:settings_facility", args=[gym.facility.pk])
    assert client.post(url, _facility_post(gym.facility, address="")).status_code == 302
    gym.facility.refresh_from_db()
    assert gym.facility.address.startswith("茨城県北茨城市")


def test_closing_weekday__makes_availability_show_the_day_closed(gym, client) -> None:
    before = selectors.availability(facility=gym.facility, first=WED, last=WED)[WED]
    assert all(v.state == selectors.SlotState.FREE for ud in before for v in ud.slots)
    url = reverse("staff:reservations:settings_facility", args=[gym.facility.pk])
    assert client.post(url, _facility_post(gym.facility, closed_weekdays=["0", "2"])).status_code == 302
    gym.facility.refresh_from_db()
    assert gym.facility.closed_weekdays == [0, 2]
    after = selectors.availability(facility=gym.facility, first=WED, last=WED)[WED]
    assert after and all(v.state == selectors.SlotState.CLOSED and v.note == "休館日" for ud in after for v in ud.slots)
    # The public page shows it too.
    page = Client().get(reverse("reservations:facility", args=[gym.facility.code]) + f"?date={WED}")
    assert "休館" in page.content.decode()


def test_facility_create__code_unique_per_city_and_department_of_the_city(gym, client, city_a, city_b) -> None:
    url = reverse("staff:reservations:settings_facility_create")
    department = Department.objects.get(municipality=city_a, code="shogai_gakushu")
    data = _facility_post(gym.facility, code=gym.facility.code, department=department.pk, grid_minutes="30")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "すでに使われています" in response.context["form"].errors["code"][0]
    other_city = Department.objects.get(municipality=city_b, code="shogai_gakushu")
    response = client.post(url, {**data, "code": "hall-1", "department": other_city.pk})
    assert response.status_code == 400 and "department" in response.context["form"].errors
    response = client.post(url, {**data, "code": "Hall-1", "name": "中郷公民館", "department": department.pk})
    assert response.status_code == 302
    hall = Facility.objects.get(municipality=city_a, code="hall-1")
    assert hall.department == department and hall.name == "中郷公民館"
    assert AuditEvent.objects.filter(action="facility.create", object_id=str(hall.pk)).exists()


# --- units ----------------------------------------------------------------------------------------------


def _unit_post(unit: Unit | None = None, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": unit.name if unit else "第1会議室",
        "code": unit.code if unit else "room-1",
        "parent": str(unit.parent_id) if unit and unit.parent_id else "",
        "capacity": "",
        "bookable": "on",
        "position": "5",
        "frame_mode": unit.frame_mode if unit else "frames",
        "open_time": "",
        "close_time": "",
        "start_interval_minutes": "60",
        "min_minutes": "60",
        "max_minutes": "240",
        "lock_id": "",
    }
    data.update(overrides)
    return data


def test_unit_tree__lists_halves_under_the_full_court(gym, client) -> None:
    response = client.get(reverse("staff:reservations:settings_units", args=[gym.facility.pk]))
    tree = response.context["tree"]
    full = next(n for n in tree if n.unit == gym.full)
    assert [c.unit for c in full.children] == [gym.half_a, gym.half_b]
    assert "アリーナ全面の中の区画" in response.content.decode()


def test_unit_edit__refuses_making_a_unit_its_own_ancestor(gym, client) -> None:
    url = reverse("staff:reservations:settings_unit", args=[gym.full.pk])
    response = client.post(url, _unit_post(gym.full, parent=str(gym.half_a.pk), name="全面（変更）"))
    assert response.status_code == 400
    assert "循環" in response.context["form"].errors["parent"][0]
    body = response.content.decode()
    assert 'id="id_parent_error"' in body and 'value="全面（変更）"' in body
    gym.full.refresh_from_db()
    assert gym.full.parent is None and gym.full.name == "アリーナ全面"


def test_unit_services__refuse_a_parent_of_another_facility(gym, shogai, city_a) -> None:
    other = scenario.gym(city_a)
    settings = sf_settings(gym.half_a, parent_id=other.full.pk)
    with pytest.raises(DomainError) as exc:
        svc.unit_update(actor=shogai, unit_id=gym.half_a.pk, settings=settings)
    assert exc.value.field == "parent"


def sf_settings(unit: Unit, **overrides: object) -> svc.UnitSettings:
    values = {
        "name": unit.name,
        "code": unit.code,
        "parent_id": unit.parent_id,
        "capacity": unit.capacity,
        "bookable": unit.bookable,
        "position": unit.position,
        "frame_mode": unit.frame_mode,
        "open_time": unit.open_time,
        "close_time": unit.close_time,
        "start_interval_minutes": unit.start_interval_minutes,
        "min_minutes": unit.min_minutes,
        "max_minutes": unit.max_minutes,
        "lock_id": unit.lock_id,
    }
    values.update(overrides)
    return svc.UnitSettings(**values)  # type: ignore[arg-type]


def test_unit_edit__hourly_min_above_max_and_off_grid_are_refused(gym, client) -> None:
    url = reverse("staff:reservations:settings_unit", args=[gym.room.pk])
    base = _unit_post(gym.room, open_time="09:00", close_time="21:00")
    response = client.post(url, {**base, "min_minutes": "240", "max_minutes": "120"})
    assert response.status_code == 400
    assert response.context["form"].errors["min_minutes"] == ["最短利用時間は最長利用時間以下にしてください。"]
    assert 'value="240"' in response.content.decode()
    response = client.post(url, {**base, "min_minutes": "45"})
    assert "30分）の倍数" in response.context["form"].errors["min_minutes"][0]
    response = client.post(url, {**base, "open_time": "21:00", "close_time": "09:00"})
    assert "close_time" in response.context["form"].errors
    response = client.post(url, {**base, "max_minutes": "120", "lock_id": "lock-room"})
    assert response.status_code == 302
    gym.room.refresh_from_db()
    assert gym.room.max_minutes == 120 and gym.room.lock_id == "lock-room"
    assert AuditEvent.objects.filter(action="facility.unit_update", object_id=str(gym.room.pk)).exists()


def test_unit_create__adds_a_child_and_refuses_moving_units_with_future_bookings(gym, client, shogai, city_a) -> None:
    url = reverse("staff:reservations:settings_unit_create", args=[gym.facility.pk])
    response = client.post(url, _unit_post(name="アリーナ4分の1", code="quarter", parent=str(gym.half_b.pk)))
    assert response.status_code == 302
    quarter = Unit.objects.get(facility=gym.facility, code="quarter")
    assert quarter.parent == gym.half_b
    assert AuditEvent.objects.filter(action="facility.unit_create", object_id=str(quarter.pk)).exists()
    # A booking on 半面A is still to come: 半面A cannot move, nor gain children.
    reg = scenario.registration(scenario.citizen(city_a), gym.resident)
    start, end = gym.at(TUE, "午前")
    booking_svc.booking_create_by_staff(
        actor=shogai, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end
    )
    response = client.post(
        reverse("staff:reservations:settings_unit", args=[gym.half_a.pk]), _unit_post(gym.half_a, parent="")
    )
    assert response.status_code == 400 and "今後の予約" in response.context["form"].errors["parent"][0]
    response = client.post(url, _unit_post(name="半面Aの一部", code="part", parent=str(gym.half_a.pk)))
    assert response.status_code == 400 and "今後の予約" in response.context["form"].errors["parent"][0]


# --- frames and rates -------------------------------------------------------------------------------------


def test_frames__overlap_is_refused_next_to_the_field_with_input_kept(gym, client) -> None:
    url = reverse("staff:reservations:settings_frame_create", args=[gym.half_a.pk])
    data = {"new-name": "昼", "new-start": "11:00", "new-end": "14:00", "new-amount": "900"}
    response = client.post(url, data)
    assert response.status_code == 400
    form = response.context["new_form"]
    assert form.errors["start"][0].startswith("「午前（09:00〜12:00）」と時間が重なっています")
    body = response.content.decode()
    assert 'id="id_new-start_error"' in body and 'value="昼"' in body and 'value="900"' in body
    assert not TimeFrame.objects.filter(unit=gym.half_a, name="昼").exists()
    # Off the 30-minute grid, and end before start.
    response = client.post(url, {**data, "new-start": "21:15", "new-end": "22:00"})
    assert "刻み" in response.context["new_form"].errors["start"][0]
    response = client.post(url, {**data, "new-start": "22:00", "new-end": "21:30"})
    assert response.context["new_form"].errors["end"] == ["終了は開始より後の時刻にしてください。"]
    response = client.post(url, {**data, "new-name": "深夜", "new-start": "21:00", "new-end": "22:30"})
    assert response.status_code == 302
    frame = TimeFrame.objects.get(unit=gym.half_a, name="深夜")
    assert Rate.objects.get(frame=frame).amount == 900
    assert AuditEvent.objects.filter(action="facility.frame_create", object_id=str(frame.pk)).exists()


def test_frame_update__moving_onto_another_frame_is_refused(gym, client) -> None:
    afternoon = TimeFrame.objects.get(unit=gym.half_a, name="午後")
    url = reverse("staff:reservations:settings_frame", args=[afternoon.pk])
    p = f"f{afternoon.pk}"
    response = client.post(
        url, {f"{p}-name": "午後", f"{p}-start": "11:30", f"{p}-end": "17:00", f"{p}-amount": "1300"}
    )
    assert response.status_code == 400
    assert response.context["rows"][1][1].errors["start"][0].startswith("「午前")
    assert 'value="11:30"' in response.content.decode()


def test_rate_change__keeps_the_booked_fee_and_changes_the_next_quote(gym, client, shogai, city_a) -> None:
    reg = scenario.registration(scenario.citizen(city_a), gym.resident)
    start, end = gym.at(TUE, "午前")
    booked = booking_svc.booking_create_by_staff(
        actor=shogai, registration_id=reg.pk, unit_id=gym.half_a.pk, start=start, end=end
    )
    assert booked.fee_amount == 1000
    frame = TimeFrame.objects.get(unit=gym.half_a, name="午前")
    page = client.get(reverse("staff:reservations:settings_frames", args=[gym.half_a.pk])).content.decode()
    assert "すでに受け付けた予約の使用料は変わりません" in page
    p = f"f{frame.pk}"
    response = client.post(
        reverse("staff:reservations:settings_frame", args=[frame.pk]),
        {f"{p}-name": "午前", f"{p}-start": "09:00", f"{p}-end": "12:00", f"{p}-amount": "1200"},
    )
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.fee_amount == 1000
    start, end = gym.at(WED, "午前")
    quote = booking_svc.booking_quote(registration=reg, request=booking_svc.BookingRequest(gym.half_a, start, end))
    assert quote.amount == 1200
    event = AuditEvent.objects.get(action="facility.frame_update", object_id=str(frame.pk))
    assert "1,000円→1,200円" in event.reason


def test_hourly_rate__is_set_for_an_hourly_unit(gym, client, city_a) -> None:
    url = reverse("staff:reservations:settings_hourly_rate", args=[gym.room.pk])
    response = client.post(url, {"amount": "-5"})
    assert response.status_code == 400 and "amount" in response.context["rate_form"].errors
    assert client.post(url, {"amount": "５００"}).status_code == 302
    assert Rate.objects.get(unit=gym.room, frame=None).amount == 500
    reg = scenario.registration(scenario.citizen(city_a), gym.resident)
    start = dt.datetime.combine(WED, dt.time(10), tzinfo=TOKYO)
    quote = booking_svc.booking_quote(
        registration=reg, request=booking_svc.BookingRequest(gym.room, start, start + dt.timedelta(hours=2))
    )
    assert quote.amount == 1000
    assert AuditEvent.objects.filter(action="facility.rate_set", object_id=str(gym.room.pk)).exists()


def test_frame_delete__removes_the_frame_and_its_rate(gym, client) -> None:
    frame = TimeFrame.objects.get(unit=gym.half_b, name="夜間")
    response = client.post(reverse("staff:reservations:settings_frame_delete", args=[frame.pk]))
    assert response.status_code == 302
    assert not TimeFrame.objects.filter(pk=frame.pk).exists()
    assert not Rate.objects.filter(unit=gym.half_b, frame_id=frame.pk).exists()
    assert AuditEvent.objects.filter(action="facility.frame_delete", object_id=str(frame.pk)).exists()


# --- cancellation tiers ---------------------------------------------------------------------------------------


def test_tiers__add_unique_days_and_delete(gym, client) -> None:
    url = reverse("staff:reservations:settings_tiers", args=[gym.facility.pk])
    response = client.post(url, {"min_days_before": "7", "fee_pct": "20"})
    assert response.status_code == 400
    assert response.context["form"].errors["min_days_before"] == ["7日前からの段階はすでにあります。"]
    response = client.post(url, {"min_days_before": "14", "fee_pct": "101"})
    assert response.status_code == 400 and "fee_pct" in response.context["form"].errors
    assert 'value="14"' in response.content.decode()
    assert client.post(url, {"min_days_before": "14", "fee_pct": "10"}).status_code == 302
    tier = CancellationTier.objects.get(facility=gym.facility, min_days_before=14)
    assert tier.fee_pct == 10
    assert client.post(reverse("staff:reservations:settings_tier_delete", args=[tier.pk])).status_code == 302
    assert not CancellationTier.objects.filter(pk=tier.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"facility.tier_create", "facility.tier_delete"} <= actions


# --- photos -------------------------------------------------------------------------------------------------------


def test_photo_upload__refuses_large_wrong_type_and_missing_alt_next_to_the_field(gym, client) -> None:
    url = reverse("staff:reservations:settings_photos", args=[gym.facility.pk])
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * (5 * 1024 * 1024), content_type="image/jpeg")
    response = client.post(url, {"image": big, "alt": "大きな写真"})
    assert response.status_code == 400
    assert response.context["form"].errors["image"] == ["写真のファイルは5MB以下にしてください。"]
    assert 'value="大きな写真"' in response.content.decode()
    assert 'id="id_image_error"' in response.content.decode()
    gif = SimpleUploadedFile("anim.gif", b"GIF89a" + b"\x00" * 10, content_type="image/gif")
    response = client.post(url, {"image": gif, "alt": "動く画像"})
    assert "JPEG・PNG・WebP" in response.context["form"].errors["image"][0]
    fake = SimpleUploadedFile("fake.png", b"<html>not an image</html>", content_type="image/png")
    response = client.post(url, {"image": fake, "alt": "偽物"})
    assert "画像ファイルとして読み取れません" in response.context["form"].errors["image"][0]
    no_alt = SimpleUploadedFile("arena.png", PNG, content_type="image/png")
    response = client.post(url, {"image": no_alt, "alt": " "})
    assert response.status_code == 400 and "alt" in response.context["form"].errors
    assert 'id="id_alt_error"' in response.content.decode()
    assert not FacilityPhoto.objects.exists()


def test_photo__upload_order_delete_and_shown_on_the_public_page(gym, client) -> None:
    url = reverse("staff:reservations:settings_photos", args=[gym.facility.pk])
    for name, data, alt in (("a.png", PNG, "アリーナの全景"), ("b.jpg", JPEG, "玄関のスロープ")):
        response = client.post(url, {"image": SimpleUploadedFile(name, data), "alt": alt})
        assert response.status_code == 302
    first, second = FacilityPhoto.objects.filter(facility=gym.facility).order_by("position")
    assert first.alt == "アリーナの全景"
    assert re.fullmatch(
        rf"facilities/{gym.facility.pk}-[0-9a-f]{{16}}\.png", first.image.name
    )  # not what staff called it
    # Move the second forward.
    client.post(reverse("staff:reservations:settings_photo_move", args=[second.pk]), {"direction": "up"})
    assert list(FacilityPhoto.objects.order_by("position").values_list("pk", flat=True)) == [second.pk, first.pk]
    # The public page streams them through its own URL; MEDIA is not needed.
    public = Client()
    page = public.get(reverse("reservations:facility", args=[gym.facility.code])).content.decode()
    photo_url = reverse("reservations:facility_photo", args=[gym.facility.code, second.pk])
    assert f'src="{photo_url}" alt="玄関のスロープ"' in page
    response = public.get(photo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == JPEG
    # Not for a photo of another facility under this code, nor when the facility is not public.
    other = scenario.gym(gym.city)
    assert public.get(reverse("reservations:facility_photo", args=[other.facility.code, second.pk])).status_code == 404
    Facility.objects.filter(pk=gym.facility.pk).update(is_public=False)
    assert public.get(photo_url).status_code == 404
    response = client.post(reverse("staff:reservations:settings_photo_delete", args=[second.pk]))
    assert response.status_code == 302
    assert not FacilityPhoto.objects.filter(pk=second.pk).exists()
    actions = list(AuditEvent.objects.filter(action__startswith="facility.photo").values_list("action", flat=True))
    assert sorted(set(actions)) == ["facility.photo_add", "facility.photo_delete", "facility.photo_move"]


@pytest.mark.django_db(transaction=True)
def test_photo_delete__removes_the_file_after_commit(city_a, tmp_path) -> None:
    gym = scenario.gym(city_a)
    shogai = make_staff(city_a, "shogai")
    photo = _photo(gym, shogai)
    path = tmp_path / photo.image.name
    assert path.exists()
    svc.photo_delete(actor=shogai, photo_id=photo.pk)
    assert not path.exists()


# --- 利用者区分 and 減免 --------------------------------------------------------------------------------------------


def test_categories__add_edit_with_weight_range_and_the_next_quote_uses_the_multiplier(gym, client, city_a) -> None:
    url = reverse("staff:reservations:settings_category_create")
    data = {
        "code": "outside-group",
        "name": "市外団体",
        "is_group": "on",
        "requires_verification": "on",
        "advance_months": "1",
        "fee_multiplier": "1.50",
        "max_active_bookings": "4",
        "lottery_weight": "11",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "lottery_weight" in response.context["form"].errors
    assert 'value="市外団体"' in response.content.decode()
    response = client.post(url, {**data, "code": "resident", "lottery_weight": "1"})
    assert response.context["form"].errors["code"] == ["この区分コードはすでに使われています。"]
    assert client.post(url, {**data, "lottery_weight": "1"}).status_code == 302
    category = UserCategory.objects.get(municipality=city_a, code="outside-group")
    assert category.is_group and not category.is_resident and str(category.fee_multiplier) == "1.50"
    edit = reverse("staff:reservations:settings_category", args=[gym.resident.pk])
    response = client.post(
        edit,
        {
            "name": "市内個人",
            "is_resident": "on",
            "advance_months": "3",
            "fee_multiplier": "0.50",
            "max_active_bookings": "4",
            "lottery_weight": "3",
        },
    )
    assert response.status_code == 302
    gym.resident.refresh_from_db()
    assert gym.resident.advance_months == 3 and gym.resident.lottery_weight == 3
    reg = scenario.registration(scenario.citizen(city_a), gym.resident)
    start, end = gym.at(WED, "午前")
    quote = booking_svc.booking_quote(registration=reg, request=booking_svc.BookingRequest(gym.half_a, start, end))
    assert quote.amount == 500
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"user_category.create", "user_category.update"} <= actions


def test_reduction_reasons__add_and_edit_with_percent_range(client, city_a) -> None:
    url = reverse("staff:reservations:settings_reason_create")
    data = {"code": "disability", "name": "障害者団体の利用", "percent": "0", "requires_evidence": "on"}
    response = client.post(url, data)
    assert response.status_code == 400 and "percent" in response.context["form"].errors
    assert client.post(url, {**data, "percent": "50"}).status_code == 302
    reason = ReductionReason.objects.get(municipality=city_a, code="disability")
    assert reason.percent == 50 and reason.requires_evidence
    edit = reverse("staff:reservations:settings_reason", args=[reason.pk])
    assert client.post(edit, {"name": "障害者団体の利用", "percent": "100"}).status_code == 302
    reason.refresh_from_db()
    assert reason.percent == 100 and not reason.requires_evidence
    event = AuditEvent.objects.get(action="reduction_reason.update", object_id=str(reason.pk))
    assert "減免率" in event.reason


def test_audit_labels__name_every_settings_action() -> None:
    from madoguchi.core.templatetags.madoguchi import audit_action

    for action in ("facility.update", "facility.frame_update", "facility.photo_add", "user_category.create"):
        assert audit_action(action) != action


def test_photo_stream__ignores_a_missing_file(gym, shogai) -> None:
    photo = _photo(gym, shogai)
    photo.image.storage.delete(photo.image.name)
    url = reverse("reservations:facility_photo", args=[gym.facility.code, photo.pk])
    assert Client().get(url).status_code == 404
