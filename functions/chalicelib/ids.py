"""Identifiers: time-ordered, unguessable, and free of personal data."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _b32(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    """`app_01hx...`: 10 chars of milliseconds then 16 random chars (80 bits), sortable by time."""
    ms = int(time.time() * 1000)
    return f"{prefix}_{_b32(ms, 10)}{_b32(secrets.randbits(80), 16)}"


def has_prefix(value: str, prefix: str) -> bool:
    return (
        value.startswith(prefix + "_")
        and len(value) == len(prefix) + 27
        and all(c in _ALPHABET for c in value[len(prefix) + 1 :])
    )
