"""Shared fixtures: two municipalities (A = 北茨城市, B = 高萩市), staff of every role in
each, signed-in clients that have passed the second factor, and residents."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.core.management.commands import flush
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.core.db_guards import audit_unlocked
from madoguchi.core.models import Department, Municipality, Role, StaffRole, StaffUser
from madoguchi.core.services import DEPARTMENTS

from .factories import ResidentFactory

CI = os.environ.get("CI", "").lower() == "true"

# Persona per role, as the demo has them: (department, role).
ROLES: dict[str, tuple[str, Role]] = {
    "clerk": ("shimin", Role.CLERK),
    "chief": ("shimin", Role.SUPERVISOR),
    "hoken": ("hoken_nenkin", Role.CLERK),
    "kikaku": ("kikaku", Role.ADMIN),
    "sysadmin": ("somu", Role.SYSTEM_ADMIN),
    "shogai": ("shogai_gakushu", Role.CLERK),
    "shogai_chief": ("shogai_gakushu", Role.SUPERVISOR),
    "kaikei": ("kaikei", Role.CLERK),
    "norole": ("shogai_gakushu", None),  # type: ignore[dict-item]
}


@pytest.fixture(autouse=True, scope="session")
def _flush_lifts_audit_guard() -> Iterator[None]:
    """Transactional tests empty every table between tests; the audit table refuses
    DELETE/TRUNCATE unless maintenance is on, so the test flush runs in maintenance."""
    original = flush.Command.handle

    def handle(self: flush.Command, *args: object, **options: object) -> None:
        from django.db import connections

        with audit_unlocked(connections[str(options.get("database", "default"))]):
            original(self, *args, **options)

    flush.Command.handle = handle  # type: ignore[method-assign]
    yield
    flush.Command.handle = original  # type: ignore[method-assign]


def _municipality(code: str, name: str) -> Municipality:
    municipality = Municipality.objects.create(code=code, name=name, prefecture="茨城県")
    for dept_code, dept_name in DEPARTMENTS:
        Department.objects.create(municipality=municipality, code=dept_code, name=dept_name)
    return municipality


@pytest.fixture
def city_a(db: None) -> Municipality:
    return _municipality("082155", "北茨城市")


@pytest.fixture
def city_b(db: None) -> Municipality:
    return _municipality("082147", "高萩市")


def make_staff(municipality: Municipality, persona: str, username: str | None = None) -> StaffUser:
    dept_code, role = ROLES[persona]
    user = StaffUser.objects.create_user(
        username=username or f"{persona}-{municipality.code}", password="pw-for-tests-only", municipality=municipality
    )
    if role is not None:
        StaffRole.objects.create(
            user=user, department=Department.objects.get(municipality=municipality, code=dept_code), role=role
        )
    return user


@pytest.fixture
def staff_factory() -> Callable[..., StaffUser]:
    return make_staff


def verified_client(user: StaffUser) -> Client:
    """A client signed in as ``user`` who has passed the TOTP second factor."""
    client = Client()
    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def client_for() -> Callable[[StaffUser], Client]:
    return verified_client


@pytest.fixture
def clerk_a(city_a: Municipality) -> StaffUser:
    return make_staff(city_a, "clerk")


@pytest.fixture
def clerk_b(city_b: Municipality) -> StaffUser:
    return make_staff(city_b, "clerk")


@pytest.fixture
def residents() -> type[ResidentFactory]:
    return ResidentFactory
