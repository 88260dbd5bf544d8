"""Cash at the counter and refunds: who may do them (per role), what is checked, what is audited,
and that one city's staff never see or touch another city's payments."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from madoguchi.core.errors import DomainError
from madoguchi.core.models import AuditEvent
from madoguchi.payments import selectors, services
from madoguchi.payments.models import IntentStatus, Refund, RefundKind, RefundStatus
from madoguchi.payments.sandbox import control

from ..conftest import ROLES, verified_client

pytestmark = pytest.mark.django_db

CASH = {"shogai", "shogai_chief"}
REFUND = {"shogai_chief", "kaikei"}
VIEW = {"shogai", "shogai_chief", "kaikei"}


@pytest.mark.parametrize("persona", sorted(ROLES))
def test_cash_record__only_roles_with_the_permission(city_a, make_intent, hook_log, staff_factory, persona) -> None:
    intent = make_intent(city_a)
    actor = staff_factory(city_a, persona)
    if persona in CASH:
        paid = services.cash_record(actor=actor, intent_id=intent.pk, received=1500)
        assert paid.status == IntentStatus.PAID and paid.method == "cash" and paid.cash_received == 1500
        event = AuditEvent.objects.get(action="payment.cash", object_id=str(intent.pk))
        assert event.actor == actor and "おつり 300円" in event.reason
        assert hook_log.events(intent) == ["paid"]
    else:
        with pytest.raises(PermissionDenied):
            services.cash_record(actor=actor, intent_id=intent.pk, received=1500)
        intent.refresh_from_db()
        assert intent.status == IntentStatus.CREATED and hook_log.calls == []


def test_cash_record__refuses_too_little_twice_and_other_cities(city_a, city_b, make_intent, staff_factory) -> None:
    clerk = staff_factory(city_a, "shogai")
    intent = make_intent(city_a)
    with pytest.raises(DomainError) as short:
        services.cash_record(actor=clerk, intent_id=intent.pk, received=1199)
    assert short.value.field == "received"
    services.cash_record(actor=clerk, intent_id=intent.pk, received=1200)
    with pytest.raises(DomainError):
        services.cash_record(actor=clerk, intent_id=intent.pk, received=1200)
    theirs = make_intent(city_b)
    with pytest.raises(DomainError):
        services.cash_record(actor=clerk, intent_id=theirs.pk, received=5000)
    theirs.refresh_from_db()
    assert theirs.status == IntentStatus.CREATED
    # The same subject paid by another intent cannot be paid at the counter again.
    again = make_intent(city_a, subject_id=intent.subject_id)
    with pytest.raises(DomainError):
        services.cash_record(actor=clerk, intent_id=again.pk, received=1200)


@pytest.mark.parametrize("persona", sorted(ROLES))
def test_refund_issue__only_roles_with_the_permission(city_a, make_intent, hook_log, staff_factory, persona) -> None:
    intent = make_intent(city_a)
    services.cash_record(actor=staff_factory(city_a, "shogai", username="cashier"), intent_id=intent.pk, received=1200)
    actor = staff_factory(city_a, persona)
    if persona in REFUND:
        refund = services.refund_issue(actor=actor, intent=intent, reason="施設の都合による中止")
        assert refund.amount == 1200 and refund.status == RefundStatus.SUCCEEDED  # cash is handed back at once
        intent.refresh_from_db()
        assert intent.status == IntentStatus.REFUNDED and hook_log.events(intent) == ["paid", "refunded"]
    else:
        with pytest.raises(PermissionDenied):
            services.refund_issue(actor=actor, intent=intent, reason="x")
        assert not Refund.objects.exists()


def test_refund_issue__partial_then_rest_and_limits(city_a, make_intent, hook_log, staff_factory) -> None:
    chief = staff_factory(city_a, "shogai_chief")
    intent = make_intent(city_a)
    with pytest.raises(DomainError):
        services.refund_issue(actor=chief, intent=intent, reason="未払いのもの")
    services.cash_record(actor=chief, intent_id=intent.pk, received=1200)
    services.refund_issue(actor=chief, intent=intent, amount=200, reason="一部の時間を取消し")
    intent.refresh_from_db()
    assert intent.status == IntentStatus.PAID and intent.refunded_amount == 200
    assert hook_log.events(intent) == ["paid"]
    for bad in (0, 1001):
        with pytest.raises(DomainError):
            services.refund_issue(actor=chief, intent=intent, amount=bad, reason="x")
    with pytest.raises(DomainError):
        services.refund_issue(actor=chief, intent=intent, reason="  ")
    services.refund_issue(actor=chief, intent=intent, reason="残りも返金")
    intent.refresh_from_db()
    assert intent.status == IntentStatus.REFUNDED and intent.refunded_amount == 1200
    assert hook_log.events(intent) == ["paid", "refunded"]


def test_refund_issue__system_refund_needs_no_actor(city_a, make_intent, staff_factory) -> None:
    intent = make_intent(city_a)
    services.cash_record(actor=staff_factory(city_a, "shogai"), intent_id=intent.pk, received=1200)
    refund = services.refund_issue(actor=None, intent=intent, reason="臨時休館")
    assert refund.kind == RefundKind.SYSTEM and refund.actor is None


def test_refund_issue__other_city_is_refused(city_a, city_b, make_intent, staff_factory) -> None:
    intent_b = make_intent(city_b)
    services.cash_record(actor=staff_factory(city_b, "shogai"), intent_id=intent_b.pk, received=1200)
    with pytest.raises(DomainError):
        services.refund_issue(actor=staff_factory(city_a, "kaikei"), intent=intent_b, reason="x")
    intent_b.refresh_from_db()
    assert intent_b.status == IntentStatus.PAID


def _paid_online(city, make_intent, sandbox, gateway) -> tuple:
    intent = make_intent(city)
    url = services.intent_checkout_start(intent=intent, return_url="/my/")
    session = url.rsplit("/", 1)[-1]
    # No madoguchi server here: the sandbox's notification cannot arrive, so apply it as received.
    control.configure(sandbox.base_url, notify_url="http://127.0.0.1:9/")
    control.pay(sandbox.base_url, session)
    from madoguchi.core import clock
    from madoguchi.payments.gateways.base import EventKind, GatewayEvent
    from madoguchi.payments.services import _receive

    _receive(
        gateway,
        GatewayEvent("evt_x", EventKind.PAID, intent.public_token, session, intent.amount, "card", clock.now()),
    )
    intent.refresh_from_db()
    return intent, session


def test_gateway_refund__is_sent_once_with_its_idempotency_key(
    city_a, make_intent, sandbox, gateway, staff_factory, django_capture_on_commit_callbacks
) -> None:
    intent, session = _paid_online(city_a, make_intent, sandbox, gateway)
    assert intent.status == IntentStatus.PAID and intent.gateway_ref == session
    with django_capture_on_commit_callbacks(execute=True):
        refund = services.refund_issue(actor=staff_factory(city_a, "kaikei"), intent=intent, reason="利用取消し")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.gateway_ref.startswith("re_")
    assert services.refund_submit(refund_id=refund.pk).status == RefundStatus.SUCCEEDED  # nothing sent again
    calls = [c for c in control.calls(sandbox.base_url) if c["path"] == "/v1/refunds"]
    assert len(calls) == 1
    assert calls[0]["idempotency_key"] == refund.idempotency_key and calls[0]["body"]["payment"] == session


def test_gateway_refund__retried_while_unavailable_and_failed_when_refused(
    city_a, make_intent, sandbox, gateway, staff_factory, django_capture_on_commit_callbacks
) -> None:
    intent, _ = _paid_online(city_a, make_intent, sandbox, gateway)
    control.configure(sandbox.base_url, refund_mode="unavailable")
    with django_capture_on_commit_callbacks(execute=True):
        refund = services.refund_issue(actor=staff_factory(city_a, "kaikei"), intent=intent, amount=500, reason="一部")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING and refund.attempts == 1
    control.configure(sandbox.base_url, refund_mode="succeeded")
    assert services.refunds_retry() == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.attempts == 2
    keys = {c["idempotency_key"] for c in control.calls(sandbox.base_url) if c["path"] == "/v1/refunds"}
    assert keys == {refund.idempotency_key}
    control.configure(sandbox.base_url, refund_mode="refuse")
    with django_capture_on_commit_callbacks(execute=True):
        second = services.refund_issue(actor=None, intent=intent, amount=100, reason="x")
    second.refresh_from_db()
    assert second.status == RefundStatus.FAILED
    assert AuditEvent.objects.filter(action="payment.refund_failed", object_id=str(intent.pk)).exists()


def test_selectors__need_payment_view_and_stay_in_the_city(city_a, city_b, make_intent, staff_factory) -> None:
    mine, theirs = make_intent(city_a), make_intent(city_b, description="高萩の手数料")
    for persona in sorted(ROLES):
        actor = staff_factory(city_a, persona)
        if persona in VIEW:
            assert list(selectors.intents_for(actor=actor)) == [mine]
            assert selectors.intent_for(actor=actor, intent_id=theirs.pk) is None
        else:
            with pytest.raises(PermissionDenied):
                selectors.intents_for(actor=actor)


@pytest.mark.parametrize("persona", sorted(ROLES))
def test_staff_screens__per_role(city_a, city_b, make_intent, staff_factory, persona) -> None:
    intent = make_intent(city_a)
    theirs = make_intent(city_b, description="高萩の手数料")
    client = verified_client(staff_factory(city_a, persona))
    pages = [
        reverse("staff:payments:intents"),
        reverse("staff:payments:intent", args=[intent.pk]),
        reverse("staff:payments:reconciliation"),
        reverse("staff:payments:reconciliation_csv"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == (200 if persona in VIEW else 403), (url, response.status_code)
    assert client.get(reverse("staff:payments:intent", args=[theirs.pk])).status_code in (403, 404)
    cash = client.post(reverse("staff:payments:cash", args=[intent.pk]), {"received": "１，５００"})
    if persona in CASH:
        assert cash.status_code == 302
        follow = client.get(cash["Location"])
        assert "おつりは 300円" in follow.content.decode()
    else:
        assert cash.status_code == 403
    refund = client.post(reverse("staff:payments:refund", args=[intent.pk]), {"reason": "中止", "amount": ""})
    intent.refresh_from_db()
    if persona in REFUND and persona in CASH:
        assert refund.status_code == 302 and intent.status == IntentStatus.REFUNDED
    elif persona in REFUND:
        assert refund.status_code == 400  # nothing was paid yet: the form says why
        assert "返金できません" in refund.content.decode()
    else:
        assert refund.status_code == 403
    assert client.post(reverse("staff:payments:cash", args=[theirs.pk]), {"received": "5000"}).status_code in (403, 404)
    theirs.refresh_from_db()
    assert theirs.status == IntentStatus.CREATED


def test_cash_form__keeps_input_and_shows_the_error_beside_it(city_a, make_intent, staff_factory) -> None:
    intent = make_intent(city_a)
    client = verified_client(staff_factory(city_a, "shogai"))
    response = client.post(reverse("staff:payments:cash", args=[intent.pk]), {"received": "1000"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "手数料（1,200円）に足りません" in body and 'value="1000"' in body
    assert 'aria-invalid="true"' in body


def test_intent_list__search_by_number_and_facility(city_a, make_intent, staff_factory) -> None:
    gym = make_intent(city_a, account_label="市民体育館")
    hall = make_intent(city_a, account_label="中央公民館", description="中央公民館 和室")
    client = verified_client(staff_factory(city_a, "kaikei"))
    by_label = client.get(reverse("staff:payments:intents"), {"q": "公民館"})
    assert [i.pk for i in by_label.context["page"].object_list] == [hall.pk]
    by_number = client.get(reverse("staff:payments:intents"), {"q": str(gym.pk)})
    assert gym.pk in [i.pk for i in by_number.context["page"].object_list]
    paid_only = client.get(reverse("staff:payments:intents"), {"status": "paid"})
    assert list(paid_only.context["page"].object_list) == []
