"""Every fraud threshold in one place, and what each signal does to the application."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Action = Literal["DECLINE", "REVIEW"]

DEVICE_SHARED = "FRAUD_DEVICE_SHARED"
VELOCITY = "FRAUD_VELOCITY"
LOCATION = "FRAUD_LOCATION"
IMPOSSIBLE_TRAVEL = "FRAUD_IMPOSSIBLE_TRAVEL"
BLACKLIST = "FRAUD_BLACKLIST"
IDENTITY_SHARED = "FRAUD_IDENTITY_SHARED"


def _default_actions() -> Mapping[str, Action]:
    return MappingProxyType(
        {
            BLACKLIST: "DECLINE",
            DEVICE_SHARED: "DECLINE",  # one phone, many identities: a fraud ring or an agent
            IMPOSSIBLE_TRAVEL: "DECLINE",  # location is spoofed or the account is shared
            IDENTITY_SHARED: "REVIEW",  # a stolen identity, or one person's new account: ask
            VELOCITY: "REVIEW",  # retries after a typo look the same as probing: a person looks
            LOCATION: "REVIEW",  # people travel and move; ask, do not refuse
        }
    )


@dataclass(frozen=True)
class FraudPolicy:
    # Device shared by several applicants
    device_max_distinct_ids: int = 3
    """Flag when MORE than this many distinct ID hashes applied from one device ..."""
    device_window_days: int = 30
    """... within the last this many days (to the second)."""

    # One identity, several accounts
    identity_max_accounts: int = 1
    """Flag when MORE than this many accounts (user ids) applied with one ID number ..."""
    identity_window_days: int = 365
    """... within the last this many days: one person, one credit line."""

    # Velocity: applications per device / IP / ID
    velocity_max_per_device: int = 5
    """Flag when MORE than this many applications came from one device ..."""
    velocity_max_per_ip: int = 5
    """... from one IP. Mobile carriers put many users behind one IP (CGNAT): raise this one
    first if honest applicants get flagged."""
    velocity_max_per_id: int = 5
    """... for one ID number ..."""
    velocity_window_hours: int = 24
    """... within the last this many hours (to the second)."""

    # Location against the declared city
    max_km_from_declared_city: int = 300

    # Impossible travel between two applications of one user or one device
    max_travel_kmh: int = 900
    """Faster than a commercial flight."""
    travel_lookback_hours: int = 24
    """Sightings are kept 2 × this + 1 h at most (their bucket's expiry), then DynamoDB deletes
    them."""
    travel_min_km: int = 50
    """Ignore shorter jumps: GPS and cell-tower positions drift by tens of kilometres."""
    travel_min_seconds: int = 60
    """Floor for the time between two sightings, so that a zero gap does not divide by zero."""

    actions: Mapping[str, Action] = field(default_factory=_default_actions)


DEFAULT_FRAUD_POLICY = FraudPolicy()
