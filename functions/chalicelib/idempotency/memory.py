"""Idempotency claims in memory: the DynamoDB adapter's contract, for fast tests."""

from __future__ import annotations

import threading

from .port import TTL_SECONDS, Claim


class InMemoryIdempotencyStore:
    def __init__(self) -> None:
        self._claims: dict[tuple[str, str], Claim] = {}
        self._lock = threading.Lock()

    def claim(self, user_id: str, key: str, claim: Claim) -> Claim | None:
        with self._lock:
            held = self._claims.get((user_id, key))
            if held == claim:
                return None  # our own claim again (the adapter's retry after a lost answer)
            if held is not None and held.claimed_at + TTL_SECONDS >= claim.claimed_at:
                return held
            self._claims[(user_id, key)] = claim
            return None

    def take_over(self, user_id: str, key: str, old: Claim, new: Claim) -> bool:
        with self._lock:
            held = self._claims.get((user_id, key))
            if held is None or held.resource_id != old.resource_id:
                return False
            self._claims[(user_id, key)] = new
            return True

    def release(self, user_id: str, key: str, resource_id: str) -> None:
        with self._lock:
            held = self._claims.get((user_id, key))
            if held is not None and held.resource_id == resource_id:
                del self._claims[(user_id, key)]
