"""Tokens as Cognito issues them, RS256-signed and verified against a JWKS served locally.

Cognito's ID tokens name the app client in `aud`; its access tokens carry `client_id` and no
`aud`. Both kinds, from our app clients, are accepted; everything else is refused.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.auth import InvalidToken, TokenVerifier
from tests.fakes import make_settings

POOL = "https://cognito-idp.ap-east-1.amazonaws.com/ap-east-1_AbCdEf123"
CLIENT = "4d1vq0kq3r0fd2ofg4mqbsgc1n"
OTHER_CLIENT = "7q2pu0rd6ecdbqskvvv7jcsjsk"
KID = "test-key-1"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks_url(signing_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """Cognito's /.well-known/jwks.json, on a loopback port."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    body = json.dumps({"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


@pytest.fixture
def verifier(jwks_url: str) -> TokenVerifier:
    return TokenVerifier(
        make_settings(
            auth_mode="cognito",
            auth_jwks_url=jwks_url,
            auth_issuer=POOL,
            auth_audience=f"{CLIENT},{OTHER_CLIENT}",
            auth_local_key="",
        )
    )


def cognito_token(key: rsa.RSAPrivateKey, kind: str, **changes: Any) -> str:
    """Claims shaped like Cognito's (docs: "Understanding user pool JSON web tokens")."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "iss": POOL,
        "token_use": kind,
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
        "cognito:groups": ["ops"],
        "jti": "e0c1f1f2",
    }
    if kind == "id":
        claims |= {"aud": CLIENT, "cognito:username": "alice", "email_verified": True}
    else:
        claims |= {"client_id": CLIENT, "scope": "aws.cognito.signin.user.admin", "username": "a"}
    claims |= changes
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})


@pytest.mark.parametrize("kind", ["id", "access"])
def test_both_kinds_of_cognito_token_are_accepted(
    verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey, kind: str
) -> None:
    principal = verifier.verify(f"Bearer {cognito_token(signing_key, kind)}")
    assert principal.user_id == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert principal.is_ops


def test_any_of_our_app_clients_is_accepted(
    verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey
) -> None:
    token = cognito_token(signing_key, "access", client_id=OTHER_CLIENT)
    assert verifier.verify(f"Bearer {token}").user_id


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        ("id", {"aud": "someone-elses-client"}),
        ("access", {"client_id": "someone-elses-client"}),
        ("access", {"client_id": None}),
        ("id", {"aud": None}),
        ("id", {"token_use": None}),
        ("id", {"token_use": "refresh"}),
        # an access token dressed up with our client as `aud` is still judged by client_id
        ("access", {"client_id": "someone-elses-client", "aud": CLIENT}),
        ("id", {"iss": "https://cognito-idp.ap-east-1.amazonaws.com/ap-east-1_Other"}),
        ("access", {"exp": int(time.time()) - 60}),
        ("id", {"sub": None}),
        ("id", {"sub": " "}),
    ],
)
def test_a_token_for_another_client_issuer_or_use_is_refused(
    verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey, kind: str, changes: dict[str, Any]
) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(f"Bearer {cognito_token(signing_key, kind, **changes)}")


def test_a_token_signed_by_another_key_is_refused(verifier: TokenVerifier) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(InvalidToken):
        verifier.verify(f"Bearer {cognito_token(stranger, 'id')}")


def test_an_hs256_token_keyed_with_the_public_key_is_refused(
    verifier: TokenVerifier, signing_key: rsa.RSAPrivateKey
) -> None:
    """The algorithm confusion attack: only RS256 is accepted in cognito mode."""
    claims = jwt.decode(cognito_token(signing_key, "id"), options={"verify_signature": False})
    forged = jwt.api_jwt.encode(claims, "not-the-key", algorithm="HS256", headers={"kid": KID})
    with pytest.raises(InvalidToken):
        verifier.verify(f"Bearer {forged}")
