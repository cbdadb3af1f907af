"""Bearer JWTs as Cognito issues them: signature, expiry, issuer, token use, app client.

On AWS the tokens come from Cognito and are checked against its JWKS (RS256). Cognito issues
two kinds a client may send: ID tokens (`token_use: id`, the app client in `aud`) and access
tokens (`token_use: access`, the app client in `client_id`, no `aud`). Both are accepted when
they name one of our app clients (AUTH_AUDIENCE, comma-separated); refresh tokens and anything
else are not. In the local cloud `lending token USER_ID` signs ID-shaped tokens with a local key
(HS256), checked the same way. Either way the subject (`sub`) is the user id every resource is
owned by.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import jwt

from .config import Settings


class InvalidToken(Exception):
    """Missing, malformed, expired or foreign token. Never says which, to the caller."""


@dataclass(frozen=True)
class Principal:
    user_id: str
    groups: tuple[str, ...] = ()

    @property
    def is_ops(self) -> bool:
        return "ops" in self.groups


class TokenVerifier:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @cached_property
    def _jwks(self) -> Any:
        return jwt.PyJWKClient(self._settings.auth_jwks_url, cache_keys=True)

    def verify(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":  # auth schemes are case-insensitive (RFC 9110 11.1)
            raise InvalidToken("no bearer token")
        token = token.strip()
        s = self._settings
        try:
            if s.auth_mode == "local":
                key: Any = s.auth_local_key
                algorithms = ["HS256"]
            else:
                key = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256"]
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                issuer=s.auth_issuer,
                # The app client is checked below: an access token carries it as client_id.
                options={"require": ["exp", "sub", "iss", "token_use"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from exc
        clients = {c.strip() for c in s.auth_audience.split(",") if c.strip()}
        use = claims["token_use"]
        if use == "id":
            client = claims.get("aud")
        elif use == "access":
            client = claims.get("client_id")
        else:
            raise InvalidToken(f"token_use {use!r} is not accepted")
        if not isinstance(client, str) or client not in clients:
            raise InvalidToken("the token is for another app client")
        if not isinstance(claims["sub"], str) or not claims["sub"].strip():
            raise InvalidToken("the token names no user (empty sub)")
        groups = claims.get("cognito:groups") or claims.get("groups") or []
        return Principal(user_id=claims["sub"], groups=tuple(groups))


def issue_local_token(
    settings: Settings, user_id: str, *, groups: tuple[str, ...] = (), ttl_seconds: int = 12 * 3600
) -> str:
    """A token the local cloud accepts; refuses to sign for any other mode."""
    if settings.auth_mode != "local":
        raise RuntimeError("local tokens can only be issued when AUTH_MODE=local")
    now = int(time.time())
    claims = {
        "sub": user_id,
        "token_use": "id",
        "aud": settings.auth_audience.split(",")[0],
        "iss": settings.auth_issuer,
        "iat": now,
        "exp": now + ttl_seconds,
        "groups": list(groups),
    }
    return jwt.encode(claims, settings.auth_local_key, algorithm="HS256")
