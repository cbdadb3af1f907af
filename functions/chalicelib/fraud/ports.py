"""Ports of fraud screening, and in-memory fakes that honour the same contract as DynamoDB.

tests/risk/test_fraud_contract.py runs one suite against both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from chalicelib.fraud.model import BlacklistEntry

MAX_MEMBERS_PER_BUCKET = 1000
"""A bucket stops growing here: the count is far past every threshold by then, and the item
stays well under DynamoDB's 400 KB limit even when a bot farm hammers one IP."""


@dataclass(frozen=True)
class MemberAdd:
    series: str
    bucket: str
    member: str
    expires_at: int


class FraudCounters(Protocol):
    """String sets per (series, time bucket). Screening one application is one `add_members`
    and one `members`: a round trip each, whatever the number of counters."""

    def add_members(self, adds: Sequence[MemberAdd]) -> None:
        """Add each member to its (series, bucket) set. Adding one again changes nothing, which is
        what makes a retried application count once. A full bucket (MAX_MEMBERS_PER_BUCKET, or
        the adapter's max_members) silently drops new members; the other adds still land."""

    def members(self, wanted: Mapping[str, Sequence[str]]) -> dict[str, frozenset[str]]:
        """For each series, the union of its sets in the given buckets (empty when none exist)."""


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

    def add_members(self, adds: Sequence[MemberAdd]) -> None:
        for add in adds:
            members = self.sets.setdefault((add.series, add.bucket), set())
            if len(members) < self.max_members:
                members.add(add.member)

    def members(self, wanted: Mapping[str, Sequence[str]]) -> dict[str, frozenset[str]]:
        return {
            series: frozenset().union(*(self.sets.get((series, b), set()) for b in buckets))
            for series, buckets in wanted.items()
        }


class InMemoryBlacklist:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], BlacklistEntry] = {}

    def add(self, entry: BlacklistEntry) -> None:
        self.entries[(entry.kind, entry.value_hash)] = entry

    def remove(self, kind: str, value_hash: str) -> None:
        self.entries.pop((kind, value_hash), None)

    def find(self, keys: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        return {k for k in keys if k in self.entries}
