from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from madoguchi.citizens.models import Citizen, CitizenInterest, LineIdentity, LineIdentityStatus
from madoguchi.core import clock
from madoguchi.messaging import ratelimit
from madoguchi.messaging.models import MessageTemplate

from ..line.conftest import channel, line_sandbox  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    ratelimit.reset()
    yield
    ratelimit.reset()


@pytest.fixture
def followers(city_a) -> Callable[..., list[LineIdentity]]:
    """``followers(n, topic="防災", blocked=0)``: LINE friends with one topic each, made in bulk."""
    counter = {"n": 0}

    def make(n: int, *, topic: str = "防災", blocked: int = 0, municipality=None) -> list[LineIdentity]:
        municipality = municipality or city_a
        now = clock.now()
        start = counter["n"]
        counter["n"] += n
        citizens = Citizen.objects.bulk_create([Citizen(municipality=municipality, created_at=now) for _ in range(n)])
        identities = LineIdentity.objects.bulk_create(
            [
                LineIdentity(
                    municipality=municipality,
                    citizen=c,
                    line_user_id=f"U{start + i:032x}",
                    status=LineIdentityStatus.BLOCKED if i < blocked else LineIdentityStatus.FOLLOWING,
                    followed_at=now - dt.timedelta(days=1),
                )
                for i, c in enumerate(citizens)
            ]
        )
        CitizenInterest.objects.bulk_create([CitizenInterest(citizen=c, kind="topic", value=topic) for c in citizens])
        return identities

    return make


@pytest.fixture
def template(city_a) -> MessageTemplate:
    return MessageTemplate.objects.create(
        municipality=city_a,
        key="bousai",
        title="防災のお知らせ",
        body="{area}で{event}があります。",
        created_at=clock.now(),
    )
