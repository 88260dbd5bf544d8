"""A 市民課 clerk signs in with the second factor, finds a resident by half-width kana,
opens the record and sees the read in the audit view; every page passes axe at 360 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..conftest import make_staff
from .conftest import check_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk__finds_resident_by_half_width_kana_and_sees_the_read_audited(
    live_server, phone, city_a, residents
) -> None:
    clerk = make_staff(city_a, "clerk", username="madoguchi-hanako")
    device = TOTPDevice.objects.create(user=clerk, name="app", confirmed=True)
    person = residents.person(
        city_a,
        family_name="山田",
        given_name="太郎",
        family_name_kana="ヤマダ",
        given_name_kana="タロウ",
        birth_date=dt.date(1950, 4, 1),
        katagaki="コーポ磯原 203",
    )
    residents.person(city_a, family_name="山本", family_name_kana="ヤマモト", given_name="花", given_name_kana="ハナ")
    page = phone

    page.goto(f"{live_server.url}/staff/login/")
    check_page(page, "01-login")
    page.get_by_label("ユーザー名").fill("madoguchi-hanako")
    page.get_by_label("パスワード").fill("pw-for-tests-only")
    page.get_by_role("button", name="ログイン").click()

    page.wait_for_url("**/staff/otp/**")
    check_page(page, "02-otp")
    token = str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(6)
    page.get_by_label("確認コード（6桁）").fill(token)
    page.get_by_role("button", name="確認").click()
    page.wait_for_url(f"{live_server.url}/staff/")

    page.get_by_role("link", name="住民記録", exact=True).first.click()
    page.wait_for_url("**/staff/residents/")
    # Keyboard only: type half-width kana, press Enter.
    field = page.get_by_label("氏名・フリガナ・宛名番号")
    field.fill("ﾔﾏﾀﾞ ﾀﾛｳ")
    field.press("Enter")
    result = page.get_by_role("link", name="山田　太郎")
    result.wait_for()
    assert page.locator(".result").count() == 1
    check_page(page, "03-search-results")

    result.click()
    page.wait_for_url(f"**/staff/residents/people/{person.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("山田　太郎")
    assert "昭和25年4月1日" in page.content()
    check_page(page, "04-person")

    page.get_by_role("link", name="この記録の閲覧・変更履歴（操作履歴）").click()
    page.wait_for_url("**/staff/audit/**")
    rows = page.locator(".event")
    assert rows.count() >= 1
    first = rows.first.inner_text()
    assert "住民記録の閲覧" in first and f"住民 {person.pk}" in first and "madoguchi-hanako" in first
    check_page(page, "05-audit")


def test_error_pages__are_accessible(live_server, phone, city_a) -> None:
    phone.goto(f"{live_server.url}/no/such/page/")
    assert "ページが見つかりません" in phone.content()
    check_page(phone, "06-404")
