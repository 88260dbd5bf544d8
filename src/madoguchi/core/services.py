"""Writes owned by core: municipalities and their departments, staff second-factor enrolment."""

from __future__ import annotations

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.core.audit import audit_record
from madoguchi.core.models import Department, Municipality, StaffUser

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


# The departments every municipality starts with; later apps add their own.
DEPARTMENTS = [
    ("shimin", "市民課"),
    ("hoken_nenkin", "保険年金課"),
    ("kikaku", "企画政策課"),
    ("somu", "総務課"),
    ("shogai_gakushu", "生涯学習課"),
    ("kaikei", "会計課"),
]


@transaction.atomic
def municipality_ensure(code: str, name: str, prefecture: str, kana: str) -> Municipality:
    """Create the municipality and its standard departments, or return the existing one."""
    municipality, _ = Municipality.objects.get_or_create(
        code=code, defaults={"name": name, "prefecture": prefecture, "name_kana": kana}
    )
    for dept_code, dept_name in DEPARTMENTS:
        Department.objects.get_or_create(municipality=municipality, code=dept_code, defaults={"name": dept_name})
    return municipality
