"""LIFF sign-in: ID tokens are verified (ES256 key set, issuer, audience, expiry) before anyone is signed in."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client

from madoguchi.citizens.models import Citizen, LineIdentity, LineIdentityStatus
from madoguchi.core.models import AuditEvent
from madoguchi.line.idtoken import InvalidIdToken, id_token_verify

pytestmark = pytest.mark.django_db
USER = "U" + "b" * 32


def _claims(**overrides) -> dict:
    now = int(time.time())  # noqa: TID251 - JWT epoch seconds
    return {
        "iss": "https://access.line.me",
        "sub": USER,
        "aud": "1234567890",
        "exp": now + 600,
        "iat": now,
        **overrides,
    }


def test_a_token_from_line_login_is_accepted(channel, line_sandbox) -> None:
    claims = id_token_verify(channel, line_sandbox.id_token(USER, aud=channel.channel_id, name="北茨城 花子"))
    assert (claims.user_id, claims.name) == (USER, "北茨城 花子")


def test_the_login_channel_is_the_audience_when_set(channel, line_sandbox) -> None:
    channel.login_channel_id = "2009999999"
    token = line_sandbox.id_token(USER, aud="2009999999")
    assert id_token_verify(channel, token).user_id == USER
    with pytest.raises(InvalidIdToken):
        id_token_verify(channel, line_sandbox.id_token(USER, aud=channel.channel_id))


def test_wrong_audience_is_refused(channel, line_sandbox) -> None:
    with pytest.raises(InvalidIdToken):
        id_token_verify(channel, line_sandbox.id_token(USER, aud="another-channel"))


def test_expired_token_is_refused(channel, line_sandbox) -> None:
    with pytest.raises(InvalidIdToken):
        id_token_verify(channel, line_sandbox.id_token(USER, aud=channel.channel_id, expires_in=-60))


def test_signature_by_another_key_is_refused(channel, line_sandbox) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(_claims(), stranger, algorithm="ES256", headers={"kid": line_sandbox.state.login_kid})
    with pytest.raises(InvalidIdToken):
        id_token_verify(channel, forged)


@pytest.mark.parametrize("algorithm", ["HS256", "none"])
def test_symmetric_and_unsigned_tokens_are_refused(channel, line_sandbox, algorithm) -> None:
    key = None if algorithm == "none" else channel.channel_secret
    token = jwt.encode(_claims(), key, algorithm=algorithm, headers={"kid": line_sandbox.state.login_kid})
    with pytest.raises(InvalidIdToken):
        id_token_verify(channel, token)


def test_token_without_subject_is_refused(channel, line_sandbox) -> None:
    claims = _claims()
    del claims["sub"]
    token = jwt.encode(
        claims, line_sandbox.state.login_key, algorithm="ES256", headers={"kid": line_sandbox.state.login_kid}
    )
    with pytest.raises(InvalidIdToken):
        id_token_verify(channel, token)


def test_sign_in_endpoint_signs_in_only_with_a_valid_token(channel, line_sandbox) -> None:
    client = Client()
    refused = client.post("/line/liff/sign-in/", {"id_token": line_sandbox.id_token(USER, aud="x")})
    assert refused.status_code == 401 and "LINEの認証情報を確認できませんでした" in refused.json()["message"]
    assert client.get("/my/").status_code == 302
    assert Citizen.objects.count() == 0

    ok = client.post(
        "/line/liff/sign-in/",
        {"id_token": line_sandbox.id_token(USER, aud=channel.channel_id, name="花子"), "next": "/my/preferences/"},
    )
    assert ok.status_code == 200 and ok.json() == {"next": "/my/preferences/"}
    assert client.get("/my/preferences/").status_code == 200
    identity = LineIdentity.objects.get(line_user_id=USER)
    assert identity.status == LineIdentityStatus.NOT_FRIEND  # signed in, but never added the account as a friend
    assert AuditEvent.objects.filter(action="citizen.sign_in_line", object_id=str(identity.citizen_id)).exists()


def test_sign_in_endpoint_refuses_offsite_next(channel, line_sandbox) -> None:
    answer = Client().post(
        "/line/liff/sign-in/",
        {"id_token": line_sandbox.id_token(USER, aud=channel.channel_id), "next": "https://evil.example/"},
    )
    assert answer.json() == {"next": "/my/"}


def test_sandbox_verify_endpoint_behaves_like_line(channel, line_sandbox) -> None:
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    def verify(token: str, client_id: str) -> tuple[int, dict]:
        data = urllib.parse.urlencode({"id_token": token, "client_id": client_id}).encode()
        try:
            with urllib.request.urlopen(f"{line_sandbox.base_url}/oauth2/v2.1/verify", data=data) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    status, body = verify(line_sandbox.id_token(USER, aud="123"), "123")
    assert status == 200 and body["sub"] == USER
    status, body = verify(line_sandbox.id_token(USER, aud="123"), "456")
    assert status == 400 and body["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("demo", "path", "expected"),
    [(True, "/my/login/", "SAMEORIGIN"), (True, "/staff/login/", "DENY"), (False, "/my/login/", "DENY")],
)
def test_only_the_demo_phone_may_frame_liff_pages(settings, city_a, demo, path, expected) -> None:
    settings.DEMO_MODE = demo
    assert Client().get(path)["X-Frame-Options"] == expected
