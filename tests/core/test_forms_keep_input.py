"""Every staff form keeps what was typed (exactly as typed) and shows a Japanese message beside the field."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..conftest import make_staff, verified_client

pytestmark = pytest.mark.django_db
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _assert_kept_with_error(body: str, typed: dict[str, str], error_field: str) -> None:
    for name, value in typed.items():
        assert f'value="{value}"' in body, (name, value)
    match = re.search(rf'<p class="field-error" id="id_{error_field}_error">(.*?)</p>', body, re.S)
    assert match and JAPANESE.search(match.group(1)), f"no Japanese error beside {error_field}"
    assert 'aria-describedby="' in body and f"id_{error_field}_error" in body


@pytest.fixture
def family(city_a, residents):
    return residents.family(city_a)


def _cases(family) -> list[tuple[str, dict[str, str], dict[str, str], str]]:
    head, child = family["head"], family["child"]
    return [
        (
            reverse("staff:residents:search"),
            {"q": "ﾔﾏﾀﾞ", "birth_date": "令和99年13月1日"},
            {"q": "ﾔﾏﾀﾞ", "birth_date": "令和99年13月1日"},
            "birth_date",
        ),
        (
            reverse("staff:residents:movement", args=[child.pk, "move_out"]),
            {"occurred_on": "R8.11.1", "notified_on": "R8.11.2", "destination": ""},
            {"occurred_on": "R8.11.1", "notified_on": "R8.11.2"},
            "destination",
        ),
        (
            reverse("staff:residents:movement", args=[child.pk, "death"]),
            {"occurred_on": "きのう", "notified_on": "R8.11.2"},
            {"occurred_on": "きのう", "notified_on": "R8.11.2"},
            "occurred_on",
        ),
        (
            reverse("staff:residents:movement", args=[child.pk, "move_within"]),
            {"occurred_on": "R8.11.1", "notified_on": "R8.11.2", "postal_code": "12345", "banchi": "１２"},
            {"occurred_on": "R8.11.1", "postal_code": "12345", "banchi": "１２"},
            "postal_code",
        ),
        (
            reverse("staff:residents:movement", args=[head.pk, "head_change"]),
            {"occurred_on": "R8.11.1", "notified_on": "R8.11.2", "new_head": "", "former_head_relationship": "husband"},
            {"occurred_on": "R8.11.1", "notified_on": "R8.11.2"},
            "new_head",
        ),
        (
            reverse("staff:residents:birth", args=[head.household_id]),
            {
                "family_name": "鈴木",
                "given_name": "湊",
                "family_name_kana": "suzuki",
                "given_name_kana": "みなと",
                "birth_date": "R8.11.1",
                "sex": "1",
                "relationship": "child",
                "notified_on": "R8.11.2",
            },
            {"family_name": "鈴木", "given_name": "湊", "family_name_kana": "suzuki", "given_name_kana": "みなと"},
            "family_name_kana",
        ),
        (
            reverse("staff:residents:move_in"),
            {
                "family_name": "佐藤",
                "given_name": "健",
                "family_name_kana": "サトウ",
                "given_name_kana": "ケン",
                "birth_date": "S50.4.1",
                "sex": "1",
                "relationship": "head",
                "postal_code": "3191703",
                "banchi": "",
                "occurred_on": "R8.11.1",
                "notified_on": "R8.11.2",
                "moved_from": "東京都",
            },
            {"family_name": "佐藤", "given_name": "健", "postal_code": "3191703", "moved_from": "東京都"},
            "banchi",
        ),
    ]


def test_staff_forms__keep_input_and_explain_in_japanese(city_a, clerk_a, family) -> None:
    client = verified_client(clerk_a)
    for url, data, kept, error_field in _cases(family):
        response = client.post(url, data)
        assert response.status_code in (200, 400), url
        _assert_kept_with_error(response.content.decode(), kept, error_field)


def test_login_and_otp_forms__keep_input(city_a, clerk_a) -> None:
    client = Client()
    body = client.post(reverse("staff:login"), {"username": clerk_a.username, "password": ""}).content.decode()
    _assert_kept_with_error(body, {"username": clerk_a.username}, "password")
    client.force_login(clerk_a)
    TOTPDevice.objects.create(user=clerk_a, name="app", confirmed=True)
    body = client.post(reverse("staff:otp_verify"), {"token": "12345x"}).content.decode()
    _assert_kept_with_error(body, {"token": "12345x"}, "token")


def test_otp_setup_form__keeps_input(city_a) -> None:
    user = make_staff(city_a, "clerk", username="new-staff")
    client = Client()
    client.force_login(user)
    body = client.post(reverse("staff:otp_setup"), {"token": "000"}).content.decode()
    _assert_kept_with_error(body, {"token": "000"}, "token")
