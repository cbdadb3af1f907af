"""In-memory fraud store: honours the same contract as the DynamoDB adapter."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from chalicelib.fraud.model import BlacklistEntry
from chalicelib.fraud.port import MAX_MEMBERS_PER_BUCKET, MemberAdd


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


class InMemoryFraudStore(InMemoryFraudCounters, InMemoryBlacklist):
    def __init__(self, max_members: int = MAX_MEMBERS_PER_BUCKET) -> None:
        InMemoryFraudCounters.__init__(self, max_members)
        InMemoryBlacklist.__init__(self)

    def lookup(
        self, wanted: Mapping[str, Sequence[str]], listed: Collection[tuple[str, str]]
    ) -> tuple[dict[str, frozenset[str]], set[tuple[str, str]]]:
        return self.members(wanted), self.find(listed)
