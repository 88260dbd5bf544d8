from __future__ import annotations

from madoguchi.citizens.models import LineIdentity
from madoguchi.core.models import Municipality


def line_identity_get(*, municipality: Municipality, line_user_id: str) -> LineIdentity | None:
    return LineIdentity.objects.filter(municipality=municipality, line_user_id=line_user_id).first()
