from __future__ import annotations

from django.db.models import QuerySet

from madoguchi.citizens.models import LineIdentity
from madoguchi.core.models import Municipality


def line_identity_get(*, municipality: Municipality, line_user_id: str) -> LineIdentity | None:
    return LineIdentity.objects.filter(municipality=municipality, line_user_id=line_user_id).first()


def line_recipients(*, municipality: Municipality, filters: dict[str, list[str]]) -> QuerySet[LineIdentity]:
    """LINE identities of the municipality matching every kind in ``filters`` (any value within a kind).

    An empty filter means everyone. Blocked identities are included: the caller records them as blocked.
    """
    from django.db.models import Exists, OuterRef

    from madoguchi.citizens.models import CitizenInterest

    identities = LineIdentity.objects.filter(municipality=municipality)
    for kind, values in filters.items():
        if values:
            identities = identities.filter(
                Exists(CitizenInterest.objects.filter(citizen_id=OuterRef("citizen_id"), kind=kind, value__in=values))
            )
    return identities.order_by("pk")
