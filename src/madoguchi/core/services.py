"""Writes owned by core: staff second-factor enrolment."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.core.audit import audit_record
from madoguchi.core.models import StaffUser

TOTP_DEVICE_NAME = "認証アプリ"


def totp_device_start(*, actor: StaffUser) -> TOTPDevice:
    """The actor's unconfirmed authenticator enrolment, created once and reused until confirmed."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, actor: StaffUser, device: TOTPDevice, token: str) -> bool:
    """Confirm the enrolment when the first code from the app matches."""
    if device.user_id != actor.pk or not device.verify_token(token):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        if actor.municipality is not None:
            audit_record(municipality=actor.municipality, actor=actor, action="staff.otp_enrol", obj=device)
    return True
