"""The resident's return page: status in Japanese, a safe way back, no personal data in the URL."""

from __future__ import annotations

import pytest
from django.test import Client

from madoguchi.payments import services
from madoguchi.payments.models import IntentStatus, PaymentIntent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "heading"),
    [
        (IntentStatus.PAID, "支払い完了"),
        (IntentStatus.PENDING, "処理中"),
        (IntentStatus.FAILED, "支払い失敗"),
        (IntentStatus.EXPIRED, "お支払いの受付は終了しました"),
        (IntentStatus.CREATED, "お支払い"),
    ],
)
def test_return_page__says_where_the_payment_stands(city_a, make_intent, status, heading) -> None:
    intent = make_intent(city_a)
    PaymentIntent.objects.filter(pk=intent.pk).update(status=status)
    response = Client().get(f"/payments/return/{intent.public_token}/", {"next": "/my/"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in body and "1,200円" in body and 'href="/my/"' in body


def test_return_page__unknown_token_is_404_and_ids_are_not_tokens(city_a, make_intent) -> None:
    intent = make_intent(city_a)
    client = Client()
    assert client.get("/payments/return/not-a-token/").status_code == 404
    assert client.get(f"/payments/return/{intent.pk}/").status_code == 404
    assert str(intent.pk) != intent.public_token and len(intent.public_token) >= 32


def test_retry__without_a_gateway_explains_in_japanese(city_a, make_intent) -> None:
    intent = make_intent(city_a)
    response = Client().post(f"/payments/return/{intent.public_token}/retry/", {"next": "/my/"})
    assert response.status_code == 409
    assert "オンライン決済の設定がありません。窓口でお支払いください。" in response.content.decode()


def test_retry__starts_a_new_checkout_on_the_gateway(city_a, make_intent, gateway, sandbox) -> None:
    intent = make_intent(city_a)
    response = Client().post(f"/payments/return/{intent.public_token}/retry/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"].startswith(f"{sandbox.base_url}/checkout/cs_")
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PENDING
    session = sandbox.state.sessions[intent.gateway_ref]
    assert "evil.example" not in session.success_url and "next=%2F" in session.success_url
    # Paid intents cannot be started again.
    PaymentIntent.objects.filter(pk=intent.pk).update(status=IntentStatus.PAID)
    again = Client().post(f"/payments/return/{intent.public_token}/retry/")
    assert again.status_code == 409
    with pytest.raises(services.DomainError):
        services.intent_checkout_start(intent=intent, return_url="/")
