"""Demo data for resident accounts: schools to choose from and simulated LINE friends.

The friends stand for the residents who added the city's account (about half the
population in Japanese cities); their 受信設定 are drawn at random but reproducibly.
"""

from __future__ import annotations

import random

from django.db import transaction

from madoguchi.citizens.models import (
    AGE_BANDS,
    TOPICS,
    Citizen,
    CitizenInterest,
    LineIdentity,
    LineIdentityStatus,
    School,
)
from madoguchi.core import clock
from madoguchi.core.models import Municipality
from madoguchi.residents.towns import towns_for

# Demo only: a city enters its own schools (管理画面 or fixtures).
DEMO_SCHOOLS = [
    ("磯原小学校", "小学校"),
    ("大津小学校", "小学校"),
    ("中妻小学校", "小学校"),
    ("関南小学校", "小学校"),
    ("磯原中学校", "中学校"),
    ("中郷中学校", "中学校"),
]
CHUNK = 5000


def seed_schools(municipality: Municipality) -> int:
    if School.objects.filter(municipality=municipality).exists():
        return 0
    School.objects.bulk_create(School(municipality=municipality, name=n, kind=k) for n, k in DEMO_SCHOOLS)
    return len(DEMO_SCHOOLS)


def seed_friends(municipality: Municipality, *, count: int, seed: int = 82155) -> int:
    """``count`` simulated friends with random 受信設定; about 2% have blocked the account."""
    if LineIdentity.objects.filter(municipality=municipality).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    towns = towns_for(municipality)
    schools = [n for n, _ in DEMO_SCHOOLS]
    now = clock.now()
    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        with transaction.atomic():
            citizens = Citizen.objects.bulk_create(
                Citizen(municipality=municipality, created_at=now) for _ in range(size)
            )
            if citizens and citizens[0].pk is None:  # backends that return no ids
                citizens = list(Citizen.objects.filter(municipality=municipality).order_by("-pk")[:size])[::-1]
            LineIdentity.objects.bulk_create(
                LineIdentity(
                    municipality=municipality,
                    citizen=c,
                    line_user_id=f"Udemo{seed:08d}{start + i:020x}"[:33],
                    status=LineIdentityStatus.BLOCKED if rng.random() < 0.02 else LineIdentityStatus.FOLLOWING,
                    followed_at=now,
                )
                for i, c in enumerate(citizens)
            )
            interests = []
            for c in citizens:
                interests.append(CitizenInterest(citizen=c, kind="area", value=rng.choice(towns)))
                interests.append(CitizenInterest(citizen=c, kind="age_band", value=rng.choice(AGE_BANDS)))
                for topic in rng.sample(TOPICS, rng.randint(1, 3)):
                    interests.append(CitizenInterest(citizen=c, kind="topic", value=topic))
                if rng.random() < 0.15:
                    interests.append(CitizenInterest(citizen=c, kind="school", value=rng.choice(schools)))
            CitizenInterest.objects.bulk_create(interests)
    return count
