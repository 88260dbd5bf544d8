"""Changes to resident accounts. Called by `line` event handlers (never the other way)."""

from __future__ import annotations

from django.db import transaction

from madoguchi.citizens.models import Citizen, LineIdentity, LineIdentityStatus
from madoguchi.core import clock
from madoguchi.core.models import Municipality


@transaction.atomic
def line_identity_follow(*, municipality: Municipality, line_user_id: str, display_name: str = "") -> LineIdentity:
    """A follow event: create the citizen's LINE identity, or reactivate it after an unblock."""
    now = clock.now()
    identity = (
        LineIdentity.objects.select_for_update()
        .filter(municipality=municipality, line_user_id=line_user_id)
        .select_related("citizen")
        .first()
    )
    if identity is None:
        citizen = Citizen.objects.create(municipality=municipality, display_name=display_name[:100], created_at=now)
        return LineIdentity.objects.create(
            municipality=municipality,
            citizen=citizen,
            line_user_id=line_user_id,
            status=LineIdentityStatus.FOLLOWING,
            followed_at=now,
        )
    identity.status = LineIdentityStatus.FOLLOWING
    identity.followed_at = now
    identity.blocked_at = None
    identity.save(update_fields=["status", "followed_at", "blocked_at"])
    return identity


@transaction.atomic
def line_identity_unfollow(*, municipality: Municipality, line_user_id: str) -> LineIdentity | None:
    """An unfollow (block) event: nothing more may be sent to this user."""
    identity = (
        LineIdentity.objects.select_for_update().filter(municipality=municipality, line_user_id=line_user_id).first()
    )
    if identity is not None and identity.status != LineIdentityStatus.BLOCKED:
        identity.status = LineIdentityStatus.BLOCKED
        identity.blocked_at = clock.now()
        identity.save(update_fields=["status", "blocked_at"])
    return identity


@transaction.atomic
def citizen_preferences_set(*, citizen: Citizen, choices: dict[str, list[str]]) -> None:
    """Replace the citizen's 受信設定 with ``choices`` ({kind: [values]})."""
    from madoguchi.citizens.models import CitizenInterest, InterestKind

    valid = {k.value for k in InterestKind}
    rows = [
        CitizenInterest(citizen=citizen, kind=kind, value=value[:60])
        for kind, values in choices.items()
        if kind in valid
        for value in dict.fromkeys(v.strip() for v in values if v.strip())
    ]
    CitizenInterest.objects.filter(citizen=citizen).delete()
    CitizenInterest.objects.bulk_create(rows)
