"""`Idempotency-Key`: a repeated request gets the first request's answer, never a second effect.

A key maps to the id of the resource its first request creates, chosen before anything is
written: the claim is one conditional write, and the resource's own create is conditional on
that id being new, so a request that runs twice creates one resource. A repeat of the same
request (compared as parsed, in one canonical spelling: `api.http.canonical`) answers with that
id (the first request's answer); another request under the same key, 422.

Record: IDEM#{userId}#{key} / IDEM with the request's hash, the resource id and when it was
claimed; expires after 24 h (TTL attribute `expiresAt`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

TTL_SECONDS = 24 * 3600
# A claim whose resource does not exist this long after it was made belongs to a request that
# died before writing it (a crashed container): a repeat may take it over.
ABANDONED_AFTER_SECONDS = 30


@dataclass(frozen=True)
class Claim:
    request_hash: str
    resource_id: str
    claimed_at: int  # epoch seconds


def request_hash(route: str, body: bytes) -> str:
    return hashlib.sha256(route.encode() + b"\n" + body).hexdigest()


class IdempotencyStore(Protocol):
    def claim(self, user_id: str, key: str, claim: Claim) -> Claim | None:
        """Claim the key for `claim.resource_id`. None if this call claimed it (also when the
        key already holds this very claim: a retried write whose first answer was lost); else
        the claim that holds it (an expired one counts as free)."""
        ...

    def take_over(self, user_id: str, key: str, old: Claim, new: Claim) -> bool:
        """Replace an abandoned claim, only if it is still `old`; True if replaced."""
        ...

    def release(self, user_id: str, key: str, resource_id: str) -> None:
        """Give the key back when its request failed, so the client can retry it."""
        ...
