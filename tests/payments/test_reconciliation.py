"""The daily reconciliation (収納消込): money received and given back, by date, by facility or
procedure, and by method; on screen and as CSV that Excel opens."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from madoguchi.core import clock
from madoguchi.core.clock import TOKYO
from madoguchi.payments import selectors, services
from madoguchi.payments.gateways.base import EventKind, GatewayEvent
from madoguchi.payments.models import PaymentIntent
from madoguchi.payments.services import _receive

from ..conftest import verified_client

pytestmark = pytest.mark.django_db

DAY1 = dt.datetime(2025, 6, 2, 9, 30, tzinfo=TOKYO)
DAY2 = dt.datetime(2025, 6, 3, 23, 50, tzinfo=TOKYO)  # late evening in Japan: still 3 June here


@pytest.fixture
def ledger(city_a, city_b, gateway, make_intent, staff_factory):
    """Day 1: gym 2,400 card + 600 cash, hall 800 QR. Day 2: gym 2,400 card refunded 1,000;
    a late card payment of 300 (certificate) refunded automatically. City B: 9,999 cash (never shown)."""
    cashier = staff_factory(city_a, "shogai_chief")

    def online(intent: PaymentIntent, method: str, session: str) -> None:
        _receive(
            gateway,
            GatewayEvent(
                f"evt-{session}", EventKind.PAID, intent.public_token, session, intent.amount, method, clock.now()
            ),
        )

    with time_machine.travel(DAY1, tick=False):
        gym = make_intent(city_a, amount=2400, account_label="市民体育館")
        online(gym, "card", "cs_1")
        services.cash_record(
            actor=cashier, intent_id=make_intent(city_a, amount=600, account_label="市民体育館").pk, received=1000
        )
        online(make_intent(city_a, amount=800, account_label="中央公民館"), "qr", "cs_2")
    with time_machine.travel(DAY2, tick=False):
        gym2 = make_intent(city_a, amount=2400, account_label="市民体育館")
        online(gym2, "card", "cs_3")
        services.refund_issue(actor=cashier, intent=gym2, amount=1000, reason="一部取消し")
        late = make_intent(city_a, amount=300, account_label="住民票の写し")
        services.intent_cancel(intent=late, reason="取下げ")
        online(late, "card", "cs_4")
        other = make_intent(city_b, amount=9999, account_label="市民体育館")
        services.cash_record(actor=staff_factory(city_b, "shogai"), intent_id=other.pk, received=9999)
    return cashier


def _rows(report) -> dict[str, tuple[int, int, int, int, int]]:
    return {r.label: (r.receipts, r.received, r.refunds, r.refunded, r.net) for r in report.rows}


def test_by_date__japanese_days_with_receipts_and_refunds(ledger) -> None:
    report = selectors.reconciliation(actor=ledger, date_from=DAY1.date(), date_to=DAY2.date(), group_by="date")
    assert _rows(report) == {
        "2025年6月2日": (3, 3800, 0, 0, 3800),
        "2025年6月3日": (2, 2700, 2, 1300, 1400),
    }
    assert (report.total.receipts, report.total.received, report.total.refunded, report.total.net) == (
        5,
        6500,
        1300,
        5200,
    )


def test_by_account_and_method(ledger) -> None:
    by_account = selectors.reconciliation(actor=ledger, date_from=DAY1.date(), date_to=DAY2.date(), group_by="account")
    assert _rows(by_account) == {
        "中央公民館": (1, 800, 0, 0, 800),
        "住民票の写し": (1, 300, 1, 300, 0),
        "市民体育館": (3, 5400, 1, 1000, 4400),
    }
    by_method = selectors.reconciliation(actor=ledger, date_from=DAY1.date(), date_to=DAY2.date(), group_by="method")
    assert _rows(by_method) == {
        "QRコード決済": (1, 800, 0, 0, 800),
        "クレジットカード": (3, 5100, 2, 1300, 3800),
        "現金（窓口）": (1, 600, 0, 0, 600),
    }


def test_one_day_only_and_permission(ledger, city_a, staff_factory) -> None:
    report = selectors.reconciliation(actor=ledger, date_from=DAY1.date(), date_to=DAY1.date())
    assert report.total.received == 3800
    with pytest.raises(PermissionDenied):
        selectors.reconciliation(actor=staff_factory(city_a, "clerk"), date_from=DAY1.date(), date_to=DAY1.date())


def test_screen_and_csv(ledger, staff_factory, city_a) -> None:
    client = verified_client(staff_factory(city_a, "kaikei"))
    query = {"date_from": "2025-06-02", "date_to": "2025-06-03", "group_by": "account"}
    page = client.get(reverse("staff:payments:reconciliation"), query)
    body = page.content.decode()
    assert page.status_code == 200
    assert "<caption>" in body and '<th scope="row">市民体育館</th>' in body and "5,400円" in body
    assert "9,999" not in body  # city B
    response = client.get(reverse("staff:payments:reconciliation_csv"), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="shuno_20250602_20250603_account.csv"' in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["施設・手続き", "収納件数", "収納額（円）", "還付件数", "還付額（円）", "差引（円）"]
    assert ["市民体育館", "3", "5400", "1", "1000", "4400"] in rows
    assert rows[-1] == ["合計", "5", "6500", "2", "1300", "5200"]
    assert raw.count(b"\r\n") == len(rows)


def test_bad_period__is_explained_beside_the_field(ledger, staff_factory, city_a) -> None:
    client = verified_client(staff_factory(city_a, "kaikei"))
    response = client.get(
        reverse("staff:payments:reconciliation"),
        {"date_from": "2025-06-03", "date_to": "2025-06-01", "group_by": "date"},
    )
    assert response.status_code == 400
    assert "終了日は開始日以降の日付にしてください。" in response.content.decode()
