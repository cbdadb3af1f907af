"""Ports of fraud screening: counters (string sets per time bucket) and the blacklist.

tests/fraud/test_contract.py runs one suite against the in-memory fakes and DynamoDB.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
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


class FraudStore(FraudCounters, Blacklist, Protocol):
    """Counters and blacklist in one store, so screening reads both in one round trip."""

    def lookup(
        self, wanted: Mapping[str, Sequence[str]], listed: Collection[tuple[str, str]]
    ) -> tuple[dict[str, frozenset[str]], set[tuple[str, str]]]:
        """`members(wanted)` and `find(listed)` at once."""
        ...
