"""LIFF sign-in: verify the LINE ID token a LIFF page sends.

The token is an ES256 JWT signed by LINE Login; its key set is served at
``{api}/oauth2/v2.1/certs``. We check the signature against that set, the issuer,
the audience (the LINE Login channel of the LIFF app) and the expiry. HS256 and
unsigned tokens are refused: only the algorithm LINE uses is accepted.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from dataclasses import dataclass

import jwt

from madoguchi.core.errors import DomainError
from madoguchi.line.models import LineChannel

logger = logging.getLogger(__name__)

ISSUER = "https://access.line.me"
LEEWAY_SECONDS = 30
MESSAGE = "LINEの認証情報を確認できませんでした。画面を閉じて、もう一度開き直してください。"


class InvalidIdToken(DomainError):
    def __init__(self) -> None:
        super().__init__(MESSAGE)


@dataclass(frozen=True)
class IdTokenClaims:
    user_id: str
    name: str
    expires_at: dt.datetime


@functools.lru_cache(maxsize=16)
def _key_set(url: str) -> jwt.PyJWKClient:
    """One cached key-set client per URL (it refetches when it sees an unknown key id)."""
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=10)


def id_token_verify(channel: LineChannel, token: str) -> IdTokenClaims:
    keys = _key_set(channel.api_base_url.rstrip("/") + "/oauth2/v2.1/certs")
    try:
        key = keys.get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["ES256"],
            audience=channel.id_token_audience,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
        )
    except jwt.PyJWKClientConnectionError:
        logger.warning("LIFF sign-in: LINE key set unreachable")
        raise InvalidIdToken() from None
    except jwt.PyJWTError as exc:
        # The category only: never the token or the user id.
        logger.info("LIFF sign-in refused: %s", type(exc).__name__)
        raise InvalidIdToken() from None
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidIdToken()
    return IdTokenClaims(
        user_id=claims["sub"],
        name=str(claims.get("name", ""))[:100],
        expires_at=dt.datetime.fromtimestamp(int(claims["exp"]), tz=dt.UTC),
    )
