"""Put a person, phone or device on the fraud list (ops tooling, confirmed-fraud handling)."""

from __future__ import annotations

from datetime import datetime

from chalicelib.fraud.identifiers import hash_identifier
from chalicelib.fraud.model import BLACKLIST_KINDS, BlacklistEntry, BlacklistKind
from chalicelib.fraud.port import Blacklist


def blacklist_value(
    blacklist: Blacklist,
    *,
    pepper: bytes,
    kind: BlacklistKind,
    raw_value: str,
    reason_code: str,
    now: datetime,
) -> BlacklistEntry:
    """Hash a raw ID number, phone or device fingerprint and list it. The raw value is not kept.

    Screening matches ID and phone by the hashes KYC hands over, so those must be
    hash_identifier(pepper, "ID"/"PHONE", value) with the same pepper.
    """
    if kind not in BLACKLIST_KINDS:
        raise ValueError(f"kind must be one of {BLACKLIST_KINDS}, not {kind!r}")
    entry = BlacklistEntry(
        kind, hash_identifier(pepper, kind, raw_value), reason_code, int(now.timestamp())
    )
    blacklist.add(entry)
    return entry
