"""A local bank for tests and the local cloud: idempotent per key, with seeded fault injection.

Like a real rail, the bank keeps its own record of every transfer (`RailState`) and a repeated
key returns the recorded result without moving money again. Faults, drawn from a seeded RNG:

- decline: a definitive refusal, recorded (a repeat of the key is declined again);
- error_5xx: refused before processing, nothing recorded;
- timeout_before: the request never reached the bank, nothing recorded, the caller times out;
- timeout_after: the bank moved the money and recorded it, then the caller timed out.

The adapter raises PayoutOutcomeUnknown / CollectionOutcomeUnknown for the last three: the caller
cannot know whether money moved and must resolve with `status(key)`, never by paying again.
An account_ref starting with "decline-" is always declined (deterministic hook for tests).

The bank's book lives behind `port.RailBook`: `memory.InMemoryRailBook` (one per name in the
process, so Lambda invocations in one process share it) or `dynamo.DynamoRailBook` (items
`RAIL#{key}` / `TXN` in the lending table, so the bank survives restarts as a real bank would).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from chalicelib.errors import CollectionOutcomeUnknown, Conflict, PayoutOutcomeUnknown
from chalicelib.rail.port import COLLECT, DECLINED, PAYOUT, SETTLED, RailBook, RailResult


@dataclass(frozen=True)
class Faults:
    """Probabilities per call (they are tried in this order) and a latency range in seconds."""

    decline: float = 0.0
    error_5xx: float = 0.0
    timeout_before: float = 0.0
    timeout_after: float = 0.0
    latency_s: tuple[float, float] = (0.0, 0.0)
    seed: int = 0


class SandboxRail:
    """The sandbox bank seen through the `Rail` port."""

    def __init__(self, state: RailBook, faults: Faults = Faults()) -> None:
        self.state = state
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._rng_lock = threading.Lock()

    def payout(self, idempotency_key: str, account_ref: str, amount_fen: int) -> RailResult:
        return self._transfer(
            PAYOUT, idempotency_key, account_ref, amount_fen, PayoutOutcomeUnknown
        )

    def collect(self, idempotency_key: str, account_ref: str, amount_fen: int) -> RailResult:
        return self._transfer(
            COLLECT, idempotency_key, account_ref, amount_fen, CollectionOutcomeUnknown
        )

    def status(self, idempotency_key: str) -> RailResult | None:
        return self.state.get(idempotency_key)

    # -- the bank --------------------------------------------------------------------------

    def _draw(self) -> tuple[float, float]:
        with self._rng_lock:
            lo, hi = self.faults.latency_s
            return self._rng.random(), self._rng.uniform(lo, hi) if hi > 0 else 0.0

    def _transfer(
        self, kind: str, key: str, account_ref: str, amount_fen: int, unknown: type[Exception]
    ) -> RailResult:
        if type(amount_fen) is not int or amount_fen <= 0:
            raise ValueError(f"amount must be a positive integer of fen, not {amount_fen!r}")
        roll, latency = self._draw()
        if latency:
            time.sleep(latency)
        f = self.faults
        existing = self.state.get(key)
        if existing is not None:
            if (existing.kind, existing.amount_fen, existing.account_ref) != (
                kind,
                amount_fen,
                account_ref,
            ):
                raise Conflict(f"rail key {key} was used for a different transfer")
            if roll < f.timeout_after:  # the repeat may time out too; money still moves once
                raise unknown(f"{kind} {key}: timed out (repeat)")
            return existing
        edge = f.decline
        if roll < edge or account_ref.startswith("decline-"):
            return self.state.record(
                RailResult(key, kind, DECLINED, amount_fen, account_ref, "declined by bank")
            )
        edge += f.error_5xx
        if roll < edge:
            raise unknown(f"{kind} {key}: bank answered 503")
        edge += f.timeout_before
        if roll < edge:
            raise unknown(f"{kind} {key}: timed out before the bank received it")
        result = self.state.record(RailResult(key, kind, SETTLED, amount_fen, account_ref))
        edge += f.timeout_after
        if roll < edge:
            raise unknown(f"{kind} {key}: timed out after the bank moved the money")
        return result

    def moved(self) -> dict[str, int]:
        """The bank's totals of settled money: {"payout": fen, "collect": fen}."""
        totals = {PAYOUT: 0, COLLECT: 0}
        for r in self.state.all():
            if r.status == SETTLED:
                totals[r.kind] += r.amount_fen
        return totals
