"""Staff sign-in: password, then a TOTP second factor; throttling; demo banner."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.core.models import AuditEvent

from ..conftest import make_staff

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"


def _token(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def _reset_throttle(device: TOTPDevice) -> None:
    """A failed code makes django-otp refuse the next try for a while; tests skip the wait."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("staff:login"), {"username": username, "password": password})


def test_staff_pages__need_sign_in(city_a) -> None:
    response = Client().get(reverse("staff:residents:search"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def test_first_sign_in__enrols_totp_then_reaches_pages(city_a, clerk_a) -> None:
    client = Client()
    response = _login(client, clerk_a.username)
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:otp_verify"))
    # Password alone does not open staff pages.
    assert client.get(reverse("staff:residents:search")).status_code == 302
    assert client.get(reverse("staff:otp_verify"))["Location"] == reverse("staff:otp_setup")
    page = client.get(reverse("staff:otp_setup"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=clerk_a, confirmed=False)
    wrong = client.post(reverse("staff:otp_setup"), {"token": "000000" if _token(device) != "000000" else "111111"})
    assert "確認コードが正しくありません" in wrong.content.decode()
    _reset_throttle(device)
    ok = client.post(reverse("staff:otp_setup"), {"token": _token(device)})
    assert ok.status_code == 302
    assert client.get(reverse("staff:residents:search")).status_code == 200
    assert AuditEvent.objects.filter(action="staff.otp_enrol", actor=clerk_a).count() == 1


def test_later_sign_in__asks_for_the_code(city_a, clerk_a) -> None:
    device = TOTPDevice.objects.create(user=clerk_a, name="app", confirmed=True)
    client = Client()
    _login(client, clerk_a.username)
    assert client.get(reverse("staff:home")).status_code == 302
    bad = client.post(reverse("staff:otp_verify"), {"token": "12"})
    assert bad.status_code == 200 and "確認コードが正しくありません" in bad.content.decode()
    _reset_throttle(device)
    # Full-width digits are accepted.
    token = _token(device).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    good = client.post(reverse("staff:otp_verify"), {"token": token})
    assert good.status_code == 302
    assert client.get(reverse("staff:home")).status_code == 200


def test_login__wrong_password_is_japanese_and_keeps_username(city_a, clerk_a) -> None:
    response = _login(Client(), clerk_a.username, "wrong")
    body = response.content.decode()
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません。" in body
    assert f'value="{clerk_a.username}"' in body


def test_login__locks_after_repeated_failures(city_a, clerk_a) -> None:
    client = Client()
    for _ in range(5):
        _login(client, clerk_a.username, "wrong")
    locked = _login(client, clerk_a.username)  # even the right password is refused now
    assert locked.status_code in (403, 429)
    assert "ログインを一時停止しています" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@override_settings(DEMO_MODE=True, MADOGUCHI_REQUIRE_OTP=False)
def test_login_page__says_it_is_a_demo() -> None:
    body = Client().get(reverse("staff:login")).content.decode()
    assert "デモ環境です" in body and "shimin-clerk" in body


def test_login_page__no_demo_accounts_outside_demo() -> None:
    body = Client().get(reverse("staff:login")).content.decode()
    assert "デモ環境" not in body and "shimin-clerk" not in body


def test_session__expires_when_idle(settings) -> None:
    assert settings.SESSION_COOKIE_AGE <= 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_logout__requires_post_and_ends_session(city_a) -> None:
    user = make_staff(city_a, "clerk")
    client = Client()
    client.force_login(user)
    assert client.get(reverse("staff:logout")).status_code == 405
    client.post(reverse("staff:logout"))
    assert "_auth_user_id" not in client.session
