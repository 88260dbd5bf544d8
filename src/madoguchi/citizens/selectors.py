"""Reads of resident accounts: who they are, what they want to receive, who a segment reaches."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from madoguchi.citizens.models import (
    Citizen,
    CitizenInterest,
    InterestKind,
    LineIdentity,
    LineIdentityStatus,
    PreferredChannel,
    School,
)
from madoguchi.core import clock
from madoguchi.core.models import Municipality
from madoguchi.residents.models import ResidentStatus

# Filters over the register apply to linked accounts only: {"registry_town": [...], "registry_age": ["65-"]}.
REGISTRY_TOWN = "registry_town"
REGISTRY_AGE = "registry_age"


def line_identity_get(*, municipality: Municipality, line_user_id: str) -> LineIdentity | None:
    return LineIdentity.objects.filter(municipality=municipality, line_user_id=line_user_id).first()


def line_identity_by_id(*, identity_id: int) -> LineIdentity | None:
    return LineIdentity.objects.filter(pk=identity_id).first()


def line_identity_of(*, citizen_id: int) -> LineIdentity | None:
    return LineIdentity.objects.filter(citizen_id=citizen_id).first()


def line_friend_user_ids(*, municipality_id: int, linked: bool | None = None) -> QuerySet[LineIdentity, str]:
    """LINE user ids of the city's current friends, optionally only those (not) linked to the register."""
    friends = LineIdentity.objects.filter(municipality_id=municipality_id, status=LineIdentityStatus.FOLLOWING)
    if linked is not None:
        friends = friends.filter(citizen__person__isnull=not linked)
    return friends.order_by("pk").values_list("line_user_id", flat=True)


def citizen_get(*, municipality: Municipality, citizen_id: int) -> Citizen | None:
    return Citizen.objects.filter(municipality=municipality, pk=citizen_id).select_related("person").first()


def citizen_is_linked(*, citizen_id: int) -> bool:
    """Whether the account is linked to a 住民記録 person (the rich menu and LIFF pages depend on it)."""
    return Citizen.objects.filter(pk=citizen_id, person__isnull=False).exists()


def citizen_for_person(*, municipality: Municipality, person_id: int) -> Citizen | None:
    return (
        Citizen.objects.filter(municipality=municipality, person_id=person_id).select_related("line_identity").first()
    )


def citizen_preferences(*, citizen: Citizen) -> dict[str, list[str]]:
    prefs: dict[str, list[str]] = {k.value: [] for k in InterestKind}
    for kind, value in CitizenInterest.objects.filter(citizen=citizen).order_by("pk").values_list("kind", "value"):
        prefs.setdefault(kind, []).append(value)
    return prefs


def schools_for(municipality: Municipality) -> list[str]:
    return list(
        School.objects.filter(municipality=municipality, active=True)
        .order_by("kind", "name")
        .values_list("name", flat=True)
    )


def _years_before(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a non-leap year
        return today.replace(year=today.year - years, day=28)


def _age_range(band: str, today: dt.date) -> Q:
    """'65-' → born on or before today-65y; '0-5' → aged 0 to 5; the bounds are ages in whole years."""
    low_text, _, high_text = band.partition("-")
    q = Q()
    if low_text.isdigit():
        q &= Q(person__birth_date__lte=_years_before(today, int(low_text)))
    if high_text.isdigit():
        q &= Q(person__birth_date__gt=_years_before(today, int(high_text) + 1))
    return q


def _citizens_matching(municipality: Municipality, filters: dict[str, list[str]]) -> QuerySet[Citizen]:
    """Every kind in ``filters`` must match (any value within a kind). An empty filter means everyone."""
    citizens = Citizen.objects.filter(municipality=municipality)
    interest_kinds = {k.value for k in InterestKind}
    for kind, values in filters.items():
        if not values:
            continue
        if kind in interest_kinds:
            citizens = citizens.filter(
                Exists(CitizenInterest.objects.filter(citizen_id=OuterRef("pk"), kind=kind, value__in=values))
            )
        elif kind == REGISTRY_TOWN:
            citizens = citizens.filter(
                person__isnull=False, person__status=ResidentStatus.ACTIVE, person__town__in=values
            )
        elif kind == REGISTRY_AGE:
            today = clock.today()
            any_band = Q()
            for band in values:
                any_band |= _age_range(band, today)
            citizens = citizens.filter(Q(person__isnull=False, person__status=ResidentStatus.ACTIVE) & any_band)
    return citizens


def _prefers_email() -> Q:
    return Q(preferred_channel=PreferredChannel.EMAIL, email_verified_at__isnull=False) & ~Q(email="")


def line_recipients(*, municipality: Municipality, filters: dict[str, list[str]]) -> QuerySet[LineIdentity]:
    """LINE identities reached by a segment: everyone matching who has not chosen e-mail instead.

    Blocked identities are included: the caller records them as blocked.
    """
    identities = LineIdentity.objects.filter(municipality=municipality)
    if any(filters.values()):
        identities = identities.filter(citizen__in=_citizens_matching(municipality, filters).values("pk"))
    email_people = Citizen.objects.filter(_prefers_email(), municipality=municipality)
    identities = identities.exclude(citizen__in=email_people.values("pk"))
    return identities.order_by("pk")


def email_recipients(*, municipality: Municipality, filters: dict[str, list[str]]) -> QuerySet[Citizen]:
    """Citizens reached by e-mail: they chose e-mail and confirmed their address."""
    return _citizens_matching(municipality, filters).filter(_prefers_email()).order_by("pk")


def line_friend_counts(*, municipality_id: int) -> dict[str, int]:
    """How many residents follow the city's account, have blocked it, and are linked to the register."""
    identities = LineIdentity.objects.filter(municipality_id=municipality_id)
    return {
        "following": identities.filter(status=LineIdentityStatus.FOLLOWING).count(),
        "blocked": identities.filter(status=LineIdentityStatus.BLOCKED).count(),
        "linked": identities.filter(status=LineIdentityStatus.FOLLOWING, citizen__person__isnull=False).count(),
    }
