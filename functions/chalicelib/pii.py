"""Identifiers that stand in for personal data wherever a key or a log line needs one."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(pepper: str, kind: str, value: str) -> str:
    """Keyed hash of a personal identifier: stable for matching, useless without the pepper."""
    digest = hmac.new(pepper.encode(), f"{kind}:{value.strip().upper()}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
