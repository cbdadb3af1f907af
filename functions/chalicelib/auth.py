"""Bearer JWTs: verified signature, expiry, audience and issuer.

On AWS the tokens come from Cognito and are checked against its JWKS (RS256). In the
local cloud `lending token USER_ID` signs them with a local key (HS256). Either way the
subject (`sub`) is the user id every resource is owned by.
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
                audience=s.auth_audience,
                issuer=s.auth_issuer,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(type(exc).__name__) from exc
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
        "aud": settings.auth_audience,
        "iss": settings.auth_issuer,
        "iat": now,
        "exp": now + ttl_seconds,
        "groups": list(groups),
    }
    return jwt.encode(claims, settings.auth_local_key, algorithm="HS256")
