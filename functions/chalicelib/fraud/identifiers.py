"""Pseudonymise identifiers before they become keys (PIPL): HMAC-SHA256 with a secret pepper."""

from __future__ import annotations

import hashlib
import hmac


def hash_identifier(pepper: bytes, kind: str, value: str) -> str:
    """Hex HMAC of 'kind:value'. The kind separates namespaces (a phone is never an IP).

    The pepper comes from the secret store through the wiring; without it the hash of a phone
    number or an IP could be reversed by enumeration.
    """
    if not pepper:
        raise ValueError("pepper is empty")
    msg = f"{kind}:{value.strip().lower()}".encode()
    return hmac.new(pepper, msg, hashlib.sha256).hexdigest()
