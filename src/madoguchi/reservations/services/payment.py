"""Booking fees through the `payments` app: one intent per payment attempt, its subject the booking.

payments tells us about changes through the hook registered in `signals.py`; a payment
that reaches a booking no longer held (expired, cancelled) is refunded by payments itself,
because we cancelled the intent when the booking ended.
"""

from __future__ import annotations

from django.db import transaction

from madoguchi.citizens.models import Citizen
from madoguchi.core.errors import DomainError
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.core.wareki import span_text
from madoguchi.payments import services as payments
from madoguchi.payments.models import PaymentIntent
from madoguchi.reservations.models import Booking, BookingStatus
from madoguchi.reservations.models.bookings import ReductionStatus

PURPOSE = "reservations.booking"


def _payable(booking: Booking) -> None:
    if booking.status != BookingStatus.HELD:
        raise DomainError("この予約はお支払いの対象ではありません。")
    if booking.reduction_status == ReductionStatus.PENDING:
        raise DomainError("減免の審査が終わるまでお待ちください。結果をお知らせします。")
    if booking.fee_amount <= 0:
        raise DomainError("この予約に使用料はかかりません。")


def _intent_for(booking: Booking) -> PaymentIntent:
    """The booking's open intent, or a new one for its current fee and deadline."""
    intent = booking.payment_intent
    if intent is not None and intent.is_payable and intent.amount == booking.fee_amount:
        return intent
    if intent is not None and intent.is_payable:
        payments.intent_cancel(intent=intent, reason="金額の変更")
    unit = booking.unit
    assert booking.hold_deadline is not None
    intent = payments.intent_create(
        municipality=booking.municipality,
        purpose=PURPOSE,
        subject_id=str(booking.pk),
        amount=booking.fee_amount,
        description=f"{unit.facility.name} {unit.name} {span_text(booking.start, booking.end)} 使用料",
        account_label=unit.facility.name,
        expires_at=booking.hold_deadline,
        citizen=booking.booked_by,
    )
    booking.payment_intent = intent
    booking.save(update_fields=["payment_intent"])
    return intent


def payment_start(*, citizen: Citizen, booking_id: int, return_url: str) -> str:
    """Where to send the resident to pay for their 仮予約 (the gateway's checkout page).

    The booking is locked only while its intent is chosen; the call to the gateway comes after
    the commit, so a slow gateway never holds the booking (or, on SQLite, every writer) waiting.
    """
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("unit__facility", "municipality")
            .filter(municipality_id=citizen.municipality_id, pk=booking_id)
            .of_resident(citizen.pk)
            .first()
        )
        if booking is None:
            raise DomainError("予約が見つかりません。")
        _payable(booking)
        intent = _intent_for(booking)
    return payments.intent_checkout_start(intent=intent, return_url=return_url)


@transaction.atomic
def payment_at_counter(*, actor: StaffUser, booking_id: int) -> PaymentIntent:
    """The intent staff record cash against (the payments screen takes it from there)."""
    require(actor, Perm.PAYMENT_CASH)
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("unit__facility", "municipality")
        .filter(municipality_id=actor.municipality_id, pk=booking_id)
        .first()
    )
    if booking is None:
        raise DomainError("予約が見つかりません。")
    _payable(booking)
    return _intent_for(booking)


def payment_cancel(*, booking: Booking, reason: str) -> None:
    intent = booking.payment_intent
    if intent is not None and intent.is_payable:
        payments.intent_cancel(intent=intent, reason=reason)


def payment_refund(*, booking: Booking, amount: int, reason: str) -> None:
    intent = booking.payment_intent
    if intent is not None and amount > 0:
        payments.refund_issue(actor=None, intent=intent, amount=amount, reason=reason)


def booking_payment_changed(intent: PaymentIntent, event: str) -> None:
    """payments' hook: a paid intent confirms the booking it belongs to (inside payments' transaction)."""
    if event != "paid":
        return
    from madoguchi.reservations.services.bookings import booking_confirm

    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("unit__facility", "municipality")
        .filter(pk=int(intent.subject_id), municipality_id=intent.municipality_id)
        .first()
    )
    if booking is None or booking.status != BookingStatus.HELD or booking.payment_intent_id != intent.pk:
        return
    booking_confirm(booking=booking, paid=intent.amount)
