"""A 生涯学習課 clerk opens every facility settings screen on a phone; each passes axe and fits
360 px, also with an error shown next to a field."""

from __future__ import annotations

import pytest

from madoguchi.core.models import AuditEvent
from madoguchi.reservations.services import facilities as svc

from ..conftest import make_staff
from ..reservations import scenario
from .conftest import check_page, staff_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_clerk__opens_every_settings_screen_on_a_phone(browser, live_server, city_a, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    gym = scenario.gym(city_a)
    clerk = make_staff(city_a, "shogai", username="shogai-hanako")
    svc.photo_add(
        actor=clerk,
        facility_id=gym.facility.pk,
        image=SimpleUploadedFile("a.png", PNG),
        alt="体育館アリーナの全景",
    )
    reason = scenario.reduction(city_a, 50)
    page = staff_page(browser, live_server, clerk)
    page.goto(f"{live_server.url}/staff/reservations/")
    page.get_by_role("link", name="施設の設定（区画・使用料・休館日・写真・利用者区分・減免）").click()
    page.wait_for_url("**/staff/reservations/settings/")
    check_page(page, "staff-settings-01-home")
    base = f"{live_server.url}/staff/reservations/settings"
    screens = [
        (f"/facilities/{gym.facility.pk}/", "02-facility"),
        ("/facilities/new/", "03-facility-new"),
        (f"/facilities/{gym.facility.pk}/units/", "04-units"),
        (f"/units/{gym.half_a.pk}/", "05-unit"),
        (f"/units/{gym.half_a.pk}/frames/", "06-frames"),
        (f"/units/{gym.room.pk}/frames/", "07-hourly-rate"),
        (f"/facilities/{gym.facility.pk}/cancellation/", "08-tiers"),
        (f"/facilities/{gym.facility.pk}/photos/", "09-photos"),
        ("/categories/", "10-categories"),
        (f"/categories/{gym.resident.pk}/", "11-category"),
        ("/reductions/", "12-reasons"),
        (f"/reductions/{reason.pk}/", "13-reason"),
    ]
    for path, name in screens:
        page.goto(base + path)
        check_page(page, f"staff-settings-{name}")

    # An overlapping frame: the error sits next to the start time and the input stays.
    page.goto(f"{base}/units/{gym.half_a.pk}/frames/")
    form = page.locator("form", has=page.get_by_role("button", name="追加する"))
    form.get_by_label("区分名").fill("昼")
    form.get_by_label("開始").fill("11:00")
    form.get_by_label("終了").fill("14:00")
    form.get_by_label("使用料（円）").fill("900")
    form.get_by_role("button", name="追加する").click()
    assert page.locator("#id_new-start_error").inner_text().startswith("「午前")
    assert page.locator("#id_new-name").input_value() == "昼"
    check_page(page, "staff-settings-14-frame-error")

    # Closing Wednesdays from the phone.
    page.goto(f"{base}/facilities/{gym.facility.pk}/")
    page.get_by_label("水曜日").check()
    page.get_by_role("button", name="保存する").click()
    page.wait_for_url(f"{base}/facilities/{gym.facility.pk}/")
    gym.facility.refresh_from_db()
    assert gym.facility.closed_weekdays == [0, 2]
    assert AuditEvent.objects.filter(action="facility.update").exists()
