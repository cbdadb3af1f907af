"""Ports of fraud screening, and in-memory fakes that honour the same contract as DynamoDB.

tests/risk/test_fraud_contract.py runs one suite against both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from chalicelib.fraud.model import BlacklistEntry, Sighting


MAX_MEMBERS_PER_BUCKET = 1000
"""A bucket stops growing here: the count is far past every threshold by then, and the item
stays well under DynamoDB's 400 KB limit even when a bot farm hammers one IP."""


class FraudCounters(Protocol):
    def add_member(self, series: str, bucket: str, member: str, expires_at: int) -> None:
        """Add `member` to the set at (series, bucket). Atomic; adding it again changes nothing,
        which is what makes a retried application count once. A full bucket
        (MAX_MEMBERS_PER_BUCKET, or the adapter's max_members) silently drops new members."""

    def members(self, series: str, first_bucket: str, last_bucket: str) -> frozenset[str]:
        """Union of the sets in buckets first..last (inclusive, in key order)."""

    def record_sighting(self, series: str, sighting: Sighting, expires_at: int) -> None:
        """Remember where an application came from (idempotent per application and time)."""

    def sightings_since(self, series: str, since: int) -> list[Sighting]:
        """Sightings at or after `since` (epoch seconds), oldest first."""


class Blacklist(Protocol):
    def add(self, entry: BlacklistEntry) -> None:
        """Insert or replace the entry for (kind, value_hash)."""

    def remove(self, kind: str, value_hash: str) -> None: ...

    def find(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (kind, value_hash) pairs are listed."""


class InMemoryFraudCounters:
    """Fake counters. Ignores expiry (as DynamoDB may, for up to days after expiresAt)."""

    def __init__(self, max_members: int = MAX_MEMBERS_PER_BUCKET) -> None:
        self.max_members = max_members
        self.sets: dict[tuple[str, str], set[str]] = {}
        self.sightings: dict[tuple[str, str], Sighting] = {}

    def add_member(self, series: str, bucket: str, member: str, expires_at: int) -> None:
        members = self.sets.setdefault((series, bucket), set())
        if len(members) < self.max_members:
            members.add(member)

    def members(self, series: str, first_bucket: str, last_bucket: str) -> frozenset[str]:
        out: set[str] = set()
        for (s, b), m in self.sets.items():
            if s == series and first_bucket <= b <= last_bucket:
                out |= m
        return frozenset(out)

    def record_sighting(self, series: str, sighting: Sighting, expires_at: int) -> None:
        key = (series, f"{sighting.at:010d}#{sighting.application_id}")
        self.sightings[key] = Sighting(
            sighting.application_id, sighting.at, round(sighting.lat, 2), round(sighting.lon, 2)
        )

    def sightings_since(self, series: str, since: int) -> list[Sighting]:
        return [v for (s, k), v in sorted(self.sightings.items()) if s == series and v.at >= since]


class InMemoryBlacklist:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], BlacklistEntry] = {}

    def add(self, entry: BlacklistEntry) -> None:
        self.entries[(entry.kind, entry.value_hash)] = entry

    def remove(self, kind: str, value_hash: str) -> None:
        self.entries.pop((kind, value_hash), None)

    def find(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        return {k for k in keys if k in self.entries}
